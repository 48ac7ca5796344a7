// SPDX-License-Identifier: MIT
#include "monitor/monitor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "notify/messages.h"
#include "notify/notifier.h"
#include "notify/outbox.h"
#include "xerod/connection_manager.h"
#include "xerod/job_queue.h"
#include "xerod/xero_client.h"

namespace xerod::monitor {

namespace {

// Checks started in one tick at most, and in flight at most: beyond that the
// plan moves the rest to their next slot (a stalled Xero must not pile up work).
constexpr std::size_t kMaxPerTick = 256;
constexpr std::size_t kMaxInFlight = 512;

bool Broken(ConnectionState s) { return s != ConnectionState::kActive; }

bool ByAdministrator(const ConnectionInfo& info) {
  return info.state == ConnectionState::kDisconnected &&
         info.reason.starts_with(kDisconnectedByXerod);
}

Health HealthOf(ConnectionState state) {
  Health h;
  if (state == ConnectionState::kUnreachable) {
    h.unreachable = true;
  } else {
    h.state = state;
  }
  return h;
}

ConnectionState StateOf(const Health& h) {
  return h.unreachable ? ConnectionState::kUnreachable : h.state;
}

notify::Problem ProblemOf(ConnectionState s) {
  switch (s) {
    case ConnectionState::kExpired:
      return notify::Problem::kExpired;
    case ConnectionState::kRevoked:
      return notify::Problem::kRevoked;
    case ConnectionState::kMissingScope:
      return notify::Problem::kMissingScope;
    case ConnectionState::kUnreachable:
      return notify::Problem::kUnreachable;
    case ConnectionState::kDisconnected:
    case ConnectionState::kActive:
      break;
  }
  return notify::Problem::kDisconnected;
}

// What a token or /connections failure means for the connection.
CheckResult FromGrantError(const Error& e) {
  const std::string& m = e.message();
  if (m.find("invalid_grant") != std::string::npos) return CheckResult::kInvalidGrant;
  if (m.find("unauthorized_client") != std::string::npos ||
      m.find("invalid_client") != std::string::npos) {
    return CheckResult::kUnauthorizedClient;
  }
  if (e.code() == Code::kFailedPrecondition && m.find("dead") != std::string::npos) {
    return CheckResult::kInvalidGrant;
  }
  return CheckResult::kTransient;
}

CheckResult FromOrganisation(const XeroResult& r) {
  if (r.ok()) return CheckResult::kOk;
  if (r.result_class != XeroResultClass::kConnection) return CheckResult::kTransient;
  switch (r.connection_state.value_or(ConnectionState::kDisconnected)) {
    case ConnectionState::kMissingScope:
      return CheckResult::kMissingScope;
    case ConnectionState::kExpired:
      return CheckResult::kInvalidGrant;
    case ConnectionState::kRevoked:
      return CheckResult::kUnauthorizedClient;
    default:
      return CheckResult::kForbidden;
  }
}

std::int64_t Waiting(JobQueue& queue, const std::string& name) {
  auto counts = queue.Counts(name);
  if (!counts) return 0;
  std::int64_t n = 0;
  for (JobState s :
       {JobState::kQueued, JobState::kRetrying, JobState::kUnknown, JobState::kRunning}) {
    if (auto it = counts->find(s); it != counts->end()) n += it->second;
  }
  return n;
}

}  // namespace

// One check in progress.
struct Monitor::Run {
  std::string name;
  ConnectionInfo info;
  std::function<void(Result<CheckReport>)> done;  // on demand only
  std::vector<std::string> findings;
};

struct Monitor::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
};

Monitor::Monitor(MonitorDeps deps, MonitorConfig monitor, NotifyConfig notify, SettingsFn settings,
                 std::uint64_t seed)
    : deps_(deps),
      config_(monitor),
      notify_(std::move(notify)),
      settings_(std::move(settings)),
      plan_(monitor.interval, seed),
      timer_(std::make_unique<Timer>(deps.io)) {}

Monitor::~Monitor() {
  *alive_ = false;
  timer_->timer.cancel();
}

MonitorStats Monitor::stats() const { return stats_; }

