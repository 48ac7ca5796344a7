// SPDX-License-Identifier: MIT
//
// The daemon's lifecycle: owns the io_context that runs every service, the
// signal handling (SIGTERM/SIGINT stop, SIGHUP reloads), the systemd
// notifications (READY/STATUS/RELOADING/STOPPING/WATCHDOG) and the order in
// which services start and stop. Not thread-safe: everything runs on the
// thread that calls Run().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/sd_notify.h"
#include "dbus/control_service.h"
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
  void DoWaitSignal();
  void OnSignal(int signal_number);
  // Re-reads the config; returns its errors (empty: the new config is in force).
  std::vector<std::string> Reload();
  void BeginStop(const char* why);
  // The D-Bus SendTestEmail: to `address`, or notify.admins when empty.
  void SendTestEmail(const std::string& address,
                     std::function<void(Result<dbus::TestEmailOutcome>)> done);
  void DoWatchdog();
  // Every kTrimInterval: after a burst of batches has ended, malloc_trim.
  void DoTrimWhenIdle(std::uint64_t batches_seen);
  std::string StatusLine() const;
  struct Services;
  // Builds the copy pipeline (limiter, client, sender, gate, scheduler) into `s`.
  void StartCopy(Services& s);
  // What the pipeline can do now (GetStatus).
  dbus::SendState SendState(const std::map<std::string, Hold>& holds);
  // SIGTERM: no new batches; batches with Xero are given until the deadline.
  void DrainThenStop(std::chrono::steady_clock::time_point deadline);

  DaemonOptions options_;
  Config config_;
  int config_generation_ = 1;
  bool stopping_ = false;

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer trim_timer_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  SdNotifier notifier_;

  // Everything started by Start(), stopped in reverse.
  std::unique_ptr<Services> services_;
};

// Settings that cannot change without a restart; returns their names (dotted) that differ.
std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& loaded);
// Whether the smtp section differs (the mailer is rebuilt on reload).
bool SmtpChanged(const SmtpConfig& a, const SmtpConfig& b);

}  // namespace xerod
