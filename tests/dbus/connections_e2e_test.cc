// SPDX-License-Identifier: MIT
//
// The connection methods end to end: a real xero-sim, a private session bus,
// the real xerod configured against the simulator, driven by the real
// xerod-ctl (--json parsed) and by the generated proxy (signals, properties,
// errors). The test plays the browser for the OAuth connect.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "connection/xero_world.h"
#include "dbus/bus_fixture.h"
#include "dbus/test_client.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

class ConnectionsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty());
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
    // The world gives the test an HTTP client (admin API, "browser") on its own loop.
    world_ = std::make_unique<XeroWorld>(sim_.url(), dir_.File("world.db"));
    redirect_uri_ = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/callback";
    WriteFile(dir_.File("client-secret"), "xero-sim-secret\n", 0600);
  }
  void TearDown() override {
    client_.reset();
    if (xerod_) {
      xerod_->Signal(SIGTERM);
      EXPECT_EQ(xerod_->Wait(std::chrono::seconds(20)), 0) << xerod_->Output();
    }
  }

  void StartXerod(const std::string& extra = "") {
    const std::string& sim = sim_.url();
    config_ = dir_.File("xerod.yaml");
    WriteFile(config_,
              "database: " + dir_.File("xerod.db") +
                  "\n"
                  "dbus: {bus: session}\n"
                  "xero:\n"
                  "  client_id: xero-sim-client\n"
                  "  client_secret_file: " +
                  dir_.File("client-secret") +
                  "\n"
                  "  redirect_uri: " +
                  redirect_uri_ +
                  "\n"
                  "  authorize_url: " +
                  sim + "/connect/authorize\n  identity_url: " + sim + "\n  api_url: " + sim +
                  "\n"
                  "connections:\n"
                  "  acme: {revenue_account: \"200\", payment_account: \"090\",\n"
                  "         tax_map: {\"GST on Income\": OUTPUT2}, notify: [a@acme.test]}\n" +
                  extra);
    std::string why;
    xerod_ = xerod::testing::StartXerod(dir_, config_, &why);
    ASSERT_TRUE(xerod_) << why;
    client_ = std::make_unique<TestClient>(sdbus::createSessionBusConnection());
  }

  int Ctl(const std::string& args, std::string* out) { return RunCtl(dir_, args, out); }
  json CtlJson(const std::string& args, int want_exit = 0) {
    std::string out;
    int code = Ctl("--json " + args, &out);
    EXPECT_EQ(code, want_exit) << args << "\n" << out;
    auto parsed = json::parse(out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << args << "\n" << out;
    return parsed;
  }
  static HttpRequest Get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
  }
  // The browser: the sim consents and redirects to xerod's redirect URI.
  std::string Consent(const std::string& authorize_url) {
    auto consent = world_->Fetch(Get(authorize_url));
    EXPECT_TRUE(consent && consent->status == 302) << (consent ? consent->body : "no answer");
    return consent ? std::string(consent->headers.Get("Location").value_or("")) : "";
  }
  bool SawSignal(const std::string& name, const std::vector<std::string>& args) {
    return WaitFor([&] { return client_->Saw(name, args); });
  }

  TempDir dir_;
  SimServer sim_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<XeroWorld> world_;
  std::string redirect_uri_;
  std::string config_;
  std::unique_ptr<Subprocess> xerod_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(ConnectionsE2eTest, AddShowCheckAndLoseAConnection) {
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  EXPECT_EQ(client_->ConnectionCount(), 0u);
  EXPECT_TRUE(CtlJson("connection list")["connections"].empty());

  std::string tenant = world_->CreateOrg("Acme Ltd");
  json grant = world_->CreateGrant({tenant});
  std::string token_file = dir_.File("refresh-token");
  WriteFile(token_file, grant["refresh_token"].get<std::string>() + "\n", 0644);
  std::string out;
  // A world-readable token file is refused before anything is sent.
  EXPECT_EQ(
      Ctl("connection add acme --tenant " + tenant + " --refresh-token-file " + token_file, &out),
      1);
  EXPECT_NE(out.find("chmod 600"), std::string::npos) << out;
  EXPECT_EQ(out.find(grant["refresh_token"].get<std::string>()), std::string::npos);
  ASSERT_EQ(chmod(token_file.c_str(), 0600), 0);
  // Usage errors exit 2.
  EXPECT_EQ(Ctl("connection add acme --tenant " + tenant, &out), 2) << out;

  json added =
      CtlJson("connection add acme --tenant " + tenant + " --refresh-token-file " + token_file);
  EXPECT_EQ(added["state"], "active");
  EXPECT_EQ(added["tenant_name"], "Acme Ltd");
  EXPECT_EQ(added["tenant_id"], tenant);
  EXPECT_EQ(added["kind"], "oauth");
  EXPECT_FALSE(added["parked"].get<bool>());
  EXPECT_TRUE(SawSignal("ConnectionStateChanged", {"acme", "active", "added"}));
  EXPECT_TRUE(SawSignal("PropertiesChanged", {"org.xerod.Xerod1.Manager", "ConnectionCount"}));
  EXPECT_EQ(client_->ConnectionCount(), 1u);
  // No secret leaves xerod.
  std::string dump;
  ASSERT_EQ(Ctl("--json connection list", &dump), 0);
  EXPECT_EQ(dump.find("refresh"), dump.find("refresh_at"));  // only last_refresh_at
  EXPECT_EQ(dump.find(grant["refresh_token"].get<std::string>()), std::string::npos);

  json list = CtlJson("connection list")["connections"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "acme");
  ASSERT_EQ(Ctl("connection list", &out), 0);
  EXPECT_NE(out.find("Acme Ltd"), std::string::npos) << out;
  EXPECT_NE(out.find("1 connection(s)."), std::string::npos) << out;

  json shown = CtlJson("connection show acme");
  EXPECT_EQ(shown["state"], "active");
  EXPECT_EQ(shown["settings"]["configured"], true);
  EXPECT_EQ(shown["settings"]["revenue_account"], "200");
  EXPECT_EQ(shown["settings"]["tax_map"]["GST on Income"], "OUTPUT2");
  ASSERT_FALSE(shown["history"].empty());
  EXPECT_EQ(shown["history"].back()["state"], "active");
  EXPECT_TRUE(shown.contains("job_counts"));
  ASSERT_EQ(Ctl("connection show nobody", &out), 1);
  EXPECT_NE(out.find("NotFound"), std::string::npos) << out;

  json settings = CtlJson("connection settings other");
  EXPECT_EQ(settings["configured"], false);
  EXPECT_EQ(settings["invoice_status"], "authorised");
  EXPECT_EQ(settings["copy_payments"], true);
  EXPECT_EQ(CtlJson("connection settings acme")["notify"], json::array({"a@acme.test"}));

  EXPECT_EQ(CtlJson("connection check acme")["state"], "active");

  // The user disconnects the app inside Xero: the check finds out, the jobs
  // of the connection are parked and clients are told.
  std::string doc = dir_.File("inv.json");
  WriteFile(doc, R"({"id":"inv-1","status":"sent","client":{"name":"Acme"},)"
                 R"("issue_date":"2026-11-02","currency":"NZD",)"
                 R"("lines":[{"description":"Work","quantity":1,"unit_price":10}]})");
  // Xero takes its time with the invoice, so it is still waiting (running)
  // when the status is read and when the organisation goes.
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/api.xro/2.0/Invoices"}, {"delay_ms", 5000}, {"count", 1}});
  ASSERT_EQ(Ctl("invoice enqueue -c acme " + doc, &out), 0) << out;
  // One active organisation: Xero allows 60 calls/min of 50 invoices.
  EXPECT_EQ(CtlJson("status")["send_allowance_per_minute"], 3000);
  json watch = CtlJson("watch --once");
  EXPECT_EQ(watch["allowance_per_minute"], 3000);
  EXPECT_EQ(watch["waiting"], 1);
  EXPECT_EQ(watch["eta_min_seconds"], 0);  // 1 invoice at 50/s
  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant + "/disconnect");
  json checked = CtlJson("connection check acme", 1);
  EXPECT_EQ(checked["state"], "disconnected");
  EXPECT_TRUE(SawSignal("ConnectionStateChanged", {"acme", "disconnected"}));
  ASSERT_TRUE(WaitFor([&] {
    json c = CtlJson("connection show acme");
    return c["parked"] == true;
  }));
  json status = CtlJson("status");
  EXPECT_EQ(status["holds"]["acme"]["parked"], true) << status.dump();
  EXPECT_EQ(status["send_allowance_per_minute"], 0);  // nothing may send
  ASSERT_EQ(Ctl("connection list", &out), 0);
  EXPECT_NE(out.find("disconnected"), std::string::npos) << out;
  EXPECT_NE(out.find("parked"), std::string::npos) << out;

  // Adding it again (the platform reconnected) releases the parked jobs.
  json again = world_->CreateGrant({tenant});
  WriteFile(token_file, again["refresh_token"].get<std::string>(), 0600);
  EXPECT_EQ(CtlJson("connection add acme --tenant " + tenant + " --refresh-token-file " +
                    token_file)["state"],
            "active");
  ASSERT_TRUE(WaitFor([&] { return CtlJson("connection show acme")["parked"] == false; }));
}

