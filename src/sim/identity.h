// SPDX-License-Identifier: MIT
// The identity side of the simulator: registered apps (clients), users'
// grants (token sets), connections (user x app x tenant), authorization codes,
// and the token rules Xero documents: 30-minute JWT access tokens, rotating
// refresh tokens with a 30-minute grace for the previous one, 60-day idle
// expiry, invalid_grant for dead/reused/revoked tokens, client_credentials
// for custom connections (one organisation, no refresh token).
// Not thread-safe: owned by SimState and used on the io_context thread only.
// Secrets (client secrets, tokens) never appear in error texts.
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/sim_clock.h"
#include "sim/tokens.h"

namespace xero_sim {

inline constexpr auto kAccessTokenLifetime = std::chrono::minutes(30);
inline constexpr auto kRefreshGrace = std::chrono::minutes(30);
inline constexpr auto kRefreshIdleExpiry = std::chrono::hours(24 * 60);
inline constexpr auto kCodeLifetime = std::chrono::minutes(5);
inline constexpr auto kIdTokenLifetime = std::chrono::minutes(5);

struct Client {
  std::string id;
  std::string secret;                      // empty: a PKCE app (no secret, verifier required)
  std::vector<std::string> redirect_uris;  // empty: any http(s) redirect is accepted
  bool legacy_scopes = false;    // app created before 2 Mar 2026 (may ask accounting.transactions)
  std::string custom_tenant_id;  // set: a custom connection (client_credentials) to this org
  std::vector<std::string> custom_scopes;  // scopes of the custom connection
  std::string custom_user_id;              // synthetic user owning the custom connection
};

struct Connection {
  std::string id;
  std::string tenant_id;
  std::string user_id;
  std::string client_id;
  std::string auth_event_id;
  TimePoint created;
  TimePoint updated;
};

struct Grant {
  std::string id;
  std::string client_id;
  std::string user_id;
  std::string auth_event_id;
  std::vector<std::string> scopes;
  std::string refresh_token;  // current; empty when the grant has none (no offline_access)
  TimePoint refresh_issued;
  std::string previous_token;  // the one rotated away, valid until previous_until
  TimePoint previous_until;
  bool dead = false;
  long refreshes = 0;
};

struct AuthCode {
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::string code_challenge;  // S256 challenge, empty when none was sent
  std::string nonce;
  std::string user_id;
  std::vector<std::string> tenant_ids;
  TimePoint expires;
  bool used = false;
};

// What a valid access token says.
struct AccessClaims {
  std::string client_id;
  std::string user_id;
  std::string grant_id;
  std::vector<std::string> scopes;
  TimePoint expires;
  bool custom = false;  // a client_credentials token: the tenant header is optional
};

struct AccessError {
  bool expired = false;  // false: not a token this simulator issued
  TimePoint expired_at;
};

// A token-endpoint failure: HTTP status and the OAuth "error" value.
struct OAuthFailure {
  int status = 400;
  std::string error;
};

std::vector<std::string> SplitScopes(const std::string& scope);
std::string JoinScopes(const std::vector<std::string>& scopes);
bool HasScope(const std::vector<std::string>& scopes, const std::string& scope);

class Identity {
 public:
  // `signer` signs access tokens and id_tokens (RS256).
  Identity(SimClock& clock, JwtSigner signer);

  // Apps. The default client "xero-sim-client" / "xero-sim-secret" always exists.
  void PutClient(Client client);
  const Client* FindClient(const std::string& id) const;
  // client_id + secret check for confidential clients; PKCE clients pass with any/no secret.
  bool Authenticate(const std::string& client_id, const std::string& secret) const;
  // Error value ("invalid_scope", ...) when `scopes` cannot be granted to `client`.
  std::optional<std::string> CheckRequestedScopes(const Client& client,
                                                  const std::vector<std::string>& scopes) const;

  // Authorization codes.
  std::string IssueCode(AuthCode code);
  std::expected<nlohmann::json, OAuthFailure> ExchangeCode(const std::string& client_id,
                                                           const std::string& code,
                                                           const std::string& redirect_uri,
                                                           const std::string& verifier);

  // A user grant as if the user consented: connects `tenant_ids`.
  Grant& CreateGrant(const std::string& client_id, const std::string& user_id,
                     std::vector<std::string> scopes, const std::vector<std::string>& tenant_ids);
  Grant* FindGrant(const std::string& id);
  // A token response body for `grant` (access token, id_token if openid, refresh token if any).
  nlohmann::json TokenResponse(const Grant& grant, const std::string& nonce) const;
  std::string IssueAccessToken(const Grant& grant) const;
  // {"keys":[<the signing key as a JWK>]} for /.well-known/openid-configuration/jwks.
  nlohmann::json Jwks() const;

  std::expected<nlohmann::json, OAuthFailure> Refresh(const std::string& client_id,
                                                      const std::string& refresh_token,
                                                      Grant** refreshed);
  std::expected<nlohmann::json, OAuthFailure> ClientCredentials(const std::string& client_id,
                                                                const std::string& scope);
  // Revokes a refresh token of `client_id`: the grant dies and every connection of that user
  // to that app is removed. Unknown tokens are ignored (RFC 7009).
  void Revoke(const std::string& client_id, const std::string& token);
  // Kills the grant's refresh tokens (idle expiry / revoked elsewhere). False if unknown.
  bool ExpireGrant(const std::string& grant_id);

  std::expected<AccessClaims, AccessError> CheckAccessToken(std::string_view token) const;

  // Connections.
  const Connection& Connect(const std::string& user_id, const std::string& client_id,
                            const std::string& tenant_id, const std::string& auth_event_id);
  bool IsConnected(const std::string& user_id, const std::string& client_id,
                   const std::string& tenant_id) const;
  std::vector<Connection> ConnectionsOf(const std::string& user_id,
                                        const std::string& client_id) const;
  // Removes one connection if it belongs to (user, client). False if not found.
  bool Disconnect(const std::string& connection_id, const std::string& user_id,
                  const std::string& client_id);
  // The organisation disconnects every app and user (Xero-side disconnect).
  int DisconnectTenant(const std::string& tenant_id);

  const std::string& default_user_id() const { return default_user_id_; }

  nlohmann::json ToJson() const;
  // Replaces everything with the saved state. False on malformed input (state unchanged).
  bool LoadJson(const nlohmann::json& j);

 private:
  static std::string ConnectionKey(const std::string& user_id, const std::string& client_id,
                                   const std::string& tenant_id);
  // `access_token`: the one issued with it, for the at_hash claim (OpenID Connect 3.1.3.6).
  std::string IdToken(const Grant& grant, const std::string& nonce,
                      const std::string& access_token) const;
  void DropTokens(Grant& grant);
  void RebuildIndexes();

  SimClock& clock_;
  JwtSigner signer_;
  std::string default_user_id_;
  std::map<std::string, Client> clients_;
  std::map<std::string, Grant> grants_;
  std::unordered_map<std::string, std::string> refresh_index_;  // refresh token -> grant id
  std::map<std::string, AuthCode> codes_;
  std::map<std::string, Connection> connections_;                  // by connection id
  std::unordered_map<std::string, std::string> connection_index_;  // user|client|tenant -> id
  std::unordered_map<std::string, TimePoint> first_connected_;     // user|client|tenant
  // Verified access tokens (signature + claims), so hot API paths skip the RSA check and
  // JSON decoding; expiry is still checked on every use. Bounded; cleared when full.
  mutable std::unordered_map<std::string, AccessClaims> access_cache_;
};

}  // namespace xero_sim
