// SPDX-License-Identifier: MIT
//
// ConnectionManager: the ways a named connection comes into being and goes away.
//
//   connect   authorization code + PKCE (S256) with `state`. BeginConnect()
//             returns the authorize URL and starts a one-shot loopback HTTP
//             listener on redirect_uri's host:port; when the browser comes back
//             (or on timeout, or when CompleteConnect() is given the redirect
//             URL by hand) the code is exchanged, GET /connections is read and
//             the name is bound to the chosen tenant (by id, or the only one).
//   add       imports a refresh token + tenant id from the platform's own web
//             flow: refreshes once (the rotated token is what gets stored) and
//             requires the tenant in GET /connections.
//   custom    a custom connection (client_credentials, one organisation).
//   disconnect  DELETE /connections/{id}; revokes the refresh token only when no
//             other connection uses its token set; keeps the row and history
//             (state disconnected) and tells the unusable hook.
//   check     refresh if needed + GET /connections: active if the tenant is
//             listed, disconnected if not.
//
// Errors (in callbacks): kInvalidArgument (bad name/tenant choice, state
// mismatch), kPermissionDenied (user denied access, app refused), kNotFound
// (unknown connection, tenant not connected), kUnavailable (transient / timed
// out), kFailedPrecondition (already connecting, connection dead), store errors.
// No message contains a token or the client secret.
//
// Thread-safety: io_context thread only; callbacks run on it (never inside
// the call that started the operation).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "xerod/connection.h"
#include "xerod/token_manager.h"

namespace xerod {

namespace connection {
class LoopbackListener;
struct OAuthApp;
}  // namespace connection

struct ConnectOptions {
  std::string tenant_id;  // empty: the grant must cover exactly one organisation
  Duration timeout = std::chrono::minutes(10);
  bool listen = true;  // false: no loopback listener; finish with CompleteConnect()
};

using ConnectionCallback = std::function<void(Result<ConnectionInfo>)>;

class ConnectionManager {
 public:
  // All references must outlive the manager. Token requests go through
  // `tokens`; `xero` gives the app's endpoints, client id and scopes.
  ConnectionManager(boost::asio::io_context& io, HttpClient& http, ConnectionStore& store,
                    TokenManager& tokens, const XeroConfig& xero);
  ~ConnectionManager();
  ConnectionManager(const ConnectionManager&) = delete;
  ConnectionManager& operator=(const ConnectionManager&) = delete;

  // Starts a connect for `name`; returns the URL to open in a browser. `done`
  // runs once with the bound connection or the error. Errors (returned):
  // kInvalidArgument (empty name, no client_id, bad redirect_uri),
  // kFailedPrecondition (a connect for `name` is already running),
  // kUnavailable (the redirect port is taken).
  Result<std::string> BeginConnect(const std::string& name, ConnectOptions options,
                                   ConnectionCallback done);
  // Finishes a pending connect with the redirect URL (or its query string)
  // pasted by hand. kNotFound if none is pending.
  Status CompleteConnect(const std::string& name, const std::string& redirect_url);
  void CancelConnect(const std::string& name);

  void Add(const std::string& name, const std::string& tenant_id, const std::string& refresh_token,
           ConnectionCallback done);
  // Binds `name` to another organisation `tenant_id` of the SAME grant as the
  // existing connection `existing` (one token set, several connections); the
  // tenant must be in that grant's /connections.
  void Share(const std::string& existing, const std::string& name, const std::string& tenant_id,
             ConnectionCallback done);
  // `tenant_id` may be empty: the single organisation of the custom connection.
  void AddCustom(const std::string& name, const std::string& tenant_id, ConnectionCallback done);
  void Disconnect(const std::string& name, std::function<void(Status)> done);
  // Asks Xero whether the organisation is still connected; a connection
  // that is already expired, revoked or disconnected answers its state.
  void Check(const std::string& name, ConnectionCallback done);

  // One organisation a grant reaches (an entry of GET /connections).
  struct Tenant {
    std::string connection_id;
    std::string tenant_id;
    std::string tenant_name;
  };
  using TenantsCallback = std::function<void(Result<std::vector<Tenant>>)>;
  // The organisations token set `token_set_id` reaches now, whatever its
  // connections' states (one token request if needed, one GET /connections).
  // Errors: the token request's (invalid_grant: kFailedPrecondition), kUnavailable.
  void GrantTenants(std::int64_t token_set_id, TenantsCallback done, bool retried = false);

 private:
  struct Pending;

  void OnRedirect(const std::string& name, Result<std::string> query);
  void ListTenants(const std::string& access_token, TenantsCallback done);
  void Bind(const std::string& name, ConnectionKind kind, const std::string& wanted_tenant,
            const std::string& refresh_token, const std::string& access_token, Duration expires_in,
            const std::string& scopes, ConnectionCallback done);
  void DeleteAtXero(const ConnectionInfo& conn, const std::string& access_token,
                    std::function<void(Status)> done);
  void FinishDisconnect(const ConnectionInfo& conn, Status xero_side,
                        std::function<void(Status)> done);
  // After the local state is written: revokes the grant if no connection uses it any more.
  void ReleaseGrant(const ConnectionInfo& conn, Status xero_side, std::function<void(Status)> done);
  // Creates the token set of a new connection, primes its access token, reports the connection.
  void Store(const std::string& name, ConnectionKind kind, const std::string& refresh_token,
             const std::string& scopes, NewConnection binding, const std::string& access_token,
             Duration expires_in, ConnectionCallback done);

  boost::asio::io_context& io_;
  HttpClient& http_;
  ConnectionStore& store_;
  TokenManager& tokens_;
  std::unique_ptr<const connection::OAuthApp> app_;  // without the client secret
  std::map<std::string, std::unique_ptr<Pending>> pending_;
  std::shared_ptr<bool> alive_;
};

}  // namespace xerod
