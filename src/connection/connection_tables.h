// SPDX-License-Identifier: MIT
//
// The SQL of the connection tables (connections, token_sets,
// connection_events) over one SQLite connection. ConnectionStore runs the
// writes on the store's writer thread (inside its transaction: these methods
// never begin or commit one) and the reads on its read connection; one
// ConnectionTables per connection, used by one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/connection.h"
#include "xerod/status.h"

namespace xerod::store {
class Db;
class Statement;
}  // namespace xerod::store

namespace xerod::connection {

class ConnectionTables {
 public:
  // `db` and `clock` must outlive the tables.
  ConnectionTables(store::Db& db, Clock& clock);
  ~ConnectionTables();
  ConnectionTables(const ConnectionTables&) = delete;
  ConnectionTables& operator=(const ConnectionTables&) = delete;

  // See ConnectionStore for what each one means.
  Result<std::int64_t> CreateTokenSet(ConnectionKind kind, const std::string& refresh_token,
                                      const std::string& scopes,
                                      const std::vector<NewConnection>& connections);
  Status AddToTokenSet(std::int64_t token_set_id, const NewConnection& connection);
  Result<ConnectionInfo> Get(std::string_view name);
  Result<std::vector<ConnectionInfo>> List();
  Result<std::vector<ConnectionInfo>> ListByTokenSet(std::int64_t token_set_id);
  Result<std::vector<ConnectionEvent>> History(std::string_view name);
  Result<TokenSetRecord> GetTokenSet(std::int64_t id);
  Status RecordRefresh(std::int64_t token_set_id, const std::string& new_refresh_token,
                       const std::string& scopes);
  Result<std::vector<std::string>> KillTokenSet(std::int64_t token_set_id, ConnectionState state,
                                                const std::string& reason);
  Result<bool> SetState(std::string_view name, ConnectionState state, const std::string& reason);
  Status Detach(std::string_view name);
  Status UpdateBinding(std::string_view name, const std::string& tenant_name,
                       const std::string& xero_connection_id);
  Status MarkSuccess(std::string_view name);
  Result<int> UsersOfTokenSet(std::int64_t token_set_id);

 private:
  Result<store::Statement*> Prepare(std::string_view sql);
  Status Upsert(std::int64_t token_set_id, ConnectionKind kind, const NewConnection& c);
  Status AddEvent(std::string_view name, ConnectionState state, const std::string& reason);

  store::Db& db_;
  Clock& clock_;
  std::map<std::string, std::unique_ptr<store::Statement>, std::less<>> statements_;
};

}  // namespace xerod::connection
