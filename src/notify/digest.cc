// SPDX-License-Identifier: MIT
#include "notify/digest.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "notify/messages.h"
#include "store/module_io.h"
#include "store/sqlite.h"
#include "xerod/store.h"

namespace xerod::notify {

struct Digests::Window {
  Window(boost::asio::io_context& io, TimePoint opened) : timer(io), opened_at(opened) {}
  boost::asio::steady_timer timer;
  TimePoint opened_at;
};

namespace {

// Invoice number and client name from a job's canonical document.
void DescribeDocument(const std::string& payload, FailedCopy& out) {
  auto doc = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return;
  if (auto n = doc.find("number"); n != doc.end() && n->is_string()) out.number = *n;
  if (auto c = doc.find("client"); c != doc.end() && c->is_object()) {
    if (auto name = c->find("name"); name != c->end() && name->is_string()) out.client = *name;
  }
  if (out.number.empty()) {
    if (auto i = doc.find("invoice_id"); i != doc.end() && i->is_string()) {
      out.number = "payment of " + i->get<std::string>();
    }
  }
}

// What a bookkeeper can do about the most common refusals.
std::string HintFor(std::string_view reason) {
  auto has = [&](std::string_view s) { return reason.find(s) != std::string_view::npos; };
  if (has("Account code") || has("account")) {
    return "check the item's or the connection's revenue account in Xero and in xerod.yaml";
  }
  if (has("TaxType") || has("tax")) return "map the tax rate under the connection's tax_map";
  if (has("currency") || has("Currency")) return "add the currency to the Xero organisation";
  if (has("Contact")) return "check the client in Xero (archived contacts cannot be used)";
  return {};
}

// The digest of `connection` as of `now`, written in the caller's transaction.
Result<int> WriteDigest(store::Db& db, Outbox& outbox, const std::string& connection,
                        const Audience& audience, TimePoint opened, TimePoint now) {
  auto cursor = db.Prepare("SELECT through FROM digest_cursor WHERE connection = ?1");
  if (!cursor) return Fail(cursor.error());
  cursor->Bind(1, connection);
  auto has = cursor->Step();
  if (!has) return Fail(has.error());
  const std::int64_t through = *has ? cursor->Int(0) : 0;
  cursor->Reset();

  auto st = db.Prepare(
      "SELECT id, kind, payload, COALESCE(last_error, ''), finished_at FROM jobs "
      "WHERE state = 'dead' AND connection = ?1 AND finished_at > ?2 ORDER BY finished_at, id");
  if (!st) return Fail(st.error());
  st->Bind(1, connection).Bind(2, through);
  DigestFacts facts;
  facts.connection = connection;
  facts.organisation = audience.organisation;
  facts.window_start = opened;
  facts.window_end = now;
  std::int64_t newest = through;
  for (;;) {
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    ++facts.total;
    newest = std::max(newest, st->Int(4));
    if (facts.failed.size() >= kMaxListed) continue;
    FailedCopy f;
    f.job_id = st->Int(0);
    f.kind = st->Text(1);
    DescribeDocument(st->Text(2), f);
    f.reason = st->Text(3);
    f.hint = HintFor(f.reason);
    facts.failed.push_back(std::move(f));
  }
  st->Reset();
  if (facts.total == 0) return 0;
  if (audience.recipients.empty()) {
    spdlog::warn(
        "connection {}: {} cop(ies) failed for good, but nobody is configured to be told "
        "(connections.{}.notify, notify.admins)",
        connection, facts.total, connection);
  } else {
    NewNotification n;
    n.kind = NoticeKind::kDigest;
    n.connection = connection;
    n.dedupe_key = fmt::format("digest:{}:{}", connection, newest);
    n.message = Digest(facts);
    n.message.to = audience.recipients;
    if (auto added = outbox.AddIn(db, n); !added) return Fail(added.error());
  }
  auto up = db.Prepare(
      "INSERT INTO digest_cursor (connection, through) VALUES (?1, ?2) "
      "ON CONFLICT (connection) DO UPDATE SET through = ?2");
  if (!up) return Fail(up.error());
  if (auto s = up->Bind(1, connection).Bind(2, newest).Run(); !s) return Fail(s.error());
  return static_cast<int>(facts.total);
}

}  // namespace

Digests::Digests(boost::asio::io_context& io, Store& store, Outbox& outbox, Notifier& notifier,
                 Clock& clock, Duration window, AudienceFn audience)
    : io_(io),
      store_(store),
      outbox_(outbox),
      notifier_(notifier),
      clock_(clock),
      window_(window),
      audience_(std::move(audience)) {}

Digests::~Digests() {
  *alive_ = false;
  in_flight_.Close();  // its writes use the outbox: done before anything goes
}

void Digests::Start() {
  std::vector<std::string> pending;
  Status s = store_.Read([&](store::Db& db) -> Status {
    auto st = db.Prepare(
        "SELECT DISTINCT j.connection FROM jobs j LEFT JOIN digest_cursor c "
        "ON c.connection = j.connection WHERE j.state = 'dead' "
        "AND j.finished_at > COALESCE(c.through, 0)");
    if (!st) return Fail(st.error());
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) return Ok();
      pending.push_back(st->Text(0));
    }
  });
  if (!s) spdlog::error("digests: {}", s.error().message());
  for (const auto& c : pending) Open(c, window_);
}

void Digests::OnJobDead(const std::string& connection) { Open(connection, window_); }

void Digests::Open(const std::string& connection, Duration after) {
  if (open_.contains(connection)) return;
  auto w = std::make_unique<Window>(io_, clock_.Now());
  w->timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(after));
  w->timer.async_wait([this, alive = alive_, connection](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    Close(connection);
  });
  open_.emplace(connection, std::move(w));
}

void Digests::Flush() {
  std::vector<std::string> names;
  for (const auto& [name, w] : open_) names.push_back(name);
  for (const auto& name : names) Close(name);
}

void Digests::Close(const std::string& connection) {
  auto it = open_.find(connection);
  if (it == open_.end()) return;
  const TimePoint opened = it->second->opened_at;
  it->second->timer.cancel();
  open_.erase(it);
  Audience audience = audience_(connection);
  const TimePoint now = clock_.Now();
  // Its writes use the outbox, which outlives them: ~Digests waits for them.
  store::WriteThen<int>(
      store_, in_flight_, LoopExecutor(io_),
      [&outbox = outbox_, connection, audience, opened, now](store::Db& db) {
        return WriteDigest(db, outbox, connection, audience, opened, now);
      },
      [this, connection](Result<int> told) {
        if (!told) return spdlog::error("digest for {}: {}", connection, told.error().message());
        if (*told > 0) {
          spdlog::info("connection {}: digest of {} failed cop(ies) queued", connection, *told);
          notifier_.Kick();
        }
      });
}

}  // namespace xerod::notify
