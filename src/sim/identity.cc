// SPDX-License-Identifier: MIT
#include "sim/identity.h"

#include <algorithm>

namespace xero_sim {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

constexpr char kIssuer[] = "https://identity.xero.com";
constexpr char kDefaultClientId[] = "xero-sim-client";
constexpr char kDefaultClientSecret[] = "xero-sim-secret";

std::int64_t Unix(TimePoint t) { return duration_cast<seconds>(t.time_since_epoch()).count(); }
TimePoint FromUnix(std::int64_t s) { return TimePoint(seconds(s)); }

bool KnownScope(const std::string& s) {
  static const char* kExact[] = {"openid",   "profile",       "email",     "offline_access",
                                 "files",    "files.read",    "assets",    "assets.read",
                                 "projects", "projects.read", "bankfeeds", "paymentservices"};
  for (const char* e : kExact) {
    if (s == e) return true;
  }
  return s.starts_with("accounting.") || s.starts_with("payroll.") || s.starts_with("finance.") ||
         s.starts_with("practicemanager") || s.starts_with("app.");
}

}  // namespace

std::vector<std::string> SplitScopes(const std::string& scope) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < scope.size()) {
    std::size_t j = scope.find(' ', i);
    if (j == std::string::npos) j = scope.size();
    if (j > i) {
      std::string s = scope.substr(i, j - i);
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
    }
    i = j + 1;
  }
  return out;
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool HasScope(const std::vector<std::string>& scopes, const std::string& scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

Identity::Identity(SimClock& clock, JwtSigner signer)
    : clock_(clock), signer_(std::move(signer)), default_user_id_(NewUuid()) {
  Client c;
  c.id = kDefaultClientId;
  c.secret = kDefaultClientSecret;
  clients_[c.id] = c;
}

void Identity::PutClient(Client client) {
  if (!client.custom_tenant_id.empty()) {
    auto old = clients_.find(client.id);
    client.custom_user_id = old != clients_.end() && !old->second.custom_user_id.empty()
                                ? old->second.custom_user_id
                                : NewUuid();
    Connect(client.custom_user_id, client.id, client.custom_tenant_id, NewUuid());
  }
  clients_[client.id] = std::move(client);
}

const Client* Identity::FindClient(const std::string& id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second;
}

bool Identity::Authenticate(const std::string& client_id, const std::string& secret) const {
  const Client* c = FindClient(client_id);
  if (c == nullptr) return false;
  return c->secret.empty() || c->secret == secret;
}

std::optional<std::string> Identity::CheckRequestedScopes(
    const Client& client, const std::vector<std::string>& scopes) const {
  if (scopes.empty()) return "invalid_scope";
  for (const auto& s : scopes) {
    if (!KnownScope(s)) return "invalid_scope";
    if (!client.legacy_scopes && s.starts_with("accounting.transactions")) return "invalid_scope";
  }
  return std::nullopt;
}

std::string Identity::IssueCode(AuthCode code) {
  std::string value = RandomHex(32);
  code.expires = clock_.Now() + kCodeLifetime;
  codes_[value] = std::move(code);
  return value;
}

std::expected<nlohmann::json, OAuthFailure> Identity::ExchangeCode(const std::string& client_id,
                                                                   const std::string& code,
                                                                   const std::string& redirect_uri,
                                                                   const std::string& verifier) {
  auto it = codes_.find(code);
  if (it == codes_.end()) return std::unexpected(OAuthFailure{400, "invalid_grant"});
  AuthCode& c = it->second;
  if (c.used || c.client_id != client_id || clock_.Now() > c.expires ||
      c.redirect_uri != redirect_uri) {
    return std::unexpected(OAuthFailure{400, "invalid_grant"});
  }
  if (!c.code_challenge.empty()) {
    // PKCE (RFC 7636, S256): BASE64URL(SHA256(verifier)) must equal the challenge.
    if (verifier.size() < 43 || verifier.size() > 128 ||
        Base64UrlEncode(Sha256(verifier)) != c.code_challenge) {
      return std::unexpected(OAuthFailure{400, "invalid_grant"});
    }
  } else {
    const Client* client = FindClient(client_id);
    if (client != nullptr && client->secret.empty()) {
      return std::unexpected(OAuthFailure{400, "invalid_grant"});  // PKCE app without challenge
    }
  }
  c.used = true;
  Grant& g = CreateGrant(c.client_id, c.user_id, c.scopes, c.tenant_ids);
  return TokenResponse(g, c.nonce);
}

Grant& Identity::CreateGrant(const std::string& client_id, const std::string& user_id,
                             std::vector<std::string> scopes,
                             const std::vector<std::string>& tenant_ids) {
  Grant g;
  g.id = NewUuid();
  g.client_id = client_id;
  g.user_id = user_id;
  g.auth_event_id = NewUuid();
  g.scopes = std::move(scopes);
  if (HasScope(g.scopes, "offline_access")) {
    g.refresh_token = RandomHex(32);
    g.refresh_issued = clock_.Now();
    refresh_index_[g.refresh_token] = g.id;
  }
  for (const auto& t : tenant_ids) Connect(user_id, client_id, t, g.auth_event_id);
  std::string id = g.id;
  return grants_[id] = std::move(g);
}

Grant* Identity::FindGrant(const std::string& id) {
  auto it = grants_.find(id);
  return it == grants_.end() ? nullptr : &it->second;
}

std::string Identity::IssueAccessToken(const Grant& grant) const {
  TimePoint now = clock_.Now();
  nlohmann::json p = {{"nbf", Unix(now)},
                      {"exp", Unix(now + kAccessTokenLifetime)},
                      {"iat", Unix(now)},
                      {"iss", kIssuer},
                      {"aud", std::string(kIssuer) + "/resources"},
                      {"client_id", grant.client_id},
                      {"sub", grant.user_id},
                      {"auth_time", Unix(now)},
                      {"xero_userid", grant.user_id},
                      {"global_session_id", grant.id},
                      {"sid", grant.id},
                      {"jti", RandomHex(16)},
                      {"authentication_event_id", grant.auth_event_id},
                      {"scope", grant.scopes},
                      {"amr", {"pwd"}}};
  return signer_.Sign(p);
}

nlohmann::json Identity::Jwks() const { return {{"keys", nlohmann::json::array({signer_.Jwk()})}}; }

std::string Identity::IdToken(const Grant& grant, const std::string& nonce,
                              const std::string& access_token) const {
  TimePoint now = clock_.Now();
  nlohmann::json p = {{"nbf", Unix(now)},
                      {"exp", Unix(now + kIdTokenLifetime)},
                      {"iat", Unix(now)},
                      {"iss", kIssuer},
                      {"aud", grant.client_id},
                      {"sub", grant.user_id},
                      {"auth_time", Unix(now)},
                      {"xero_userid", grant.user_id},
                      {"global_session_id", grant.id},
                      {"sid", grant.id},
                      // Base64url of the left half of SHA-256(access_token), as for RS256.
                      {"at_hash", Base64UrlEncode(Sha256(access_token).substr(0, 16))}};
  if (!nonce.empty()) p["nonce"] = nonce;
  if (HasScope(grant.scopes, "email")) p["email"] = "user@xero-sim.test";
  if (HasScope(grant.scopes, "profile")) {
    p["given_name"] = "Sim";
    p["family_name"] = "User";
    p["preferred_username"] = "user@xero-sim.test";
  }
  return signer_.Sign(p);
}

nlohmann::json Identity::TokenResponse(const Grant& grant, const std::string& nonce) const {
  std::string access_token = IssueAccessToken(grant);
  nlohmann::json body = {{"access_token", access_token},
                         {"expires_in", duration_cast<seconds>(kAccessTokenLifetime).count()},
                         {"token_type", "Bearer"},
                         {"scope", JoinScopes(grant.scopes)}};
  if (HasScope(grant.scopes, "openid")) body["id_token"] = IdToken(grant, nonce, access_token);
  if (!grant.refresh_token.empty()) body["refresh_token"] = grant.refresh_token;
  return body;
}

std::expected<nlohmann::json, OAuthFailure> Identity::Refresh(const std::string& client_id,
                                                              const std::string& refresh_token,
                                                              Grant** refreshed) {
  auto bad = std::unexpected(OAuthFailure{400, "invalid_grant"});
  auto idx = refresh_index_.find(refresh_token);
  if (idx == refresh_index_.end()) return bad;
  Grant* g = FindGrant(idx->second);
  if (g == nullptr || g->dead || g->client_id != client_id) return bad;
  TimePoint now = clock_.Now();
  if (refresh_token == g->refresh_token) {
    if (now - g->refresh_issued > kRefreshIdleExpiry) {
      DropTokens(*g);
      g->dead = true;
      return bad;
    }
    // Rotate: the presented token becomes "previous", usable for the grace period.
    if (!g->previous_token.empty()) refresh_index_.erase(g->previous_token);
    g->previous_token = g->refresh_token;
    g->previous_until = now + kRefreshGrace;
  } else if (refresh_token == g->previous_token) {
    if (now >= g->previous_until) return bad;
    // A retry with the previous token inside the grace: the token issued in between
    // (whose response the client evidently lost) is replaced.
    refresh_index_.erase(g->refresh_token);
  } else {
    return bad;
  }
  g->refresh_token = RandomHex(32);
  g->refresh_issued = now;
  refresh_index_[g->refresh_token] = g->id;
  ++g->refreshes;
  if (refreshed != nullptr) *refreshed = g;
  return TokenResponse(*g, "");
}

std::expected<nlohmann::json, OAuthFailure> Identity::ClientCredentials(
    const std::string& client_id, const std::string& scope) {
  const Client* c = FindClient(client_id);
  if (c == nullptr) return std::unexpected(OAuthFailure{400, "invalid_client"});
  if (c->custom_tenant_id.empty()) return std::unexpected(OAuthFailure{400, "unauthorized_client"});
  if (!IsConnected(c->custom_user_id, c->id, c->custom_tenant_id)) {
    return std::unexpected(OAuthFailure{400, "unauthorized_client"});
  }
  std::vector<std::string> scopes = c->custom_scopes;
  if (!scope.empty()) {
    scopes = SplitScopes(scope);
    for (const auto& s : scopes) {
      if (!HasScope(c->custom_scopes, s))
        return std::unexpected(OAuthFailure{400, "invalid_scope"});
    }
  }
  std::erase(scopes, "offline_access");
  // A transient grant: client_credentials tokens carry no refresh token.
  Grant g;
  g.id = NewUuid();
  g.client_id = c->id;
  g.user_id = c->custom_user_id;
  g.auth_event_id = NewUuid();
  g.scopes = std::move(scopes);
  nlohmann::json body = TokenResponse(g, "");
  body.erase("id_token");
  return body;
}

void Identity::Revoke(const std::string& client_id, const std::string& token) {
  auto idx = refresh_index_.find(token);
  if (idx == refresh_index_.end()) return;
  Grant* g = FindGrant(idx->second);
  if (g == nullptr || g->client_id != client_id) return;
  DropTokens(*g);
  g->dead = true;
  std::vector<std::string> doomed;
  for (const auto& [id, c] : connections_) {
    if (c.user_id == g->user_id && c.client_id == g->client_id) doomed.push_back(id);
  }
  for (const auto& id : doomed) Disconnect(id, g->user_id, g->client_id);
}

bool Identity::ExpireGrant(const std::string& grant_id) {
  Grant* g = FindGrant(grant_id);
  if (g == nullptr) return false;
  DropTokens(*g);
  g->dead = true;
  return true;
}

void Identity::DropTokens(Grant& grant) {
  if (!grant.refresh_token.empty()) refresh_index_.erase(grant.refresh_token);
  if (!grant.previous_token.empty()) refresh_index_.erase(grant.previous_token);
}

std::expected<AccessClaims, AccessError> Identity::CheckAccessToken(std::string_view token) const {
  if (auto hit = access_cache_.find(std::string(token)); hit != access_cache_.end()) {
    if (clock_.Now() >= hit->second.expires) {
      return std::unexpected(AccessError{true, hit->second.expires});
    }
    return hit->second;
  }
  auto payload = signer_.Verify(token);
  if (!payload) return std::unexpected(AccessError{});
  AccessClaims c;
  try {
    c.client_id = payload->at("client_id").get<std::string>();
    c.user_id = payload->at("sub").get<std::string>();
    c.grant_id = payload->at("sid").get<std::string>();
    c.scopes = payload->at("scope").get<std::vector<std::string>>();
    c.expires = FromUnix(payload->at("exp").get<std::int64_t>());
  } catch (const nlohmann::json::exception&) {
    return std::unexpected(AccessError{});
  }
  if (clock_.Now() >= c.expires) return std::unexpected(AccessError{true, c.expires});
  const Client* client = FindClient(c.client_id);
  c.custom =
      client != nullptr && !client->custom_user_id.empty() && client->custom_user_id == c.user_id;
  if (access_cache_.size() >= 10000) access_cache_.clear();
  access_cache_.emplace(std::string(token), c);
  return c;
}

std::string Identity::ConnectionKey(const std::string& user_id, const std::string& client_id,
                                    const std::string& tenant_id) {
  return user_id + '|' + client_id + '|' + tenant_id;
}

const Connection& Identity::Connect(const std::string& user_id, const std::string& client_id,
                                    const std::string& tenant_id,
                                    const std::string& auth_event_id) {
  std::string key = ConnectionKey(user_id, client_id, tenant_id);
  auto it = connection_index_.find(key);
  if (it != connection_index_.end()) {
    Connection& existing = connections_.at(it->second);
    existing.auth_event_id = auth_event_id;
    return existing;
  }
  Connection c;
  c.id = NewUuid();
  c.tenant_id = tenant_id;
  c.user_id = user_id;
  c.client_id = client_id;
  c.auth_event_id = auth_event_id;
  c.created = c.updated = clock_.Now();
  // A reconnect keeps the first connection date; updatedDateUtc moves (as in Xero).
  auto first = first_connected_.find(key);
  if (first != first_connected_.end()) c.created = first->second;
  first_connected_[key] = c.created;
  connection_index_[key] = c.id;
  std::string id = c.id;
  return connections_[id] = std::move(c);
}

bool Identity::IsConnected(const std::string& user_id, const std::string& client_id,
                           const std::string& tenant_id) const {
  return connection_index_.contains(ConnectionKey(user_id, client_id, tenant_id));
}

std::vector<Connection> Identity::ConnectionsOf(const std::string& user_id,
                                                const std::string& client_id) const {
  std::vector<Connection> out;
  for (const auto& [id, c] : connections_) {
    if (c.user_id == user_id && c.client_id == client_id) out.push_back(c);
  }
  std::sort(out.begin(), out.end(),
            [](const Connection& a, const Connection& b) { return a.created < b.created; });
  return out;
}

bool Identity::Disconnect(const std::string& connection_id, const std::string& user_id,
                          const std::string& client_id) {
  auto it = connections_.find(connection_id);
  if (it == connections_.end() || it->second.user_id != user_id ||
      it->second.client_id != client_id) {
    return false;
  }
  connection_index_.erase(ConnectionKey(user_id, client_id, it->second.tenant_id));
  connections_.erase(it);
  return true;
}

int Identity::DisconnectTenant(const std::string& tenant_id) {
  std::vector<Connection> doomed;
  for (const auto& [id, c] : connections_) {
    if (c.tenant_id == tenant_id) doomed.push_back(c);
  }
  for (const auto& c : doomed) Disconnect(c.id, c.user_id, c.client_id);
  return static_cast<int>(doomed.size());
}

}  // namespace xero_sim
