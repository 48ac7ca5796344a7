// SPDX-License-Identifier: MIT
//
// The real xerod binary on a private session bus (dbus.bus: session), driven
// with the real xerod-ctl: enqueue, status, a second instance refused, reload with a
// broken config, stop.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dbus/bus_fixture.h"
#include "dbus/control_service.h"

namespace xerod::testing {
namespace {

class XerodE2eTest : public ::testing::Test {
 protected:
  int Ctl(const std::string& args, std::string* out) { return RunCtl(dir_, args, out); }
  TempDir dir_;
};

TEST_F(XerodE2eTest, RealDaemonServesTheApi) {
  PrivateBus bus(dir_);
  ASSERT_FALSE(bus.address().empty());
  setenv("DBUS_SESSION_BUS_ADDRESS", bus.address().c_str(), 1);
  std::string config = dir_.File("xerod.yaml");
  WriteFile(config,
            "database: " + dir_.File("xerod.db") +
                "\ndbus: {bus: session}\nconnections: {acme: {revenue_account: \"200\"}}\n");
  std::string out;
  auto started = StartXerod(dir_, config, &out);
  ASSERT_TRUE(started) << out;
  Subprocess& xerod = *started;
  // No core dump can hold a secret: the running daemon's core limit is 0
  // (HardenProcess; the unit adds LimitCORE=0).
  std::string limits = ReadFile("/proc/" + std::to_string(xerod.pid()) + "/limits");
  EXPECT_NE(limits.find("Max core file size        0                    0"), std::string::npos)
      << limits;

  std::string doc = dir_.File("inv.json");
  WriteFile(doc, R"({"id":"inv-1","status":"sent","client":{"name":"Acme"},)"
                 R"("issue_date":"2026-11-02","currency":"NZD",)"
                 R"("lines":[{"description":"Work","quantity":1,"unit_price":0.1}]})");
  ASSERT_EQ(Ctl("--json invoice enqueue -c acme " + doc, &out), 0) << out;
  auto enq = nlohmann::json::parse(out);
  EXPECT_EQ(enq["results"][0]["outcome"], "created");
  // A name nobody added or configured: refused, nothing stored.
  EXPECT_EQ(Ctl("invoice enqueue -c nobody " + doc, &out), 1) << out;
  EXPECT_NE(out.find("connection 'nobody' is not known to xerod"), std::string::npos) << out;
  ASSERT_EQ(Ctl("--json status", &out), 0) << out;
  auto status = nlohmann::json::parse(out);
  EXPECT_EQ(status["job_counts"]["queued"].get<int>() + status["job_counts"]["running"].get<int>() +
                status["job_counts"]["retrying"].get<int>() +
                status["job_counts"]["succeeded"].get<int>() +
                status["job_counts"]["dead"].get<int>() +
                status["job_counts"]["unknown"].get<int>(),
            1);

  // A second xerod on the same state file refuses to start, before it touches
  // anything: the live daemon's jobs are as they were.
  Subprocess second({BinaryPath("xerod"), "--config", config}, {}, dir_.File("second.log"));
  EXPECT_EQ(second.Wait(std::chrono::seconds(10)), 1) << second.Output();
  EXPECT_NE(second.Output().find("another xerod (pid " + std::to_string(xerod.pid()) + ")"),
            std::string::npos)
      << second.Output();
  ASSERT_EQ(Ctl("--json status", &out), 0) << out;
  auto after = nlohmann::json::parse(out)["job_counts"];
  EXPECT_EQ(after["unknown"], 0) << out;  // what a recovery by the second would have made
  int jobs = 0;
  for (const auto& [state, n] : after.items()) jobs += n.get<int>();
  EXPECT_EQ(jobs, 1) << out;

  ASSERT_EQ(Ctl("--json reload", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["generation"], 2);
  WriteFile(config, "database: " + dir_.File("xerod.db") + "\ndbus: {bus: session}\nlog: 7\n");
  EXPECT_EQ(Ctl("reload", &out), 1) << out;
  EXPECT_NE(out.find("configuration not reloaded (1 error(s))"), std::string::npos) << out;
  EXPECT_NE(out.find("log"), std::string::npos) << out;

  xerod.Signal(SIGTERM);
  EXPECT_EQ(xerod.Wait(std::chrono::seconds(10)), 0) << xerod.Output();
  EXPECT_EQ(Ctl("status", &out), 3) << out;
}

}  // namespace
}  // namespace xerod::testing
