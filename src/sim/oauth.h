// SPDX-License-Identifier: MIT
// Xero's identity endpoints over a SimState:
//   GET  /connect/authorize   auto-consent, 302 to redirect_uri with code and state
//   POST /connect/token       authorization_code (+PKCE), refresh_token, client_credentials
//   POST /connect/revocation  revokes a refresh token and the user's connections
//   GET  /connections         connections of the token's user and app
//   DELETE /connections/{id}  204, 404 if unknown
//   GET  /.well-known/openid-configuration       discovery (with jwks_uri)
//   GET  /.well-known/openid-configuration/jwks  the RS256 signing key as a JWK set
// Each returns the complete response. io_context thread only.
#pragma once

#include "sim/accounting/http_types.h"
#include "sim/sim_state.h"

namespace xero_sim {

Response HandleAuthorize(SimState& state, const Request& request);
Response HandleToken(SimState& state, const Request& request);
Response HandleRevocation(SimState& state, const Request& request);
Response HandleConnections(SimState& state, const Request& request);
Response HandleOpenIdConfiguration(const Request& request);
Response HandleJwks(const SimState& state);

// The bearer token of a request, or empty.
std::string BearerToken(const Request& request);
// The 401 for a missing/invalid/expired access token, or nullopt if `claims` are usable.
Response AccessTokenProblem(const AccessError& error);

}  // namespace xero_sim
