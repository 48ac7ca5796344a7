// SPDX-License-Identifier: MIT
// WAL checkpoints: in the background below the limit, inline past it, and the
// WAL restarts once a checkpoint has copied everything.
#include "store/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "store/sqlite.h"
#include "support/test_support.h"
#include "xerod/store.h"

namespace xerod {
namespace {

using testing::TempDir;
using testing::WaitFor;

std::unique_ptr<Database> OpenWith(const std::string& path, bool background, int soft, int hard) {
  StoreOptions options;
  options.background_checkpoint = background;
  options.checkpoint_pages = soft;
  options.wal_limit_pages = hard;
  auto db = Database::Open(path, options);
  EXPECT_TRUE(db.has_value()) << db.error().ToString();
  if (!db) return nullptr;
  EXPECT_TRUE((*db)->handle().Exec("CREATE TABLE IF NOT EXISTS blobs (b BLOB NOT NULL)"));
  return std::move(*db);
}

// `n` transactions of about 10 pages each.
void Write(Database& db, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(db.handle().Exec("INSERT INTO blobs (b) VALUES (randomblob(40000))"));
  }
}

// Frames now in the WAL (a PASSIVE checkpoint reports them; it copies nothing
// new when everything is already copied).
std::int64_t WalFrames(Database& db) {
  auto q = db.handle().Prepare("PRAGMA wal_checkpoint(PASSIVE)");
  EXPECT_TRUE(q.has_value());
  EXPECT_TRUE(*q->Step());
  return q->Int(1);
}

TEST(CheckpointerTest, BackgroundThreadCheckpointsAndCommitsDoNot) {
  TempDir dir;
  auto db = OpenWith(dir.File("x.db"), /*background=*/true, /*soft=*/50, /*hard=*/100000);
  ASSERT_NE(db, nullptr);
  Write(*db, 100);  // ~1,000 pages: far past the soft limit
  EXPECT_TRUE(WaitFor([&] { return db->background_checkpoints() >= 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(db->inline_checkpoints(), 0u);
}

TEST(CheckpointerTest, SmallCommitsWakeTheThreadOncePerThresholdOfGrowth) {
  TempDir dir;
  auto db = OpenWith(dir.File("x.db"), /*background=*/true, /*soft=*/50, /*hard=*/100000);
  ASSERT_NE(db, nullptr);
  // 400 one- or two-page commits: ~600 frames in all. Waking the thread on
  // every commit past the threshold would run a checkpoint (two fsyncs) for
  // most of them.
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(db->handle().Exec("INSERT INTO blobs (b) VALUES (randomblob(100))"));
  }
  EXPECT_TRUE(WaitFor([&] { return db->background_checkpoints() >= 1; }, std::chrono::seconds(10)));
  EXPECT_LE(db->background_checkpoints(), 800u / 50u + 1u);
  EXPECT_EQ(db->inline_checkpoints(), 0u);
}

TEST(CheckpointerTest, WalRestartsAfterACompleteCheckpoint) {
  TempDir dir;
  // No automatic checkpoints: the Checkpointer below is the only one.
  auto db = OpenWith(dir.File("x.db"), /*background=*/false, /*soft=*/100000, /*hard=*/100000);
  ASSERT_NE(db, nullptr);
  Write(*db, 30);  // ~300 frames
  auto checkpointer = store::Checkpointer::Start(dir.File("x.db"));
  ASSERT_TRUE(checkpointer.has_value()) << checkpointer.error().ToString();
  (*checkpointer)->Poke();
  ASSERT_TRUE(WaitFor([&] { return (*checkpointer)->complete() >= 1; }, std::chrono::seconds(10)));
  // The next commit writes from the WAL's start.
  Write(*db, 1);
  EXPECT_LE(WalFrames(*db), 20);
  EXPECT_EQ(db->inline_checkpoints(), 0u);
}

TEST(CheckpointerTest, CommitCheckpointsInlinePastTheLimit) {
  TempDir dir;
  // soft == hard: the WAL reaches the limit before the thread is ever woken.
  auto db = OpenWith(dir.File("x.db"), /*background=*/true, /*soft=*/50, /*hard=*/50);
  ASSERT_NE(db, nullptr);
  Write(*db, 40);
  EXPECT_GE(db->inline_checkpoints(), 1u);
  EXPECT_EQ(db->background_checkpoints(), 0u);
  EXPECT_LE(WalFrames(*db), 50 + 20);
}

TEST(CheckpointerTest, WithoutTheThreadCommitsCheckpointAtTheSoftLimit) {
  TempDir dir;
  auto db = OpenWith(dir.File("x.db"), /*background=*/false, /*soft=*/50, /*hard=*/100000);
  ASSERT_NE(db, nullptr);
  Write(*db, 40);
  EXPECT_GE(db->inline_checkpoints(), 1u);
  EXPECT_LE(WalFrames(*db), 50 + 20);
}

TEST(CheckpointerTest, EverythingCommittedSurvivesAReopen) {
  TempDir dir;
  {
    auto db = OpenWith(dir.File("x.db"), /*background=*/true, /*soft=*/20, /*hard=*/100000);
    ASSERT_NE(db, nullptr);
    Write(*db, 200);
  }
  auto db = OpenWith(dir.File("x.db"), /*background=*/true, /*soft=*/20, /*hard=*/100000);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(*db->handle().QueryInt("SELECT count(*) FROM blobs"), 200);
  EXPECT_EQ(*db->handle().QueryText("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace xerod
