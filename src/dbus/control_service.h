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

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xerod/config.h"
#include "xerod/document.h"
#include "xerod/job_queue.h"
#include "xerod/status.h"

namespace xerod::dbus {

struct ReloadOutcome {
  bool ok = false;
  int generation = 0;                 // in force after the call
  std::vector<std::string> errors;    // when !ok: every problem, one per entry
  std::vector<std::string> warnings;  // when ok: settings that need a restart
};

// What the daemon lends the API. Every function is called on the io_context thread.
struct ControlHooks {
  std::function<ReloadOutcome()> reload;     // re-reads the config now
  std::function<int()> config_generation;    // current generation
  std::function<std::string()> admin_group;  // current dbus.admin_group
};

struct ControlOptions {
  BusKind bus = BusKind::kSystem;
  std::string database;  // shown in GetStatus
  DocumentLimits limits;
};

class ControlService {
 public:
  // Errors: kUnavailable (no bus, or the name is owned by someone else / not
  // allowed by the bus policy), kInternal (anything else from sdbus-c++).
  static Result<std::unique_ptr<ControlService>> Start(boost::asio::io_context& io, JobQueue& queue,
                                                       ControlHooks hooks, ControlOptions options);
  ~ControlService();
  ControlService(const ControlService&) = delete;
  ControlService& operator=(const ControlService&) = delete;

  // Tell clients the configuration changed (after a SIGHUP reload).
  void ConfigReloaded();

  struct Impl;

 private:
  explicit ControlService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod::dbus
