// SPDX-License-Identifier: MIT
//
// D-Bus test helpers: a private dbus-daemon, and the ControlService running
// in-process on its own io_context thread over a real JobQueue in a temp dir.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "dbus/control_service.h"
#include "support/subprocess.h"
#include "support/test_support.h"
#include "xerod/job_queue.h"

namespace xerod::testing {

// A dbus-daemon started with `--nofork --print-address`: with --session, or
// with `config_file` (a system-like bus). Stopped on destruction.
class PrivateBus {
 public:
  explicit PrivateBus(const TempDir& dir, const std::string& config_file = "");
  ~PrivateBus();
  PrivateBus(const PrivateBus&) = delete;
  PrivateBus& operator=(const PrivateBus&) = delete;

  // Empty if the daemon did not start.
  const std::string& address() const { return address_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
};

// Runs the real `xerod-ctl --bus session ARGS` (a shell command line), with
// stdout and stderr in *out (through a file in `dir`). Returns the exit code,
// -1 if it did not exit normally.
int RunCtl(const TempDir& dir, const std::string& args, std::string* out);

// Starts the real xerod with `config` (log in `dir`) on the session bus and
// waits until `xerod-ctl status` answers. Returns it, or nullptr when it exited
// first (*output then holds why).
std::unique_ptr<Subprocess> StartXerod(const TempDir& dir, const std::string& config,
                                       std::string* output);

// ControlService + JobQueue on a loop thread. The test's reload hook result and
// admin group can be set before calls; they are read on the loop thread.
class InProcessService {
 public:
  InProcessService(const TempDir& dir, BusKind bus, std::string admin_group = "xerod-admin");
  ~InProcessService();
  InProcessService(const InProcessService&) = delete;
  InProcessService& operator=(const InProcessService&) = delete;

  // Whether Start() succeeded; the error otherwise.
  const std::string& start_error() const { return start_error_; }
  JobQueue& queue() { return *queue_; }

  // The next Reload() outcome (ok with generation+1 by default).
  void SetReloadErrors(std::vector<std::string> errors);
  // What GetStatus reports of the copy pipeline (none by default).
  void SetSendState(dbus::SendState state);
  int generation() const { return generation_; }
  // Runs `fn` on the loop thread and waits for it.
  void RunOnLoop(const std::function<void()>& fn);

 private:
  boost::asio::io_context io_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<dbus::ControlService> service_;
  std::thread thread_;
  std::string start_error_;
  std::string admin_group_;
  std::vector<std::string> reload_errors_;
  std::optional<dbus::SendState> send_state_;
  std::atomic<int> generation_{1};
};

}  // namespace xerod::testing
