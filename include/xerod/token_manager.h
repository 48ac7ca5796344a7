// SPDX-License-Identifier: MIT
//
// TokenManager: valid Xero access tokens for named connections.
//
// - Access tokens live in memory only (30 minutes; a restart costs one token
//   request per token set). Refresh tokens live in the state file.
// - A token is refreshed `refresh_margin` before it expires.
// - ONE token request is in flight per token set; every caller waiting for
//   that set shares its result.
// - A rotated refresh token is committed to SQLite (synchronous=FULL) BEFORE
//   the new access token is handed to anyone; if the commit fails the token is
//   not used (the previous refresh token stays valid for Xero's 30-minute grace).
// - A lost answer (timeout or connection lost after sending) is retried with
//   the SAME stored refresh token, which Xero keeps valid for 30 minutes after
//   it rotated it.
// - invalid_grant marks the token set dead and EVERY connection using it
//   `expired`; a custom connection refused with unauthorized_client is marked
//   `revoked`. The unusable hook is told once per connection that changed.
//
// Errors delivered to callbacks: kNotFound (no such connection),
// kFailedPrecondition (the connection is not active; message names state and
// reason), kPermissionDenied (the token endpoint refused the app itself, e.g.
// invalid_client), kUnavailable (transient: retry later), kIo/kInternal (store).
//
// Thread-safety: none; use from the io_context thread. Callbacks are posted
// to the io_context, never run inside a method call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/connection.h"
#include "xerod/http_client.h"
#include "xerod/secret.h"
#include "xerod/status.h"

namespace xerod {

namespace connection {
struct OAuthApp;
struct TokenOutcome;
struct TokenResponse;
}  // namespace connection

struct AccessGrant {
  std::string access_token;  // secret: only for the Authorization header
  std::string tenant_id;
  TimePoint expires_at;
  std::int64_t token_set_id = 0;
  ConnectionKind kind = ConnectionKind::kOAuth;
};

using AccessCallback = std::function<void(Result<AccessGrant>)>;
// "Connection `name` became unusable": the daemon wires this to the queue's park API.
using UnusableHook =
    std::function<void(const std::string& name, ConnectionState state, const std::string& reason)>;

struct TokenManagerOptions {
  Duration refresh_margin = std::chrono::seconds(90);
  // Extra attempts after a lost answer, each after `lost_retry_delay`.
  int lost_retries = 2;
  Duration lost_retry_delay = std::chrono::seconds(1);
  // A rotated refresh token whose write failed is written again after this
  // delay, doubling up to `save_retry_max` until the write succeeds.
  Duration save_retry_delay = std::chrono::seconds(1);
  Duration save_retry_max = std::chrono::seconds(30);
};

class TokenManager {
 public:
  // All references must outlive the manager. `client_secret` is the app's
  // secret (LoadSecret(config.client_secret_file)); empty for a PKCE-only app.
  TokenManager(boost::asio::io_context& io, HttpClient& http, ConnectionStore& store, Clock& clock,
               const XeroConfig& config, Secret client_secret, TokenManagerOptions options = {});
  ~TokenManager();
  TokenManager(const TokenManager&) = delete;
  TokenManager& operator=(const TokenManager&) = delete;

  // A valid access token for connection `name` (see errors above); the
  // connection must be active (or unreachable).
  void GetAccessToken(const std::string& name, AccessCallback done);
  // A valid access token of a token set, whatever its connections' states
  // (the monitor asks whether a disconnected organisation is back). The
  // grant's tenant_id is empty.
  void GetTokenSetAccess(std::int64_t token_set_id, AccessCallback done);

  // The API answered 401 TokenExpired to `stale_token`: drop it from the cache
  // unless a newer token has replaced it already, so the next
  // GetAccessToken() requests a new one.
  void Invalidate(std::int64_t token_set_id, const std::string& stale_token);

  // Records that `name` is unusable (state + reason, history kept) and tells
  // the hook if the state changed. `done` (optional) runs on the loop after
  // the write.
  void MarkUnusable(const std::string& name, ConnectionState state, const std::string& reason,
                    std::function<void(Status)> done = {});

  void SetUnusableHook(UnusableHook hook) { hook_ = std::move(hook); }

  // Sends one raw token-endpoint request (used by the connect/add flows).
  void RequestToken(std::vector<std::pair<std::string, std::string>> form,
                    std::function<void(const connection::TokenOutcome&)> done);
  // Revokes a refresh token at /connect/revocation. Errors as above.
  void RevokeToken(const std::string& refresh_token, std::function<void(Status)> done);
  // Forgets the cached access token of a token set (after revoke / disconnect).
  void Forget(std::int64_t token_set_id);
  // Caches a fresh access token obtained by the connect/add flows (already
  // persisted refresh token).
  void Prime(std::int64_t token_set_id, const std::string& access_token, Duration expires_in);

  // Token requests sent so far (including retries), for stats and tests.
  std::int64_t token_requests() const { return token_requests_; }

 private:
  struct Waiter {
    std::string tenant_id;
    AccessCallback done;
  };
  struct Flight {
    std::vector<Waiter> waiters;
    int attempt = 0;
  };
  struct Cached {
    std::string token;
    TimePoint expires_at;
  };
  // A rotated refresh token not yet written (the write failed). Once Xero's
  // 30-minute grace for the previous one ends it is the grant's only valid
  // token: the next refresh sends it, and it is written again until it is.
  struct Unsaved {
    std::string refresh_token;  // secret
    std::string scope;
    Duration next_delay{0};
    bool retrying = false;  // a RetrySave() timer or write is under way
  };

  void Acquire(std::int64_t set_id, const std::string& tenant_id, ConnectionKind kind,
               AccessCallback done);
  void StartRequest(std::int64_t set_id);
  // Writes the rotated refresh token, keeping it in `unsaved_` until the write
  // is committed (and retrying if it fails for a reason other than the set
  // being dead or gone); `then` runs after the first write either way.
  void SaveRefresh(std::int64_t set_id, const connection::TokenResponse& token,
                   std::function<void()> then);
  // The write of `token` for `set_id` ended with `saved`.
  void OnSaved(std::int64_t set_id, const std::string& token, const Status& saved);
  void RetrySave(std::int64_t set_id);
  void OnAnswer(std::int64_t set_id, ConnectionKind kind, const connection::TokenOutcome& out);
  void FinishFlight(std::int64_t set_id, const Result<Cached>& result, ConnectionKind kind);
  void Post(AccessCallback done, Result<AccessGrant> result);
  void Notify(const std::vector<std::string>& names, ConnectionState state,
              const std::string& reason);

  boost::asio::io_context& io_;
  HttpClient& http_;
  ConnectionStore& store_;
  Clock& clock_;
  std::unique_ptr<connection::OAuthApp> app_;
  TokenManagerOptions options_;
  UnusableHook hook_;
  std::map<std::int64_t, Cached> cache_;
  std::map<std::int64_t, Flight> flights_;
  std::map<std::int64_t, Unsaved> unsaved_;
  std::int64_t token_requests_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace xerod
