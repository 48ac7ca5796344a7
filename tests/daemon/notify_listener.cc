// SPDX-License-Identifier: MIT
#include "daemon/notify_listener.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "support/test_support.h"

namespace xerod::testing {

NotifyListener::NotifyListener(std::string path) : path_(std::move(path)) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd_ < 0 || path_.size() >= sizeof addr.sun_path) throw std::runtime_error("notify socket");
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::pipe(stop_pipe_) != 0) {
    throw std::runtime_error("bind notify socket " + path_);
  }
  reader_ = std::thread([this] { ReadLoop(); });
}

NotifyListener::~NotifyListener() {
  ::write(stop_pipe_[1], "x", 1);
  reader_.join();
  ::close(fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  ::unlink(path_.c_str());
}

void NotifyListener::ReadLoop() {
  char buf[4096];
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if ((fds[1].revents & POLLIN) != 0) return;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    messages_.emplace_back(buf, static_cast<size_t>(n));
  }
}

std::vector<std::string> NotifyListener::Messages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

int NotifyListener::WaitFor(const std::string& needle, size_t from,
                            std::chrono::milliseconds timeout) const {
  int found = -1;
  testing::WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = from; i < messages_.size(); ++i) {
          if (messages_[i].find(needle) != std::string::npos) {
            found = static_cast<int>(i);
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

size_t NotifyListener::Count(const std::string& needle) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& m : messages_) n += m.find(needle) != std::string::npos ? size_t{1} : size_t{0};
  return n;
}

}  // namespace xerod::testing