TEST_F(ConnectionsE2eTest, ConnectInABrowserPasteOrCancel) {
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string beta = world_->CreateOrg("Beta Ltd");
  std::string gamma = world_->CreateOrg("Gamma Ltd");

  // 1. xerod-ctl waits while xerod receives the browser's redirect itself.
  Subprocess connect({BinaryPath("xerod-ctl"), "--bus", "session", "--json", "connection",
                      "connect", "beta", "--tenant", beta, "--timeout", "60"},
                     {}, dir_.File("connect.out"));
  std::string url;
  ASSERT_TRUE(WaitFor([&] {
    std::string o = connect.Output();
    auto at = o.find("http");
    if (at == std::string::npos) return !connect.Running();
    url = o.substr(at, o.find('\n', at) - at);
    return true;
  })) << connect.Output();
  ASSERT_NE(url.find("code_challenge_method=S256"), std::string::npos) << connect.Output();
  std::string location = Consent(url);
  ASSERT_TRUE(location.starts_with(redirect_uri_)) << location;
  auto page = world_->Fetch(Get(location));
  ASSERT_TRUE(page && page->status == 200);
  ASSERT_EQ(connect.Wait(std::chrono::seconds(30)), 0) << connect.Output();
  std::string printed = connect.Output();
  json beta_conn = json::parse(printed.substr(printed.find('{')));
  EXPECT_EQ(beta_conn["state"], "active");
  EXPECT_EQ(beta_conn["tenant_name"], "Beta Ltd");
  EXPECT_TRUE(SawSignal("ConnectionStateChanged", {"beta", "active", "connected"}));
  // A finished connect still answers AwaitConnect for a while.
  EXPECT_EQ(client_->AwaitConnect("beta").at("tenant_id").get<std::string>(), beta);

  // 2. The browser is elsewhere: the redirected address is pasted.
  json begun = CtlJson("connection connect gamma --tenant " + gamma + " --no-wait");
  std::string gamma_location = Consent(begun["authorize_url"]);
  ASSERT_FALSE(gamma_location.empty());
  json gamma_conn = CtlJson("connection complete gamma '" + gamma_location + "'");
  EXPECT_EQ(gamma_conn["state"], "active");
  EXPECT_EQ(gamma_conn["tenant_name"], "Gamma Ltd");
  EXPECT_EQ(client_->ConnectionCount(), 2u);

  // 3. Errors: nothing pending, a forged state, a second connect, cancel.
  try {
    client_->AwaitConnect("nobody");
    ADD_FAILURE() << "AwaitConnect without a connect succeeded";
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getName(), "org.xerod.Xerod1.Error.NotFound");
  }
  std::map<std::string, sdbus::Variant> opts{{"listen", sdbus::Variant(false)}};
  client_->BeginConnect("delta", opts);
  try {
    client_->BeginConnect("delta", opts);
    ADD_FAILURE() << "a second connect for the same name started";
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getName(), "org.xerod.Xerod1.Error.FailedPrecondition");
  }
  std::string out;
  EXPECT_EQ(Ctl("connection complete delta 'code=abc&state=forged'", &out), 1);
  EXPECT_NE(out.find("state"), std::string::npos) << out;
  client_->BeginConnect("epsilon", opts);
  client_->CancelConnect("epsilon");
  try {
    client_->AwaitConnect("epsilon");
    ADD_FAILURE() << "a cancelled connect succeeded";
  } catch (const sdbus::Error& e) {
    EXPECT_NE(e.getMessage().find("cancelled"), std::string::npos) << e.getMessage();
  }
  try {
    std::map<std::string, sdbus::Variant> bad{{"timeout_sec", sdbus::Variant(std::string("x"))}};
    client_->BeginConnect("zeta", bad);
    ADD_FAILURE() << "a bad option was accepted";
  } catch (const sdbus::Error& e) {
    EXPECT_EQ(e.getName(), "org.xerod.Xerod1.Error.InvalidArgument");
    EXPECT_NE(e.getMessage().find("options.timeout_sec"), std::string::npos);
  }

  // 4. Disconnect: gone at Xero, kept (disconnected) in xerod.
  ASSERT_EQ(Ctl("connection disconnect beta", &out), 0) << out;
  EXPECT_NE(out.find("Connected apps"), std::string::npos) << out;
  EXPECT_TRUE(SawSignal("ConnectionStateChanged", {"beta", "disconnected"}));
  EXPECT_EQ(CtlJson("connection show beta")["state"], "disconnected");
  EXPECT_EQ(CtlJson("connection show gamma")["state"], "active");
}

TEST_F(ConnectionsE2eTest, EmailTestWithoutSmtpSaysWhatIsMissing) {
  ASSERT_NO_FATAL_FAILURE(StartXerod());
  std::string out;
  EXPECT_EQ(Ctl("email test ops@example.test", &out), 1);
  EXPECT_NE(out.find("smtp is not configured"), std::string::npos) << out;
  EXPECT_EQ(Ctl("email test 'bad address'", &out), 1);
  EXPECT_NE(out.find("InvalidArgument"), std::string::npos) << out;
}

}  // namespace
}  // namespace xerod::testing
