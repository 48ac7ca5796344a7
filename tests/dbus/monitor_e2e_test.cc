// SPDX-License-Identifier: MIT
//
// The monitor and the outbox end to end: a real xero-sim, the real xerod
// checking every second, a real SMTP server on loopback (smtp_sink.py), and
// the captured messages parsed by Python's email package.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "connection/xero_world.h"
#include "dbus/bus_fixture.h"
#include "mail/smtp_sink.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

class MonitorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty());
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
    world_ = std::make_unique<XeroWorld>(sim_.url(), dir_.File("world.db"));
    WriteFile(dir_.File("client-secret"), "xero-sim-secret\n", 0600);
    smtp_port_ = FreeLoopbackPort();
  }
  void TearDown() override { StopXerod(); }

  void StartSink() {
    sink_ = std::make_unique<SmtpSink>(std::vector<std::string>{}, smtp_port_);
    ASSERT_TRUE(sink_->ok()) << sink_->Output();
  }

  void StartXerod(const std::string& extra = "") {
    const std::string& sim = sim_.url();
    config_ = dir_.File("xerod.yaml");
    WriteFile(config_, "database: " + dir_.File("xerod.db") +
                           "\ndbus: {bus: session}\n"
                           "xero:\n"
                           "  client_id: xero-sim-client\n"
                           "  client_secret_file: " +
                           dir_.File("client-secret") + "\n  identity_url: " + sim +
                           "\n  api_url: " + sim +
                           "\n"
                           "monitor: {interval: 1s, failure_threshold: 2}\n"
                           "notify: {admins: [ops@xerod.test], repeat_interval: " +
                           repeat_ +
                           ", digest_window: 2s}\n"
                           "smtp: {url: \"smtp://127.0.0.1:" +
                           std::to_string(smtp_port_) +
                           "\", tls: none, from: \"xerod <xerod@xerod.test>\"}\n"
                           "connections:\n"
                           "  acme: {revenue_account: \"200\", notify: [a@acme.test]}\n" +
                           extra);
    std::string why;
    xerod_ = xerod::testing::StartXerod(dir_, config_, &why);
    ASSERT_TRUE(xerod_) << why;
  }
  void StopXerod() {
    if (!xerod_) return;
    xerod_->Signal(SIGTERM);
    EXPECT_EQ(xerod_->Wait(std::chrono::seconds(20)), 0) << xerod_->Output();
    xerod_.reset();
  }

  int Ctl(const std::string& args, std::string* out) { return RunCtl(dir_, args, out); }
  json CtlJson(const std::string& args) {
    std::string out;
    Ctl("--json " + args, &out);
    auto parsed = json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << args << "\n" << out;
    return parsed;
  }

  // Adds connection `name` for organisation `tenant` with a new grant; gives the grant.
  json Add(const std::string& name, const std::string& tenant) {
    json grant = world_->CreateGrant({tenant});
    std::string file = dir_.File(name + "-token");
    WriteFile(file, grant["refresh_token"].get<std::string>(), 0600);
    std::string out;
    EXPECT_EQ(
        Ctl("connection add " + name + " --tenant " + tenant + " --refresh-token-file " + file,
            &out),
        0)
        << out;
    return grant;
  }
  std::string State(const std::string& name) {
    return CtlJson("connection show " + name).value("state", "");
  }
  // Messages the sink holds whose subject contains `what`.
  std::vector<json> Mails(const std::string& what) {
    std::vector<json> out;
    for (int i = 1; i <= sink_->Count(); ++i) {
      json m = sink_->Message(i);
      if (m["subject"].get<std::string>().find(what) != std::string::npos) out.push_back(m);
    }
    return out;
  }
  // Waits until the monitor has made `n` more GET /connections calls.
  bool WaitForChecks(int n) {
    auto calls = [&] {
      json stats = world_->Admin(HttpMethod::kGet, "/_sim/stats");
      return static_cast<int>(stats["endpoints"].value("GET /connections", 0L));
    };
    int start = calls();
    return WaitFor([&] { return calls() >= start + n; }, std::chrono::seconds(30));
  }
  std::string Header(const json& m, const std::string& name) {
    for (const auto& h : m["headers"]) {
      if (h[0].get<std::string>() == name) return h[1];
    }
    return "";
  }
  void ExpectWellFormed(const json& m) {
    EXPECT_FALSE(Header(m, "Date").empty()) << m.dump();
    EXPECT_FALSE(Header(m, "Message-ID").empty()) << m.dump();
    EXPECT_EQ(Header(m, "Auto-Submitted"), "auto-generated");
    EXPECT_TRUE(m["defects"].empty()) << m["defects"].dump();
    ASSERT_TRUE(m["html"].is_string()) << m.dump();
    EXPECT_NE(m["html"].get<std::string>().find("<"), std::string::npos);
    EXPECT_FALSE(m["body"].get<std::string>().empty());
  }

  TempDir dir_;
  SimServer sim_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<XeroWorld> world_;
  std::unique_ptr<SmtpSink> sink_;
  int smtp_port_ = 0;
  std::string repeat_ = "1h";  // notify.repeat_interval
  std::string config_;
  std::unique_ptr<Subprocess> xerod_;
};

