// SPDX-License-Identifier: MIT
//
// xerod-ctl's connection to xerod: one bus connection (system or session) and
// a proxy of org.xerod.Xerod1.Manager on it, plus the mapping of D-Bus errors
// to messages and exit codes. Single-threaded; signals are not used (watch
// polls), so no event loop thread is started.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <memory>
#include <string>

#include "xerod/dbus/manager_proxy.h"

namespace xerod::ctl {

// Exit codes (documented in docs/dbus.md and `xerod-ctl --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotRunning = 3;

class ManagerClient final : public sdbus::ProxyInterfaces<org::xerod::Xerod1::Manager_proxy> {
 public:
  explicit ManagerClient(sdbus::IConnection& connection);
  ~ManagerClient();

 private:
  void onJobStateChanged(const int64_t&, const std::string&, const std::string&, const std::string&,
                         const std::string&, const std::string&) override {}
  void onJobCopied(const int64_t&, const std::string&, const std::string&, const std::string&,
                   const std::string&, const std::string&, const std::string&) override {}
  void onHoldChanged(const std::string&, const bool&, const bool&, const std::string&) override {}
  void onConnectionStateChanged(const std::string&, const std::string&,
                                const std::string&) override {}
};

struct Client {
  std::unique_ptr<sdbus::IConnection> connection;
  std::unique_ptr<ManagerClient> manager;
  std::string bus;  // "system" or "session", for messages
};

// Connects to the bus. Throws sdbus::Error when the bus itself is unreachable.
Client Connect(const std::string& bus);

// Prints a D-Bus error for people on stderr and returns the exit code:
// kExitNotRunning for ServiceUnknown/NameHasNoOwner, else kExitFailed.
int ReportError(const sdbus::Error& error, const std::string& bus);

}  // namespace xerod::ctl