void Monitor::Start() {
  stopped_ = false;
  auto all = deps_.store.List();
  if (!all) {
    spdlog::error("monitor: cannot list connections: {}", all.error().message());
    return Arm();
  }
  auto holds = deps_.queue.Holds();
  const TimePoint now = deps_.clock.Now();
  for (const ConnectionInfo& c : *all) {
    health_[c.name] = HealthOf(c.state);
    if (!ByAdministrator(c)) plan_.Add(c.name, now);
    // Jobs wait while the connection is broken, whatever happened before a crash.
    const bool parked = holds && holds->contains(c.name) && holds->at(c.name).parked;
    if (parked != Broken(c.state)) {
      std::string reason = fmt::format("connection {}: {}", ToString(c.state), c.reason);
      deps_.queue.SetParkedAsync(c.name, Broken(c.state), Broken(c.state) ? reason : "",
                                 [name = c.name](Result<Hold> h) {
                                   if (!h)
                                     spdlog::error("monitor: {}: {}", name, h.error().message());
                                 });
    }
    Reconcile(c.name);
  }
  spdlog::info("monitor: {} connection(s), each checked every {} s", plan_.size(),
               std::chrono::duration_cast<std::chrono::seconds>(config_.interval).count());
  Arm();
}

void Monitor::Stop() {
  stopped_ = true;
  timer_->timer.cancel();
}

void Monitor::Reload(MonitorConfig monitor, NotifyConfig notify) {
  if (monitor.interval != config_.interval) plan_.SetInterval(monitor.interval);
  config_ = monitor;
  notify_ = std::move(notify);
  Arm();
}

void Monitor::Arm() {
  if (stopped_) return;
  timer_->timer.cancel();
  auto next = plan_.NextDue();
  if (!next) return;
  Duration wait = std::max(Duration(0), *next - deps_.clock.Now());
  timer_->timer.expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
  timer_->timer.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    Tick();
  });
}

void Monitor::Tick() {
  if (stopped_) return;
  const std::size_t room = stats_.in_flight >= kMaxInFlight ? 0 : kMaxInFlight - stats_.in_flight;
  if (room == 0) {
    // Xero is slow to answer: look again shortly (the plan moves what waits
    // too long to its next slot) rather than spin on a due time in the past.
    timer_->timer.expires_after(std::chrono::milliseconds(100));
    timer_->timer.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      Tick();
    });
    return;
  }
  for (const std::string& name : plan_.TakeDue(deps_.clock.Now(), std::min(room, kMaxPerTick))) {
    RunCheck(name, nullptr);
  }
  Arm();
}

void Monitor::Check(const std::string& name, std::function<void(Result<CheckReport>)> done) {
  RunCheck(name, std::move(done));
}

void Monitor::RunCheck(const std::string& name, std::function<void(Result<CheckReport>)> done) {
  auto info = deps_.store.Get(name);
  if (!info) {
    if (info.error().code() == Code::kNotFound) plan_.Remove(name);
    if (done) done(Fail(info.error()));
    return;
  }
  auto run = std::make_shared<Run>();
  run->name = name;
  run->info = std::move(*info);
  run->done = std::move(done);
  ++stats_.in_flight;
  if (ByAdministrator(run->info) || run->info.token_set_id == 0) {
    run->findings.push_back("disconnected by an administrator: not checked");
    return Finish(run, CheckResult::kTenantMissing, "");
  }
  auto set = deps_.store.GetTokenSet(run->info.token_set_id);
  if (set && set->dead) {
    // Nothing to ask Xero with: the grant is gone until someone reconnects.
    run->findings.push_back("credentials: the grant is dead (" + set->dead_reason + ")");
    return Finish(run,
                  run->info.state == ConnectionState::kRevoked ? CheckResult::kUnauthorizedClient
                                                               : CheckResult::kInvalidGrant,
                  set->dead_reason);
  }
  CheckGrant(run);
}

void Monitor::GrantTenants(std::int64_t token_set_id, bool fresh, TenantsDone done) {
  // One GET /connections per token set, shared by its connections: a recent
  // answer (younger than half an interval) is reused, and checks that ask
  // while one is on the wire wait for it. An on-demand check asks afresh.
  const TimePoint now = deps_.clock.Now();
  GrantView& view = grants_[token_set_id];
  if (!fresh && view.tenants && now - view.at < config_.interval / 2) {
    return done(*view.tenants);
  }
  view.waiting.push_back(std::move(done));
  if (view.waiting.size() > 1) return;
  ++stats_.tenant_calls;
  deps_.connections.GrantTenants(
      token_set_id,
      [this, alive = alive_, token_set_id](Result<std::vector<ConnectionManager::Tenant>> tenants) {
        if (!*alive) return;
        GrantView& v = grants_[token_set_id];
        if (tenants) {
          v.tenants = *tenants;
          v.at = deps_.clock.Now();
        } else {
          v.tenants.reset();
        }
        auto waiting = std::move(v.waiting);
        v.waiting.clear();
        for (auto& w : waiting) w(tenants);
      });
}

