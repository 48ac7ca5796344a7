// SPDX-License-Identifier: MIT
// Routes one request to the admin API, the identity endpoints or the
// accounting API, with faults, auth, limits and idempotency applied in front.
// The answer is a Plan the session carries out: wait `delay`, then drop the
// connection or send `response` (or the result of `execute`, passed through
// `amend`), holding `slot` (a concurrent-call slot of the tenant) until the
// response is written; with `truncate_bytes`, only that much of the body is
// sent (after the full headers) before the connection is closed.
// io_context thread only; SimState must outlive every Plan.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sim/accounting/http_types.h"
#include "sim/capture.h"
#include "sim/rate_limiter.h"
#include "sim/sim_state.h"

namespace xero_sim {

struct Plan {
  std::chrono::milliseconds delay{0};
  bool drop = false;
  std::optional<Response> response;
  std::function<Response()> execute;          // used when `response` is empty
  std::function<Response(Response)> amend;    // if set, applied to the result of `execute`
  std::optional<std::size_t> truncate_bytes;  // send only this much of the body, then close
  std::unique_ptr<ConcurrencySlot> slot;
};

// A plan that answers `r` at once.
Plan Answer(Response r);

// Plans a call under /api.xro/2.0/: auth, tenant, scope and limit checks now;
// idempotency and the accounting handler in `execute` (after any delay).
Plan PlanApiCall(SimState& state, Request request);

class Router {
 public:
  // `state_file`: where POST /_sim/save writes (empty: saving is refused).
  // `capture`: where accounting writes are recorded (--capture), or null; must
  // outlive the router.
  Router(SimState& state, std::string state_file, Capture* capture = nullptr)
      : state_(state), state_file_(std::move(state_file)), capture_(capture) {}
  Plan Route(Request request);

 private:
  SimState& state_;
  std::string state_file_;
  Capture* capture_;
};

}  // namespace xero_sim
