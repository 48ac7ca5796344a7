// SPDX-License-Identifier: MIT
// The simulator's admin API under /_sim/ (see docs/xero-sim.md for every
// route and body). Bodies are JSON; errors are {"error": "..."} with 400/404.
// io_context thread only.
#pragma once

#include <string>

#include "sim/accounting/http_types.h"
#include "sim/sim_state.h"

namespace xero_sim {

// `state_file`: target of POST /_sim/save (empty: saving answers 409).
Response HandleAdmin(SimState& state, const Request& request, const std::string& state_file);

}  // namespace xero_sim