void Monitor::CheckGrant(std::shared_ptr<Run> run) {
  GrantTenants(
      run->info.token_set_id, static_cast<bool>(run->done),
      [this, alive = alive_, run](Result<std::vector<ConnectionManager::Tenant>> tenants) {
        if (!*alive) return;
        if (!tenants) {
          CheckResult r = FromGrantError(tenants.error());
          run->findings.push_back(fmt::format(
              "credentials: {}", r == CheckResult::kTransient
                                     ? "Xero could not be asked: " + tenants.error().message()
                                     : tenants.error().message()));
          return Finish(run, r, tenants.error().message());
        }
        run->findings.push_back("credentials: the token set works");
        const bool custom = run->info.kind == ConnectionKind::kCustom;
        auto found = std::find_if(tenants->begin(), tenants->end(), [&](const auto& t) {
          return t.tenant_id == run->info.tenant_id;
        });
        if (found == tenants->end() && !(custom && tenants->empty())) {
          run->findings.push_back(
              fmt::format("tenant: {} is not among the grant's {} organisation(s) in "
                          "/connections",
                          run->info.tenant_id, tenants->size()));
          return Finish(run, CheckResult::kTenantMissing, "");
        }
        run->findings.push_back("tenant: the organisation is connected");
        switch (run->info.state) {
          case ConnectionState::kActive:
          case ConnectionState::kUnreachable:
            return CheckOrganisation(run);
          case ConnectionState::kDisconnected:
            // Reconnected inside Xero: the grant reaches it again.
            run->findings.push_back("organisation: back in /connections");
            return Finish(run, CheckResult::kOk, "the organisation is connected again");
          default:
            // Expired, revoked or missing a scope: only a new grant helps.
            run->findings.push_back(
                fmt::format("scope: {} ({})", ToString(run->info.state), run->info.reason));
            return Finish(run,
                          run->info.state == ConnectionState::kMissingScope
                              ? CheckResult::kMissingScope
                              : CheckResult::kInvalidGrant,
                          run->info.reason);
        }
      });
}

void Monitor::CheckOrganisation(std::shared_ptr<Run> run) {
  ++stats_.org_calls;
  deps_.xero.GetOrganisation(run->name, [this, alive = alive_, run](XeroResult r) {
    if (!*alive) return;
    CheckResult result = FromOrganisation(r);
    if (result == CheckResult::kOk) {
      run->findings.push_back("organisation: GET /Organisation answered");
    } else {
      run->findings.push_back(fmt::format(
          "{}: {}", result == CheckResult::kMissingScope ? "scope" : "organisation", r.reason));
    }
    Finish(run, result, result == CheckResult::kOk ? "" : r.reason);
  });
}

void Monitor::Finish(std::shared_ptr<Run> run, CheckResult result, std::string detail) {
  --stats_.in_flight;
  ++stats_.checks;
  const std::string& name = run->name;
  auto report = [this, alive = alive_, run, result] {
    if (!*alive || !run->done) return;
    auto info = deps_.store.Get(run->name);
    if (!info) return run->done(Fail(info.error()));
    run->done(CheckReport{std::move(*info), result, run->findings});
  };
  if (ByAdministrator(run->info)) return report();
  Health current = health_.count(name) ? health_[name] : HealthOf(run->info.state);
  // What is stored wins over what this object remembers (another component
  // may have changed it), except for the failure count.
  Health stored = HealthOf(run->info.state);
  stored.consecutive_failures = current.consecutive_failures;
  Decision d = Decide(stored, result, detail, config_.failure_threshold);
  health_[name] = d.next;
  if (!d.changed) {
    // Nothing changed: only a broken connection may be due a reminder (a
    // restored notice follows a change, or the start-up reconcile).
    if (Broken(StateOf(d.next))) Reconcile(name);
    return report();
  }
  const ConnectionState state = StateOf(d.next);
  deps_.store.SetState(
      name, state, d.reason,
      [this, alive = alive_, name, state, reason = d.reason, report](Result<bool> changed) {
        if (!*alive) return;
        if (!changed) {
          spdlog::error("monitor: {}: {}", name, changed.error().message());
        } else if (*changed) {
          Consequences(name, state, reason);
        }
        report();
      });
}

void Monitor::OnStateChanged(const std::string& name, ConnectionState state,
                             const std::string& reason) {
  Consequences(name, state, reason);
}

