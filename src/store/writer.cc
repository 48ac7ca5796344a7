// SPDX-License-Identifier: MIT
#include "store/writer.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace xerod::store {

Writer::Writer(store::Db& db, int max_group)
    : db_(db), max_group_(static_cast<std::size_t>(max_group > 0 ? max_group : 1)) {
  thread_ = std::thread([this] { Loop(); });
}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Writer::Submit(Request request) {
  {
    std::unique_lock lock(mu_);
    if (!stopping_) {
      pending_.push_back(std::move(request));
      lock.unlock();
      cv_.notify_one();
      return;
    }
  }
  request.done(Fail(Code::kUnavailable, "the store is shutting down"));
}

void Writer::Loop() {
  std::deque<Request> group;
  std::size_t last_group = 1;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping and drained
      // Adaptive group commit: callers released by the previous commit are
      // still on their way back; if fewer than last time are waiting, give them
      // a moment so they share this commit's fsync. A lone caller (last group
      // of 1) never waits.
      if (last_group > 1 && pending_.size() < last_group) {
        cv_.wait_for(lock, kGatherWindow,
                     [&] { return stopping_ || pending_.size() >= last_group; });
      }
      while (!pending_.empty() && group.size() < max_group_) {
        group.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    RunGroup(group);
    last_group = group.size();
    group.clear();
  }
}

void Writer::RunGroup(std::deque<Request>& group) {
  std::vector<Status> results(group.size(), Ok());
  std::size_t next = 0;
  while (next < group.size()) next = RunTransaction(group, next, results);
  requests_.fetch_add(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done(results[i]);
}

std::size_t Writer::RunTransaction(std::deque<Request>& group, std::size_t first,
                                   std::vector<Status>& results) {
  auto lose = [&](std::size_t from, std::size_t to, const Error& error) {
    for (std::size_t i = from; i < to; ++i) {
      if (results[i]) results[i] = Fail(error);  // a request's own error says more
    }
  };
  auto tx = store::Transaction::Begin(db_);
  if (!tx) {
    spdlog::error("store: cannot begin a transaction: {}", tx.error().message());
    lose(first, group.size(), tx.error());
    return group.size();
  }
  const bool single = group.size() - first == 1;
  for (std::size_t i = first; i < group.size(); ++i) {
    results[i] = single ? group[i].work(db_) : RunInSavepoint(group[i]);
    if (db_.InTransaction()) continue;
    // The transaction is gone: SQLite rolled it back by itself (a full disk,
    // an I/O error), or a request's changes could not be undone alone. What
    // this transaction held is lost; the rest of the group gets a new one.
    spdlog::error("store: a transaction was rolled back; {} request(s) in it failed",
                  i + 1 - first);
    lose(first, i + 1,
         Error(Code::kUnavailable, "the transaction was rolled back (nothing of it was stored)"));
    return i + 1;
  }
  if (single && !results[first]) return group.size();  // ~Transaction rolls it back
  if (auto s = tx->Commit(); !s) {
    spdlog::error("store: commit failed: {}", s.error().message());
    lose(first, group.size(), s.error());
    return group.size();
  }
  commits_.fetch_add(1);
  return group.size();
}

Status Writer::RunInSavepoint(Request& request) {
  if (auto s = db_.Exec("SAVEPOINT req"); !s) return s;
  Status s = request.work(db_);
  if (!db_.InTransaction()) return s;  // rolled back with everything else
  // A failed request is undone alone; if that cannot be done, everything is
  // (committing its half-done changes would store what was reported failed).
  if ((!s && !db_.Exec("ROLLBACK TO req")) || !db_.Exec("RELEASE req")) {
    (void)db_.Exec("ROLLBACK");
  }
  return s;
}

}  // namespace xerod::store
