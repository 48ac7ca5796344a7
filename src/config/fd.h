// SPDX-License-Identifier: MIT
// A file descriptor closed on destruction (private to src/config).
#pragma once

#include <unistd.h>

namespace xerod::config {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace xerod::config
