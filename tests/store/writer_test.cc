// SPDX-License-Identifier: MIT
// The writer's group commit: each request learns its own fate, and a request
// reported failed has stored nothing while one reported OK is committed.
#include "store/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <string>

#include "support/test_support.h"
#include "xerod/store.h"

namespace xerod::store {
namespace {

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.File("w.db"));
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->handle().Exec("CREATE TABLE t (v TEXT PRIMARY KEY)"));
    writer_ = std::make_unique<Writer>(db_->handle(), 64);
  }
  void TearDown() override { writer_.reset(); }

  static Status Insert(store::Db& db, const std::string& v) {
    return db.Exec("INSERT INTO t VALUES ('" + v + "')");
  }

  // Runs `works` (name -> work) as ONE group: the writer is held inside a
  // first request until all of them are submitted. Returns each one's result.
  std::map<std::string, Status> RunAsOneGroup(
      const std::vector<std::pair<std::string, std::function<Status(store::Db&)>>>& works) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> holding{false};
    std::atomic<int> left{static_cast<int>(works.size()) + 1};
    writer_->Submit({[&](store::Db& db) {
                       holding = true;
                       released.wait();
                       return Insert(db, "holder");
                     },
                     [&](const Status&) { --left; }});
    EXPECT_TRUE(testing::WaitFor([&] { return holding.load(); }));
    std::map<std::string, Status> results;
    std::mutex mu;
    for (const auto& [name, work] : works) {
      writer_->Submit({work, [&, name](const Status& s) {
                         std::lock_guard lock(mu);
                         results.insert_or_assign(name, s);
                         --left;
                       }});
    }
    release.set_value();
    EXPECT_TRUE(testing::WaitFor([&] { return left.load() == 0; }));
    std::lock_guard lock(mu);
    return results;
  }

  std::vector<std::string> Stored() {
    std::vector<std::string> out;
    auto q = db_->handle().Prepare("SELECT v FROM t ORDER BY v");
    EXPECT_TRUE(q.has_value());
    while (true) {
      auto row = q->Step();
      if (!row || !*row) break;
      out.push_back(q->Text(0));
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(WriterTest, AFailedRequestIsUndoneAloneAndTheOthersCommit) {
  auto r = RunAsOneGroup({
      {"a", [](store::Db& db) { return Insert(db, "a"); }},
      {"bad",
       [](store::Db& db) {
         (void)Insert(db, "half");
         return Status(Fail(Code::kInvalidArgument, "refused"));
       }},
      {"c", [](store::Db& db) { return Insert(db, "c"); }},
  });
  EXPECT_TRUE(r.at("a"));
  EXPECT_EQ(r.at("bad").error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(r.at("c"));
  EXPECT_EQ(Stored(), (std::vector<std::string>{"a", "c", "holder"}));
}

// SQLite may roll a transaction back by itself (SQLITE_FULL, an I/O error):
// the requests it held are lost and say so; the ones after it commit in a
// new transaction and say so (they used to be reported failed though stored).
TEST_F(WriterTest, ATransactionSqliteRolledBackFailsExactlyTheRequestsItLost) {
  auto r = RunAsOneGroup({
      {"a", [](store::Db& db) { return Insert(db, "a"); }},
      {"b",
       [](store::Db& db) {
         (void)Insert(db, "b");
         return db.Exec("ROLLBACK");  // what SQLite does by itself on SQLITE_FULL
       }},
      {"c", [](store::Db& db) { return Insert(db, "c"); }},
      {"d", [](store::Db& db) { return Insert(db, "d"); }},
  });
  EXPECT_EQ(r.at("a").error().code(), Code::kUnavailable);
  EXPECT_FALSE(r.at("b"));
  EXPECT_TRUE(r.at("c")) << r.at("c").error().ToString();
  EXPECT_TRUE(r.at("d"));
  EXPECT_EQ(Stored(), (std::vector<std::string>{"c", "d", "holder"}));
}

// A failed request whose changes cannot be undone alone (ROLLBACK TO fails):
// committing the group would store what was reported failed, so everything
// before it is rolled back and reported lost.
TEST_F(WriterTest, AFailedRequestThatCannotBeUndoneAloneIsNeverCommitted) {
  auto r = RunAsOneGroup({
      {"a", [](store::Db& db) { return Insert(db, "a"); }},
      {"bad",
       [](store::Db& db) {
         (void)Insert(db, "half");
         (void)db.Exec("RELEASE req");  // its savepoint is gone: ROLLBACK TO fails
         return Status(Fail(Code::kInvalidArgument, "refused"));
       }},
      {"c", [](store::Db& db) { return Insert(db, "c"); }},
  });
  EXPECT_EQ(r.at("a").error().code(), Code::kUnavailable);
  EXPECT_EQ(r.at("bad").error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(r.at("c"));
  EXPECT_EQ(Stored(), (std::vector<std::string>{"c", "holder"}));
}

}  // namespace
}  // namespace xerod::store
