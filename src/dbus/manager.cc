// SPDX-License-Identifier: MIT
#include "dbus/manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "dbus/convert.h"
#include "dbus/guard.h"
#include "dbus/names.h"
#include "xerod/version.h"

namespace xerod::dbus {
namespace {

constexpr auto kCountsRefreshDelay = std::chrono::milliseconds(500);

template <typename T>
T OrThrow(Result<T> r) {
  if (!r) throw ToDbusError(r.error());
  return std::move(*r);
}

}  // namespace

Manager::Manager(sdbus::IConnection& connection, boost::asio::io_context& io, JobQueue& queue,
                 ControlHooks hooks, ControlOptions options, ConnectionApi connections,
                 std::shared_ptr<void> bus_keep_alive)
    : AdaptorInterfaces(connection, kObjectPath),
      io_(io),
      queue_(queue),
      hooks_(std::move(hooks)),
      options_(std::move(options)),
      access_(hooks_.admin_group),
      counts_timer_(io),
      connections_(connections),
      poster_(std::make_shared<Poster>(io)),
      bus_(std::move(bus_keep_alive)) {
  counts_ = CountsToMap({});
  registerAdaptor();
}

Manager::~Manager() {
  *alive_ = false;
  poster_->Retire();
  unregisterAdaptor();
}

Status Manager::LoadInitialState() {
  auto holds = queue_.Holds();
  if (!holds) return Fail(holds.error());
  auto global = holds->find("*");
  paused_ = global != holds->end() && global->second.paused;
  auto counts = queue_.Counts();
  if (!counts) return Fail(counts.error());
  counts_ = CountsToMap(*counts);
  if (connections_.store != nullptr) {
    auto all = connections_.store->List();
    if (!all) return Fail(all.error());
    connection_count_ = static_cast<std::uint32_t>(all->size());
  }
  return Ok();
}

void Poster::Complete(std::function<void()> task) {
  if (!io_.get_executor().running_in_this_thread()) return Post(std::move(task));
  Run(task);
}

void Poster::Post(std::function<void()> task) {
  boost::asio::post(io_, [self = shared_from_this(), task = std::move(task)] { self->Run(task); });
}

void Poster::Run(const std::function<void()>& task) {
  if (!alive_) return;
  try {
    task();
  } catch (const std::exception& e) {
    spdlog::error("D-Bus: {}", e.what());
  }
  if (pump_) pump_->Kick();
}

bool Manager::CallerIsAdmin(const char* method) {
  const sdbus::Message* call = getObject().getCurrentlyProcessedMessage();
  return call != nullptr && access_.IsCallerAdmin(*call, method);
}

void Manager::RequireAdmin(const char* method) {
  const sdbus::Message* call = getObject().getCurrentlyProcessedMessage();
  if (!call) throw sdbus::Error(kErrorPermissionDenied, "no caller");
  if (auto ok = access_.CheckAdmin(*call, method); !ok) throw ToDbusError(ok.error());
}

// ---- Queue events -------------------------------------------------------

void Manager::OnJobStateChanged(const JobStateChange& change) {
  emitJobStateChanged(change.job_id, change.connection, std::string(ToString(change.kind)),
                      change.source_id, std::string(ToString(change.state)), change.error);
  if (change.state == JobState::kSucceeded) {
    emitJobCopied(change.job_id, change.connection, std::string(ToString(change.kind)),
                  change.source_id, change.xero_id, change.xero_link, change.warning);
  }
  ScheduleCountsRefresh();
}

void Manager::OnHoldChanged(const HoldChange& change) {
  emitHoldChanged(change.scope, change.hold.paused, change.hold.parked, change.hold.reason);
  if (change.scope == "*" && change.hold.paused != paused_) {
    paused_ = change.hold.paused;
    emitPropertiesChangedSignal(kManagerInterface, {"Paused"});
  }
}

void Manager::OnConfigReloaded() {
  emitPropertiesChangedSignal(kManagerInterface, {"ConfigGeneration"});
}

void Manager::ScheduleCountsRefresh() {
  if (counts_refresh_armed_) return;
  counts_refresh_armed_ = true;
  counts_timer_.expires_after(kCountsRefreshDelay);
  counts_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    counts_refresh_armed_ = false;
    poster_->Complete([this] {  // the pump sends the signal
      auto counts = queue_.Counts();
      if (!counts) return spdlog::warn("job counts: {}", counts.error().message());
      auto fresh = CountsToMap(*counts);
      if (fresh == counts_) return;
      counts_ = std::move(fresh);
      emitPropertiesChangedSignal(kManagerInterface, {"JobCounts"});
    });
  });
}

// ---- Read-only methods --------------------------------------------------

