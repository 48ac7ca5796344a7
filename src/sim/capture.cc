// SPDX-License-Identifier: MIT
#include "sim/capture.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

namespace xero_sim {

Capture::~Capture() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> Capture::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot open --capture " + path + ": " + std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return std::nullopt;
}

bool Capture::Captures(const Request& request) {
  return (request.method == "PUT" || request.method == "POST" || request.method == "PATCH") &&
         request.path.starts_with("/api.xro/2.0/");
}

void Capture::Record(const Request& request) {
  if (fd_ < 0 || !Captures(request)) return;
  const nlohmann::json j = {{"method", request.method},
                            {"path", request.path},
                            {"query", request.raw_query},
                            {"body", request.body}};
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!reported_)
        std::cerr << "xero-sim: --capture write failed: " << std::strerror(errno) << "\n";
      reported_ = true;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace xero_sim
