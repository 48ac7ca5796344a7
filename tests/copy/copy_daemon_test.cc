// SPDX-License-Identifier: MIT
// The real xerod copying into a real xero-sim, driven by xerod-ctl over a
// private session bus: what a user installs it for, and what happens when the
// process dies between sending an invoice and recording the answer.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "connection/xero_world.h"
#include "copy/copy_world.h"
#include "dbus/bus_fixture.h"
#include "dbus/test_client.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

std::vector<std::string> CaptureArgs() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string file = CaptureFile(std::string(info->test_suite_name()) + "." + info->name());
  if (file.empty()) return {};
  std::filesystem::remove(file);
  return {"--capture", file};
}

class CopyDaemonTest : public ::testing::Test {
 protected:
  CopyDaemonTest() : sim_(CaptureArgs()) {}

  void SetUp() override {
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty());
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
    world_ = std::make_unique<XeroWorld>(sim_.url(), dir_.File("world.db"));
    WriteFile(dir_.File("client-secret"), "xero-sim-secret\n", 0600);
    const std::string& sim = sim_.url();
    config_ = dir_.File("xerod.yaml");
    WriteFile(config_, "database: " + dir_.File("xerod.db") +
                           "\n"
                           "dbus: {bus: session}\n"
                           "xero:\n"
                           "  client_id: xero-sim-client\n"
                           "  client_secret_file: " +
                           dir_.File("client-secret") + "\n  authorize_url: " + sim +
                           "/connect/authorize\n  identity_url: " + sim + "\n  api_url: " + sim +
                           "\n  request_timeout: 2s\n"
                           "queue: {backoff_base: 200ms, backoff_cap: 1s}\n"
                           "connections:\n"
                           "  acme: {revenue_account: \"200\", payment_account: \"090\"}\n");
    tenant_ = world_->CreateOrg("Acme NZ");
    json grant = world_->CreateGrant({tenant_});
    WriteFile(dir_.File("refresh-token"), grant["refresh_token"].get<std::string>() + "\n", 0600);
  }
  void TearDown() override {
    client_.reset();
    if (xerod_ && xerod_->Running()) {
      xerod_->Signal(SIGTERM);
      EXPECT_EQ(xerod_->Wait(std::chrono::seconds(30)), 0) << xerod_->Output();
    }
  }

  void Start() {
    std::string why;
    xerod_ = StartXerod(dir_, config_, &why);
    ASSERT_TRUE(xerod_) << why;
    client_ = std::make_unique<TestClient>(sdbus::createSessionBusConnection());
  }
  json CtlJson(const std::string& args) {
    std::string out;
    EXPECT_EQ(RunCtl(dir_, "--json " + args, &out), 0) << args << "\n" << out;
    auto parsed = json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << args << "\n" << out;
    return parsed;
  }
  std::int64_t Enqueue(const std::string& kind, const json& doc) {
    std::string file = dir_.File(doc.value("id", "doc") + ".json");
    WriteFile(file, doc.dump());
    json r = CtlJson(kind + " enqueue -c acme " + file);
    return r["results"][0].value("job_id", std::int64_t{0});
  }
  json Job(std::int64_t id) { return CtlJson("job show " + std::to_string(id)); }
  bool WaitState(std::int64_t id, const std::string& state,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitFor([&] { return Job(id).value("state", "") == state; }, timeout);
  }
  std::vector<json> Invoices(const std::string& number) {
    std::vector<json> out;
    json all = world_->Admin(HttpMethod::kGet, "/_sim/orgs/" + tenant_ + "/invoices");
    for (const json& inv : all["Invoices"]) {
      if (inv.value("InvoiceNumber", "") == number) out.push_back(inv);
    }
    return out;
  }

  TempDir dir_;
  SimServer sim_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<XeroWorld> world_;
  std::string config_;
  std::string tenant_;
  std::unique_ptr<Subprocess> xerod_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(CopyDaemonTest, TheDaemonCopiesInvoicesAndPaymentsAndSaysSo) {
  ASSERT_NO_FATAL_FAILURE(Start());
  json added = CtlJson("connection add acme --tenant " + tenant_ + " --refresh-token-file " +
                       dir_.File("refresh-token"));
  ASSERT_EQ(added.value("state", ""), "active");
  auto inv = Enqueue("invoice", InvoiceDoc("1"));
  auto pay = Enqueue("payment", PaymentDoc("p1", "1", "1380.00"));
  ASSERT_TRUE(WaitState(inv, "succeeded"));
  ASSERT_TRUE(WaitState(pay, "succeeded"));
  json job = Job(inv);
  ASSERT_EQ(Invoices("INV-1").size(), 1u);
  EXPECT_EQ(job["xero_id"], Invoices("INV-1")[0]["InvoiceID"]);
  EXPECT_EQ(Invoices("INV-1")[0]["Status"], "PAID");
  // Subscribers learn what Xero gave back.
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("JobCopied",
                        {std::to_string(inv), "acme", "invoice", "1",
                         job["xero_id"].get<std::string>(), job["xero_link"].get<std::string>()});
  }));
  json status = CtlJson("status");
  EXPECT_EQ(status["copied"]["invoices"], 1);
  EXPECT_EQ(status["copied"]["payments"], 1);
  EXPECT_TRUE(status["sending"].contains("acme"));

  // A reload's connection settings apply to the next batch.
  std::string config = ReadFile(config_);
  const std::string from = "revenue_account: \"200\"";
  config.replace(config.find(from), from.size(), "revenue_account: \"260\"");
  WriteFile(config_, config);
  CtlJson("reload");
  auto next = Enqueue("invoice", InvoiceDoc("2"));
  ASSERT_TRUE(WaitState(next, "succeeded"));
  ASSERT_EQ(Invoices("INV-2").size(), 1u);
  EXPECT_EQ(Invoices("INV-2")[0]["LineItems"][0]["AccountCode"], "260");
}

