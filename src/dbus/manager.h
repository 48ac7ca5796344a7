// SPDX-License-Identifier: MIT
//
// The org.xerod.Xerod1.Manager object: the generated adaptor's methods and
// properties implemented over the JobQueue and the daemon's hooks. Private to
// src/dbus; ControlService owns it. io_context thread only.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dbus/access.h"
#include "dbus/bus_pump.h"
#include "dbus/control_service.h"
#include "dbus/convert.h"
#include "dbus/wire_types.h"
#include "xerod/connection.h"
#include "xerod/dbus/manager_adaptor.h"

namespace xerod::dbus {

// Runs the Manager's completions (the store's writes, HTTP answers) only
// while the Manager lives, and lets the bus pump send what they queued.
// Callbacks capture the Poster (shared), never rely on `this` until their task
// runs. The store and the HTTP client complete on the loop, so Complete()
// runs the task at once; from any other thread it posts it there.
class Poster : public std::enable_shared_from_this<Poster> {
 public:
  explicit Poster(boost::asio::io_context& io) : io_(io) {}
  // Thread-safe.
  void Complete(std::function<void()> task);
  // Thread-safe; always later, on the loop.
  void Post(std::function<void()> task);
  // io_context thread only.
  void SetPump(BusPump* pump) { pump_ = pump; }
  void Retire() {
    alive_ = false;
    pump_ = nullptr;
  }

 private:
  void Run(const std::function<void()>& task);

