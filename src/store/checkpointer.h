// SPDX-License-Identifier: MIT
//
// Keeps WAL checkpoints off the committing thread.
//
// By default SQLite checkpoints inside the COMMIT that pushes the WAL past 1,000
// pages: that commit copies the WAL into the database file and fsyncs it, so one
// caller in every few batches pays for everybody's writes (about a tenth of the
// queue writer's CPU in the batch-enqueue benchmark, plus an fsync of the
// database file). Instead, every connection of a Database gets a WAL hook:
//
// * WAL at or past `soft_pages`, and grown by `soft_pages` since the last
//   wake-up: wake the Checkpointer, a thread with its own connection that runs
//   a PASSIVE checkpoint (never blocks readers or the writer; with
//   synchronous=FULL it fsyncs the WAL and then the database). So a stream of
//   small commits gets one checkpoint per `soft_pages`, as with SQLite's
//   autocheckpoint, not one per commit;
// * WAL at or past `hard_pages` (the checkpointer fell behind), or past
//   `soft_pages` on a connection without a checkpointer: the committing
//   connection checkpoints inline, as SQLite's autocheckpoint would. The
//   WAL can only restart (be overwritten from the start) when a transaction
//   begins after a complete checkpoint; under a constant stream of writes that
//   moment may not come on its own, and this bound keeps the file finite.
//
// Thread-safety: Poke() from any thread; the rest from the owner.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite.h"
#include "xerod/status.h"

namespace xerod::store {

class Checkpointer {
 public:
  // Opens a second connection to the WAL-mode database at `path` and starts
  // the thread.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path);
  // Stops the thread (a checkpoint under way finishes first) and closes its
  // connection.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Asks for a checkpoint soon. Cheap; many pokes before the thread wakes
  // become one checkpoint.
  void Poke();

  // Checkpoints run, and how many of them copied every WAL frame.
  std::uint64_t checkpoints() const { return checkpoints_.load(); }
  std::uint64_t complete() const { return complete_.load(); }

 private:
  explicit Checkpointer(Db db);
  void Loop();

  Db db_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool poked_ = false;
  bool stopping_ = false;
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> complete_{0};
  std::thread thread_;
};

// The WAL hook's settings for one connection. Must outlive the connection's
// use (Database owns both).
struct WalPolicy {
  int soft_pages = 1000;   // wake `background` at this WAL size
  int hard_pages = 10000;  // checkpoint inline at this WAL size
  Checkpointer* background = nullptr;
  int poked_at = 0;  // WAL size at the last poke (the hook's own state)
  std::atomic<std::uint64_t> inline_checkpoints{0};
};

// Installs `policy` as `db`'s WAL hook (replacing SQLite's autocheckpoint).
void InstallWalPolicy(Db& db, WalPolicy* policy);

}  // namespace xerod::store
