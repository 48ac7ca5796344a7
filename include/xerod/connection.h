// SPDX-License-Identifier: MIT
//
// Xero connections as stored in the state file (tables token_sets, connections,
// connection_events; src/store/schema/0002_connections.sql).
//
// A connection is a NAME (the key used everywhere, e.g. the queue's
// `connection` column) bound to one Xero organisation (tenant) and reached
// through a TOKEN SET: one user's grant (kind oauth, a rotating refresh token)
// or one custom connection (kind custom, client_credentials, no refresh
// token). One oauth token set may serve several connections.
//
// Secrets: refresh tokens are read and written only here and in the token
// manager; they never appear in an Error message, a log line or ToString().
//
// Thread-safety: see ConnectionStore.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/executor.h"
#include "xerod/status.h"

namespace xerod {
class Store;

enum class ConnectionKind { kOAuth, kCustom };
std::string_view ToString(ConnectionKind kind);  // "oauth" | "custom"

enum class ConnectionState {
  kActive,
  kExpired,       // the refresh token is dead (invalid_grant): the user must reconnect
  kRevoked,       // xerod or Xero revoked the grant / custom connection
  kDisconnected,  // the organisation is no longer connected (403, missing from /connections)
  kMissingScope,  // the grant lacks a scope xerod needs (401 AuthorizationUnsuccessful)
  kUnreachable,   // Xero did not answer monitor.failure_threshold checks in a row
};
// The reason of a connection an administrator disconnected on purpose
// (`xerod-ctl connection disconnect`): not monitored, nobody is told.
inline constexpr std::string_view kDisconnectedByXerod = "disconnected by xerod";
std::string_view ToString(ConnectionState state);
std::optional<ConnectionState> ParseConnectionState(std::string_view text);

struct ConnectionInfo {
  std::string name;
  std::int64_t token_set_id = 0;  // 0: none (history only)
  std::string tenant_id;
  std::string tenant_name;
  std::string xero_connection_id;  // the /connections "id"; empty for custom connections
  ConnectionKind kind = ConnectionKind::kOAuth;
  ConnectionState state = ConnectionState::kActive;
  std::string reason;
  std::string scopes;  // of its token set, space-separated
  TimePoint created_at;
  TimePoint updated_at;
  TimePoint state_changed_at;
  std::optional<TimePoint> last_refresh_at;
  std::optional<TimePoint> last_success_at;
};

struct ConnectionEvent {
  TimePoint at;
  ConnectionState state = ConnectionState::kActive;
  std::string reason;
};

// What the token manager needs to obtain an access token.
struct TokenSetRecord {
  std::int64_t id = 0;
  ConnectionKind kind = ConnectionKind::kOAuth;
  std::string refresh_token;  // secret; empty for custom
  std::string scopes;
  bool dead = false;
  std::string dead_reason;
  std::int64_t refreshes = 0;
  std::optional<TimePoint> last_refresh_at;
};

// Everything needed to bind a named connection to a tenant.
struct NewConnection {
  std::string name;
  std::string tenant_id;
  std::string tenant_name;
  std::string xero_connection_id;
};

// The connections and their token sets, in the shared Store.
//
// Reads run on the store's read connection, on the calling thread, and see
// every write whose callback has run. Writes run on the store's writer thread,
// committed (synchronous=FULL, group commit with the queue's and the outbox's
// writes) before their callback runs on `complete_on` (the daemon's loop; the
// writer thread without one). Thread-safe.
class ConnectionStore {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  // `store` and `clock` must outlive this object.
  ConnectionStore(Store& store, Clock& clock, Executor complete_on = {});
  // Waits for its writes in flight; their callbacks then never run.
  ~ConnectionStore();
  ConnectionStore(const ConnectionStore&) = delete;
  ConnectionStore& operator=(const ConnectionStore&) = delete;

  // ---- Reads ----
  Result<ConnectionInfo> Get(std::string_view name);  // kNotFound for an unknown name
  Result<std::vector<ConnectionInfo>> List();
  Result<std::vector<ConnectionInfo>> ListByTokenSet(std::int64_t token_set_id);
  Result<std::vector<ConnectionEvent>> History(std::string_view name);
  Result<TokenSetRecord> GetTokenSet(std::int64_t id);
  // Number of connections (any state but disconnected/revoked) still using the set.
  Result<int> UsersOfTokenSet(std::int64_t token_set_id);

  // ---- Writes ----
  // Creates a token set and binds `connections` to it in ONE transaction. An
  // existing connection of the same name (any state) is re-bound and becomes
  // active (its history is kept). Gives the token set id. Errors:
  // kInvalidArgument (empty name/tenant, custom with != 1 connection), store errors.
  void CreateTokenSet(ConnectionKind kind, std::string refresh_token, std::string scopes,
                      std::vector<NewConnection> connections, Callback<std::int64_t> done);
  // Binds one more connection to an existing (live) token set, re-binding an
  // existing row of that name as CreateTokenSet does.
  void AddToTokenSet(std::int64_t token_set_id, NewConnection connection, Callback<void> done);
  // Commits a rotated refresh token (and the grant's scopes) together with the
  // refresh time of every connection of the set. kFailedPrecondition when the
  // set is gone or dead.
  void RecordRefresh(std::int64_t token_set_id, std::string new_refresh_token, std::string scopes,
                     Callback<void> done);
  // Marks the token set dead and EVERY connection of it `state` with `reason`,
  // in one transaction. Gives the names whose state changed.
  void KillTokenSet(std::int64_t token_set_id, ConnectionState state, std::string reason,
                    Callback<std::vector<std::string>> done);
  // Sets one connection's state (records an event when state or reason
  // changes). Gives whether the state changed. kNotFound for an unknown name.
  void SetState(std::string name, ConnectionState state, std::string reason, Callback<bool> done);
  // Detaches a connection from its token set (after disconnect) keeping its row.
  void Detach(std::string name, Callback<void> done);
  // Records the organisation's name (an empty one keeps the stored name) and
  // its /connections id (an empty one keeps the stored id).
  void UpdateBinding(std::string name, std::string tenant_name, std::string xero_connection_id,
                     Callback<void> done);
  // Records a successful Xero call (callers throttle it: it is informational).
  // Failures are logged.
  void MarkSuccess(const std::string& name);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod
