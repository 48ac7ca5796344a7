// SPDX-License-Identifier: MIT
// The gate in front of /api.xro/2.0: access token, scope, tenant, rate limits,
// then (after any injected delay) idempotency and the accounting handler.
#include <algorithm>

#include "sim/http_util.h"
#include "sim/oauth.h"
#include "sim/router.h"
#include "sim/tokens.h"

namespace xero_sim {
namespace {

Response Forbidden() { return Problem(403, "Forbidden", "AuthenticationUnsuccessful"); }

void AddHeaders(Response& r, const std::vector<std::pair<std::string, std::string>>& headers) {
  r.headers.insert(r.headers.end(), headers.begin(), headers.end());
}

Response RunCall(SimState& state, const Request& request, const std::string& tenant,
                 const std::string& app,
                 const std::vector<std::pair<std::string, std::string>>& limit_headers) {
  OrgEntry* org = state.FindOrg(tenant);
  if (org == nullptr) return Forbidden();  // removed while the call was delayed
  TimePoint now = state.clock.Now();
  std::string key = request.Header("idempotency-key");
  bool idempotent = !key.empty() && (request.method == "POST" || request.method == "PUT" ||
                                     request.method == "PATCH");
  Response response;
  if (idempotent && key.size() > kMaxIdempotencyKey) {
    response = Problem(400, "Bad Request", "Idempotency-Key must be at most 128 characters");
  } else if (idempotent) {
    std::string fingerprint = IdempotencyStore::Fingerprint(request, tenant);
    switch (state.idempotency.Find(app, key, fingerprint, now, &response)) {
      case IdempotencyStore::Outcome::kReplay:
        break;
      case IdempotencyStore::Outcome::kMismatch:
        response = Problem(400, "Bad Request",
                           "Idempotency key '" + key + "' is used with a different request");
        break;
      case IdempotencyStore::Outcome::kNew:
        response = HandleAccounting(*org->org, request, now);
        state.idempotency.Store(app, key, fingerprint, response, now);
        break;
    }
  } else {
    response = HandleAccounting(*org->org, request, now);
  }
  AddHeaders(response, limit_headers);
  return response;
}

// Xero puts a correlation id on every API answer (what support asks for); a
// replayed idempotent answer gets a fresh one, as it is a new request.
Plan WithCorrelationId(Plan plan) {
  std::string id = NewUuid();
  if (plan.response) plan.response->headers.emplace_back("Xero-Correlation-Id", id);
  if (plan.execute) {
    plan.execute = [inner = std::move(plan.execute), id] {
      Response r = inner();
      r.headers.emplace_back("Xero-Correlation-Id", id);
      return r;
    };
  }
  return plan;
}

Plan PlanAuthorisedCall(SimState& state, Request request);

}  // namespace

Plan PlanApiCall(SimState& state, Request request) {
  return WithCorrelationId(PlanAuthorisedCall(state, std::move(request)));
}

namespace {

Plan PlanAuthorisedCall(SimState& state, Request request) {
  // 1. The access token.
  std::string token = BearerToken(request);
  if (token.empty()) return Answer(AccessTokenProblem(AccessError{}));
  auto claims = state.identity.CheckAccessToken(token);
  if (!claims) return Answer(AccessTokenProblem(claims.error()));

  // 2. The scope: any one of the allowed scopes suffices.
  std::vector<std::string> allowed = AllowedScopes(request);
  if (!allowed.empty() && std::none_of(allowed.begin(), allowed.end(), [&](const std::string& s) {
        return HasScope(claims->scopes, s);
      })) {
    Response r = Problem(401, "Unauthorized", "AuthorizationUnsuccessful");
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
    return Answer(std::move(r));
  }

  // 3. The tenant: named by header (optional for custom connections) and connected.
  std::string tenant = request.Header("xero-tenant-id");
  if (tenant.empty() && claims->custom) {
    const Client* client = state.identity.FindClient(claims->client_id);
    if (client != nullptr) tenant = client->custom_tenant_id;
  }
  if (tenant.empty() || state.FindOrg(tenant) == nullptr ||
      !state.identity.IsConnected(claims->user_id, claims->client_id, tenant)) {
    return Answer(Forbidden());
  }

  // 4. Rate limits (idempotent replays count too).
  Counters& per_tenant = state.per_tenant[tenant];
  ++state.total.calls;
  ++per_tenant.calls;
  std::string endpoint = EndpointKey(request.method, request.path);
  ++state.total.endpoints[endpoint];
  ++per_tenant.endpoints[endpoint];
  Admission admission = state.limiter.Admit(tenant, claims->client_id);
  if (!admission.allowed) {
    ++state.total.rate_limited;
    ++per_tenant.rate_limited;
    Response r = Problem(429, "Too Many Requests", "Rate limit exceeded: " + admission.problem);
    AddHeaders(r, admission.headers);
    return Answer(std::move(r));
  }

  // 5. The call itself runs after any injected delay, holding the concurrency slot.
  request.client_id = claims->client_id;  // invoices remember the app that created them
  Plan plan;
  plan.slot = std::move(admission.slot);
  plan.execute = [&state, request = std::move(request), tenant, app = claims->client_id,
                  headers = std::move(admission.headers)] {
    return RunCall(state, request, tenant, app, headers);
  };
  return plan;
}

}  // namespace

}  // namespace xero_sim