TEST_F(MonitorE2eTest, DisconnectedInXeroThenReconnectedThere) {
  ASSERT_NO_FATAL_FAILURE(StartSink());
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string tenant = world_->CreateOrg("Acme Ltd");
  json grant = Add("acme", tenant);
  ASSERT_EQ(State("acme"), "active");

  // The user disconnects the app inside Xero: the next check finds out.
  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant + "/disconnect");
  ASSERT_TRUE(WaitFor([&] { return State("acme") == "disconnected"; }, std::chrono::seconds(20)));
  ASSERT_TRUE(WaitFor([&] { return CtlJson("connection show acme")["parked"] == true; }));
  // An invoice enqueued now waits (parked: no attempt is used).
  std::string doc = dir_.File("inv.json");
  WriteFile(doc, R"({"id":"inv-1","number":"INV-1","status":"sent","client":{"name":"Acme"},)"
                 R"("issue_date":"2026-11-02","currency":"NZD",)"
                 R"("lines":[{"description":"Work","quantity":1,"unit_price":10}]})");
  std::string out;
  ASSERT_EQ(Ctl("invoice enqueue -c acme " + doc, &out), 0) << out;
  ASSERT_TRUE(sink_->WaitForMessages(1, std::chrono::seconds(20)));
  // Checks go on; nobody is told twice.
  ASSERT_TRUE(WaitForChecks(3));
  auto lost = Mails("lost");
  ASSERT_EQ(lost.size(), 1u) << sink_->Count();
  EXPECT_EQ(sink_->Count(), 1);
  const json& m = lost[0];
  ExpectWellFormed(m);
  EXPECT_EQ(std::set<std::string>(m["rcpt_tos"].begin(), m["rcpt_tos"].end()),
            (std::set<std::string>{"a@acme.test", "ops@xerod.test"}));
  EXPECT_NE(m["subject"].get<std::string>().find("Acme Ltd"), std::string::npos);
  const std::string body = m["body"];
  EXPECT_NE(body.find("acme"), std::string::npos) << body;
  EXPECT_NE(body.find("connection connect acme"), std::string::npos) << body;
  EXPECT_NE(body.find("Connected apps"), std::string::npos) << body;  // the full-disconnect advice
  json job = CtlJson("job list --connection acme")["jobs"][0];
  EXPECT_EQ(job["state"], "queued");
  EXPECT_EQ(job["attempts"], 0);

  // The user connects the organisation again inside Xero: revived, restored, sent.
  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant + "/reconnect",
                {{"grant_id", grant["grant_id"]}});
  ASSERT_TRUE(WaitFor([&] { return State("acme") == "active"; }, std::chrono::seconds(20)));
  ASSERT_TRUE(WaitFor(
      [&] { return CtlJson("job list --connection acme")["jobs"][0]["state"] == "succeeded"; },
      std::chrono::seconds(30)));
  ASSERT_TRUE(sink_->WaitForMessages(2, std::chrono::seconds(20)));
  auto restored = Mails("restored");
  ASSERT_EQ(restored.size(), 1u);
  ExpectWellFormed(restored[0]);
  EXPECT_NE(restored[0]["body"].get<std::string>().find("1"), std::string::npos);
  // The outbox says both were sent.
  json all = CtlJson("notification list");
  json list = all["notifications"];
  ASSERT_EQ(list.size(), 2u) << all.dump();
  for (const auto& n : list) EXPECT_EQ(n["state"], "sent") << n.dump();
  EXPECT_EQ(list[0]["kind"], "restored");
  EXPECT_EQ(list[1]["kind"], "lost");
}

