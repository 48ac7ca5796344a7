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
// Thread-safety: none. A ConnectionStore uses one store::Db; call it from the
// thread that owns that Db (the daemon loop).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/status.h"

namespace xerod {
namespace store {
class Db;
class Statement;
}  // namespace store

enum class ConnectionKind { kOAuth, kCustom };
std::string_view ToString(ConnectionKind kind);  // "oauth" | "custom"

enum class ConnectionState {
  kActive,
  kExpired,       // the refresh token is dead (invalid_grant): the user must reconnect
  kRevoked,       // xerod or Xero revoked the grant / custom connection
  kDisconnected,  // the organisation is no longer connected (403, missing from /connections)
  kMissingScope,  // the grant lacks a scope xerod needs (401 AuthorizationUnsuccessful)
};
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

class ConnectionStore {
 public:
  // `db` and `clock` must outlive the store.
  ConnectionStore(store::Db& db, Clock& clock);
  ~ConnectionStore();
  ConnectionStore(const ConnectionStore&) = delete;
  ConnectionStore& operator=(const ConnectionStore&) = delete;

  // Creates a token set and binds `connections` to it in ONE transaction. An
  // existing connection of the same name (any state) is re-bound and becomes
  // active (its history is kept). Returns the token set id. Errors:
  // kInvalidArgument (empty name/tenant, custom with != 1 connection), store errors.
  Result<std::int64_t> CreateTokenSet(ConnectionKind kind, const std::string& refresh_token,
                                      const std::string& scopes,
                                      const std::vector<NewConnection>& connections);

  // Binds one more connection to an existing (live) token set, re-binding an
  // existing row of that name as CreateTokenSet does.
  Status AddToTokenSet(std::int64_t token_set_id, const NewConnection& connection);

  Result<ConnectionInfo> Get(std::string_view name);
  Result<std::vector<ConnectionInfo>> List();
  Result<std::vector<ConnectionInfo>> ListByTokenSet(std::int64_t token_set_id);
  Result<std::vector<ConnectionEvent>> History(std::string_view name);

  Result<TokenSetRecord> GetTokenSet(std::int64_t id);

  // Commits a rotated refresh token (and the grant's scopes) durably
  // (synchronous=FULL) together with the refresh time of every connection of
  // the set. Must succeed before the new access token is used.
  Status RecordRefresh(std::int64_t token_set_id, const std::string& new_refresh_token,
                       const std::string& scopes);
  // Marks the token set dead and EVERY connection of it `state` with `reason`,
  // in one transaction. Returns the names whose state changed.
  Result<std::vector<std::string>> KillTokenSet(std::int64_t token_set_id, ConnectionState state,
                                                const std::string& reason);
  // Sets one connection's state (records an event when it changes). Returns
  // whether it changed. kNotFound for an unknown name.
  Result<bool> SetState(std::string_view name, ConnectionState state, const std::string& reason);
  // Detaches a connection from its token set (after disconnect) keeping its row.
  Status Detach(std::string_view name);
  Status UpdateBinding(std::string_view name, const std::string& tenant_name,
                       const std::string& xero_connection_id);
  Status MarkSuccess(std::string_view name);
  // Number of connections (any state but disconnected/revoked) still using the set.
  Result<int> UsersOfTokenSet(std::int64_t token_set_id);

 private:
  Result<store::Statement*> Prepare(std::string_view sql);
  Status Upsert(std::int64_t token_set_id, ConnectionKind kind, const NewConnection& c);
  Status AddEvent(std::string_view name, ConnectionState state, const std::string& reason);

  store::Db& db_;
  Clock& clock_;
  std::map<std::string, std::unique_ptr<store::Statement>, std::less<>> statements_;
};

}  // namespace xerod
