// SPDX-License-Identifier: MIT
//
// The org.xerod.Xerod1.Manager object: the generated adaptor's methods and
// properties implemented over the JobQueue and the daemon's hooks. Private to
// src/dbus; ControlService owns it. io_context thread only.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "dbus/access.h"
#include "dbus/bus_pump.h"
#include "dbus/control_service.h"
#include "xerod/dbus/manager_adaptor.h"

namespace xerod::dbus {

using EnqueueResults =
    std::vector<sdbus::Struct<std::uint32_t, std::string, std::string, std::int64_t, std::string>>;

class Manager final : public sdbus::AdaptorInterfaces<org::xerod::Xerod1::Manager_adaptor,
                                                      sdbus::Properties_adaptor> {
 public:
  Manager(sdbus::IConnection& connection, boost::asio::io_context& io, JobQueue& queue,
          ControlHooks hooks, ControlOptions options);
  ~Manager();

  // Set once the pump exists; replies and signals from posted tasks kick it.
  void SetPump(BusPump* pump) { pump_ = pump; }
  // Reads the initial paused flag and counts (blocking; start-up only).
  Status LoadInitialState();

  // Queue events, already on the io_context thread.
  void OnJobStateChanged(const JobStateChange& change);
  void OnHoldChanged(const HoldChange& change);
  void OnConfigReloaded();

  // Runs `task` on the io_context thread later, catching every exception, then
  // kicks the pump. Does nothing once the manager is gone.
  void Post(std::function<void()> task);

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

  void Enqueue(DocumentType type, const char* method, sdbus::Result<EnqueueResults>&& result,
               std::string connection, std::vector<std::string> documents);
  void SetPaused(const char* method, sdbus::Result<>&& result, std::string connection, bool paused);
  // Throws sdbus::Error PermissionDenied unless the current caller is an admin.
  void RequireAdmin(const char* method);
  void ScheduleCountsRefresh();

  boost::asio::io_context& io_;
  JobQueue& queue_;
  ControlHooks hooks_;
  ControlOptions options_;
  AccessChecker access_;
  BusPump* pump_ = nullptr;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool paused_ = false;
  std::map<std::string, std::uint64_t> counts_;
  boost::asio::steady_timer counts_timer_;
  bool counts_refresh_armed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xerod::dbus