TEST_F(MonitorE2eTest, AnExpiredGrantIsToldAsExpired) {
  ASSERT_NO_FATAL_FAILURE(StartSink());
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string tenant = world_->CreateOrg("Acme Ltd");
  json grant = Add("acme", tenant);
  // A second, healthy connection: its checks show the monitor going on.
  Add("beta", world_->CreateOrg("Beta Ltd"));
  // The refresh token dies (60 days unused, say) and the access token in hand
  // runs out: the next check must refresh and learns the grant is gone.
  world_->Admin(HttpMethod::kPost,
                "/_sim/grants/" + grant["grant_id"].get<std::string>() + "/expire");
  world_->Admin(HttpMethod::kPost, "/_sim/clock", {{"advance_seconds", 31 * 60}});
  ASSERT_TRUE(WaitFor([&] { return State("acme") == "expired"; }, std::chrono::seconds(20)));
  ASSERT_TRUE(sink_->WaitForMessages(1, std::chrono::seconds(20)));
  ASSERT_TRUE(WaitForChecks(2));
  EXPECT_EQ(sink_->Count(), 1);
  json m = sink_->Message(1);
  ExpectWellFormed(m);
  EXPECT_NE(m["subject"].get<std::string>().find("lost"), std::string::npos) << m["subject"];
  EXPECT_NE(m["body"].get<std::string>().find("60 days"), std::string::npos) << m["body"];
}

TEST_F(MonitorE2eTest, RemindersComeEveryRepeatIntervalWhileBroken) {
  repeat_ = "2s";
  ASSERT_NO_FATAL_FAILURE(StartSink());
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string tenant = world_->CreateOrg("Acme Ltd");
  Add("acme", tenant);
  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant + "/disconnect");
  ASSERT_TRUE(WaitFor([&] { return Mails("still broken").size() >= 2; }, std::chrono::seconds(30)))
      << sink_->Count();
  auto lost = Mails("lost");
  EXPECT_EQ(lost.size(), 1u);
  for (const auto& m : Mails("still broken")) ExpectWellFormed(m);
  // One reminder per 2 s period, not one per check (a check runs every second).
  json list = CtlJson("notification list")["notifications"];  // newest first
  ASSERT_GE(list.size(), 3u);
  std::int64_t first = list.back()["created_at_ms"], last = list.front()["created_at_ms"];
  std::int64_t reminders = 0;
  for (const auto& n : list) reminders += n["kind"] == "reminder" ? 1 : 0;
  EXPECT_LE(reminders, (last - first) / 2000 + 1) << list.dump();
  std::set<std::string> ids;
  for (const auto& n : list) ids.insert(n["message_id"].get<std::string>());
  EXPECT_EQ(ids.size(), list.size());
}

TEST_F(MonitorE2eTest, FiveHundredFailedCopiesInOneWindowAreOneDigest) {
  ASSERT_NO_FATAL_FAILURE(StartSink());
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string tenant = world_->CreateOrg("Acme Ltd");
  Add("acme", tenant);
  // 500 invoices in a currency the organisation does not have: each is
  // refused before any call and dies at once.
  std::string docs;
  for (int i = 0; i < 500; ++i) {
    docs += json{{"id", "bad-" + std::to_string(i)},
                 {"number", "INV-" + std::to_string(i)},
                 {"status", "sent"},
                 {"client", {{"name", "Client <" + std::to_string(i % 7) + ">"}}},
                 {"issue_date", "2026-11-02"},
                 {"currency", "XAU"},
                 {"lines", {{{"description", "Work"}, {"quantity", 1}, {"unit_price", 10}}}}}
                .dump() +
            "\n";
  }
  WriteFile(dir_.File("bad.ndjson"), docs);
  std::string out;
  ASSERT_EQ(Ctl("invoice enqueue -c acme " + dir_.File("bad.ndjson"), &out), 0) << out;
  ASSERT_TRUE(WaitFor([&] { return CtlJson("status")["job_counts"].value("dead", 0) == 500; },
                      std::chrono::seconds(60)));
  ASSERT_TRUE(sink_->WaitForMessages(1, std::chrono::seconds(20)));
  // The window closed once; nothing else comes.
  ASSERT_TRUE(WaitForChecks(3));
  ASSERT_EQ(sink_->Count(), 1);
  json m = sink_->Message(1);
  ExpectWellFormed(m);
  EXPECT_NE(m["subject"].get<std::string>().find("500 invoices"), std::string::npos)
      << m["subject"];
  const std::string body = m["body"];
  EXPECT_NE(body.find("INV-0"), std::string::npos);
  EXPECT_NE(body.find("XAU"), std::string::npos) << body.substr(0, 2000);
  EXPECT_NE(body.find("300 more"), std::string::npos);  // 200 listed
  // Client names are escaped in the HTML part.
  EXPECT_NE(m["html"].get<std::string>().find("Client &lt;3&gt;"), std::string::npos);
  EXPECT_EQ(m["body"].get<std::string>().find("Client &lt;"), std::string::npos);
}