  boost::asio::io_context& io_;  // outlives every holder (the daemon's loop)
  std::atomic<bool> alive_{true};
  BusPump* pump_ = nullptr;  // io_context thread only
};

// A pending D-Bus reply (sdbus::Result) shared with callbacks that run on
// other threads. Two rules of sdbus-c++ 1.2.0 make this necessary: its objects
// must not be touched from two threads at once, and a Message must not outlive
// the Connection it came from (its destructor calls through the connection).
// So the reply is always destroyed on the io_context thread (posted there when
// the last reference goes elsewhere, e.g. on the queue's writer thread), and
// it holds `bus` (the connection) alive until it is gone. `io` must outlive
// every holder.
template <typename T>
struct LoopRelease {
  std::shared_ptr<void> bus;  // declared first: destroyed after `owned`
  std::unique_ptr<T> owned;
  void operator()() { owned.reset(); }
};

template <typename T>
std::shared_ptr<T> LoopOwned(boost::asio::io_context& io, std::shared_ptr<void> bus, T value) {
  return std::shared_ptr<T>(new T(std::move(value)), [&io, bus = std::move(bus)](T* p) {
    if (io.get_executor().running_in_this_thread()) {
      delete p;
      return;
    }
    boost::asio::post(io, LoopRelease<T>{bus, std::unique_ptr<T>(p)});
  });
}

using EnqueueResults = std::vector<EnqueueResultRow>;

class Manager final : public sdbus::AdaptorInterfaces<org::xerod::Xerod1::Manager_adaptor,
                                                      sdbus::Properties_adaptor> {
 public:
  Manager(sdbus::IConnection& connection, boost::asio::io_context& io, JobQueue& queue,
          ControlHooks hooks, ControlOptions options, ConnectionApi connections,
          std::shared_ptr<void> bus_keep_alive);
  ~Manager();

  // Set once the pump exists; replies and signals from posted tasks kick it.
  void SetPump(BusPump* pump) { poster_->SetPump(pump); }
  // Reads the initial paused flag and counts (blocking; start-up only).
  Status LoadInitialState();

  // Queue events, already on the io_context thread.
  void OnJobStateChanged(const JobStateChange& change);
  void OnHoldChanged(const HoldChange& change);
  void OnConfigReloaded();
  void OnConnectionStateChanged(const std::string& name, ConnectionState state,
                                const std::string& reason);

  // Runs `task` on the io_context thread later, catching every exception, then
  // kicks the pump. Does nothing once the manager is gone.
  void Post(std::function<void()> task) { poster_->Post(std::move(task)); }
  void Complete(std::function<void()> task) { poster_->Complete(std::move(task)); }

 private:
  // Adaptor methods.
  void GetStatus(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result) override;
  void EnqueueInvoices(sdbus::Result<EnqueueResults>&& result, std::string connection,
                       std::vector<std::string> documents) override;
  void EnqueuePayments(sdbus::Result<EnqueueResults>&& result, std::string connection,
                       std::vector<std::string> documents) override;
  void ListJobs(
      sdbus::Result<std::vector<std::map<std::string, sdbus::Variant>>, std::int64_t>&& result,
      std::map<std::string, sdbus::Variant> filter) override;
  void ShowJob(sdbus::Result<std::map<std::string, sdbus::Variant>,
                             std::vector<std::map<std::string, sdbus::Variant>>>&& result,
               std::int64_t job_id) override;
  void RetryJob(sdbus::Result<>&& result, std::int64_t job_id) override;
  void RetryDeadJobs(sdbus::Result<std::uint32_t>&& result, std::string connection) override;
  void CancelJob(sdbus::Result<>&& result, std::int64_t job_id) override;
  void Pause(sdbus::Result<>&& result, std::string connection) override;
  void Resume(sdbus::Result<>&& result, std::string connection) override;
  std::tuple<std::uint32_t, std::vector<std::string>> Reload() override;
  std::string Version() override;
  bool Paused() override;
  std::map<std::string, std::uint64_t> JobCounts() override;
  std::uint32_t ConfigGeneration() override;
  std::uint32_t ConnectionCount() override;

  // Connection methods (manager_connections.cc).
  void ListConnections(sdbus::Result<std::vector<VariantMap>>&& result) override;
  void ShowConnection(sdbus::Result<VariantMap, std::vector<VariantMap>>&& result,
                      std::string name) override;
  VariantMap GetConnectionSettings(const std::string& name) override;
  void AddConnection(sdbus::Result<VariantMap>&& result, std::string name, std::string tenant_id,
                     std::string refresh_token) override;
  void AddCustomConnection(sdbus::Result<VariantMap>&& result, std::string name,
                           std::string tenant_id) override;
  std::string BeginConnect(const std::string& name, const VariantMap& options) override;
  void CompleteConnect(sdbus::Result<VariantMap>&& result, std::string name,
                       std::string redirect_url) override;
  void AwaitConnect(sdbus::Result<VariantMap>&& result, std::string name) override;
  void CancelConnect(const std::string& name) override;
  void CheckConnection(sdbus::Result<VariantMap>&& result, std::string name) override;
  void DisconnectConnection(sdbus::Result<>&& result, std::string name) override;
  std::vector<VariantMap> ListNotifications(const VariantMap& filter) override;
  void SendTestEmail(sdbus::Result<std::string, std::vector<std::string>>&& result,
                     std::string address) override;

  void Enqueue(DocumentType type, const char* method, sdbus::Result<EnqueueResults>&& result,
               std::string connection, std::vector<std::string> documents);
  // Throws InvalidArgument unless `name` is a connection in the store or under
  // connections: in the configuration.
  void RequireKnownConnection(const std::string& name);
  void SetPaused(const char* method, sdbus::Result<>&& result, std::string connection, bool paused);
  // Throws sdbus::Error PermissionDenied unless the current caller is an admin.
  void RequireAdmin(const char* method);
  // Whether the caller is root or in the admin group (no error).
  bool CallerIsAdmin(const char* method);
  void ScheduleCountsRefresh();
  // Documents per minute Xero's limits allow for the connections that may send
  // now (active, not paused or parked): min(app_per_minute, per_minute x n) x
  // batch_size. 0 when none may send.
  std::uint64_t SendAllowance(const std::map<std::string, Hold>& holds);
  // The copy pipeline's state from the daemon (send_state hook) into GetStatus.
  static void AddSendState(VariantMap& status, const SendState& state);

  // A pending or recently finished BeginConnect and the calls waiting for it.
  struct ConnectWait {
    std::vector<std::shared_ptr<sdbus::Result<VariantMap>>> waiters;
    std::optional<Result<ConnectionInfo>> outcome;  // set when finished
    std::chrono::steady_clock::time_point finished_at;
  };
  // Throws Unavailable when the daemon runs without connection services.
  void RequireConnections();
  // Replies to `reply` with the connection (plus its queue hold) or the error.
  void ReplyConnection(std::shared_ptr<sdbus::Result<VariantMap>> reply,
                       Result<ConnectionInfo> info);
  void FinishConnect(const std::string& name, Result<ConnectionInfo> outcome);
  void DropStaleConnects();
  // A connection is usable: signal it if `changed` and release jobs parked for it.
  void ConnectionUsable(const std::string& name, const std::string& reason, bool changed);
  void RefreshConnectionCount();

  boost::asio::io_context& io_;
  JobQueue& queue_;
  ControlHooks hooks_;
  ControlOptions options_;
  AccessChecker access_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool paused_ = false;
  std::map<std::string, std::uint64_t> counts_;
  boost::asio::steady_timer counts_timer_;
  bool counts_refresh_armed_ = false;
  ConnectionApi connections_;
  std::map<std::string, ConnectWait> connects_;
  std::uint32_t connection_count_ = 0;
  std::shared_ptr<Poster> poster_;
  std::shared_ptr<void> bus_;  // the connection: pending replies keep it alive
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // io_context thread only
};

}  // namespace xerod::dbus
