// SPDX-License-Identifier: MIT
// The admin API (/_sim/...), faults, TLS and --state, through a real xero-sim.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "sim/admin.h"
#include "sim/sim_harness.h"

namespace xero_sim::testing {
namespace {

using nlohmann::json;
using xerod::testing::TempDir;

class AdminE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant_ = sim_.CreateOrg("Faulty Ltd");
    token_ = sim_.CreateGrant({tenant_})["access_token"];
  }
  std::optional<HttpResult> Get(const std::string& path) {
    return client_.TryRequest("GET", path, "", ApiHeaders(token_, tenant_));
  }
  void Fault(const json& fault) {
    HttpResult r = client_.Json("POST", "/_sim/faults", fault);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  SimProcess sim_;
  TestClient client_ = sim_.Client();
  std::string tenant_;
  std::string token_;
};

TEST_F(AdminE2E, StatusFaultHitsCountTimesThenStops) {
  Fault({{"path", "/api.xro/2.0/*"}, {"method", "GET"}, {"status", 503}, {"count", 2}});
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->status, 503);
  auto second = Get("/api.xro/2.0/Contacts");
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(second->body, "Service Unavailable");
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->status, 200);
  EXPECT_EQ(client_.Request("GET", "/_sim/faults").Json()["faults"].size(), 0u);
}

TEST_F(AdminE2E, FaultWithBodyMethodFilterAndPrefix) {
  Fault({{"path", "/connect/token"},
         {"method", "POST"},
         {"status", 500},
         {"body", {{"error", "server_error"}}}});
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->status, 200);  // other path untouched
  HttpResult r = TokenRequest(client_, "grant_type=refresh_token&refresh_token=x");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.Json()["error"], "server_error");
}

TEST_F(AdminE2E, DelayFaultHoldsTheResponse) {
  Fault({{"path", "/api.xro/2.0/Organisation"}, {"delay_ms", 300}});
  auto start = std::chrono::steady_clock::now();
  auto r = Get("/api.xro/2.0/Organisation");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
}

TEST_F(AdminE2E, DropFaultClosesTheConnectionWithoutAResponse) {
  Fault({{"path", "/api.xro/2.0/Invoices"}, {"drop", true}, {"count", 1}});
  EXPECT_FALSE(Get("/api.xro/2.0/Invoices").has_value());
  auto after = Get("/api.xro/2.0/Invoices");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 200);
}

TEST_F(AdminE2E, EveryOrganisationHasItsOwnShortCode) {
  std::vector<std::string> tenants = {tenant_};
  for (int i = 0; i < 5; ++i) tenants.push_back(sim_.CreateOrg("Org " + std::to_string(i)));
  std::string token = sim_.CreateGrant(tenants)["access_token"];
  std::set<std::string> codes;
  for (const auto& t : tenants) {
    auto r = client_.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(token, t));
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.Json()["Organisations"][0];
    EXPECT_EQ(o["OrganisationID"], t);
    codes.insert(o["ShortCode"].get<std::string>());
  }
  EXPECT_EQ(codes.size(), tenants.size());
}

TEST_F(AdminE2E, BadAdminRequestsAreRefused) {
  EXPECT_EQ(client_.Json("POST", "/_sim/faults", {{"path", "/x"}}).status, 400);
  EXPECT_EQ(client_.Request("POST", "/_sim/limits", "{not json").status, 400);
  EXPECT_EQ(client_.Json("POST", "/_sim/grants", {{"tenant_ids", {"nope"}}}).status, 404);
  EXPECT_EQ(client_.Request("POST", "/_sim/save").status, 409);  // no --state
  EXPECT_EQ(client_.Request("GET", "/_sim/nothing").status, 404);
}

TEST_F(AdminE2E, StatsCountCallsPerTenantAndEndpoint) {
  Get("/api.xro/2.0/Organisation");
  Get("/api.xro/2.0/Organisation");
  Get("/api.xro/2.0/Contacts");
  json stats = sim_.Stats();
  EXPECT_EQ(stats["calls"], 3);
  EXPECT_EQ(stats["endpoints"]["GET /api.xro/2.0/Organisation"], 2);
  EXPECT_EQ(stats["tenants"][tenant_]["endpoints"]["GET /api.xro/2.0/Contacts"], 1);
  EXPECT_EQ(stats["tenants"][tenant_]["name"], "Faulty Ltd");
}

TEST_F(AdminE2E, ClockCanBeSetAndAdvanced) {
  HttpResult set = client_.Json("POST", "/_sim/clock", {{"now", "2030-01-01T00:00:00Z"}});
  ASSERT_EQ(set.status, 200);
  EXPECT_TRUE(set.Json()["now"].get<std::string>().starts_with("2030-01-01T00:00"));
  HttpResult adv = client_.Json("POST", "/_sim/clock", {{"advance_seconds", 86400}});
  EXPECT_TRUE(adv.Json()["now"].get<std::string>().starts_with("2030-01-02T00:00"));
}

TEST_F(AdminE2E, KeepAliveServesManyRequestsOnOneConnection) {
  std::vector<int> statuses = client_.KeepAlive("/_sim/limits", 50);
  EXPECT_EQ(statuses, std::vector<int>(50, 200));
}

