// SPDX-License-Identifier: MIT
// ConnectionTables: the SQL of the connections / token_sets / connection_events tables.
#include "connection/connection_tables.h"

#include <fmt/format.h>

#include "store/sqlite.h"

namespace xerod {

std::string_view ToString(ConnectionKind kind) {
  return kind == ConnectionKind::kCustom ? "custom" : "oauth";
}

std::string_view ToString(ConnectionState state) {
  switch (state) {
    case ConnectionState::kActive:
      return "active";
    case ConnectionState::kExpired:
      return "expired";
    case ConnectionState::kRevoked:
      return "revoked";
    case ConnectionState::kDisconnected:
      return "disconnected";
    case ConnectionState::kMissingScope:
      return "missing_scope";
    case ConnectionState::kUnreachable:
      return "unreachable";
  }
  return "active";
}

std::optional<ConnectionState> ParseConnectionState(std::string_view text) {
  for (auto s : {ConnectionState::kActive, ConnectionState::kExpired, ConnectionState::kRevoked,
                 ConnectionState::kDisconnected, ConnectionState::kMissingScope,
                 ConnectionState::kUnreachable}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

namespace {

constexpr std::string_view kColumns =
    "c.name, c.token_set_id, c.tenant_id, c.tenant_name, c.xero_connection_id, c.kind, c.state, "
    "c.reason, COALESCE(t.scopes, ''), c.created_at, c.updated_at, c.state_changed_at, "
    "c.last_refresh_at, c.last_success_at FROM connections c "
    "LEFT JOIN token_sets t ON t.id = c.token_set_id";

ConnectionInfo ReadConnection(const store::Statement& row) {
  ConnectionInfo c;
  c.name = row.Text(0);
  c.token_set_id = row.OptInt(1).value_or(0);
  c.tenant_id = row.Text(2);
  c.tenant_name = row.Text(3);
  c.xero_connection_id = row.OptText(4).value_or("");
  c.kind = row.Text(5) == "custom" ? ConnectionKind::kCustom : ConnectionKind::kOAuth;
  c.state = ParseConnectionState(row.Text(6)).value_or(ConnectionState::kRevoked);
  c.reason = row.OptText(7).value_or("");
  c.scopes = row.Text(8);
  c.created_at = FromUnixMillis(row.Int(9));
  c.updated_at = FromUnixMillis(row.Int(10));
  c.state_changed_at = FromUnixMillis(row.Int(11));
  if (auto t = row.OptInt(12)) c.last_refresh_at = FromUnixMillis(*t);
  if (auto t = row.OptInt(13)) c.last_success_at = FromUnixMillis(*t);
  return c;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

namespace connection {

ConnectionTables::ConnectionTables(store::Db& db, Clock& clock) : db_(db), clock_(clock) {}
ConnectionTables::~ConnectionTables() = default;

Result<store::Statement*> ConnectionTables::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto stmt = db_.Prepare(sql);
    if (!stmt) return Fail(stmt.error());
    it = statements_.emplace(std::string(sql), std::make_unique<store::Statement>(std::move(*stmt)))
             .first;
  }
  it->second->Reset();
  return it->second.get();
}

Status ConnectionTables::AddEvent(std::string_view name, ConnectionState state,
                                  const std::string& reason) {
  auto st =
      Prepare("INSERT INTO connection_events (connection, at, state, reason) VALUES (?, ?, ?, ?)");
  if (!st) return Fail(st.error());
  return (*st)
      ->Bind(1, name)
      .Bind(2, ToUnixMillis(clock_.Now()))
      .Bind(3, ToString(state))
      .Bind(4, NonEmpty(reason))
      .Run();
}

Result<std::int64_t> ConnectionTables::CreateTokenSet(
    ConnectionKind kind, const std::string& refresh_token, const std::string& scopes,
    const std::vector<NewConnection>& connections) {
  if (connections.empty()) return Fail(Code::kInvalidArgument, "no connection to bind");
  if (kind == ConnectionKind::kCustom && connections.size() != 1) {
    return Fail(Code::kInvalidArgument, "a custom connection serves exactly one organisation");
  }
  if (kind == ConnectionKind::kOAuth && refresh_token.empty()) {
    return Fail(Code::kInvalidArgument, "an oauth connection needs a refresh token");
  }
  for (const auto& c : connections) {
    if (c.name.empty() || c.tenant_id.empty()) {
      return Fail(Code::kInvalidArgument, "a connection needs a name and a tenant id");
    }
  }
  std::int64_t now = ToUnixMillis(clock_.Now());
  auto ins = Prepare(
      "INSERT INTO token_sets (kind, refresh_token, scopes, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!ins) return Fail(ins.error());
  if (auto s = (*ins)
                   ->Bind(1, ToString(kind))
                   .Bind(2, NonEmpty(refresh_token))
                   .Bind(3, scopes)
                   .Bind(4, now)
                   .Bind(5, now)
                   .Run();
      !s) {
    return Fail(s.error());
  }
  std::int64_t id = db_.LastInsertId();
  for (const auto& c : connections) {
    if (auto s = Upsert(id, kind, c); !s) return Fail(s.error());
  }
  return id;
}

Status ConnectionTables::Upsert(std::int64_t token_set_id, ConnectionKind kind,
                                const NewConnection& c) {
  std::int64_t now = ToUnixMillis(clock_.Now());
  auto up = Prepare(
      "INSERT INTO connections (name, token_set_id, tenant_id, tenant_name, xero_connection_id, "
      "kind, state, reason, created_at, updated_at, state_changed_at, last_refresh_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', NULL, ?7, ?7, ?7, ?7) "
      "ON CONFLICT (name) DO UPDATE SET token_set_id = ?2, tenant_id = ?3, tenant_name = ?4, "
      "xero_connection_id = ?5, kind = ?6, state = 'active', reason = NULL, updated_at = ?7, "
      "state_changed_at = ?7, last_refresh_at = ?7");
  if (!up) return Fail(up.error());
  if (auto s = (*up)
                   ->Bind(1, c.name)
                   .Bind(2, token_set_id)
                   .Bind(3, c.tenant_id)
                   .Bind(4, c.tenant_name)
                   .Bind(5, NonEmpty(c.xero_connection_id))
                   .Bind(6, ToString(kind))
                   .Bind(7, now)
                   .Run();
      !s) {
    return Fail(s.error());
  }
  return AddEvent(c.name, ConnectionState::kActive, "connected");
}

Status ConnectionTables::AddToTokenSet(std::int64_t token_set_id, const NewConnection& c) {
  if (c.name.empty() || c.tenant_id.empty()) {
    return Fail(Code::kInvalidArgument, "a connection needs a name and a tenant id");
  }
  auto set = GetTokenSet(token_set_id);
  if (!set) return Fail(set.error());
  if (set->dead)
    return Fail(Code::kFailedPrecondition, "the token set is dead: " + set->dead_reason);
  if (set->kind == ConnectionKind::kCustom) {
    return Fail(Code::kInvalidArgument, "a custom connection serves exactly one organisation");
  }
  return Upsert(token_set_id, set->kind, c);
}

Result<ConnectionInfo> ConnectionTables::Get(std::string_view name) {
  auto st = Prepare(fmt::format("SELECT {} WHERE c.name = ?", kColumns));
  if (!st) return Fail(st.error());
  (*st)->Bind(1, name);
  auto row = (*st)->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Code::kNotFound, fmt::format("no connection named '{}'", name));
  ConnectionInfo c = ReadConnection(**st);
  (*st)->Reset();
  return c;
}

namespace {
Result<std::vector<ConnectionInfo>> ReadAll(store::Statement& st) {
  std::vector<ConnectionInfo> out;
  for (;;) {
    auto row = st.Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back(ReadConnection(st));
  }
  st.Reset();
  return out;
}
}  // namespace

Result<std::vector<ConnectionInfo>> ConnectionTables::List() {
  auto st = Prepare(fmt::format("SELECT {} ORDER BY c.name", kColumns));
  if (!st) return Fail(st.error());
  return ReadAll(**st);
}

Result<std::vector<ConnectionInfo>> ConnectionTables::ListByTokenSet(std::int64_t token_set_id) {
  auto st = Prepare(fmt::format("SELECT {} WHERE c.token_set_id = ? ORDER BY c.name", kColumns));
  if (!st) return Fail(st.error());
  (*st)->Bind(1, token_set_id);
  return ReadAll(**st);
}

Result<std::vector<ConnectionEvent>> ConnectionTables::History(std::string_view name) {
  auto st =
      Prepare("SELECT at, state, reason FROM connection_events WHERE connection = ? ORDER BY id");
  if (!st) return Fail(st.error());
  (*st)->Bind(1, name);
  std::vector<ConnectionEvent> out;
  for (;;) {
    auto row = (*st)->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({FromUnixMillis((*st)->Int(0)),
                   ParseConnectionState((*st)->Text(1)).value_or(ConnectionState::kRevoked),
                   (*st)->OptText(2).value_or("")});
  }
  (*st)->Reset();
  return out;
}

Result<TokenSetRecord> ConnectionTables::GetTokenSet(std::int64_t id) {
  auto st = Prepare(
      "SELECT kind, refresh_token, scopes, dead, dead_reason, refreshes, last_refresh_at "
      "FROM token_sets WHERE id = ?");
  if (!st) return Fail(st.error());
  (*st)->Bind(1, id);
  auto row = (*st)->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Code::kNotFound, fmt::format("no token set {}", id));
  TokenSetRecord t;
  t.id = id;
  t.kind = (*st)->Text(0) == "custom" ? ConnectionKind::kCustom : ConnectionKind::kOAuth;
  t.refresh_token = (*st)->OptText(1).value_or("");
  t.scopes = (*st)->Text(2);
  t.dead = (*st)->Int(3) != 0;
  t.dead_reason = (*st)->OptText(4).value_or("");
  t.refreshes = (*st)->Int(5);
  if (auto v = (*st)->OptInt(6)) t.last_refresh_at = FromUnixMillis(*v);
  (*st)->Reset();
  return t;
}

Status ConnectionTables::RecordRefresh(std::int64_t token_set_id,
                                       const std::string& new_refresh_token,
                                       const std::string& scopes) {
  std::int64_t now = ToUnixMillis(clock_.Now());
  auto st = Prepare(
      "UPDATE token_sets SET refresh_token = COALESCE(?2, refresh_token), "
      "scopes = CASE WHEN ?3 = '' THEN scopes ELSE ?3 END, refreshes = refreshes + 1, "
      "last_refresh_at = ?4, updated_at = ?4 WHERE id = ?1 AND dead = 0");
  if (!st) return Fail(st.error());
  if (auto s = (*st)
                   ->Bind(1, token_set_id)
                   .Bind(2, NonEmpty(new_refresh_token))
                   .Bind(3, scopes)
                   .Bind(4, now)
                   .Run();
      !s) {
    return Fail(s.error());
  }
  if (db_.Changes() != 1) {
    return Fail(Code::kFailedPrecondition,
                fmt::format("token set {} is gone or dead", token_set_id));
  }
  auto c = Prepare("UPDATE connections SET last_refresh_at = ?2 WHERE token_set_id = ?1");
  if (!c) return Fail(c.error());
  return (*c)->Bind(1, token_set_id).Bind(2, now).Run();
}

Result<std::vector<std::string>> ConnectionTables::KillTokenSet(std::int64_t token_set_id,
                                                                ConnectionState state,
                                                                const std::string& reason) {
  std::int64_t now = ToUnixMillis(clock_.Now());
  auto st = Prepare(
      "UPDATE token_sets SET dead = 1, dead_reason = ?2, refresh_token = NULL, updated_at = ?3 "
      "WHERE id = ?1");
  if (!st) return Fail(st.error());
  if (auto s = (*st)->Bind(1, token_set_id).Bind(2, reason).Bind(3, now).Run(); !s) {
    return Fail(s.error());
  }
  auto list = ListByTokenSet(token_set_id);
  if (!list) return Fail(list.error());
  std::vector<std::string> changed;
  for (const auto& c : *list) {
    if (c.state == state || c.state == ConnectionState::kDisconnected) continue;
    auto r = SetState(c.name, state, reason);
    if (!r) return Fail(r.error());
    if (*r) changed.push_back(c.name);
  }
  return changed;
}

Result<bool> ConnectionTables::SetState(std::string_view name, ConnectionState state,
                                        const std::string& reason) {
  auto current = Get(name);
  if (!current) return Fail(current.error());
  if (current->state == state && current->reason == reason) return false;
  std::int64_t now = ToUnixMillis(clock_.Now());
  auto st = Prepare(
      "UPDATE connections SET state = ?2, reason = ?3, updated_at = ?4, "
      "state_changed_at = CASE WHEN state = ?2 THEN state_changed_at ELSE ?4 END WHERE name = ?1");
  if (!st) return Fail(st.error());
  if (auto s = (*st)
                   ->Bind(1, name)
                   .Bind(2, ToString(state))
                   .Bind(3, NonEmpty(reason))
                   .Bind(4, now)
                   .Run();
      !s) {
    return Fail(s.error());
  }
  if (auto s = AddEvent(name, state, reason); !s) return Fail(s.error());
  return current->state != state;
}

Status ConnectionTables::Detach(std::string_view name) {
  auto st = Prepare("UPDATE connections SET token_set_id = NULL, updated_at = ?2 WHERE name = ?1");
  if (!st) return Fail(st.error());
  return (*st)->Bind(1, name).Bind(2, ToUnixMillis(clock_.Now())).Run();
}

Status ConnectionTables::UpdateBinding(std::string_view name, const std::string& tenant_name,
                                       const std::string& xero_connection_id) {
  auto st = Prepare(
      "UPDATE connections SET tenant_name = CASE WHEN ?2 = '' THEN tenant_name ELSE ?2 END, "
      "xero_connection_id = COALESCE(?3, "
      "xero_connection_id), updated_at = ?4 WHERE name = ?1");
  if (!st) return Fail(st.error());
  return (*st)
      ->Bind(1, name)
      .Bind(2, tenant_name)
      .Bind(3, NonEmpty(xero_connection_id))
      .Bind(4, ToUnixMillis(clock_.Now()))
      .Run();
}

Status ConnectionTables::MarkSuccess(std::string_view name) {
  auto st = Prepare("UPDATE connections SET last_success_at = ?2 WHERE name = ?1");
  if (!st) return Fail(st.error());
  return (*st)->Bind(1, name).Bind(2, ToUnixMillis(clock_.Now())).Run();
}

Result<int> ConnectionTables::UsersOfTokenSet(std::int64_t token_set_id) {
  auto st = Prepare(
      "SELECT COUNT(*) FROM connections WHERE token_set_id = ? AND state NOT IN "
      "('disconnected', 'revoked')");
  if (!st) return Fail(st.error());
  (*st)->Bind(1, token_set_id);
  auto row = (*st)->Step();
  if (!row) return Fail(row.error());
  int n = static_cast<int>((*st)->Int(0));
  (*st)->Reset();
  return n;
}

}  // namespace connection
}  // namespace xerod
