// SPDX-License-Identifier: MIT
// Everything the simulator knows: the clock, identity (apps, grants,
// connections), organisations, limits, idempotency keys, faults, consent
// presets and statistics; plus saving/loading it for --state FILE.
// A plain aggregate owned by main() (or a test) for the server's lifetime.
// Not thread-safe: all access happens on the io_context thread.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/accounting/accounting.h"
#include "sim/faults.h"
#include "sim/idempotency.h"
#include "sim/identity.h"
#include "sim/rate_limiter.h"
#include "sim/sim_clock.h"

namespace xero_sim {

struct OrgEntry {
  std::string tenant_id;
  std::string name;
  TimePoint created;
  std::unique_ptr<Organisation> org;
};

struct Counters {
  long calls = 0;
  long rate_limited = 0;  // 429s
  long token_refreshes = 0;
  std::map<std::string, long> endpoints;  // "PUT /api.xro/2.0/Invoices" -> calls
};

struct SimState {
  SimState();

  SimClock clock;
  Identity identity;
  RateLimiter limiter;
  IdempotencyStore idempotency;
  Faults faults;
  std::map<std::string, OrgEntry> orgs;  // by tenant id
  // Who the next /connect/authorize consents as, and which tenants it connects
  // (nullopt: every organisation that exists at that moment).
  std::optional<std::vector<std::string>> consent_tenants;
  std::string consent_user_id;  // empty: the identity's default user
  Counters total;
  std::map<std::string, Counters> per_tenant;

  OrgEntry& AddOrg(const OrgOptions& options);
  OrgEntry* FindOrg(const std::string& tenant_id);
  std::string TenantName(const std::string& tenant_id) const;
  std::vector<std::string> TenantIds() const;
  nlohmann::json StatsJson() const;

  // The whole state as JSON (version 1) and back. Load returns an error text on
  // malformed input and then leaves the state unchanged.
  nlohmann::json ToJson() const;
  std::optional<std::string> LoadJson(const nlohmann::json& j);
};

// Writes `state` to `path` atomically (temp file, fsync, rename). Error text on failure.
std::optional<std::string> SaveStateFile(const SimState& state, const std::string& path);
// Loads `path` into `state` if the file exists (a missing file is not an error).
std::optional<std::string> LoadStateFile(SimState& state, const std::string& path);

// "PUT /api.xro/2.0/Invoices/{id}": the stats key of a request (ids collapsed).
std::string EndpointKey(const std::string& method, const std::string& path);

}  // namespace xero_sim
