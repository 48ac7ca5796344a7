// SPDX-License-Identifier: MIT
#include "store/checkpointer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace xerod::store {

namespace {

int OnWalCommit(void* arg, sqlite3* db, const char* schema, int pages) {
  auto* policy = static_cast<WalPolicy*>(arg);
  if (pages < policy->poked_at) policy->poked_at = 0;  // the WAL restarted
  if (policy->background != nullptr && pages < policy->hard_pages) {
    // One checkpoint per `soft_pages` of growth, not one per commit: a WAL
    // that has not restarted stays past the threshold, and a checkpoint per
    // small commit would add two fsyncs to each.
    if (pages >= policy->soft_pages && pages - policy->poked_at >= policy->soft_pages) {
      policy->poked_at = pages;
      policy->background->Poke();
    }
    return SQLITE_OK;
  }
  // No background checkpointer (SQLite's own behaviour), or it fell behind.
  if (pages >= (policy->background != nullptr ? policy->hard_pages : policy->soft_pages)) {
    int log = 0;
    int done = 0;
    // SQLITE_BUSY means the background checkpoint holds the lock and is doing
    // this work already. A failed checkpoint never fails the commit.
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
        SQLITE_OK) {
      policy->inline_checkpoints.fetch_add(1);
    }
  }
  return SQLITE_OK;
}

}  // namespace

void InstallWalPolicy(Db& db, WalPolicy* policy) {
  sqlite3_wal_hook(db.raw(), &OnWalCommit, policy);
}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path) {
  auto db = Db::Open(path, /*create=*/false);
  if (!db) return Fail(db.error());
  // The checkpoint's fsyncs follow this connection's setting: keep FULL.
  if (auto s = db->Exec("PRAGMA synchronous=FULL"); !s) return Fail(s.error());
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(*db)));
}

Checkpointer::Checkpointer(Db db) : db_(std::move(db)) {
  thread_ = std::thread([this] { Loop(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Checkpointer::Poke() {
  {
    std::lock_guard lock(mu_);
    if (poked_) return;
    poked_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::Loop() {
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    int log = 0;
    int done = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_.raw(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK) {
      checkpoints_.fetch_add(1);
      if (log >= 0 && done == log) complete_.fetch_add(1);
    } else if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      // Not fatal (the inline fallback bounds the WAL) but worth knowing:
      // at most one line a minute.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_warning >= std::chrono::minutes(1)) {
        last_warning = now;
        spdlog::warn("database: background checkpoint failed: {}",
                     db_.MakeError("checkpoint", rc).message());
      }
    }
  }
}

}  // namespace xerod::store
