// SPDX-License-Identifier: MIT
// End-to-end lifecycle tests: they start the real xerod binary with a test
// NOTIFY_SOCKET and drive it with signals, as systemd would.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <csignal>
#include <string>

#include "daemon/notify_listener.h"
#include "dbus/bus_fixture.h"
#include "support/subprocess.h"
#include "support/test_support.h"

namespace xerod::testing {
namespace {

using std::chrono::seconds;

class LifecycleTest : public ::testing::Test {
 protected:
  std::string Config(const std::string& level, const std::string& db_name = "xerod.db") {
    return "database: " + dir_.File(db_name) + "\ndbus: {bus: session}\nlog: {level: " + level +
           "}\n";
  }

  // Starts xerod on `config_path_` with the test notify socket and extra env.
  std::unique_ptr<Subprocess> Start(std::map<std::string, std::string> env = {}) {
    env["NOTIFY_SOCKET"] = notify_.path();
    env["DBUS_SESSION_BUS_ADDRESS"] = bus_.address();
    env.emplace("JOURNAL_STREAM", "");
    env.emplace("WATCHDOG_USEC", "");
    return std::make_unique<Subprocess>(
        std::vector<std::string>{BinaryPath("xerod"), "--config", config_path_}, env, log_path_);
  }

  TempDir dir_;
  std::string config_path_ = dir_.File("xerod.yaml");
  std::string log_path_ = dir_.File("xerod.log");
  NotifyListener notify_{dir_.File("notify.sock")};
  PrivateBus bus_{dir_};  // xerod owns org.xerod.Xerod1 on this private session bus
};

TEST_F(LifecycleTest, SignalsReadyAndStopsCleanlyOnSigterm) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start();
  const int ready = notify_.WaitFor("READY=1");
  ASSERT_GE(ready, 0) << xerod->Output();
  EXPECT_NE(notify_.Messages()[static_cast<size_t>(ready)].find("STATUS=config generation 1"),
            std::string::npos);

  xerod->Signal(SIGTERM);
  ASSERT_GE(notify_.WaitFor("STOPPING=1", static_cast<size_t>(ready)), 0);
  EXPECT_EQ(xerod->Wait(seconds(10)), 0) << xerod->Output();
  EXPECT_NE(xerod->Output().find("SIGTERM: shutting down"), std::string::npos);
}

TEST_F(LifecycleTest, SigintAlsoExitsZero) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start();
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  xerod->Signal(SIGINT);
  EXPECT_EQ(xerod->Wait(seconds(10)), 0) << xerod->Output();
}

TEST_F(LifecycleTest, BrokenReloadKeepsOldConfigAndGoodReloadApplies) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start();
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();

  // A broken config: the errors are logged with their positions, the old one stays.
  WriteFile(config_path_, Config("info") + "bogus_key: 1\n");
  size_t mark = notify_.Messages().size();
  xerod->Signal(SIGHUP);
  const int reloading = notify_.WaitFor("RELOADING=1", mark);
  ASSERT_GE(reloading, 0);
  EXPECT_NE(notify_.Messages()[static_cast<size_t>(reloading)].find("MONOTONIC_USEC="),
            std::string::npos);
  const int ready = notify_.WaitFor("READY=1", static_cast<size_t>(reloading));
  ASSERT_GE(ready, 0);
  EXPECT_NE(
      notify_.Messages()[static_cast<size_t>(ready)].find("config generation 1, log level info"),
      std::string::npos);
  ASSERT_TRUE(WaitFor(
      [&] { return xerod->Output().find("keeping the configuration") != std::string::npos; }));
  EXPECT_NE(xerod->Output().find(config_path_ + ":4:1: bogus_key"), std::string::npos)
      << xerod->Output();
  EXPECT_TRUE(xerod->Running());

  // A good config is applied: new generation, new log level.
  WriteFile(config_path_, Config("debug"));
  mark = notify_.Messages().size();
  xerod->Signal(SIGHUP);
  const int ready2 = notify_.WaitFor("config generation 2, log level debug", mark);
  ASSERT_GE(ready2, 0) << xerod->Output();
  EXPECT_NE(notify_.Messages()[static_cast<size_t>(ready2)].find("READY=1"), std::string::npos);

  xerod->Signal(SIGTERM);
  EXPECT_EQ(xerod->Wait(seconds(10)), 0) << xerod->Output();
}

TEST_F(LifecycleTest, RestartOnlySettingsAreNotAppliedOnReload) {
  WriteFile(config_path_, Config("info", "first.db"));
  auto xerod = Start();
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  WriteFile(config_path_, Config("info", "second.db"));
  const size_t mark = notify_.Messages().size();
  xerod->Signal(SIGHUP);
  const int ready = notify_.WaitFor("config generation 2", mark);
  ASSERT_GE(ready, 0) << xerod->Output();
  EXPECT_NE(notify_.Messages()[static_cast<size_t>(ready)].find("first.db"), std::string::npos);
  EXPECT_NE(xerod->Output().find("database changed: takes effect after a restart"),
            std::string::npos);
}

