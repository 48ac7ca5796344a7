// SPDX-License-Identifier: MIT
#include "queue/writer.h"

#include <spdlog/spdlog.h>

#include <vector>

namespace xerod::queue {

WriterThread::WriterThread(store::Db& db, int max_group)
    : db_(db), max_group_(static_cast<std::size_t>(max_group > 0 ? max_group : 1)) {
  thread_ = std::thread([this] { Loop(); });
}

WriterThread::~WriterThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WriterThread::Submit(Request request) {
  {
    std::unique_lock lock(mu_);
    if (!stopping_) {
      pending_.push_back(std::move(request));
      lock.unlock();
      cv_.notify_one();
      return;
    }
  }
  request.done(Fail(Code::kUnavailable, "the job queue is shutting down"));
}

void WriterThread::Loop() {
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

void WriterThread::RunGroup(std::deque<Request>& group) {
  std::vector<Status> results;
  results.reserve(group.size());
  auto fail_all = [&](const Error& error) {
    for (auto& r : group) r.done(Fail(error));
  };
  auto tx = store::Transaction::Begin(db_);
  if (!tx) {
    spdlog::error("job queue: cannot begin a transaction: {}", tx.error().message());
    fail_all(tx.error());
    return;
  }
  const bool single = group.size() == 1;
  for (auto& r : group) {
    if (single) {
      results.push_back(r.work(db_));
      continue;
    }
    if (auto s = db_.Exec("SAVEPOINT req"); !s) {
      results.push_back(s);
      continue;
    }
    Status s = r.work(db_);
    if (!s) (void)db_.Exec("ROLLBACK TO req");
    (void)db_.Exec("RELEASE req");
    results.push_back(std::move(s));
  }
  if (single && !results.front()) {
    store::Transaction rollback = std::move(*tx);  // rolls the lone failed request back
  } else if (auto s = tx->Commit(); !s) {
    spdlog::error("job queue: commit failed: {}", s.error().message());
    fail_all(s.error());
    return;
  } else {
    commits_.fetch_add(1);
  }
  requests_.fetch_add(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done(results[i]);
}

}  // namespace xerod::queue