TEST_F(AdminE2E, ResetForgetsEverything) {
  ASSERT_EQ(client_.Request("POST", "/_sim/reset").status, 200);
  EXPECT_EQ(client_.Request("GET", "/_sim/orgs").body, "[]");
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->status, 401);  // old signing key is gone
}

// Runs a shell command, failing the test if it does not succeed.
void Shell(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " >/dev/null 2>&1").c_str()), 0) << cmd;
}

TEST(TlsE2E, ServesHttpsVerifiedAgainstAGeneratedCa) {
  TempDir dir;
  std::string d = dir.path().string();
  Shell("cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        " -keyout ca.key -out ca.pem -days 2 -subj '/CN=xero-sim test CA'");
  Shell("cd " + d +
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        " -keyout server.key -out server.csr -subj '/CN=127.0.0.1'");
  xerod::testing::WriteFile(
      dir.File("ext.cnf"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
  Shell("cd " + d +
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key"
        " -CAcreateserial -out server.pem -days 2 -extfile ext.cnf");
  Shell("cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        " -keyout other.key -out other.pem -days 2 -subj '/CN=other CA'");
  SimProcess sim({"--tls-cert", dir.File("server.pem"), "--tls-key", dir.File("server.key")});
  EXPECT_EQ(sim.first_line(), "listening on https://127.0.0.1:" + std::to_string(sim.port()));
  TestClient good("127.0.0.1", sim.port(), dir.File("ca.pem"));
  auto r = good.TryRequest("GET", "/_sim/limits");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  TestClient wrong_ca("127.0.0.1", sim.port(), dir.File("other.pem"));
  EXPECT_FALSE(wrong_ca.TryRequest("GET", "/_sim/limits").has_value());
  TestClient wrong_name("127.0.0.1", sim.port(), dir.File("ca.pem"), "api.xero.com");
  EXPECT_FALSE(wrong_name.TryRequest("GET", "/_sim/limits").has_value());
  // And with curl, as an independent client.
  Shell("curl -sf --cacert " + dir.File("ca.pem") +
        " https://127.0.0.1:" + std::to_string(sim.port()) + "/_sim/stats");
}

TEST(StateE2E, SavedOnSigtermAndLoadedAtStart) {
  TempDir dir;
  std::string file = dir.File("state.json");
  std::string tenant, refresh, access, short_code;
  {
    SimProcess sim({"--state", file});
    TestClient c = sim.Client();
    tenant = sim.CreateOrg("Kept Ltd");
    json grant = sim.CreateGrant({tenant});
    refresh = grant["refresh_token"];
    access = grant["access_token"];
    auto put = c.Request("PUT", "/api.xro/2.0/Invoices",
                         json{{"Invoices",
                               {{{"Type", "ACCREC"},
                                 {"Contact", {{"Name", "Keeper"}}},
                                 {"InvoiceNumber", "KEEP-1"},
                                 {"LineItems",
                                  {{{"Description", "x"},
                                    {"Quantity", 1},
                                    {"UnitAmount", 5},
                                    {"AccountCode", "200"}}}}}}}}
                             .dump(),
                         ApiHeaders(access, tenant));
    ASSERT_EQ(put.status, 200) << put.body;
    short_code = c.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(access, tenant))
                     .Json()["Organisations"][0]["ShortCode"];
    HttpResult saved = c.Request("POST", "/_sim/save");
    EXPECT_EQ(saved.status, 200) << saved.body;
    EXPECT_TRUE(std::filesystem::exists(file));
    sim.process().Signal(SIGTERM);
    EXPECT_EQ(sim.process().Wait(std::chrono::seconds(10)), 0);
  }
  SimProcess again({"--state", file});
  TestClient c = again.Client();
  auto org = c.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(access, tenant));
  EXPECT_EQ(org.Json()["Organisations"][0]["OrganisationID"], tenant);
  EXPECT_EQ(org.Json()["Organisations"][0]["ShortCode"], short_code);
  auto orgs = c.Request("GET", "/_sim/orgs").Json();
  ASSERT_EQ(orgs.size(), 1u);
  EXPECT_EQ(orgs[0]["tenant_id"], tenant);
  EXPECT_EQ(c.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(access, tenant)).status,
            200);
  EXPECT_EQ(TokenRequest(c, "grant_type=refresh_token&refresh_token=" + refresh).status, 200);
  auto invoices = c.Request("GET", "/_sim/orgs/" + tenant + "/invoices").Json();
  ASSERT_EQ(invoices["Invoices"].size(), 1u);
  EXPECT_EQ(invoices["Invoices"][0]["InvoiceNumber"], "KEEP-1");
}

TEST(StateE2E, CorruptStateFileIsAStartupError) {
  TempDir dir;
  xerod::testing::WriteFile(dir.File("state.json"), "{\"version\": 99}");
  xerod::testing::Subprocess p({xerod::testing::BinaryPath("xero-sim"), "--listen", "127.0.0.1:0",
                                "--state", dir.File("state.json")},
                               {}, dir.File("log"));
  EXPECT_EQ(p.Wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(p.Output().find("version"), std::string::npos);
}

}  // namespace
}  // namespace xero_sim::testing
