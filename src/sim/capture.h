// SPDX-License-Identifier: MIT
// --capture FILE: one JSON line per accounting write request the simulator
// receives (PUT/POST/PATCH under /api.xro/2.0/), recorded before faults,
// auth or validation, so a test can check every body a client sent against
// Xero's OpenAPI spec (tests/xero_schema/validate_bodies.py):
//   {"method":"PUT","path":"/api.xro/2.0/Invoices","query":"summarizeErrors=false","body":"..."}
// `body` is the raw body text as a JSON string (bytes that are not UTF-8 are
// replaced by U+FFFD). Each line is appended with one write(2) on an O_APPEND
// descriptor: nothing is buffered, and simulators appending to different files
// (or even the same one) never interleave within a line.
#pragma once

#include <optional>
#include <string>

#include "sim/accounting/http_types.h"

namespace xero_sim {

class Capture {
 public:
  Capture() = default;
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Opens (creates) `path` for appending. Error text on failure.
  std::optional<std::string> Open(const std::string& path);
  bool enabled() const { return fd_ >= 0; }
  // Whether `request` is an accounting write that is captured.
  static bool Captures(const Request& request);
  // Appends the request's line if enabled and Captures(request). A write error is
  // reported on stderr once; the request is served anyway.
  void Record(const Request& request);

 private:
  int fd_ = -1;
  bool reported_ = false;
};

}  // namespace xero_sim
