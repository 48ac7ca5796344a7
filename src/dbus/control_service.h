// SPDX-License-Identifier: MIT
//
// ControlService: xerod's D-Bus API (org.xerod.Xerod1.Manager on
// /org/xerod/Xerod1, name org.xerod.Xerod1) served on the daemon's io_context.
//
// Start() connects to the configured bus, exports the object, then requests
// the name (so the object exists before anyone can see the name) and plugs the
// connection into the loop (BusPump). Queue work is asynchronous: replies come
// back through the io_context, so a slow commit never blocks other callers.
// Queue events become JobStateChanged/HoldChanged signals and coalesced
// PropertiesChanged for JobCounts/Paused.
//
// Lifetime: must be destroyed before the JobQueue and the io_context it was
// given. Not thread-safe: create, use and destroy on the io_context thread
// (queue listener callbacks from the writer thread are posted onto it).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/config.h"
#include "xerod/connection.h"
#include "xerod/copy_sender.h"
#include "xerod/document.h"
#include "xerod/job_queue.h"
#include "xerod/rate_limiter.h"
#include "xerod/status.h"

namespace xerod {
class ConnectionManager;
namespace monitor {
class Monitor;
}  // namespace monitor
namespace notify {
class Outbox;
}  // namespace notify
}  // namespace xerod

namespace xerod::dbus {

struct ReloadOutcome {
  bool ok = false;
  int generation = 0;                 // in force after the call
  std::vector<std::string> errors;    // when !ok: every problem, one per entry
  std::vector<std::string> warnings;  // when ok: settings that need a restart
};

struct TestEmailOutcome {
  std::string message_id;
  std::vector<std::string> recipients;  // accepted by the server
};

// What the copy pipeline can do now, from the rate limiter's real state
// (GetStatus; `xerod-ctl status` and `watch` base their ETA on it).
struct SendState {
  struct Connection {
    std::string tenant_id;
    RateAllowance allowance;  // of its tenant
    bool may_send = false;    // active and not held
  };
  std::map<std::string, Connection> connections;
  // Documents per minute the connections that may send can get through now:
  // the sum of their per-minute call allowances (a day limit nearly used up
  // counts as what is left of it), at most the app's, times the batch size.
  std::uint64_t allowance_per_minute = 0;
  CopyStats copy;
};

// What the daemon lends the API. Every function is called on the io_context thread.
struct ControlHooks {
  std::function<ReloadOutcome()> reload;     // re-reads the config now
  std::function<int()> config_generation;    // current generation
  std::function<std::string()> admin_group;  // current dbus.admin_group
  // The settings in force for a connection name: its `connections:` entry, or
  // the defaults (nullptr hook: defaults). `configured` tells which.
  std::function<ConnectionSettings(const std::string& name, bool* configured)> connection_settings;
  // Sends a test email to `address` ("" = notify.admins); `done` runs once on
  // the io_context thread. Unset: SendTestEmail answers FailedPrecondition.
  std::function<void(const std::string& address,
                     std::function<void(Result<TestEmailOutcome>)> done)>
      send_test_email;
  // The copy pipeline's state (`holds` as the queue has them). Unset: the
  // allowance is estimated from the configured limits (tests of the API alone).
  std::function<SendState(const std::map<std::string, Hold>& holds)> send_state;
};

// The connection services the API drives. Both null: the connection methods
// answer Unavailable (tests of the queue API alone).
struct ConnectionApi {
  ConnectionStore* store = nullptr;
  ConnectionManager* manager = nullptr;
  // Null: checks go to the manager and connects unpark directly (tests of
  // the API without the daemon); ListNotifications answers Unavailable.
  monitor::Monitor* monitor = nullptr;
  notify::Outbox* outbox = nullptr;
};

struct ControlOptions {
  BusKind bus = BusKind::kSystem;
  std::string database;  // shown in GetStatus
  DocumentLimits limits;
  // Xero's limits and the batch size: GetStatus's send_allowance_per_minute.
  XeroLimits xero_limits;
  int batch_size = 50;
};

class ControlService {
 public:
  // Errors: kUnavailable (no bus, or the name is owned by someone else / not
  // allowed by the bus policy), kInternal (anything else from sdbus-c++).
  static Result<std::unique_ptr<ControlService>> Start(boost::asio::io_context& io, JobQueue& queue,
                                                       ControlHooks hooks, ControlOptions options,
                                                       ConnectionApi connections = {});
  ~ControlService();
  ControlService(const ControlService&) = delete;
  ControlService& operator=(const ControlService&) = delete;

  // Tell clients the configuration changed (after a SIGHUP reload).
  void ConfigReloaded();
  // Tell clients a connection changed state (the token manager's unusable
  // hook, the monitor). Emits ConnectionStateChanged and updates ConnectionCount.
  void ConnectionStateChanged(const std::string& name, ConnectionState state,
                              const std::string& reason);

 private:
  struct Impl;
  explicit ControlService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod::dbus