TEST_F(MonitorE2eTest, WhatWasQueuedWhileTheRelayWasDownIsSentOnceAfterARestart) {
  // No SMTP server yet.
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string tenant = world_->CreateOrg("Acme Ltd");
  Add("acme", tenant);
  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant + "/disconnect");
  ASSERT_TRUE(WaitFor([&] {
    json list = CtlJson("notification list")["notifications"];
    return !list.empty() && list[0]["attempts"].get<int>() >= 1;
  }));
  json queued = CtlJson("notification list --state queued")["notifications"];
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_NE(queued[0]["last_error"].get<std::string>().find("smtp"), std::string::npos)
      << queued[0].dump();
  std::string out;
  ASSERT_EQ(Ctl("notification list", &out), 0);
  EXPECT_NE(out.find("queued"), std::string::npos) << out;
  StopXerod();
  // The relay comes back; so does xerod.
  ASSERT_NO_FATAL_FAILURE(StartSink());
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  ASSERT_TRUE(sink_->WaitForMessages(1, std::chrono::seconds(30)));
  ASSERT_TRUE(WaitFor([&] {
    json list = CtlJson("notification list")["notifications"];
    return list.size() == 1 && list[0]["state"] == "sent";
  }));
  ASSERT_TRUE(WaitForChecks(3));
  EXPECT_EQ(sink_->Count(), 1);
  EXPECT_EQ(sink_->Message(1)["headers"].dump().find(queued[0]["message_id"].get<std::string>()) !=
                std::string::npos,
            true);
}

TEST_F(MonitorE2eTest, KilledAtRandomWhileSendingNoNotificationIsLost) {
  ASSERT_NO_FATAL_FAILURE(StartSink());
  std::string extra;
  constexpr int kConnections = 12;
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::vector<std::string> tenants;
  for (int i = 0; i < kConnections; ++i) {
    tenants.push_back(world_->CreateOrg("Org " + std::to_string(i)));
    Add("c" + std::to_string(i), tenants.back());
  }
  // Every organisation goes at once: 12 "lost" notifications to write and send.
  for (const auto& t : tenants) world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + t + "/disconnect");
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int round = 0; round < 4; ++round) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 1500)(rng)));
    xerod_->Signal(SIGKILL);
    xerod_->Wait(std::chrono::seconds(10));
    xerod_.reset();
    ++kills;
    ASSERT_NO_FATAL_FAILURE(StartXerod());
  }
  // Every connection's loss is told, each at least once; a kill may repeat the
  // one message the relay had accepted when it struck.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::set<std::string> told;
        for (const auto& m : Mails("lost")) told.insert(m["subject"].get<std::string>());
        return told.size() == static_cast<std::size_t>(kConnections);
      },
      std::chrono::seconds(60)))
      << sink_->Count() << " message(s)";
  ASSERT_TRUE(WaitFor([&] {
    json all = CtlJson("notification list");  // a range-for over a temporary's member dangles
    for (const auto& n : all["notifications"]) {
      if (n["state"] != "sent") return false;
    }
    return true;
  }));
  EXPECT_LE(sink_->Count(), kConnections + kills);
  EXPECT_EQ(CtlJson("notification list")["notifications"].size(),
            static_cast<std::size_t>(kConnections));
}

}  // namespace
}  // namespace xerod::testing
