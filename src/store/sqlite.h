// SPDX-License-Identifier: MIT
//
// Thin RAII wrapper over the SQLite C API (private to src/): Db owns a
// connection, Statement a prepared statement, Transaction a BEGIN IMMEDIATE ...
// COMMIT that rolls back when it is destroyed uncommitted. Every error is a
// Status/Result carrying SQLite's own message.
//
// Thread-safety: none. A Db and its Statements belong to one thread at a time
// (the queue's writer thread, or a test).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "xerod/status.h"

namespace xerod::store {

class Statement;

class Db {
 public:
  // Opens (creating if `create`) the database file at `path`. Does not set
  // any pragma; Database::Open in store.h does that.
  static Result<Db> Open(const std::string& path, bool create);

  Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Db& operator=(Db&& other) noexcept;
  ~Db();

  // Runs one or more statements that return no rows of interest.
  Status Exec(std::string_view sql);
  // Prepares one statement (cached by the caller if hot).
  Result<Statement> Prepare(std::string_view sql);
  // Runs a query returning one integer (e.g. "PRAGMA user_version").
  Result<std::int64_t> QueryInt(std::string_view sql);
  Result<std::string> QueryText(std::string_view sql);

  std::int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* raw() const { return db_; }

  // "context: sqlite message (code)" as an Error; code kUnavailable for BUSY/LOCKED,
  // kCorrupt for CORRUPT/NOTADB, kIo for IOERR/FULL/CANTOPEN, else kInternal.
  Error MakeError(std::string_view context, int rc) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Binds are 1-based like SQLite's. Text is copied (SQLITE_TRANSIENT).
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const std::optional<std::string>& value);
  Statement& Bind(int index, const std::optional<std::int64_t>& value);
  Statement& BindNull(int index);
  // Binds text WITHOUT copying it (SQLITE_STATIC): `value` must stay valid and
  // unchanged until the statement is reset (Reset(), or a cached statement's
  // scope ends). For large hot-path values such as payloads.
  Statement& BindNoCopy(int index, std::string_view value);

  // One step: true if a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows to matter.
  Status Run();
  // Resets for re-use and clears bindings.
  void Reset();

  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<std::int64_t> OptInt(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  friend class Db;
  Statement(const Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const Db* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = SQLITE_OK;
};

// BEGIN IMMEDIATE on construction (Begin); Commit() commits; destruction without
// a successful Commit() rolls back.
class Transaction {
 public:
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace xerod::store
