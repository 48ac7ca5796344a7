// SPDX-License-Identifier: MIT
#include "notify/outbox.h"

#include <fmt/format.h>

#include <mutex>

#include "mail/message.h"
#include "store/module_io.h"
#include "store/sqlite.h"
#include "xerod/store.h"

namespace xerod::notify {

std::string_view ToString(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kLost:
      return "lost";
    case NoticeKind::kReminder:
      return "reminder";
    case NoticeKind::kRestored:
      return "restored";
    case NoticeKind::kDigest:
      return "digest";
  }
  return "lost";
}

std::string_view ToString(NoticeState state) {
  switch (state) {
    case NoticeState::kQueued:
      return "queued";
    case NoticeState::kSent:
      return "sent";
    case NoticeState::kFailed:
      return "failed";
  }
  return "queued";
}

std::optional<NoticeState> ParseNoticeState(std::string_view text) {
  for (auto s : {NoticeState::kQueued, NoticeState::kSent, NoticeState::kFailed}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

namespace {

NoticeKind ParseKind(std::string_view text) {
  for (auto k : {NoticeKind::kLost, NoticeKind::kReminder, NoticeKind::kRestored}) {
    if (ToString(k) == text) return k;
  }
  return NoticeKind::kDigest;
}

constexpr std::string_view kColumns =
    "id, kind, connection, dedupe_key, recipients, subject, body, html, message_id, state, "
    "attempts, next_attempt_at, last_error, created_at, sent_at FROM notifications";

std::vector<std::string> SplitRecipients(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Notification ReadRow(const store::Statement& row) {
  Notification n;
  n.id = row.Int(0);
  n.kind = ParseKind(row.Text(1));
  n.connection = row.Text(2);
  n.dedupe_key = row.Text(3);
  n.message.to = SplitRecipients(row.Text(4));
  n.message.subject = row.Text(5);
  n.message.body = row.Text(6);
  n.message.html = row.Text(7);
  n.message.message_id = row.Text(8);
  n.state = ParseNoticeState(row.Text(9)).value_or(NoticeState::kFailed);
  n.attempts = static_cast<int>(row.Int(10));
  n.next_attempt_at = FromUnixMillis(row.Int(11));
  n.last_error = row.OptText(12).value_or("");
  n.created_at = FromUnixMillis(row.Int(13));
  if (auto t = row.OptInt(14)) n.sent_at = FromUnixMillis(*t);
  return n;
}

Result<std::vector<Notification>> ReadAll(store::Statement& st) {
  std::vector<Notification> out;
  for (;;) {
    auto row = st.Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadRow(st));
  }
  return out;
}

}  // namespace

class Outbox::Impl {
 public:
  Impl(Store& store, Clock& clock, std::string domain, Executor complete_on)
      : store_(store), clock_(clock), domain_(std::move(domain)), complete_on_(complete_on) {}
  ~Impl() { in_flight_.Close(); }

  template <typename T>
  void Write(std::function<Result<T>(store::Db&)> work, Callback<T> done) {
    store::WriteThen<T>(store_, in_flight_, complete_on_, std::move(work), std::move(done));
  }

  template <typename T>
  Result<T> Read(const std::function<Result<T>(store::Db&)>& work) {
    return store::ReadResult<T>(store_, work);
  }

  std::string Domain() {
    std::lock_guard lock(mu_);
    return domain_;
  }

  Status Update(store::Db& db, std::string_view sql, std::int64_t id, std::int64_t now,
                const std::function<void(store::Statement&)>& bind) {
    auto st = db.Prepare(sql);
    if (!st) return Fail(st.error());
    st->Bind(1, id).Bind(2, now);
    bind(*st);
    if (auto s = st->Run(); !s) return s;
    if (db.Changes() != 1) return Fail(Code::kNotFound, fmt::format("no notification {}", id));
    return Ok();
  }

  Store& store_;
  Clock& clock_;
  std::mutex mu_;
  std::string domain_;
  const Executor complete_on_;
  store::InFlight in_flight_;
};

Outbox::Outbox(Store& store, Clock& clock, std::string id_domain, Executor complete_on)
    : impl_(std::make_unique<Impl>(store, clock, std::move(id_domain), std::move(complete_on))) {}
Outbox::~Outbox() = default;

void Outbox::SetIdDomain(std::string domain) {
  std::lock_guard lock(impl_->mu_);
  impl_->domain_ = std::move(domain);
}

Result<bool> Outbox::AddIn(store::Db& db, const NewNotification& n) {
  if (n.dedupe_key.empty()) return Fail(Code::kInvalidArgument, "a notification needs a key");
  if (n.message.to.empty()) return Fail(Code::kInvalidArgument, "a notification needs recipients");
  std::string recipients;
  for (const auto& r : n.message.to) {
    if (r.find(',') != std::string::npos) {
      return Fail(Code::kInvalidArgument, fmt::format("bad recipient '{}'", r));
    }
    recipients += (recipients.empty() ? "" : ",") + r;
  }
  std::string message_id =
      n.message.message_id.empty() ? mail::NewMessageId(impl_->Domain()) : n.message.message_id;
  const std::int64_t now = ToUnixMillis(impl_->clock_.Now());
  auto st = db.Prepare(
      "INSERT INTO notifications (kind, connection, dedupe_key, recipients, subject, body, html, "
      "message_id, state, attempts, next_attempt_at, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', 0, ?9, ?9, ?9) "
      "ON CONFLICT (dedupe_key) DO NOTHING");
  if (!st) return Fail(st.error());
  st->Bind(1, ToString(n.kind))
      .Bind(2, n.connection)
      .Bind(3, n.dedupe_key)
      .Bind(4, recipients)
      .Bind(5, n.message.subject)
      .Bind(6, n.message.body)
      .Bind(7, n.message.html)
      .Bind(8, message_id)
      .Bind(9, now);
  if (auto s = st->Run(); !s) return Fail(s.error());
  return db.Changes() == 1;
}

void Outbox::Add(NewNotification notification, Callback<bool> done) {
  impl_->Write<bool>([this, n = std::move(notification)](store::Db& db) { return AddIn(db, n); },
                     std::move(done));
}

Result<std::vector<Notification>> Outbox::List(std::optional<NoticeState> state,
                                               std::int64_t before_id, int limit) {
  limit = std::clamp(limit, 1, 1000);
  return impl_->Read<std::vector<Notification>>([&](store::Db& db)
                                                    -> Result<std::vector<Notification>> {
    auto st = db.Prepare(fmt::format(
        "SELECT {} WHERE (?1 = '' OR state = ?1) AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
        kColumns));
    if (!st) return Fail(st.error());
    st->Bind(1, std::string(state ? ToString(*state) : "")).Bind(2, before_id).Bind(3, limit);
    return ReadAll(*st);
  });
}

Result<std::vector<Notification>> Outbox::Due(TimePoint now, int limit) {
  return impl_->Read<std::vector<Notification>>(
      [&](store::Db& db) -> Result<std::vector<Notification>> {
        auto st =
            db.Prepare(fmt::format("SELECT {} WHERE state = 'queued' AND next_attempt_at <= ?1 "
                                   "ORDER BY next_attempt_at, id LIMIT ?2",
                                   kColumns));
        if (!st) return Fail(st.error());
        st->Bind(1, ToUnixMillis(now)).Bind(2, limit);
        return ReadAll(*st);
      });
}

Result<std::optional<TimePoint>> Outbox::NextDue() {
  return impl_->Read<std::optional<TimePoint>>(
      [](store::Db& db) -> Result<std::optional<TimePoint>> {
        auto st =
            db.Prepare("SELECT MIN(next_attempt_at) FROM notifications WHERE state = 'queued'");
        if (!st) return Fail(st.error());
        auto row = st->Step();
        if (!row) return Fail(row.error());
        auto v = st->OptInt(0);
        if (!v) return std::optional<TimePoint>();
        return std::optional<TimePoint>(FromUnixMillis(*v));
      });
}

Result<std::optional<Notification>> Outbox::LastConnectionNotice(const std::string& connection) {
  return impl_->Read<std::optional<Notification>>(
      [&](store::Db& db) -> Result<std::optional<Notification>> {
        auto st = db.Prepare(fmt::format(
            "SELECT {} WHERE connection = ?1 AND kind IN ('lost', 'reminder', 'restored') "
            "ORDER BY id DESC LIMIT 1",
            kColumns));
        if (!st) return Fail(st.error());
        st->Bind(1, connection);
        auto all = ReadAll(*st);
        if (!all) return Fail(all.error());
        if (all->empty()) return std::optional<Notification>();
        return std::optional<Notification>(std::move(all->front()));
      });
}

void Outbox::MarkSent(std::int64_t id, std::string answer, Callback<void> done) {
  const std::int64_t now = ToUnixMillis(impl_->clock_.Now());
  impl_->Write<void>(
      [this, id, now, answer = std::move(answer)](store::Db& db) {
        return impl_->Update(db,
                             "UPDATE notifications SET state = 'sent', attempts = attempts + 1, "
                             "sent_at = ?2, updated_at = ?2, last_error = ?3 WHERE id = ?1",
                             id, now, [&](store::Statement& st) { st.Bind(3, answer); });
      },
      std::move(done));
}

void Outbox::MarkRetry(std::int64_t id, TimePoint next_attempt_at, std::string error,
                       Callback<void> done) {
  const std::int64_t now = ToUnixMillis(impl_->clock_.Now());
  impl_->Write<void>(
      [this, id, now, next = ToUnixMillis(next_attempt_at),
       error = std::move(error)](store::Db& db) {
        return impl_->Update(
            db,
            "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?3, "
            "last_error = ?4, updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
            id, now, [&](store::Statement& st) { st.Bind(3, next).Bind(4, error); });
      },
      std::move(done));
}

void Outbox::MarkFailed(std::int64_t id, std::string error, Callback<void> done) {
  const std::int64_t now = ToUnixMillis(impl_->clock_.Now());
  impl_->Write<void>(
      [this, id, now, error = std::move(error)](store::Db& db) {
        return impl_->Update(db,
                             "UPDATE notifications SET state = 'failed', attempts = attempts + 1, "
                             "last_error = ?3, updated_at = ?2 WHERE id = ?1 AND state = 'queued'",
                             id, now, [&](store::Statement& st) { st.Bind(3, error); });
      },
      std::move(done));
}

void Outbox::RetryAllNow(Callback<void> done) {
  const std::int64_t now = ToUnixMillis(impl_->clock_.Now());
  impl_->Write<void>(
      [now](store::Db& db) -> Status {
        auto st = db.Prepare(
            "UPDATE notifications SET next_attempt_at = ?1 WHERE state = 'queued' AND "
            "next_attempt_at > ?1");
        if (!st) return Fail(st.error());
        return st->Bind(1, now).Run();
      },
      std::move(done));
}

}  // namespace xerod::notify
