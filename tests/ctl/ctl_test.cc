// SPDX-License-Identifier: MIT
//
// xerod-ctl end to end: the real binary against the service (in-process, real
// queue) on a private session bus; --json output parsed and checked.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ctl/input.h"
#include "dbus/bus_fixture.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

TEST(CtlInputTest, SplitsObjectArrayAndNdjsonKeepingNumberText) {
  auto one = ctl::SplitInput("a.json", R"({"id":"x","amount":0.10})");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].origin, "a.json");
  auto array = ctl::SplitInput("b.json", R"([{"amount":0.10}, {"amount":1e2}])");
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(array[0].text, R"({"amount":0.10})");
  EXPECT_EQ(array[1].origin, "b.json[1]");
  EXPECT_EQ(array[1].text, R"({"amount":1e2})");
  auto nd = ctl::SplitInput("c.ndjson", "{\"a\":1}\n\n{\"b\":2}\nnot json\n");
  ASSERT_EQ(nd.size(), 3u);
  EXPECT_EQ(nd[1].origin, "c.ndjson:3");
  EXPECT_EQ(nd[2].text, "not json");
  EXPECT_TRUE(ctl::SplitInput("d", " \n").empty());
}

std::string Invoice(const std::string& id) {
  return json{{"id", id},
              {"status", "sent"},
              {"client", {{"name", "Acme"}}},
              {"issue_date", "2026-11-02"},
              {"currency", "NZD"},
              {"lines", {{{"description", "Work"}, {"quantity", 2}, {"unit_price", "10.50"}}}}}
      .dump();
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty());
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
  }
  void StartService() {
    service_ = std::make_unique<InProcessService>(dir_, BusKind::kSession);
    ASSERT_EQ(service_->start_error(), "");
  }
  void TearDown() override {
    service_.reset();
    bus_.reset();
  }

  // Runs xerod-ctl --bus session ARGS; returns the exit code, stdout in *out,
  // stderr in *err.
  int Ctl(const std::string& args, std::string* out, std::string* err = nullptr,
          const std::string& stdin_file = "") {
    std::string o = dir_.File("out.txt"), e = dir_.File("err.txt");
    std::string cmd = BinaryPath("xerod-ctl") + " --bus session " + args + " > " + o + " 2> " + e +
                      (stdin_file.empty() ? "" : " < " + stdin_file);
    int status = std::system(cmd.c_str());
    *out = ReadFile(o);
    if (err) *err = ReadFile(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  json CtlJson(const std::string& args) {
    std::string out, err;
    int code = Ctl("--json " + args, &out, &err);
    EXPECT_EQ(code, 0) << args << "\n" << out << err;
    auto parsed = json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << out;
    return parsed;
  }

  TempDir dir_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<InProcessService> service_;
};

TEST_F(CtlTest, NotRunningIsExit3WithAClearMessage) {
  std::string out, err;
  EXPECT_EQ(Ctl("status", &out, &err), 3);
  EXPECT_NE(err.find("xerod is not running"), std::string::npos) << err;
}

TEST_F(CtlTest, UsageErrorsAreExit2) {
  std::string out, err;
  EXPECT_EQ(Ctl("frobnicate", &out, &err), 2);
  EXPECT_EQ(Ctl("invoice enqueue x.json", &out, &err), 2);  // --connection missing
  EXPECT_EQ(Ctl("job retry", &out, &err), 2);
  EXPECT_EQ(Ctl("--bus nowhere status", &out, &err), 2);
}

TEST_F(CtlTest, EnqueueListShowCancelRetryPauseReloadWatch) {
  StartService();
  std::string ndjson = dir_.File("invoices.ndjson");
  WriteFile(ndjson, Invoice("inv-1") + "\n" + Invoice("inv-2") + "\n" +
                        R"({"id":"inv-3","status":"maybe"})" + "\n");
  std::string out, err;
  EXPECT_EQ(Ctl("invoice enqueue --connection acme --batch 2 " + ndjson, &out, &err), 1);
  EXPECT_NE(err.find("invoices.ndjson:3: inv-3: "), std::string::npos) << err;
  EXPECT_NE(out.find("3 invoice document(s): 2 created, 1 invalid"), std::string::npos) << out;

  std::string array = dir_.File("batch.json");
  WriteFile(array, "[" + Invoice("inv-1") + "," + Invoice("inv-4") + "]");
  json enq = CtlJson("invoice enqueue -c acme " + array);
  ASSERT_EQ(enq["results"].size(), 2u);
  EXPECT_EQ(enq["results"][0]["outcome"], "unchanged");
  EXPECT_EQ(enq["results"][1]["origin"], array + "[1]");
  EXPECT_EQ(enq["totals"]["created"], 1);

  // stdin
  std::string pay = dir_.File("pay.json");
  WriteFile(pay, R"({"id":"pay-1","invoice_id":"inv-1","amount":"5","date":"2026-11-20"})");
  EXPECT_EQ(Ctl("payment enqueue -c acme -", &out, &err, pay), 0) << err;

  json list = CtlJson("job list --connection acme --kind invoice --limit 2");
  ASSERT_EQ(list["jobs"].size(), 2u);
  EXPECT_EQ(list["jobs"][0]["source_id"], "inv-1");
  EXPECT_EQ(list["jobs"][0]["state"], "queued");
  ASSERT_TRUE(list.contains("next_after"));
  json page2 = CtlJson("job list --connection acme --kind invoice --after " +
                       std::to_string(list["next_after"].get<std::int64_t>()));
  ASSERT_EQ(page2["jobs"].size(), 1u);
  EXPECT_EQ(page2["jobs"][0]["source_id"], "inv-4");
  EXPECT_EQ(Ctl("job list", &out), 0);
  EXPECT_NE(out.find("ID  CONNECTION  KIND"), std::string::npos) << out;
  EXPECT_NE(out.find("4 job(s)."), std::string::npos) << out;

  std::int64_t id = list["jobs"][0]["id"];
  json shown = CtlJson("job show " + std::to_string(id));
  EXPECT_NE(shown["payload"].get<std::string>().find(R"("quantity":"2","unit_price":"10.5")"),
            std::string::npos);
  EXPECT_TRUE(shown["attempts_log"].is_array());

  EXPECT_EQ(Ctl("job retry " + std::to_string(id), &out, &err), 1);
  EXPECT_NE(err.find("FailedPrecondition"), std::string::npos) << err;
  EXPECT_EQ(Ctl("job show 999999", &out, &err), 1);
  EXPECT_NE(err.find("NotFound"), std::string::npos) << err;
  EXPECT_EQ(Ctl("job cancel " + std::to_string(id), &out, &err), 0) << err;
  EXPECT_EQ(CtlJson("job list --state cancelled")["jobs"].size(), 1u);
  EXPECT_EQ(CtlJson("job retry --all-failed --connection acme")["retried"], 0);

  EXPECT_EQ(Ctl("pause acme", &out, &err), 0) << err;
  EXPECT_EQ(Ctl("pause", &out, &err), 0) << err;
  json status = CtlJson("status");
  EXPECT_EQ(status["paused"], true);
  EXPECT_EQ(status["holds"]["acme"]["paused"], true);
  EXPECT_EQ(status["job_counts"]["queued"], 3);
  EXPECT_EQ(status["job_counts"]["cancelled"], 1);
  EXPECT_EQ(Ctl("resume", &out, &err), 0);
  EXPECT_EQ(CtlJson("status")["paused"], false);
  EXPECT_EQ(Ctl("status", &out), 0);
  EXPECT_NE(out.find("queue: running"), std::string::npos) << out;

  EXPECT_EQ(CtlJson("reload")["generation"], 2);
  service_->SetReloadErrors({"xerod.yaml:1:1: log.level: unknown level (got loud)"});
  EXPECT_EQ(Ctl("reload", &out, &err), 1);
  EXPECT_NE(err.find("log.level: unknown level (got loud)"), std::string::npos) << err;

  json watch = CtlJson("watch --once");
  EXPECT_EQ(watch["waiting"], 3);
  EXPECT_EQ(watch["sent"], 0);
  EXPECT_EQ(Ctl("watch --count 2 --interval 0.1", &out), 0);
  EXPECT_NE(out.find("sent 0  waiting 3  failed 0  rate 0.0/s  ETA -"), std::string::npos) << out;
}

TEST_F(CtlTest, StatusAndJobShowSayWhatTheCopyPipelineDid) {
  StartService();
  dbus::SendState state;
  state.allowance_per_minute = 3000;
  dbus::SendState::Connection acme;
  acme.tenant_id = "t-1";
  acme.may_send = true;
  acme.allowance.minute_remaining = 58;
  acme.allowance.day_remaining = 4990;
  acme.allowance.in_flight = 1;
  acme.allowance.calls_per_minute = 60;
  state.connections["acme"] = acme;
  state.copy.invoices_copied = 7;
  state.copy.payments_copied = 2;
  state.copy.refused = 1;
  service_->SetSendState(state);
  std::string out, err;
  ASSERT_EQ(Ctl("status", &out), 0);
  EXPECT_NE(out.find("copied since start: 7 invoice(s), 2 payment(s), 1 refused"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Xero's limits allow now: 3000 document(s) per minute"), std::string::npos)
      << out;
  EXPECT_NE(out.find("acme        yes    58                4990"), std::string::npos) << out;
  json status = CtlJson("status");
  EXPECT_EQ(status["sending"]["acme"]["day_remaining"], 4990);
  EXPECT_EQ(status["copied"]["invoices"], 7);

  // A job copied into Xero, as the copy pipeline records it.
  std::string doc = dir_.File("inv.json");
  WriteFile(doc, Invoice("inv-1"));
  ASSERT_EQ(Ctl("invoice enqueue -c acme " + doc, &out, &err), 0) << err;
  auto claimed = service_->queue().Claim("acme", 10);
  ASSERT_TRUE(claimed && claimed->jobs.size() == 1u);
  JobOutcome copied = JobOutcome::Succeeded(claimed->jobs[0].id, "X-42",
                                            "https://go.xero.com/app/!aB3dE/invoicing/view/X-42");
  copied.request_id = "corr-123";
  copied.http_status = 200;
  ASSERT_TRUE(service_->queue().Complete({copied}));
  ASSERT_EQ(Ctl("job show " + std::to_string(claimed->jobs[0].id), &out, &err), 0) << err;
  EXPECT_NE(out.find("Xero InvoiceID:    X-42"), std::string::npos) << out;
  EXPECT_NE(out.find("View on Xero:      https://go.xero.com/app/!aB3dE/invoicing/view/X-42"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("XERO CORRELATION ID"), std::string::npos) << out;
  EXPECT_NE(out.find("succeeded  200   corr-123"), std::string::npos) << out;
  // Nothing waits any more: --until-done returns after one update.
  ASSERT_EQ(Ctl("watch --until-done --interval 0.05", &out), 0);
  EXPECT_NE(out.find("sent 1  waiting 0  failed 0"), std::string::npos) << out;
}

}  // namespace
}  // namespace xerod::testing
