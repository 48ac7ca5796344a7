// SPDX-License-Identifier: MIT
#include "store/sqlite.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xerod::store {
namespace {

TEST(SqliteTest, BindStepColumns) {
  testing::TempDir dir;
  auto db = Db::Open(dir.File("s.db"), true);
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER, b TEXT)"));
  auto ins = db->Prepare("INSERT INTO t VALUES (?, ?)");
  ASSERT_TRUE(ins.has_value());
  ASSERT_TRUE(ins->Bind(1, std::int64_t{42}).Bind(2, std::string("x\0y", 3)).Run());
  ins->Reset();
  ASSERT_TRUE(ins->Bind(1, 7).Bind(2, std::optional<std::string>()).Run());
  auto sel = db->Prepare("SELECT a, b FROM t ORDER BY a");
  ASSERT_TRUE(sel.has_value());
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->Int(0), 7);
  EXPECT_FALSE(sel->OptText(1).has_value());
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->Text(1), std::string("x\0y", 3));
  EXPECT_FALSE(*sel->Step());
}

TEST(SqliteTest, ErrorsCarrySqliteMessage) {
  testing::TempDir dir;
  auto db = Db::Open(dir.File("s.db"), true);
  ASSERT_TRUE(db.has_value());
  auto bad = db->Prepare("SELEC nonsense");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("syntax error"), std::string::npos);
  ASSERT_TRUE(db->Exec("CREATE TABLE u (k TEXT PRIMARY KEY)"));
  ASSERT_TRUE(db->Exec("INSERT INTO u VALUES ('a')"));
  auto dup = db->Prepare("INSERT INTO u VALUES ('a')");
  auto s = dup->Run();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(s.error().message().find("UNIQUE"), std::string::npos);
}

TEST(SqliteTest, TransactionRollsBackOnDestruction) {
  testing::TempDir dir;
  auto db = Db::Open(dir.File("s.db"), true);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER)"));
  {
    auto tx = Transaction::Begin(*db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)"));
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM t"), 0);
  {
    auto tx = Transaction::Begin(*db);
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)"));
    ASSERT_TRUE(tx->Commit());
  }
  EXPECT_EQ(*db->QueryInt("SELECT count(*) FROM t"), 1);
}

TEST(SqliteTest, OpenWithoutCreateFailsForMissingFile) {
  testing::TempDir dir;
  auto db = Db::Open(dir.File("missing.db"), false);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kIo);
}

}  // namespace
}  // namespace xerod::store
