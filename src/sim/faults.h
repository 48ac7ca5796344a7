// SPDX-License-Identifier: MIT
// Injected faults (POST /_sim/faults): the next `count` requests whose path
// matches `path` (a glob with * and ?, or else a prefix) and whose method
// matches `method` (empty: any) are affected.
//
// Before processing (the default) the request waits `delay_ms`, then is either
// dropped (connection closed without a response), answered with `status`
// (`body`, `headers`), or, without either, processed normally with `headers`
// added to (and `body` replacing the body of) the real answer. Such faults act
// in front of everything else (like a failing load balancer): an injected
// status is not subject to auth or limits and not remembered under an
// Idempotency-Key.
//
// With `after_processing` the request is processed normally first (an invoice
// IS created, an Idempotency-Key remembers the real answer), then the answer is
// delayed, dropped or replaced as above: a slow or lost response after Xero
// acted.
//
// `truncate_bytes` sends the answer's status line and headers (with the full
// Content-Length) and only the first N bytes of its body, then closes.
// Not thread-safe: io_context thread only.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
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
  // Shared: a fault may carry a large body (tens of MB) and is copied per use.
  std::shared_ptr<const std::string> body;  // null: none
  bool body_is_json = false;
  std::vector<std::pair<std::string, std::string>> headers;
  bool after_processing = false;
  std::optional<std::size_t> truncate_bytes;
};

// Parses a fault from the admin JSON; error text on bad input.
std::optional<std::string> ParseFault(const nlohmann::json& j, Fault* out);
// The fault as GET /_sim/faults lists it (a body over 64 KiB only by its size).
nlohmann::json FaultJson(const Fault& f);
// The response an injected status produces (with the fault's headers).
Response FaultResponse(const Fault& f);
// The answer a fault turns `real` into: FaultResponse(f) when it injects a
// status, else `real` with the fault's headers added and its body replaced.
Response AmendResponse(const Fault& f, Response real);
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
