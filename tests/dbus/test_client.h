// SPDX-License-Identifier: MIT
//
// A test client of org.xerod.Xerod1.Manager built on the generated proxy: its
// own bus connection with an event loop thread, recording signals and
// PropertiesChanged so tests can wait for them.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <mutex>
#include <string>
#include <vector>

#include "dbus/names.h"
#include "xerod/dbus/manager_proxy.h"

namespace xerod::testing {

struct SeenSignal {
  std::string name;  // "JobStateChanged", "HoldChanged", "PropertiesChanged"
  std::vector<std::string> args;
};

// Owns the connection; a base so it outlives the proxy base.
struct ConnectionHolder {
  std::unique_ptr<sdbus::IConnection> connection_;
};

class TestClient final
    : private ConnectionHolder,
      public sdbus::ProxyInterfaces<org::xerod::Xerod1::Manager_proxy, sdbus::Properties_proxy> {
 public:
  explicit TestClient(std::unique_ptr<sdbus::IConnection> connection)
      : ConnectionHolder{std::move(connection)},
        ProxyInterfaces(*connection_, dbus::kBusName, dbus::kObjectPath) {
    registerProxy();
    connection_->enterEventLoopAsync();
  }
  ~TestClient() {
    unregisterProxy();
    connection_->leaveEventLoop();
  }

  std::vector<SeenSignal> Signals() {
    std::lock_guard lock(mutex_);
    return signals_;
  }
  bool Saw(const std::string& name, const std::vector<std::string>& args_prefix) {
    for (const auto& s : Signals()) {
      if (s.name != name || s.args.size() < args_prefix.size()) continue;
      if (std::equal(args_prefix.begin(), args_prefix.end(), s.args.begin())) return true;
    }
    return false;
  }

 private:
  void onJobStateChanged(const int64_t& job_id, const std::string& connection,
                         const std::string& kind, const std::string& source_id,
                         const std::string& state, const std::string& error) override {
    Record(
        {"JobStateChanged", {std::to_string(job_id), connection, kind, source_id, state, error}});
  }
  void onJobCopied(const int64_t& job_id, const std::string& connection, const std::string& kind,
                   const std::string& source_id, const std::string& xero_id,
                   const std::string& link, const std::string& warning) override {
    Record({"JobCopied",
            {std::to_string(job_id), connection, kind, source_id, xero_id, link, warning}});
  }
  void onHoldChanged(const std::string& scope, const bool& paused, const bool& parked,
                     const std::string& reason) override {
    Record({"HoldChanged", {scope, paused ? "paused" : "-", parked ? "parked" : "-", reason}});
  }
  void onConnectionStateChanged(const std::string& name, const std::string& state,
                                const std::string& reason) override {
    Record({"ConnectionStateChanged", {name, state, reason}});
  }
  void onPropertiesChanged(const std::string& interface_name,
                           const std::map<std::string, sdbus::Variant>& changed,
                           const std::vector<std::string>& /*invalidated*/) override {
    for (const auto& [name, value] : changed) {
      Record({"PropertiesChanged", {interface_name, name}});
    }
  }
  void Record(SeenSignal s) {
    std::lock_guard lock(mutex_);
    signals_.push_back(std::move(s));
  }

  std::mutex mutex_;
  std::vector<SeenSignal> signals_;
};

}  // namespace xerod::testing
