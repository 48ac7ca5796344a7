// SPDX-License-Identifier: MIT
//
// The store's writer thread: owns the SQLite write connection and commits every
// request that is waiting when it wakes in ONE transaction (group commit), so
// concurrent callers share an fsync. Each request runs inside its own
// SAVEPOINT: a failing request is rolled back alone.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite.h"
#include "xerod/status.h"

namespace xerod::store {

class Writer {
 public:
  // How long the thread waits for stragglers when fewer requests are pending
  // than the previous group had (see Loop()).
  static constexpr std::chrono::microseconds kGatherWindow{200};

  struct Request {
    // Runs on the writer thread inside the group transaction.
    std::function<Status(Db&)> work;
    // Runs on the writer thread after the commit, with work's error, or the
    // commit's error, or OK. Never skipped.
    std::function<void(const Status&)> done;
  };

  // Starts the thread. `db` must outlive this object.
  Writer(Db& db, int max_group);
  // Serves every request already submitted, then joins.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Thread-safe. After destruction has begun, requests fail with kUnavailable.
  void Submit(Request request);

  std::uint64_t commits() const { return commits_.load(); }
  std::uint64_t requests() const { return requests_.load(); }

 private:
  void Loop();
  // Runs every request of `group` and calls each one's `done` with its own
  // result: OK only when its work succeeded AND was committed.
  void RunGroup(std::deque<Request>& group);
  // Runs group[first..] in one transaction; returns where the next one starts
  // (group.size() when done): after a request whose transaction was lost.
  std::size_t RunTransaction(std::deque<Request>& group, std::size_t first,
                             std::vector<Status>& results);
  // One request of several, in its own SAVEPOINT.
  Status RunInSavepoint(Request& request);

  Db& db_;
  const std::size_t max_group_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> pending_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace xerod::store
