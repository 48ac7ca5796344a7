// SPDX-License-Identifier: MIT
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/sqlite.h"
#include "support/test_support.h"
#include "xerod/store.h"

namespace xerod {
namespace {

using testing::TempDir;

unsigned FileMode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::vector<std::string> Tables(store::Db& db) {
  auto stmt = db.Prepare("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name");
  EXPECT_TRUE(stmt.has_value());
  std::vector<std::string> names;
  while (*stmt->Step()) names.push_back(stmt->Text(0));
  return names;
}

TEST(DatabaseTest, MigratesFromEmpty) {
  TempDir dir;
  auto db = Database::Open(dir.File("x.db"));
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_EQ((*db)->schema_version(), LatestSchemaVersion());
  EXPECT_GE(LatestSchemaVersion(), 1);
  EXPECT_EQ(*(*db)->handle().QueryInt("PRAGMA user_version"), LatestSchemaVersion());
  auto tables = Tables((*db)->handle());
  EXPECT_NE(std::find(tables.begin(), tables.end(), "jobs"), tables.end());
  EXPECT_NE(std::find(tables.begin(), tables.end(), "job_attempts"), tables.end());
  // The jobs indexes are exactly these: 0004 dropped jobs_key, and 0005 keeps
  // queued jobs out of jobs_state, so an enqueue of an invoice writes
  // jobs_pending_key and jobs_ready only (each index a new job enters costs a
  // b-tree insert); 0006's jobs_waiting holds payments only, and its wider
  // jobs_done_key still no new job.
  auto idx = (*db)->handle().Prepare(
      "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE "
      "type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name)");
  ASSERT_TRUE(idx.has_value());
  ASSERT_TRUE(*idx->Step());
  EXPECT_EQ(idx->Text(0),
            "jobs_done_key jobs_finished jobs_pending_key jobs_ready jobs_state "
            "jobs_waiting");
}

TEST(DatabaseTest, ReopenIsANoOp) {
  TempDir dir;
  {
    auto db = Database::Open(dir.File("x.db"));
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(
        (*db)->handle().Exec("INSERT INTO queue_holds(scope, paused, updated_at) "
                             "VALUES ('*', 1, 0)"));
  }
  auto db = Database::Open(dir.File("x.db"));
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  EXPECT_EQ((*db)->schema_version(), LatestSchemaVersion());
  // Data survives, nothing was re-created.
  EXPECT_EQ(*(*db)->handle().QueryInt("SELECT count(*) FROM queue_holds"), 1);
}

TEST(DatabaseTest, RefusesNewerSchema) {
  TempDir dir;
  std::string path = dir.File("x.db");
  {
    auto db = Database::Open(path);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(
        (*db)->handle().Exec(fmt::format("PRAGMA user_version={}", LatestSchemaVersion() + 1)));
  }
  auto db = Database::Open(path);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kCorrupt);
  EXPECT_EQ(db.error().message(),
            fmt::format("database {} has schema version {}, this xerod understands up to {}; "
                        "refusing to open it: use a newer xerod or restore a backup",
                        path, LatestSchemaVersion() + 1, LatestSchemaVersion()));
}

TEST(DatabaseTest, FilesArePrivate) {
  TempDir dir;
  std::string path = dir.File("x.db");
  auto db = Database::Open(path);
  ASSERT_TRUE(db.has_value());
  // Force the WAL to exist by writing.
  ASSERT_TRUE((*db)->handle().Exec("INSERT INTO queue_holds(scope, updated_at) VALUES ('a', 0)"));
  ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
  ASSERT_TRUE(std::filesystem::exists(path + "-shm"));
  EXPECT_EQ(FileMode(path), 0600u);
  EXPECT_EQ(FileMode(path + "-wal"), 0600u);
  EXPECT_EQ(FileMode(path + "-shm"), 0600u);
}

TEST(DatabaseTest, PragmasInForce) {
  TempDir dir;
  auto db = Database::Open(dir.File("x.db"), StoreOptions{.busy_timeout = Duration(1234)});
  ASSERT_TRUE(db.has_value());
  auto& h = (*db)->handle();
  EXPECT_EQ(*h.QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*h.QueryInt("PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(*h.QueryInt("PRAGMA foreign_keys"), 1);
  EXPECT_EQ(*h.QueryInt("PRAGMA busy_timeout"), 1234);
}

TEST(DatabaseTest, FailedMigrationRollsBackCompletely) {
  TempDir dir;
  std::string path = dir.File("x.db");
  const std::array<EmbeddedFile, 1> first = {{{"0001_a.sql", "CREATE TABLE a (x INTEGER);"}}};
  {
    auto db = Database::Open(path, {}, first);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    EXPECT_EQ((*db)->schema_version(), 1);
  }
  const std::array<EmbeddedFile, 3> broken = {{
      {"0001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {"0002_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);"},
      {"0003_c.sql", "CREATE TABLE c (z INTEGER); THIS IS NOT SQL;"},
  }};
  auto db = Database::Open(path, {}, broken);
  ASSERT_FALSE(db.has_value());
  EXPECT_NE(db.error().message().find("0003_c.sql"), std::string::npos) << db.error().message();
  auto check = Database::Open(path, {}, first);
  ASSERT_TRUE(check.has_value());
  auto& h = (*check)->handle();
  EXPECT_EQ(*h.QueryInt("PRAGMA user_version"), 1);
  EXPECT_EQ(*h.QueryInt("SELECT count(*) FROM a"), 0);
  EXPECT_EQ(Tables(h), std::vector<std::string>{"a"});
}

TEST(DatabaseTest, MisnumberedMigrationsAreRejected) {
  TempDir dir;
  const std::array<EmbeddedFile, 2> gap = {
      {{"0001_a.sql", "CREATE TABLE a (x);"}, {"0003_c.sql", "CREATE TABLE c (x);"}}};
  auto db = Database::Open(dir.File("x.db"), {}, gap);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kInternal);
}

TEST(DatabaseTest, EveryMigrationFileIsEmbeddedInOrder) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(XEROD_SCHEMA_DIR)) {
    if (e.path().extension() == ".sql") files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> embedded;
  for (const auto& m : SchemaMigrations()) {
    embedded.emplace_back(m.name);
    EXPECT_FALSE(m.text.empty()) << m.name;
  }
  EXPECT_EQ(embedded, files) << "list every src/store/schema/*.sql in src/store/CMakeLists.txt";
}

// 0003 rebuilds jobs and job_attempts (cheaper CHECK and partial-index
// predicates): every row, id and constraint of a version-2 file survives.
TEST(DatabaseTest, CheapStateChecksMigrationKeepsRowsAndConstraints) {
  TempDir dir;
  const std::string path = dir.File("x.db");
  ASSERT_GE(SchemaMigrations().size(), 3u);
  {
    auto db = Database::Open(path, {}, SchemaMigrations().first(2));
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    ASSERT_TRUE((*db)->handle().Exec(
        "INSERT INTO jobs (id, connection, kind, source_id, operation, previous_xero_id, "
        "payload, content_hash, pending_payload, pending_hash, state, needs_reconcile, attempts, "
        "max_attempts, next_run_at, last_error, xero_id, xero_link, warning, created_at, "
        "updated_at, finished_at) VALUES "
        "(7, 'acme', 'invoice', 'inv-1', 'update', 'X0', '{}', 'h1', '{\"a\":1}', 'h2', "
        "'running', 1, 2, 12, 100, 'boom', NULL, NULL, NULL, 1, 2, NULL), "
        "(9, 'acme', 'payment', 'pay-1', 'create', NULL, '{}', 'h3', NULL, NULL, 'succeeded', "
        "0, 1, 12, 100, NULL, 'X9', 'https://x/9', 'careful', 1, 3, 3);"
        "INSERT INTO job_attempts (id, job_id, number, reconcile, started_at, finished_at, "
        "outcome, http_status, messages, request_id) VALUES "
        "(4, 7, 1, 0, 10, 11, 'unknown', NULL, 'timeout', NULL), (5, 7, 2, 1, 12, NULL, NULL, "
        "NULL, NULL, NULL), (6, 9, 1, 0, 10, 11, 'succeeded', 200, NULL, 'req-1');"));
  }
  auto db = Database::Open(path);
  ASSERT_TRUE(db.has_value()) << db.error().ToString();
  auto& h = (*db)->handle();
  EXPECT_EQ((*db)->schema_version(), LatestSchemaVersion());
  EXPECT_EQ(*h.QueryText("SELECT group_concat(id || ':' || state || ':' || operation || ':' || "
                         "coalesce(previous_xero_id, '-') || ':' || pending_hash || ':' || "
                         "attempts || ':' || coalesce(last_error, '-'), ',') FROM jobs "
                         "WHERE id = 7"),
            "7:running:update:X0:h2:2:boom");
  EXPECT_EQ(*h.QueryText("SELECT xero_id || xero_link || warning || finished_at FROM jobs "
                         "WHERE id = 9"),
            "X9https://x/9careful3");
  EXPECT_EQ(*h.QueryText("SELECT group_concat(id || ':' || job_id || ':' || number || ':' || "
                         "coalesce(outcome, '-'), ',') FROM (SELECT * FROM job_attempts "
                         "ORDER BY id)"),
            "4:7:1:unknown,5:7:2:-,6:9:1:succeeded");
  EXPECT_EQ(Tables(h), (std::vector<std::string>{"connection_events", "connections",
                                                 "digest_cursor", "job_attempts", "jobs",
                                                 "notifications", "queue_holds", "token_sets"}));
  EXPECT_EQ(*h.QueryText("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(*h.QueryInt("SELECT count(*) FROM pragma_foreign_key_check"), 0);
  // The constraints still hold.
  auto insert = [&](std::string_view state, std::string_view source_id) {
    return h.Exec(fmt::format(
        "INSERT INTO jobs (connection, kind, source_id, payload, content_hash, state, "
        "max_attempts, next_run_at, created_at, updated_at) VALUES ('acme', 'invoice', '{}', "
        "'{{}}', 'h', '{}', 12, 1, 1, 1)",
        source_id, state));
  };
  EXPECT_FALSE(insert("bogus", "inv-2"));   // CHECK (state ...)
  EXPECT_FALSE(insert("queued", "inv-1"));  // jobs_pending_key: inv-1 is running
  EXPECT_TRUE(insert("dead", "inv-1"));     // finished jobs are not "pending"
  EXPECT_TRUE(insert("queued", "inv-3"));
  EXPECT_FALSE(insert("retrying", "inv-3"));  // still unique among unfinished jobs
  EXPECT_FALSE(h.Exec("UPDATE job_attempts SET outcome = 'nope' WHERE id = 5"));
  EXPECT_FALSE(h.Exec("INSERT INTO job_attempts (job_id, number, started_at) VALUES (99, 1, 1)"));
  // ON DELETE CASCADE still reaches the rebuilt attempts table.
  ASSERT_TRUE(h.Exec("DELETE FROM jobs WHERE id = 7"));
  EXPECT_EQ(*h.QueryInt("SELECT count(*) FROM job_attempts"), 1);
}

TEST(DatabaseTest, NotADatabaseIsCorrupt) {
  TempDir dir;
  testing::WriteFile(dir.File("x.db"), std::string(4096, 'z'), 0600);
  auto db = Database::Open(dir.File("x.db"));
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kCorrupt) << db.error().ToString();
  EXPECT_NE(db.error().message().find("database " + dir.File("x.db") + " cannot be read"),
            std::string::npos)
      << db.error().message();
  EXPECT_NE(db.error().message().find("restore a backup"), std::string::npos);
}

// A newer xerod's file (here in rollback-journal mode) is refused before
// anything is written to it: not even WAL mode is set.
TEST(DatabaseTest, ANewerDatabaseIsRefusedUntouched) {
  TempDir dir;
  std::string path = dir.File("x.db");
  {
    auto db = store::Db::Open(path, /*create=*/true);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->Exec("PRAGMA journal_mode=DELETE; CREATE TABLE t (x); PRAGMA user_version=99"));
  }
  auto bytes = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = bytes();
  auto db = Database::Open(path);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kCorrupt);
  EXPECT_NE(db.error().message().find("schema version 99"), std::string::npos);
  EXPECT_EQ(bytes(), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

}  // namespace
}  // namespace xerod
