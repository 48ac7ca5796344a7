// SPDX-License-Identifier: MIT
#include "dbus/bus_fixture.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <future>

namespace xerod::testing {

PrivateBus::PrivateBus(const TempDir& dir, const std::string& config_file) {
  std::vector<std::string> argv = {"/usr/bin/dbus-daemon", "--nofork", "--print-address"};
  argv.push_back(config_file.empty() ? "--session" : "--config-file=" + config_file);
  process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                          dir.File("dbus-daemon.log"));
  WaitFor(
      [&] { return process_->Output().find('\n') != std::string::npos || !process_->Running(); });
  std::string out = process_->Output();
  auto start = out.find("unix:");
  if (start != std::string::npos) address_ = out.substr(start, out.find('\n', start) - start);
}

PrivateBus::~PrivateBus() {
  process_->Signal(SIGTERM);
  process_->Wait(std::chrono::seconds(5));
}

int RunCtl(const TempDir& dir, const std::string& args, std::string* out) {
  std::string file = dir.File("ctl.out");
  std::string cmd = BinaryPath("xerod-ctl") + " --bus session " + args + " > " + file + " 2>&1";
  int status = std::system(cmd.c_str());
  *out = ReadFile(file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::unique_ptr<Subprocess> StartXerod(const TempDir& dir, const std::string& config,
                                       std::string* output) {
  auto xerod = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("xerod"), "--config", config},
      std::map<std::string, std::string>{}, dir.File("xerod.log"));
  std::string out;
  WaitFor([&] { return RunCtl(dir, "status", &out) == 0 || !xerod->Running(); });
  if (RunCtl(dir, "status", &out) != 0) {
    *output = xerod->Output() + out;
    return nullptr;
  }
  return xerod;
}

InProcessService::InProcessService(const TempDir& dir, BusKind bus, std::string admin_group)
    : admin_group_(std::move(admin_group)) {
  QueueConfig config;
  config.max_attempts = 3;
  QueueOptions queue_options;
  queue_options.complete_on = LoopExecutor(io_);  // as the daemon does
  auto queue = JobQueue::Open(dir.File("xerod.db"), config, SystemClock(), queue_options);
  if (!queue) {
    start_error_ = queue.error().ToString();
    return;
  }
  queue_ = std::move(*queue);
  std::promise<std::string> started;
  auto started_future = started.get_future();
  thread_ = std::thread([this, bus, &dir, &started] {
    auto guard = boost::asio::make_work_guard(io_);
    dbus::ControlHooks hooks;
    hooks.reload = [this] {
      dbus::ReloadOutcome outcome;
      outcome.ok = reload_errors_.empty();
      outcome.errors = reload_errors_;
      if (outcome.ok) ++generation_;
      outcome.generation = generation_;
      return outcome;
    };
    hooks.config_generation = [this] { return generation_.load(); };
    hooks.admin_group = [this] { return admin_group_; };
    hooks.send_state = [this](const std::map<std::string, Hold>&) {
      return send_state_.value_or(dbus::SendState{});
    };
    dbus::ControlOptions options;
    options.bus = bus;
    options.database = dir.File("xerod.db");
    auto service = dbus::ControlService::Start(io_, *queue_, std::move(hooks), options);
    if (!service) {
      started.set_value(service.error().ToString());
      return;
    }
    service_ = std::move(*service);
    started.set_value("");
    io_.run();
  });
  start_error_ = started_future.get();
  if (!start_error_.empty()) {
    thread_.join();
  }
}

InProcessService::~InProcessService() {
  if (thread_.joinable()) {
    RunOnLoop([this] { service_.reset(); });
    io_.stop();
    thread_.join();
  }
  queue_.reset();
}

void InProcessService::SetReloadErrors(std::vector<std::string> errors) {
  RunOnLoop([this, errors = std::move(errors)] { reload_errors_ = errors; });
}

void InProcessService::SetSendState(dbus::SendState state) {
  RunOnLoop([this, state = std::move(state)] { send_state_ = state; });
}

void InProcessService::RunOnLoop(const std::function<void()>& fn) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace xerod::testing
