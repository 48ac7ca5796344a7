// SPDX-License-Identifier: MIT
#include "sim/router.h"

#include <algorithm>
#include <cctype>

#include "sim/admin.h"
#include "sim/http_util.h"
#include "sim/oauth.h"

namespace xero_sim {

Plan Answer(Response r) {
  Plan p;
  p.response = std::move(r);
  return p;
}

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Plan Router::Route(Request request) {
  // The admin API is never subject to faults.
  if (request.path == "/_sim" || request.path.starts_with("/_sim/")) {
    return Answer(HandleAdmin(state_, request, state_file_));
  }
  if (capture_ != nullptr) capture_->Record(request);  // before faults, auth and validation
  std::optional<Fault> fault = state_.faults.Take(request.method, request.path);
  const std::chrono::milliseconds delay(fault ? fault->delay_ms : 0);
  if (fault && !fault->after_processing && (fault->drop || fault->status != 0)) {
    Plan p;  // in front of everything: the request is never processed
    p.delay = delay;
    p.drop = fault->drop;
    if (!fault->drop) p.response = FaultResponse(*fault);
    p.truncate_bytes = fault->truncate_bytes;
    return p;
  }
  Plan plan;
  std::string lower = Lower(request.path);
  if (request.path.starts_with("/api.xro/2.0/")) {
    plan = PlanApiCall(state_, std::move(request));
  } else if (lower == "/connect/authorize" || lower == "/identity/connect/authorize") {
    plan = Answer(HandleAuthorize(state_, request));
  } else if (lower == "/connect/token") {
    plan = Answer(HandleToken(state_, request));
  } else if (lower == "/connect/revocation") {
    plan = Answer(HandleRevocation(state_, request));
  } else if (lower == "/connections" || lower.starts_with("/connections/")) {
    request.path = lower.size() == request.path.size() ? "/connections" + request.path.substr(12)
                                                       : request.path;
    plan = Answer(HandleConnections(state_, request));
  } else if (lower == "/.well-known/openid-configuration") {
    plan = Answer(HandleOpenIdConfiguration(request));
  } else if (lower == "/.well-known/openid-configuration/jwks") {
    plan = Answer(HandleJwks(state_));
  } else {
    plan = Answer(Problem(404, "Not Found", "The resource you're looking for cannot be found"));
  }
  plan.delay = delay;
  if (!fault) return plan;
  plan.truncate_bytes = fault->truncate_bytes;
  if (fault->after_processing) {
    // Xero acts now; what the client gets (if anything) is decided by the fault.
    Response real = plan.response ? std::move(*plan.response) : plan.execute();
    plan.execute = nullptr;
    plan.response = AmendResponse(*fault, std::move(real));
    plan.drop = fault->drop;
  } else if (plan.response) {
    plan.response = AmendResponse(*fault, std::move(*plan.response));
  } else {
    plan.amend = [f = *fault](Response r) { return AmendResponse(f, std::move(r)); };
  }
  return plan;
}

}  // namespace xero_sim
