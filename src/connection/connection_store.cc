// SPDX-License-Identifier: MIT
// ConnectionStore: ConnectionTables run on the Store's writer thread (writes)
// and read connection (reads).
#include <spdlog/spdlog.h>

#include <optional>

#include "connection/connection_tables.h"
#include "store/module_io.h"
#include "xerod/connection.h"
#include "xerod/store.h"

namespace xerod {

using connection::ConnectionTables;

class ConnectionStore::Impl {
 public:
  Impl(Store& store, Clock& clock, Executor complete_on)
      : store_(store), clock_(clock), complete_on_(std::move(complete_on)) {}
  ~Impl() { in_flight_.Close(); }

  template <typename T>
  Result<T> Read(const std::function<Result<T>(ConnectionTables&)>& work) {
    return store::ReadResult<T>(store_, [&](store::Db& db) {
      if (!reader_) reader_.emplace(db, clock_);
      return work(*reader_);
    });
  }

  template <typename T>
  void Write(std::function<Result<T>(ConnectionTables&)> work, Callback<T> done) {
    store::WriteThen<T>(
        store_, in_flight_, complete_on_,
        [this, work = std::move(work)](store::Db& db) {
          if (!writer_) writer_.emplace(db, clock_);
          return work(*writer_);
        },
        std::move(done));
  }

  Store& store_;
  Clock& clock_;
  const Executor complete_on_;
  // Bound on first use: writer_ on the writer thread, reader_ under the read lock.
  std::optional<ConnectionTables> writer_;
  std::optional<ConnectionTables> reader_;
  store::InFlight in_flight_;
};

ConnectionStore::ConnectionStore(Store& store, Clock& clock, Executor complete_on)
    : impl_(std::make_unique<Impl>(store, clock, std::move(complete_on))) {}
ConnectionStore::~ConnectionStore() = default;

Result<ConnectionInfo> ConnectionStore::Get(std::string_view name) {
  return impl_->Read<ConnectionInfo>([name](ConnectionTables& t) { return t.Get(name); });
}

Result<std::vector<ConnectionInfo>> ConnectionStore::List() {
  return impl_->Read<std::vector<ConnectionInfo>>([](ConnectionTables& t) { return t.List(); });
}

Result<std::vector<ConnectionInfo>> ConnectionStore::ListByTokenSet(std::int64_t token_set_id) {
  return impl_->Read<std::vector<ConnectionInfo>>(
      [token_set_id](ConnectionTables& t) { return t.ListByTokenSet(token_set_id); });
}

Result<std::vector<ConnectionEvent>> ConnectionStore::History(std::string_view name) {
  return impl_->Read<std::vector<ConnectionEvent>>(
      [name](ConnectionTables& t) { return t.History(name); });
}

Result<TokenSetRecord> ConnectionStore::GetTokenSet(std::int64_t id) {
  return impl_->Read<TokenSetRecord>([id](ConnectionTables& t) { return t.GetTokenSet(id); });
}

Result<int> ConnectionStore::UsersOfTokenSet(std::int64_t token_set_id) {
  return impl_->Read<int>(
      [token_set_id](ConnectionTables& t) { return t.UsersOfTokenSet(token_set_id); });
}

void ConnectionStore::CreateTokenSet(ConnectionKind kind, std::string refresh_token,
                                     std::string scopes, std::vector<NewConnection> connections,
                                     Callback<std::int64_t> done) {
  impl_->Write<std::int64_t>(
      [=, refresh_token = std::move(refresh_token), scopes = std::move(scopes),
       connections = std::move(connections)](ConnectionTables& t) {
        return t.CreateTokenSet(kind, refresh_token, scopes, connections);
      },
      std::move(done));
}

void ConnectionStore::AddToTokenSet(std::int64_t token_set_id, NewConnection connection,
                                    Callback<void> done) {
  impl_->Write<void>([token_set_id, connection = std::move(connection)](
                         ConnectionTables& t) { return t.AddToTokenSet(token_set_id, connection); },
                     std::move(done));
}

void ConnectionStore::RecordRefresh(std::int64_t token_set_id, std::string new_refresh_token,
                                    std::string scopes, Callback<void> done) {
  impl_->Write<void>(
      [token_set_id, token = std::move(new_refresh_token), scopes = std::move(scopes)](
          ConnectionTables& t) { return t.RecordRefresh(token_set_id, token, scopes); },
      std::move(done));
}

void ConnectionStore::KillTokenSet(std::int64_t token_set_id, ConnectionState state,
                                   std::string reason, Callback<std::vector<std::string>> done) {
  impl_->Write<std::vector<std::string>>(
      [token_set_id, state, reason = std::move(reason)](ConnectionTables& t) {
        return t.KillTokenSet(token_set_id, state, reason);
      },
      std::move(done));
}

void ConnectionStore::SetState(std::string name, ConnectionState state, std::string reason,
                               Callback<bool> done) {
  impl_->Write<bool>([name = std::move(name), state, reason = std::move(reason)](
                         ConnectionTables& t) { return t.SetState(name, state, reason); },
                     std::move(done));
}

void ConnectionStore::Detach(std::string name, Callback<void> done) {
  impl_->Write<void>([name = std::move(name)](ConnectionTables& t) { return t.Detach(name); },
                     std::move(done));
}

void ConnectionStore::UpdateBinding(std::string name, std::string tenant_name,
                                    std::string xero_connection_id, Callback<void> done) {
  impl_->Write<void>([name = std::move(name), tenant_name = std::move(tenant_name),
                      id = std::move(xero_connection_id)](
                         ConnectionTables& t) { return t.UpdateBinding(name, tenant_name, id); },
                     std::move(done));
}

void ConnectionStore::MarkSuccess(const std::string& name) {
  impl_->Write<void>([name](ConnectionTables& t) { return t.MarkSuccess(name); },
                     [name](Result<void> r) {
                       if (!r) spdlog::warn("connection {}: {}", name, r.error().message());
                     });
}

}  // namespace xerod
