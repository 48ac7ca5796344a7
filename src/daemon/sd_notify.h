// SPDX-License-Identifier: MIT
//
// The systemd notification protocol (sd_notify(3)), spoken directly: one
// datagram per message to the AF_UNIX socket named by $NOTIFY_SOCKET. Written
// here rather than linking libsystemd so tests can point it at their own socket.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace xerod {

class SdNotifier {
 public:
  // Reads $NOTIFY_SOCKET ("/path" or "@abstract"). Without it every call is a no-op.
  SdNotifier();
  ~SdNotifier();
  SdNotifier(const SdNotifier&) = delete;
  SdNotifier& operator=(const SdNotifier&) = delete;

  bool enabled() const { return fd_ >= 0; }

  // Sends "STATE" lines such as "READY=1\nSTATUS=..."; returns false on failure.
  bool Notify(const std::string& state) const;

  bool Ready(const std::string& status) const { return Notify("READY=1\nSTATUS=" + status); }
  bool Status(const std::string& status) const { return Notify("STATUS=" + status); }
  // RELOADING=1 with MONOTONIC_USEC, as systemd >= 253 expects for Type=notify-reload.
  bool Reloading() const;
  bool Stopping() const { return Notify("STOPPING=1"); }
  bool Watchdog() const { return Notify("WATCHDOG=1"); }

  // Half of $WATCHDOG_USEC when the watchdog is enabled for this process
  // ($WATCHDOG_PID unset or equal to our pid), else nothing.
  static std::optional<std::chrono::microseconds> WatchdogPingInterval();

 private:
  int fd_ = -1;
  std::string address_;  // sockaddr_un path bytes (leading '\0' for abstract)
};

}  // namespace xerod
