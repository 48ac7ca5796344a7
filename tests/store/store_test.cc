// SPDX-License-Identifier: MIT
// Store: one writer shared by every module, reads that never wait for it,
// completions on the caller's executor.
#include "xerod/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "store/sqlite.h"
#include "support/test_support.h"

namespace xerod {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open(dir_.File("s.db"));
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->WriteAndWait(
        [](store::Db& db) { return db.Exec("CREATE TABLE t (v INTEGER PRIMARY KEY)"); }));
  }

  Result<std::int64_t> Count() {
    std::int64_t n = -1;
    Status s = store_->Read([&](store::Db& db) -> Status {
      auto r = db.QueryInt("SELECT COUNT(*) FROM t");
      if (!r) return Fail(r.error());
      n = *r;
      return Ok();
    });
    if (!s) return Fail(s.error());
    return n;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, AReadSeesEveryWriteWhoseCompletionRan) {
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(store_->WriteAndWait([i](store::Db& db) {
      return db.Exec("INSERT INTO t VALUES (" + std::to_string(i) + ")");
    }));
    EXPECT_EQ(Count().value_or(-1), i);
  }
}

TEST_F(StoreTest, ReadsDoNotWaitForAWriteInProgress) {
  // The writer is held inside a transaction that has written a row; a read
  // must answer at once, from the snapshot before it.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> inside;
  std::promise<Status> committed;
  store_->Write(
      [&](store::Db& db) -> Status {
        auto s = db.Exec("INSERT INTO t VALUES (1)");
        inside.set_value();
        released.wait();
        return s;
      },
      [&](const Status& s) { committed.set_value(s); });
  inside.get_future().wait();
  auto read = std::async(std::launch::async, [&] { return Count(); });
  ASSERT_EQ(read.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "a read waited for the writer";
  EXPECT_EQ(read.get().value_or(-1), 0);
  release.set_value();
  EXPECT_TRUE(committed.get_future().get());
  EXPECT_EQ(Count().value_or(-1), 1);
}

TEST_F(StoreTest, AStatementLeftSteppingDoesNotHideLaterWrites) {
  ASSERT_TRUE(
      store_->WriteAndWait([](store::Db& db) { return db.Exec("INSERT INTO t VALUES (1)"); }));
  // A read that keeps its prepared statement and stops after the first row
  // (as a statement cache does).
  std::optional<store::Statement> kept;
  ASSERT_TRUE(store_->Read([&](store::Db& db) -> Status {
    auto st = db.Prepare("SELECT v FROM t");
    if (!st) return Fail(st.error());
    kept.emplace(std::move(*st));
    auto row = kept->Step();
    if (!row) return Fail(row.error());
    return Ok();
  }));
  ASSERT_TRUE(
      store_->WriteAndWait([](store::Db& db) { return db.Exec("INSERT INTO t VALUES (2)"); }));
  EXPECT_EQ(Count().value_or(-1), 2);
  ASSERT_TRUE(store_->Read([&](store::Db&) -> Status {
    kept.reset();  // finalized under the read lock, as the modules' caches are
    return Ok();
  }));
}

TEST_F(StoreTest, AReadConnectionCannotWrite) {
  Status s = store_->Read([](store::Db& db) { return db.Exec("INSERT INTO t VALUES (7)"); });
  ASSERT_FALSE(s);
  EXPECT_EQ(Count().value_or(-1), 0);
}

TEST_F(StoreTest, CompletionsRunOnTheExecutorGiven) {
  std::mutex mu;
  std::vector<std::function<void()>> posted;
  Executor executor = [&](std::function<void()> task) {
    std::lock_guard lock(mu);
    posted.push_back(std::move(task));
  };
  std::atomic<int> done{0};
  const std::thread::id test_thread = std::this_thread::get_id();
  std::thread::id ran_on;
  store_->Write([](store::Db& db) { return db.Exec("INSERT INTO t VALUES (1)"); },
                [&](const Status& s) {
                  EXPECT_TRUE(s);
                  ran_on = std::this_thread::get_id();
                  ++done;
                },
                executor);
  ASSERT_TRUE(testing::WaitFor([&] {
    std::lock_guard lock(mu);
    return posted.size() == 1;
  }));
  EXPECT_EQ(done.load(), 0) << "the completion ran before its executor ran it";
  posted.front()();
  EXPECT_EQ(done.load(), 1);
  EXPECT_EQ(ran_on, test_thread);
}

TEST_F(StoreTest, WritesOfSeveralThreadsShareCommits) {
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int v = t * kEach + i + 1;
        ASSERT_TRUE(store_->WriteAndWait([v](store::Db& db) {
          return db.Exec("INSERT INTO t VALUES (" + std::to_string(v) + ")");
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Count().value_or(-1), kThreads * kEach);
  StoreStats stats = store_->stats();
  EXPECT_EQ(stats.requests, static_cast<std::uint64_t>(kThreads * kEach + 1));
  EXPECT_LE(stats.commits, stats.requests);
  EXPECT_GT(stats.reads, 0u);
}

TEST_F(StoreTest, AFailedWriteStoresNothingAndSaysWhy) {
  Status s = store_->WriteAndWait([](store::Db& db) -> Status {
    if (auto e = db.Exec("INSERT INTO t VALUES (1)"); !e) return e;
    return Fail(Code::kInvalidArgument, "refused on purpose");
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(), "refused on purpose");
  EXPECT_EQ(Count().value_or(-1), 0);
}

}  // namespace
}  // namespace xerod
