// SPDX-License-Identifier: MIT
#include "sim/oauth.h"

#include <fmt/format.h>

#include <ctime>

#include "sim/http_util.h"

namespace xero_sim {
namespace {

Response Redirect(const std::string& location) {
  Response r;
  r.status = 302;
  r.content_type = "text/html; charset=utf-8";
  r.headers.emplace_back("Location", location);
  r.body = "<html><body>Redirecting</body></html>";
  return r;
}

Response ErrorPage(int status, const std::string& text) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = "<html><body><h1>Error</h1><p>" + text + "</p></body></html>";
  return r;
}

std::string WithQuery(const std::string& uri, const std::string& query) {
  return uri + (uri.find('?') == std::string::npos ? '?' : '&') + query;
}

// Client credentials from "Authorization: Basic" or the form body.
bool ClientCredentialsOf(const Request& r, const Params& form, std::string* id,
                         std::string* secret) {
  std::string auth = r.Header("authorization");
  if (auth.size() > 6 && (auth.starts_with("Basic ") || auth.starts_with("basic "))) {
    auto decoded = Base64UrlDecode(auth.substr(6));
    if (!decoded) return false;
    std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) return false;
    *id = PercentDecode(decoded->substr(0, colon), true);
    *secret = PercentDecode(decoded->substr(colon + 1), true);
    return true;
  }
  *id = Param(form, "client_id").value_or("");
  *secret = Param(form, "client_secret").value_or("");
  return !id->empty();
}

std::string XeroTimestamp(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:02}/{:02}/{:04} {:02}:{:02}:{:02}", tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string BearerToken(const Request& request) {
  std::string auth = request.Header("authorization");
  if (auth.size() > 7 && (auth.starts_with("Bearer ") || auth.starts_with("bearer "))) {
    return auth.substr(7);
  }
  return {};
}

Response AccessTokenProblem(const AccessError& error) {
  if (error.expired) {
    std::string at = XeroTimestamp(error.expired_at);
    Response r = Problem(401, "Unauthorized", "TokenExpired: token expired at " + at);
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer error=\"invalid_token\", error_description=\"The token expired "
                           "at '" +
                               at + "'\"");
    return r;
  }
  Response r = Problem(401, "Unauthorized", "AuthenticationUnsuccessful");
  r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return r;
}

Response HandleAuthorize(SimState& state, const Request& request) {
  const Params& q = request.query;
  std::string client_id = Param(q, "client_id").value_or("");
  const Client* client = state.identity.FindClient(client_id);
  if (client == nullptr) return ErrorPage(400, "Invalid client_id (unauthorized_client)");
  std::string redirect_uri = Param(q, "redirect_uri").value_or("");
  bool redirect_ok = false;
  if (client->redirect_uris.empty()) {
    redirect_ok = redirect_uri.starts_with("http://") || redirect_uri.starts_with("https://");
  } else {
    for (const auto& u : client->redirect_uris) redirect_ok = redirect_ok || u == redirect_uri;
  }
  if (!redirect_ok) return ErrorPage(400, "Invalid redirect_uri");
  std::string state_param = Param(q, "state").value_or("");
  auto fail = [&](const std::string& error) {
    std::string query = "error=" + error;
    if (!state_param.empty()) query += "&state=" + PercentEncode(state_param);
    return Redirect(WithQuery(redirect_uri, query));
  };
  if (Param(q, "response_type").value_or("") != "code") return fail("unsupported_response_type");
  std::vector<std::string> scopes = SplitScopes(Param(q, "scope").value_or(""));
  if (auto bad = state.identity.CheckRequestedScopes(*client, scopes)) return fail(*bad);
  AuthCode code;
  code.code_challenge = Param(q, "code_challenge").value_or("");
  std::string method = Param(q, "code_challenge_method").value_or("");
  if (!code.code_challenge.empty() && method != "S256") return fail("invalid_request");
  if (code.code_challenge.empty() && client->secret.empty()) return fail("invalid_request");
  code.client_id = client_id;
  code.redirect_uri = redirect_uri;
  code.scopes = scopes;
  code.nonce = Param(q, "nonce").value_or("");
  code.user_id =
      state.consent_user_id.empty() ? state.identity.default_user_id() : state.consent_user_id;
  code.tenant_ids = state.consent_tenants ? *state.consent_tenants : state.TenantIds();
  std::string value = state.identity.IssueCode(std::move(code));
  std::string query = "code=" + value + "&scope=" + PercentEncode(JoinScopes(scopes));
  if (!state_param.empty()) query += "&state=" + PercentEncode(state_param);
  query += "&session_state=" + RandomHex(16);
  return Redirect(WithQuery(redirect_uri, query));
}