TEST_F(LifecycleTest, PingsWatchdogAtHalfTheInterval) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start({{"WATCHDOG_USEC", "200000"}});
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  // 100 ms pings: five of them arrive well within the deadline.
  EXPECT_TRUE(WaitFor([&] { return notify_.Count("WATCHDOG=1") >= 5; }, seconds(5)));
}

TEST_F(LifecycleTest, JournalStreamGivesPriorityPrefixes) {
  WriteFile(config_path_, Config("info"));
  WriteFile(log_path_, "");
  struct stat st {};
  ASSERT_EQ(::stat(log_path_.c_str(), &st), 0);
  auto xerod =
      Start({{"JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)}});
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  xerod->Signal(SIGTERM);
  ASSERT_EQ(xerod->Wait(seconds(10)), 0);
  const std::string out = xerod->Output();
  EXPECT_EQ(out.rfind("<6>xerod ", 0), 0u) << out;
  EXPECT_NE(out.find("\n<6>ready: "), std::string::npos) << out;
}

TEST_F(LifecycleTest, PlainLogLinesCarryTimestampAndLevel) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start();
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  xerod->Signal(SIGTERM);
  ASSERT_EQ(xerod->Wait(seconds(10)), 0);
  const std::string out = xerod->Output();
  // "2026-11-24 17:00:00.123 info  xerod 0.1.0 starting ..."
  ASSERT_GT(out.size(), 30u);
  EXPECT_EQ(out[4], '-');
  EXPECT_EQ(out[10], ' ');
  EXPECT_EQ(out.substr(24, 5), "info ");
  EXPECT_EQ(out.find("<6>"), std::string::npos);
}

TEST_F(LifecycleTest, StartupWithBrokenConfigExitsOneWithAllErrors) {
  WriteFile(config_path_, "database: relative.db\nlog: {level: loud}\n");
  auto xerod = Start();
  EXPECT_EQ(xerod->Wait(seconds(10)), 1);
  const std::string out = xerod->Output();
  EXPECT_NE(out.find(config_path_ + ":1:11: database"), std::string::npos) << out;
  EXPECT_NE(out.find(config_path_ + ":2:14: log.level"), std::string::npos) << out;
  EXPECT_EQ(notify_.Count("READY=1"), 0u);
}

TEST_F(LifecycleTest, CreatesThePrivateDatabaseAtStart) {
  WriteFile(config_path_, Config("info"));
  auto xerod = Start();
  ASSERT_GE(notify_.WaitFor("READY=1"), 0) << xerod->Output();
  struct stat st {};
  ASSERT_EQ(::stat(dir_.File("xerod.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(xerod->Output().find("at schema version"), std::string::npos);
}

TEST_F(LifecycleTest, RefusesADatabaseFromANewerVersion) {
  WriteFile(config_path_, Config("info"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("xerod.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=9999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto xerod = Start();
  EXPECT_EQ(xerod->Wait(seconds(10)), 1);
  EXPECT_NE(xerod->Output().find("cannot start: "), std::string::npos) << xerod->Output();
  EXPECT_NE(xerod->Output().find("9999"), std::string::npos) << xerod->Output();
  EXPECT_EQ(notify_.Count("READY=1"), 0u);
}

class CommandLineTest : public ::testing::Test {
 protected:
  int Run(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), BinaryPath("xerod"));
    Subprocess p(args, {}, dir_.File("out.log"));
    auto status = p.Wait(seconds(10));
    *out = p.Output();
    return status.value_or(-1);
  }
  TempDir dir_;
};

TEST_F(CommandLineTest, Version) {
  std::string out;
  EXPECT_EQ(Run({"--version"}, &out), 0);
  EXPECT_EQ(out.rfind("xerod ", 0), 0u) << out;
}

TEST_F(CommandLineTest, CheckConfigAcceptsTheShippedExample) {
  std::string out;
  EXPECT_EQ(Run({"--check-config", "--config", SourceDir() + "/etc/xerod/xerod.yaml"}, &out), 0)
      << out;
  EXPECT_NE(out.find("configuration is valid"), std::string::npos);
}

TEST_F(CommandLineTest, CheckConfigRejectsABrokenFile) {
  const std::string path = dir_.File("bad.yaml");
  WriteFile(path, "queue:\n  batch_size: 500\n");
  std::string out;
  EXPECT_EQ(Run({"--check-config", "--config", path}, &out), 1);
  EXPECT_NE(out.find(path + ":2:15: queue.batch_size"), std::string::npos) << out;
}

TEST_F(CommandLineTest, UnknownOptionIsAUsageError) {
  std::string out;
  EXPECT_EQ(Run({"--frobnicate"}, &out), 2);
  EXPECT_EQ(Run({"--log-level", "loud", "--check-config"}, &out), 2);
  EXPECT_NE(out.find("unknown level 'loud'"), std::string::npos);
}

}  // namespace
}  // namespace xerod::testing