void Manager::GetStatus(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) {
  Guarded("GetStatus", [&] {
    // Reads from the store's read connection: never behind the writer.
    auto counts = queue_.Counts();
    if (!counts) throw ToDbusError(counts.error());
    auto holds = queue_.Holds();
    if (!holds) throw ToDbusError(holds.error());
    std::map<std::string, sdbus::Variant> status;
    auto uptime = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    status["version"] = sdbus::Variant(std::string(kVersion));
    status["uptime_usec"] = sdbus::Variant(static_cast<std::uint64_t>(uptime.count()));
    status["pid"] = sdbus::Variant(static_cast<std::uint32_t>(getpid()));
    auto global = holds->find("*");
    status["paused"] = sdbus::Variant(global != holds->end() && global->second.paused);
    status["config_generation"] =
        sdbus::Variant(static_cast<std::uint32_t>(hooks_.config_generation()));
    status["job_counts"] = sdbus::Variant(CountsToMap(*counts));
    std::map<std::string, HoldRow> hold_map;
    for (const auto& [scope, hold] : *holds) {
      hold_map[scope] = HoldRow(hold.paused, hold.parked, hold.reason);
    }
    status["holds"] = sdbus::Variant(hold_map);
    if (hooks_.send_state) {
      AddSendState(status, hooks_.send_state(*holds));
    } else {
      status["send_allowance_per_minute"] = sdbus::Variant(SendAllowance(*holds));
    }
    status["bus"] = sdbus::Variant(std::string(ToString(options_.bus)));
    status["database"] = sdbus::Variant(options_.database);
    result.returnResults(status);
  });
}

void Manager::ListJobs(
    sdbus::Result<std::vector<std::map<std::string, sdbus::Variant>>, std::int64_t>&& result,
    std::map<std::string, sdbus::Variant> filter) {
  Guarded("ListJobs", [&] {
    auto page = queue_.List(OrThrow(ParseJobFilter(filter)));
    if (!page) throw ToDbusError(page.error());
    // A job's error may quote its document (personal data): for admins only.
    const bool admin = CallerIsAdmin("ListJobs");
    std::vector<std::map<std::string, sdbus::Variant>> jobs;
    jobs.reserve(page->jobs.size());
    for (const Job& job : page->jobs) {
      jobs.push_back(JobToVariants(job, false));
      if (!admin) jobs.back().erase("last_error");
    }
    result.returnResults(jobs, page->next_after_id.value_or(0));
  });
}

void Manager::ShowJob(sdbus::Result<std::map<std::string, sdbus::Variant>,
                                    std::vector<std::map<std::string, sdbus::Variant>>>&& result,
                      std::int64_t job_id) {
  Guarded("ShowJob", [&] {
    RequireAdmin("ShowJob");  // the document: client names, e-mails, amounts
    auto detail = queue_.Show(job_id);
    if (!detail) throw ToDbusError(detail.error());
    std::vector<std::map<std::string, sdbus::Variant>> attempts;
    for (const JobAttempt& a : detail->attempts) attempts.push_back(AttemptToVariants(a));
    result.returnResults(JobToVariants(detail->job, true), attempts);
  });
}

void Manager::AddSendState(VariantMap& status, const SendState& state) {
  status["send_allowance_per_minute"] = sdbus::Variant(state.allowance_per_minute);
  std::map<std::string, VariantMap> sending;
  for (const auto& [name, c] : state.connections) {
    const RateAllowance& a = c.allowance;
    VariantMap m;
    m["tenant_id"] = sdbus::Variant(c.tenant_id);
    m["may_send"] = sdbus::Variant(c.may_send);
    m["minute_remaining"] = sdbus::Variant(static_cast<std::int32_t>(a.minute_remaining));
    m["day_remaining"] = sdbus::Variant(static_cast<std::int32_t>(a.day_remaining));
    m["app_minute_remaining"] = sdbus::Variant(static_cast<std::int32_t>(a.app_minute_remaining));
    m["in_flight"] = sdbus::Variant(static_cast<std::int32_t>(a.in_flight));
    m["paused_ms"] = sdbus::Variant(static_cast<std::int64_t>(a.paused_for.count()));
    m["calls_per_minute"] = sdbus::Variant(static_cast<std::int32_t>(a.calls_per_minute));
    sending[name] = std::move(m);
  }
  status["sending"] = sdbus::Variant(sending);
  const CopyStats& s = state.copy;
  status["copied"] =
      sdbus::Variant(std::map<std::string, std::uint64_t>{{"batches", s.batches},
                                                          {"invoices", s.invoices_copied},
                                                          {"payments", s.payments_copied},
                                                          {"refused", s.refused},
                                                          {"contacts_created", s.contacts_created},
                                                          {"xero_calls", s.calls}});
}

std::uint64_t Manager::SendAllowance(const std::map<std::string, Hold>& holds) {
  if (connections_.store == nullptr) return 0;
  auto global = holds.find("*");
  if (global != holds.end() && (global->second.paused || global->second.parked)) return 0;
  auto all = connections_.store->List();
  if (!all) return 0;
  std::uint64_t sending = 0;  // connections that may send now
  for (const ConnectionInfo& c : *all) {
    if (c.state != ConnectionState::kActive) continue;
    auto hold = holds.find(c.name);
    if (hold != holds.end() && (hold->second.paused || hold->second.parked)) continue;
    ++sending;
  }
  const XeroLimits& limits = options_.xero_limits;
  std::uint64_t calls =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(limits.app_per_minute, 0)),
                              sending * static_cast<std::uint64_t>(std::max(limits.per_minute, 0)));
  return calls * static_cast<std::uint64_t>(std::max(options_.batch_size, 1));
}

// ---- Properties ---------------------------------------------------------

std::string Manager::Version() { return kVersion; }
bool Manager::Paused() { return paused_; }
std::map<std::string, std::uint64_t> Manager::JobCounts() { return counts_; }
std::uint32_t Manager::ConfigGeneration() {
  return Guarded("ConfigGeneration",
                 [&] { return static_cast<std::uint32_t>(hooks_.config_generation()); });
}

}  // namespace xerod::dbus
