// SPDX-License-Identifier: MIT
//
// The daemon's lifecycle: owns the io_context that runs every service, the
// signal handling (SIGTERM/SIGINT stop, SIGHUP reloads), the systemd
// notifications (READY/STATUS/RELOADING/STOPPING/WATCHDOG) and the order in
// which services start and stop. Not thread-safe: everything runs on the
// thread that calls Run().
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xerod/config.h"
#include "xerod/status.h"

namespace xerod {

// How long SIGTERM waits for batches already with Xero (the unit's
// TimeoutStopSec, 30 s, must be longer).
inline constexpr std::chrono::seconds kStopDrain{15};
// How often xerod looks whether a burst of copying has ended, to return the
// heap it grew to the system.
inline constexpr std::chrono::seconds kTrimInterval{2};

struct DaemonOptions {
  std::string config_path;            // re-read on reload
  std::optional<LogLevel> log_level;  // --log-level: wins over the config, also after reloads
};

class Daemon {
 public:
  Daemon(DaemonOptions options, Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the store and starts the services. An error means the daemon must exit 1.
  Status Start();

  // Signals READY and runs the loop until a stop signal. Returns the exit code.
  int Run();

 private:
  // The loop, the signals, the timers and the services (daemon.cc): main.cc
  // compiles none of Asio, sdbus-c++ or the services' headers.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Settings that cannot change without a restart; returns their names (dotted) that differ.
std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& loaded);

}  // namespace xerod