Response HandleToken(SimState& state, const Request& request) {
  if (request.method != "POST") return OAuthError(405, "invalid_request");
  Params form = ParseForm(request.body);
  std::string client_id, secret;
  if (!ClientCredentialsOf(request, form, &client_id, &secret) ||
      !state.identity.Authenticate(client_id, secret)) {
    return OAuthError(400, "invalid_client");
  }
  std::string grant_type = Param(form, "grant_type").value_or("");
  std::expected<nlohmann::json, OAuthFailure> result;
  if (grant_type == "authorization_code") {
    result = state.identity.ExchangeCode(client_id, Param(form, "code").value_or(""),
                                         Param(form, "redirect_uri").value_or(""),
                                         Param(form, "code_verifier").value_or(""));
  } else if (grant_type == "refresh_token") {
    Grant* grant = nullptr;
    result = state.identity.Refresh(client_id, Param(form, "refresh_token").value_or(""), &grant);
    if (result && grant != nullptr) {
      ++state.total.token_refreshes;
      for (const auto& c : state.identity.ConnectionsOf(grant->user_id, grant->client_id)) {
        ++state.per_tenant[c.tenant_id].token_refreshes;
      }
    }
  } else if (grant_type == "client_credentials") {
    result = state.identity.ClientCredentials(client_id, Param(form, "scope").value_or(""));
  } else {
    return OAuthError(400, "unsupported_grant_type");
  }
  if (!result) return OAuthError(result.error().status, result.error().error);
  Response r = JsonReply(200, *result);
  r.headers.emplace_back("Cache-Control", "no-store, no-cache, max-age=0");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

Response HandleRevocation(SimState& state, const Request& request) {
  if (request.method != "POST") return OAuthError(405, "invalid_request");
  Params form = ParseForm(request.body);
  std::string client_id, secret;
  if (!ClientCredentialsOf(request, form, &client_id, &secret) ||
      !state.identity.Authenticate(client_id, secret)) {
    return OAuthError(400, "invalid_client");
  }
  state.identity.Revoke(client_id, Param(form, "token").value_or(""));
  Response r;
  r.status = 200;
  r.body.clear();
  return r;
}

Response HandleConnections(SimState& state, const Request& request) {
  // Counted with the API's endpoints (/_sim/stats): a monitor's checks show here.
  ++state.total.endpoints[request.method + " /connections"];
  std::string token = BearerToken(request);
  if (token.empty()) return AccessTokenProblem(AccessError{});
  auto claims = state.identity.CheckAccessToken(token);
  if (!claims) return AccessTokenProblem(claims.error());
  std::string_view rest =
      std::string_view(request.path).substr(std::string_view("/connections").size());
  if (rest.empty() || rest == "/") {
    if (request.method != "GET") return Problem(405, "Method Not Allowed", "Method not allowed");
    auto event = Param(request.query, "authEventId");
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : state.identity.ConnectionsOf(claims->user_id, claims->client_id)) {
      if (event && c.auth_event_id != *event) continue;
      list.push_back({{"id", c.id},
                      {"authEventId", c.auth_event_id},
                      {"tenantId", c.tenant_id},
                      {"tenantType", "ORGANISATION"},
                      {"tenantName", state.TenantName(c.tenant_id)},
                      {"createdDateUtc", FormatXeroUtc(c.created)},
                      {"updatedDateUtc", FormatXeroUtc(c.updated)}});
    }
    return JsonReply(200, list);
  }
  if (request.method != "DELETE") return Problem(405, "Method Not Allowed", "Method not allowed");
  std::string id(rest.substr(1));
  if (state.identity.Disconnect(id, claims->user_id, claims->client_id)) {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  // Xero answers an id that is a tenantId or authEventId (not a connection id) with 403.
  for (const auto& c : state.identity.ConnectionsOf(claims->user_id, claims->client_id)) {
    if (c.tenant_id == id || c.auth_event_id == id) {
      return Problem(403, "Forbidden", "AuthenticationUnsuccessful");
    }
  }
  return Problem(404, "Not Found", "Connection not found");
}

Response HandleOpenIdConfiguration(const Request& request) {
  std::string host = "127.0.0.1";
  auto it = request.headers.find("host");
  if (it != request.headers.end()) host = it->second;
  std::string base = "http://" + host;
  return JsonReply(
      200,
      {{"issuer", "https://identity.xero.com"},
       {"jwks_uri", base + "/.well-known/openid-configuration/jwks"},
       {"authorization_endpoint", base + "/connect/authorize"},
       {"token_endpoint", base + "/connect/token"},
       {"revocation_endpoint", base + "/connect/revocation"},
       {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
       {"claims_supported",
        {"sub", "email", "given_name", "family_name", "preferred_username", "xero_userid",
         "global_session_id", "sid", "auth_time", "nonce", "at_hash"}},
       {"grant_types_supported", {"authorization_code", "client_credentials", "refresh_token"}},
       {"response_types_supported", {"code"}},
       {"response_modes_supported", {"query"}},
       {"subject_types_supported", {"public"}},
       {"id_token_signing_alg_values_supported", {"RS256"}},
       {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
       {"code_challenge_methods_supported", {"S256"}}});
}

Response HandleJwks(const SimState& state) { return JsonReply(200, state.identity.Jwks()); }

}  // namespace xero_sim
