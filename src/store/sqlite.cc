// SPDX-License-Identifier: MIT
#include "store/sqlite.h"

#include <fmt/format.h>

#include <mutex>

namespace xerod::store {

Result<Db> Db::Open(const std::string& path, bool create) {
  // Before SQLite initialises: no global allocation statistics, which would
  // take a process-wide mutex on every malloc (measurable in the queue bench).
  static std::once_flag once;
  std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // closes on every path
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return Fail(Code::kIo, fmt::format("cannot open {}: out of memory", path));
    return Fail(db.MakeError(fmt::format("cannot open {}", path), rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Db::~Db() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Error Db::MakeError(std::string_view context, int rc) const {
  const char* msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  Code code = Code::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = Code::kUnavailable;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = Code::kCorrupt;
      break;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      code = Code::kIo;
      break;
    case SQLITE_CONSTRAINT:
      code = Code::kFailedPrecondition;
      break;
    default:
      break;
  }
  return Error(code, fmt::format("{}: {} ({})", context, msg, rc));
}

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Fail(MakeError("exec", rc).code(), fmt::format("sqlite: {} ({})", msg, rc));
  }
  return Ok();
}

Result<Statement> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Fail(MakeError(fmt::format("prepare \"{}\"", sql), rc));
  return Statement(this, stmt);
}

Result<std::int64_t> Db::QueryInt(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return Fail(stmt.error());
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Code::kInternal, fmt::format("query returned no row: {}", sql));
  return stmt->Int(0);
}

Result<std::string> Db::QueryText(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt) return Fail(stmt.error());
  auto row = stmt->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Code::kInternal, fmt::format("query returned no row: {}", sql));
  return stmt->Text(0);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

static void Keep(int& slot, int rc) {
  if (slot == SQLITE_OK && rc != SQLITE_OK) slot = rc;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  Keep(bind_error_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  Keep(bind_error_, sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                        SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindNoCopy(int index, std::string_view value) {
  Keep(bind_error_,
       sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  Keep(bind_error_, sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    int rc = std::exchange(bind_error_, SQLITE_OK);
    return Fail(db_->MakeError("bind", rc));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error err = db_->MakeError(fmt::format("step \"{}\"", sqlite3_sql(stmt_)), rc);
  sqlite3_reset(stmt_);
  return Fail(std::move(err));
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row) return Fail(row.error());
    if (!*row) return Ok();
  }
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<std::int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<Transaction> Transaction::Begin(Db& db) {
  if (auto s = db.Exec("BEGIN IMMEDIATE"); !s) return Fail(s.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (db_ == nullptr) return Fail(Code::kInternal, "commit of a finished transaction");
  auto s = db_->Exec("COMMIT");
  if (!s) return s;  // destructor rolls back
  db_ = nullptr;
  return Ok();
}

}  // namespace xerod::store
