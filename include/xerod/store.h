// SPDX-License-Identifier: MIT
//
// The SQLite state file: opening it safely and bringing its schema up to date.
//
// Database::Open() creates the file with mode 0600 (SQLite gives the -wal and
// -shm files the same mode), sets journal_mode=WAL, synchronous=FULL,
// foreign_keys=ON and a busy timeout, then applies the schema migrations that
// are compiled into the binary (src/store/schema/NNNN_name.sql, in order) in ONE
// transaction keyed on PRAGMA user_version. A file whose schema is newer than
// this binary knows is refused, never touched.
//
// Store is what the daemon's modules share: ONE Database, ONE writer thread
// that commits every module's writes together (group commit), and a read
// connection so that reads never wait behind writes. The queue, the connection
// store and the notification outbox all go through it.
//
// Adding a table: add src/store/schema/NNNN_what.sql with the next number and
// list it in src/store/CMakeLists.txt; never edit a migration that has shipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "xerod/clock.h"
#include "xerod/embedded_file.h"
#include "xerod/executor.h"
#include "xerod/status.h"

namespace xerod {
namespace store {
class Db;
class Checkpointer;
struct WalPolicy;
class Writer;
}  // namespace store

struct StoreOptions {
  Duration busy_timeout = std::chrono::seconds(5);  // how long to wait for another writer
  bool create = true;                               // create the file if it does not exist
  // WAL checkpoints (src/store/checkpointer.h): on a background thread, once
  // per `checkpoint_pages` of WAL growth; inline in the committing thread only
  // at `wal_limit_pages`. Without the thread, inline at `checkpoint_pages`
  // (what SQLite does by default).
  bool background_checkpoint = true;
  int checkpoint_pages = 1000;
  int wal_limit_pages = 4000;  // 16 MiB of 4 KiB pages
  int max_group = 512;         // most write requests committed in one transaction
};

// One open connection to the state file. Not thread-safe: one thread uses it
// at a time. Other modules in src/ reach SQLite through handle() (the private
// RAII wrapper in src/store/sqlite.h).
class Database {
 public:
  // Opens `path` and migrates it to the newest schema. Errors: kIo (cannot
  // create/open), kCorrupt (not a database, or a newer schema than this binary
  // understands), kUnavailable (locked by another writer past the busy timeout),
  // kInternal (a migration failed; nothing of it was applied).
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const StoreOptions& options = {});
  // Same, with an explicit migration list (tests; the daemon uses the embedded one).
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const StoreOptions& options,
                                                std::span<const EmbeddedFile> migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  // PRAGMA user_version after migration (== number of migrations applied).
  int schema_version() const { return schema_version_; }
  store::Db& handle() { return *db_; }
  // Checkpoints run by the background thread (0 without one) and inline by
  // this connection's commits.
  std::uint64_t background_checkpoints() const;
  std::uint64_t inline_checkpoints() const;

 private:
  Database(std::string path, std::unique_ptr<store::Db> db, int version);
  std::string path_;
  std::unique_ptr<store::WalPolicy> wal_policy_;  // the hook's argument: outlives db_'s use
  std::unique_ptr<store::Checkpointer> checkpointer_;
  std::unique_ptr<store::Db> db_;
  int schema_version_;
};

struct StoreStats {
  std::uint64_t commits = 0;   // write transactions
  std::uint64_t requests = 0;  // write requests served (requests/commits = group commit factor)
  std::uint64_t reads = 0;     // Read() calls
  std::uint64_t background_checkpoints = 0;
  std::uint64_t inline_checkpoints = 0;
};

// The state file as the daemon's modules share it.
//
// Writes: Write() runs `work` on the writer thread, in a transaction shared
// with every other write waiting at that moment (one fsync for all), inside
// its own SAVEPOINT so a failing write is undone alone. Its `done` runs once,
// after the commit, on the executor given (the caller's loop), with OK only
// if the work succeeded AND was committed.
//
// Reads: Read() runs `work` on a separate read-only connection, on the calling
// thread. In WAL mode a read sees every write whose `done` has run and never
// waits for the writer, so a flood of status calls cannot delay an enqueue or
// a token write. Reads are serialized (one read connection).
//
// The engine seam: modules keep their SQL behind their own classes (JobStore,
// ConnectionStore, Outbox) and their callers see only engine-free types
// (JobQueue, ConnectionInfo, Notification). A second engine (PostgreSQL, for
// several nodes sharing one queue) is a second implementation of Write/Read
// with its own transaction type and its own SQL for each module; nothing a
// module's caller uses changes. See docs/store.md.
//
// Thread-safe.
class Store {
 public:
  using Work = std::function<Status(store::Db&)>;

  // Opens and migrates the file (Database::Open), opens the read connection
  // and starts the writer. Errors: Database::Open's.
  static Result<std::unique_ptr<Store>> Open(const std::string& path,
                                             const StoreOptions& options = {});
  // Serves every write already submitted, then stops the writer.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const;
  int schema_version() const;

  // Never blocks. After destruction has begun, `done` gets kUnavailable.
  void Write(Work work, std::function<void(const Status&)> done, const Executor& executor = {});
  // Blocks until committed. Never call it from the writer thread (a `done`
  // without executor) or from a loop that a completion it waits for needs.
  Status WriteAndWait(Work work);
  // Blocks for the read only. `work` must not write (the connection is
  // query_only) and must finish what it prepares before returning.
  Status Read(const Work& work);

  StoreStats stats() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The migrations compiled into this binary, oldest first.
std::span<const EmbeddedFile> SchemaMigrations();
// The newest schema version this binary understands.
int LatestSchemaVersion();

}  // namespace xerod
