// SPDX-License-Identifier: MIT
//
// The connection monitor: the one component that owns connection health.
//
// * Checks every connection once per monitor.interval, spread evenly with
//   jitter (CheckPlan), and on demand (`xerod-ctl connection check`). A check
//   gets the token set's access token (refreshing it: a grant in use never
//   reaches the 60-day idle expiry), confirms the organisation is still in
//   GET /connections (one call per token set, shared by its connections for
//   half an interval), and reads GET /Organisation (through the rate limiter):
//   at most two API calls per connection per interval.
// * Decides (monitor::Decide) and applies: the state and its reason are
//   stored (with an event), logged and signalled on D-Bus; a broken
//   connection's jobs are parked (no attempts used) and released when it
//   works again. A disconnected connection whose grant still works is revived
//   when its organisation is back in /connections (reconnected inside Xero).
//   States other components store (the token manager's invalid_grant, a copy's
//   403) arrive through OnStateChanged() and get the same consequences.
// * Tells people: a "lost" mail per broken episode, a reminder every
//   notify.repeat_interval while it lasts, "restored" when it ends. Decided
//   from the stored state and the outbox (dedupe keys), so a restart neither
//   forgets nor repeats one (docs/monitor.md).
//
// A connection an administrator disconnected (kDisconnectedByXerod) is not
// checked and nobody is told.
//
// Threading: the io_context thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "monitor/check_plan.h"
#include "monitor/health.h"
#include "xerod/asio_fwd.h"
#include "xerod/config.h"
#include "xerod/connection.h"
#include "xerod/connection_manager.h"

namespace xerod {
class JobQueue;
class XeroClient;
namespace notify {
class Outbox;
class Notifier;
}  // namespace notify
}  // namespace xerod

namespace xerod::monitor {

struct MonitorDeps {
  boost::asio::io_context& io;
  ConnectionStore& store;
  ConnectionManager& connections;
  XeroClient& xero;
  JobQueue& queue;
  notify::Outbox& outbox;
  notify::Notifier& notifier;
  Clock& clock;
};

// The connection's `notify` list (and other settings) by name.
using SettingsFn = std::function<ConnectionSettings(const std::string& name)>;
// D-Bus ConnectionStateChanged.
using StateSignal =
    std::function<void(const std::string& name, ConnectionState state, const std::string& reason)>;

struct CheckReport {
  ConnectionInfo info;  // after the check
  CheckResult result = CheckResult::kOk;
  std::vector<std::string> findings;  // "credentials: ...", "organisation: ...", one per step
};

struct MonitorStats {
  std::uint64_t checks = 0;        // completed (scheduled and on demand)
  std::uint64_t tenant_calls = 0;  // GET /connections
  std::uint64_t org_calls = 0;     // GET /Organisation
  std::uint64_t changes = 0;       // state changes applied
  std::uint64_t notices = 0;       // notifications added to the outbox
  std::size_t in_flight = 0;
};

class Monitor {
 public:
  Monitor(MonitorDeps deps, MonitorConfig monitor, NotifyConfig notify, SettingsFn settings,
          std::uint64_t seed);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  void SetSignal(StateSignal signal) { signal_ = std::move(signal); }
  // Plans every stored connection, aligns parked jobs with the stored states,
  // sends the notices a crash may have left unsent, and starts checking.
  void Start();
  void Stop();
  void Reload(MonitorConfig monitor, NotifyConfig notify);

  // `name` is in `state` now (stored by another component).
  void OnStateChanged(const std::string& name, ConnectionState state, const std::string& reason);
  // `name` was connected (connect, add, share): active, checked from now on.
  void OnConnected(const std::string& name, const std::string& reason);
  // Checks `name` now and reports what was found.
  void Check(const std::string& name, std::function<void(Result<CheckReport>)> done);

  MonitorStats stats() const;

 private:
  struct Run;
  void Arm();
  void Tick();
  void RunCheck(const std::string& name, std::function<void(Result<CheckReport>)> done);
  using Tenants = std::vector<ConnectionManager::Tenant>;
  using TenantsDone = std::function<void(const Result<Tenants>&)>;
  void GrantTenants(std::int64_t token_set_id, bool fresh, TenantsDone done);
  void CheckGrant(std::shared_ptr<Run> run);
  void CheckOrganisation(std::shared_ptr<Run> run);
  void Finish(std::shared_ptr<Run> run, CheckResult result, std::string detail);
  void Consequences(const std::string& name, ConnectionState state, const std::string& reason);
  void Reconcile(const std::string& name);
  std::vector<std::string> Recipients(const std::string& name) const;

  MonitorDeps deps_;
  MonitorConfig config_;
  NotifyConfig notify_;
  SettingsFn settings_;
  StateSignal signal_;
  CheckPlan plan_;
  std::map<std::string, Health> health_;
  // The newest GET /connections answer per token set, and who waits for one.
  struct GrantView {
    std::optional<Tenants> tenants;
    TimePoint at;
    std::vector<TenantsDone> waiting;
  };
  std::map<std::int64_t, GrantView> grants_;
  struct Timer;
  std::unique_ptr<Timer> timer_;
  bool stopped_ = true;
  MonitorStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xerod::monitor
