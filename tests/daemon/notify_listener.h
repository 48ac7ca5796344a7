// SPDX-License-Identifier: MIT
// A stand-in for systemd's notification socket: an AF_UNIX datagram socket in a
// temp dir that records every message the daemon sends (READY=1, STATUS=...).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace xerod::testing {

class NotifyListener {
 public:
  explicit NotifyListener(std::string path);
  ~NotifyListener();
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  const std::string& path() const { return path_; }
  std::vector<std::string> Messages() const;
  // Waits until some message received at index >= `from` contains `needle`; returns its
  // index or -1 on timeout.
  int WaitFor(const std::string& needle, size_t from = 0,
              std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Number of messages containing `needle`.
  size_t Count(const std::string& needle) const;

 private:
  void ReadLoop();

  std::string path_;
  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  mutable std::mutex mu_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

}  // namespace xerod::testing