TEST_F(CopyDaemonTest, KilledBetweenSendingAndRecordingTheInvoiceExistsOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  CtlJson("connection add acme --tenant " + tenant_ + " --refresh-token-file " +
          dir_.File("refresh-token"));
  // Xero creates the invoice at once, but its answer takes 10 s: xerod is
  // killed while the job is running, after Xero acted.
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/api.xro/2.0/Invoices"},
                 {"method", "PUT"},
                 {"after_processing", true},
                 {"delay_ms", 10000},
                 {"count", 1}});
  auto id = Enqueue("invoice", InvoiceDoc("1"));
  ASSERT_TRUE(WaitFor([&] { return Invoices("INV-1").size() == 1u; }, std::chrono::seconds(30)));
  EXPECT_EQ(Job(id)["state"], "running");
  xerod_->Signal(SIGKILL);
  xerod_->Wait(std::chrono::seconds(10));
  client_.reset();

  // The next start finds the job running, so its outcome is unknown: it is
  // looked up in Xero, found, and not sent again.
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(WaitState(id, "succeeded"));
  json job = Job(id);
  ASSERT_EQ(Invoices("INV-1").size(), 1u);
  EXPECT_EQ(job["xero_id"], Invoices("INV-1")[0]["InvoiceID"]);
  json attempts = job["attempts_log"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0]["outcome"], "interrupted");
  EXPECT_EQ(attempts[1]["reconcile"], true);
  EXPECT_EQ(attempts[1]["outcome"], "reconciled");
  json stats = world_->Admin(HttpMethod::kGet, "/_sim/stats")["tenants"][tenant_];
  EXPECT_EQ(stats["endpoints"]["PUT /api.xro/2.0/Invoices"], 1);
  EXPECT_EQ(stats["duplicate_numbers_attempted"], 0);
}

TEST_F(CopyDaemonTest, SigtermWaitsForTheBatchWithXeroAndRecordsIt) {
  ASSERT_NO_FATAL_FAILURE(Start());
  CtlJson("connection add acme --tenant " + tenant_ + " --refresh-token-file " +
          dir_.File("refresh-token"));
  // An answer that takes 1.5 s: SIGTERM arrives while the batch is with Xero.
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/api.xro/2.0/Invoices"},
                 {"method", "PUT"},
                 {"after_processing", true},
                 {"delay_ms", 1500},
                 {"count", 1}});
  auto id = Enqueue("invoice", InvoiceDoc("1"));
  ASSERT_TRUE(WaitFor([&] { return Invoices("INV-1").size() == 1u; }, std::chrono::seconds(30)));
  xerod_->Signal(SIGTERM);
  EXPECT_EQ(xerod_->Wait(std::chrono::seconds(30)), 0) << xerod_->Output();
  client_.reset();
  // Recorded before the process ended: succeeded, one attempt, nothing to look up.
  ASSERT_NO_FATAL_FAILURE(Start());
  json job = Job(id);
  EXPECT_EQ(job["state"], "succeeded");
  EXPECT_EQ(job["attempts_log"].size(), 1u);
}

}  // namespace
}  // namespace xerod::testing
