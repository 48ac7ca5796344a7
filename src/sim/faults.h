// SPDX-License-Identifier: MIT
// Injected faults (POST /_sim/faults): the next `count` requests whose path
// matches `path` (a glob with * and ?, or else a prefix) and whose method
// matches `method` (empty: any) are delayed by `delay_ms`, then either dropped
// (connection closed without a response), answered with `status` (and `body`),
// or, with neither, processed normally. Faults act in front of everything else
// (like a failing load balancer): they are not subject to auth, limits or
// idempotency, and their responses are not remembered under an Idempotency-Key.
// Not thread-safe: io_context thread only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/accounting/http_types.h"

namespace xero_sim {

struct Fault {
  std::string path;
  std::string method;  // empty: any
  int status = 0;      // 0: no status injected
  long count = 1;      // -1: every matching request until cleared
  long delay_ms = 0;
  bool drop = false;
  std::optional<std::string> body;
};

// Parses a fault from the admin JSON; error text on bad input.
std::optional<std::string> ParseFault(const nlohmann::json& j, Fault* out);
nlohmann::json FaultJson(const Fault& f);
// The response an injected status produces.
Response FaultResponse(const Fault& f);
bool PathMatches(const std::string& pattern, const std::string& path);

class Faults {
 public:
  void Add(Fault f) { faults_.push_back(std::move(f)); }
  void Clear() { faults_.clear(); }
  // The first fault matching the request, consuming one of its uses.
  std::optional<Fault> Take(const std::string& method, const std::string& path);
  nlohmann::json ToJson() const;
  bool empty() const { return faults_.empty(); }

 private:
  std::vector<Fault> faults_;
};

}  // namespace xero_sim
