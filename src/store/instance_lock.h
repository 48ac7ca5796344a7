// SPDX-License-Identifier: MIT
//
// One xerod per state file. A second daemon started on the same database (by
// hand, say, while the service runs) would recover the live one's running
// jobs as `unknown`; it must refuse to start before it touches anything.
//
// InstanceLock holds an exclusive flock(2) on "<database>.lock" (created 0600)
// for as long as it lives, and writes its pid there for the message a second
// instance prints. The kernel drops the lock when the process dies, however it
// dies: a stale lock file never blocks a restart.
#pragma once

#include <string>

#include "xerod/status.h"

namespace xerod::store {

class InstanceLock {
 public:
  // Errors: kUnavailable (held by another process: "another xerod (pid N) is
  // using DATABASE"), kIo (cannot create or lock the file).
  static Result<InstanceLock> Acquire(const std::string& database);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  InstanceLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

}  // namespace xerod::store