void Monitor::OnConnected(const std::string& name, const std::string& reason) {
  Health h;
  health_[name] = h;
  if (!plan_.Contains(name)) plan_.Add(name, deps_.clock.Now());
  Consequences(name, ConnectionState::kActive, reason);
  Arm();
}

void Monitor::Consequences(const std::string& name, ConnectionState state,
                           const std::string& reason) {
  ++stats_.changes;
  Health h = HealthOf(state);
  h.consecutive_failures = health_.count(name) ? health_[name].consecutive_failures : 0;
  if (!Broken(state)) h.consecutive_failures = 0;
  health_[name] = h;
  const bool by_admin =
      state == ConnectionState::kDisconnected && reason.starts_with(kDisconnectedByXerod);
  if (by_admin) {
    plan_.Remove(name);
  } else if (!plan_.Contains(name)) {
    plan_.Add(name, deps_.clock.Now());
  }
  if (Broken(state)) {
    spdlog::warn("connection {} is {}: {}; its jobs wait until it works again", name,
                 ToString(state), reason);
  } else {
    spdlog::info("connection {} works again ({}); its waiting jobs go now", name, reason);
  }
  deps_.queue.SetParkedAsync(
      name, Broken(state),
      Broken(state) ? fmt::format("connection {}: {}", ToString(state), reason) : "",
      [name](Result<Hold> hold) {
        if (!hold) spdlog::error("connection {}: park: {}", name, hold.error().message());
      });
  if (signal_) signal_(name, state, reason);
  if (!by_admin) Reconcile(name);
}

std::vector<std::string> Monitor::Recipients(const std::string& name) const {
  std::vector<std::string> out;
  auto add = [&](const std::string& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  if (settings_) {
    for (const auto& a : settings_(name).notify) add(a);
  }
  for (const auto& a : notify_.admins) add(a);
  return out;
}

void Monitor::Reconcile(const std::string& name) {
  auto to = Recipients(name);
  if (to.empty()) return;  // nobody to tell
  auto info = deps_.store.Get(name);
  if (!info || ByAdministrator(*info)) return;
  auto last = deps_.outbox.LastConnectionNotice(name);
  if (!last) return spdlog::error("monitor: {}: {}", name, last.error().message());
  const TimePoint now = deps_.clock.Now();
  const std::int64_t since = ToUnixMillis(info->state_changed_at);
  notify::NewNotification n;
  n.connection = name;
  notify::ConnectionFacts facts;
  facts.connection = name;
  facts.organisation = info->tenant_name;
  facts.tenant_id = info->tenant_id;
  facts.problem = ProblemOf(info->state);
  facts.reason = info->reason;
  facts.since = info->state_changed_at;
  facts.failed_checks = health_.count(name) ? health_.at(name).consecutive_failures : 0;
  const auto& prev = *last;
  if (Broken(info->state)) {
    const bool told = prev && prev->kind != notify::NoticeKind::kRestored &&
                      prev->created_at >= info->state_changed_at;
    if (!told) {
      facts.waiting = Waiting(deps_.queue, name);
      n.kind = notify::NoticeKind::kLost;
      n.dedupe_key = fmt::format("lost:{}:{}", name, since);
      n.message = notify::Lost(facts);
    } else if (notify_.repeat_interval.count() > 0 &&
               now - prev->created_at >= notify_.repeat_interval) {
      facts.waiting = Waiting(deps_.queue, name);
      n.kind = notify::NoticeKind::kReminder;
      n.dedupe_key = fmt::format("reminder:{}:{}:{}", name, since,
                                 (now - info->state_changed_at) / notify_.repeat_interval);
      n.message = notify::Reminder(facts, now);
    } else {
      return;
    }
  } else {
    if (!prev || prev->kind == notify::NoticeKind::kRestored) return;
    facts.waiting = Waiting(deps_.queue, name);
    facts.since = prev->created_at;
    n.kind = notify::NoticeKind::kRestored;
    n.dedupe_key = fmt::format("restored:{}:{}", name, since);
    n.message = notify::Restored(facts, now);
  }
  n.message.to = std::move(to);
  deps_.outbox.Add(std::move(n), [this, alive = alive_, name](Result<bool> added) {
    if (!*alive) return;
    if (!added) return spdlog::error("monitor: {}: outbox: {}", name, added.error().message());
    if (!*added) return;
    ++stats_.notices;
    deps_.notifier.Kick();
  });
}

}  // namespace xerod::monitor
