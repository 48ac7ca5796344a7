// SPDX-License-Identifier: MIT
// The admin API (/_sim/...), faults, TLS and --state, through a real xero-sim.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

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

TEST_F(AdminE2E, FaultHeadersGoOnTheRealAnswerOrOnTheInjectedOne) {
  Fault({{"path", "/api.xro/2.0/Organisation"}, {"headers", {{"X-Sim-Test", "one"}}}});
  auto real = Get("/api.xro/2.0/Organisation");
  ASSERT_TRUE(real.has_value());
  EXPECT_EQ(real->status, 200);
  EXPECT_EQ(real->Header("x-sim-test"), "one");
  EXPECT_EQ(real->Json()["Organisations"][0]["Name"], "Faulty Ltd");
  Fault({{"path", "/api.xro/2.0/Organisation"},
         {"status", 429},
         {"headers", {{"Retry-After", "7"}, {"X-Rate-Limit-Problem", "minute"}}}});
  auto injected = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(injected->status, 429);
  EXPECT_EQ(injected->Header("retry-after"), "7");
  EXPECT_EQ(injected->Header("x-rate-limit-problem"), "minute");
  // A body without a status replaces the real answer's body.
  Fault({{"path", "/api.xro/2.0/Organisation"}, {"body", "<html>gateway</html>"}});
  auto replaced = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(replaced->status, 200);
  EXPECT_EQ(replaced->body, "<html>gateway</html>");
  EXPECT_EQ(replaced->Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->Header("x-sim-test"), "");  // used up
}

HttpResult PutInvoice(TestClient& c, const std::string& token, const std::string& tenant,
                      const std::string& number, const std::string& key = "") {
  auto headers = ApiHeaders(token, tenant);
  if (!key.empty()) headers["Idempotency-Key"] = key;
  json invoice = {
      {"Type", "ACCREC"},
      {"Contact", {{"Name", "Lost Reply Ltd"}}},
      {"InvoiceNumber", number},
      {"LineItems",
       {{{"Description", "x"}, {"Quantity", 1}, {"UnitAmount", 5}, {"AccountCode", "200"}}}}};
  auto r =
      c.TryRequest("PUT", "/api.xro/2.0/Invoices", json{{"Invoices", {invoice}}}.dump(), headers);
  return r.value_or(HttpResult{});
}

TEST_F(AdminE2E, AfterProcessingDropCreatesTheInvoiceAndLosesTheAnswer) {
  Fault({{"path", "/api.xro/2.0/Invoices"},
         {"method", "PUT"},
         {"after_processing", true},
         {"drop", true}});
  EXPECT_EQ(PutInvoice(client_, token_, tenant_, "LOST-1", "key-lost").status, 0);  // no answer
  auto stored = client_.Request("GET", "/_sim/orgs/" + tenant_ + "/invoices").Json()["Invoices"];
  ASSERT_EQ(stored.size(), 1u);  // Xero acted
  EXPECT_EQ(stored[0]["InvoiceNumber"], "LOST-1");
  // The retry with the same Idempotency-Key gets the answer that was lost.
  HttpResult retry = PutInvoice(client_, token_, tenant_, "LOST-1", "key-lost");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json()["Invoices"][0]["InvoiceID"], stored[0]["InvoiceID"]);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["invoices"], 1);
}

TEST_F(AdminE2E, AfterProcessingStatusReplacesTheAnswerOfACompletedCall) {
  Fault({{"path", "/api.xro/2.0/Invoices"},
         {"after_processing", true},
         {"status", 504},
         {"body", "Gateway Timeout"},
         {"headers", {{"X-Injected", "yes"}}}});
  HttpResult r = PutInvoice(client_, token_, tenant_, "GW-1");
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body, "Gateway Timeout");
  EXPECT_EQ(r.Header("x-injected"), "yes");
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["invoices"], 1);
  // Before processing (the default), the same fault creates nothing.
  Fault({{"path", "/api.xro/2.0/Invoices"}, {"status", 504}});
  EXPECT_EQ(PutInvoice(client_, token_, tenant_, "GW-2").status, 504);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["invoices"], 1);
}

TEST_F(AdminE2E, AfterProcessingDelayAnswersLateWhatIsAlreadyDone) {
  Fault({{"path", "/api.xro/2.0/Invoices"}, {"after_processing", true}, {"delay_ms", 3000}});
  std::atomic<bool> answered{false};
  HttpResult late;
  std::thread caller([&] {
    TestClient c = sim_.Client();
    late = PutInvoice(c, token_, tenant_, "SLOW-1");
    answered = true;
  });
  // The invoice exists while the answer is still held back.
  bool created =
      xerod::testing::WaitFor([&] { return sim_.Stats()["tenants"][tenant_]["invoices"] == 1; });
  EXPECT_TRUE(created);
  EXPECT_FALSE(answered.load());
  caller.join();
  EXPECT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(late.Json()["Invoices"][0]["InvoiceNumber"], "SLOW-1");
}

TEST_F(AdminE2E, TruncatedAnswerHasTheFullContentLengthAndPartOfTheBody) {
  Fault({{"path", "/api.xro/2.0/Organisation"}, {"truncate_bytes", 10}});
  std::string raw = client_.Raw(
      "GET /api.xro/2.0/Organisation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer " +
      token_ + "\r\nxero-tenant-id: " + tenant_ + "\r\n\r\n");
  ASSERT_TRUE(raw.starts_with("HTTP/1.1 200 OK\r\n")) << raw.substr(0, 200);
  std::size_t end = raw.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  std::string head = raw.substr(0, end);
  std::size_t cl = head.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos) << head;
  long length = std::stol(head.substr(cl + 16));
  EXPECT_GT(length, 100);                // the whole Organisation answer
  EXPECT_EQ(raw.size() - end - 4, 10u);  // then the server closed: 10 bytes only
  EXPECT_TRUE(raw.substr(end + 4).starts_with("{\""));
  EXPECT_EQ(Get("/api.xro/2.0/Organisation")->status, 200);  // used up
  // With an injected answer; an HTTP client sees a broken response.
  Fault({{"path", "/api.xro/2.0/Organisation"}, {"status", 500}, {"truncate_bytes", 0}});
  EXPECT_FALSE(Get("/api.xro/2.0/Organisation").has_value());
}

TEST_F(AdminE2E, FaultBodiesOfTwentyMegabytes) {
  std::string big(20 * 1024 * 1024, 'x');
  Fault({{"path", "/api.xro/2.0/Invoices"}, {"status", 200}, {"body", big}});
  json listed = client_.Request("GET", "/_sim/faults").Json()["faults"][0];
  EXPECT_EQ(listed["body_bytes"], big.size());
  EXPECT_FALSE(listed.contains("body"));  // not echoed in full
  auto r = Get("/api.xro/2.0/Invoices");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), big.size());
  EXPECT_TRUE(r->body == big);
  // As a JSON value.
  Fault({{"path", "/api.xro/2.0/Invoices"}, {"status", 200}, {"body", {{"Blob", big}}}});
  auto j = Get("/api.xro/2.0/Invoices");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->Header("content-type"), "application/json; charset=utf-8");
  EXPECT_EQ(j->Json()["Blob"].get<std::string>().size(), big.size());
}

TEST_F(AdminE2E, ApiBodiesOverTenMegabytesAre413) {
  std::string big(11 * 1024 * 1024, ' ');
  auto r = client_.TryRequest("PUT", "/api.xro/2.0/Invoices", big, ApiHeaders(token_, tenant_));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 413);
}

TEST_F(AdminE2E, OrgsCanBeCreatedWithTheirOwnTrackingCategories) {
  HttpResult created =
      client_.Json("POST", "/_sim/orgs",
                   {{"name", "Tracked Ltd"},
                    {"tracking_categories",
                     {{{"name", "Project"}, {"options", {"Alpha", {{"name", "Beta"}}}}}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string tenant = created.Json()["tenant_id"];
  const std::string token = sim_.CreateGrant({tenant})["access_token"];  // settings.read
  HttpResult r =
      client_.Request("GET", "/api.xro/2.0/TrackingCategories", "", ApiHeaders(token, tenant));
  ASSERT_EQ(r.status, 200) << r.body;
  auto cats = r.Json()["TrackingCategories"];
  ASSERT_EQ(cats.size(), 1u);
  EXPECT_EQ(cats[0]["Name"], "Project");
  EXPECT_EQ(cats[0]["Options"][1]["Name"], "Beta");
  // The default seed elsewhere; a scope without settings is refused.
  EXPECT_EQ(Get("/api.xro/2.0/TrackingCategories")->Json()["TrackingCategories"].size(), 2u);
  std::string no_settings = sim_.CreateGrant({tenant}, {"accounting.invoices"})["access_token"];
  EXPECT_EQ(
      client_.Request("GET", "/api.xro/2.0/TrackingCategories", "", ApiHeaders(no_settings, tenant))
          .status,
      401);
  EXPECT_EQ(client_
                .Json("POST", "/_sim/orgs",
                      {{"tracking_categories",
                        {{{"name", "A"}, {"options", {"x"}}},
                         {{"name", "B"}, {"options", {"x"}}},
                         {{"name", "C"}, {"options", {"x"}}}}}})
                .status,
            400);
}

TEST_F(AdminE2E, BadAdminRequestsAreRefused) {
  EXPECT_EQ(client_.Json("POST", "/_sim/faults", {{"path", "/x"}}).status, 400);
  EXPECT_EQ(client_.Json("POST", "/_sim/faults", {{"path", "/x"}, {"headers", "X: 1"}}).status,
            400);
  EXPECT_EQ(client_.Json("POST", "/_sim/faults", {{"path", "/x"}, {"headers", {{"X", 1}}}}).status,
            400);
  EXPECT_EQ(
      client_.Json("POST", "/_sim/faults", {{"path", "/x"}, {"headers", {{"X", "a\nb"}}}}).status,
      400);
  EXPECT_EQ(client_.Json("POST", "/_sim/faults", {{"path", "/x"}, {"truncate_bytes", -1}}).status,
            400);
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

std::vector<json> CaptureLines(const std::string& file) {
  std::vector<json> out;
  std::string text = xerod::testing::ReadFile(file);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "unterminated line";
    if (end == std::string::npos) break;
    out.push_back(json::parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

TEST(CaptureE2E, EveryAccountingWriteIsAppendedBeforeFaultsAuthAndValidation) {
  TempDir dir;
  const std::string file = dir.File("bodies.ndjson");
  xerod::testing::WriteFile(file, "{\"earlier\":1}\n");  // appended to, not replaced
  SimProcess sim({"--capture", file});
  TestClient c = sim.Client();
  const std::string tenant = sim.CreateOrg("Captured Ltd");
  const std::string token = sim.CreateGrant({tenant})["access_token"];
  auto headers = ApiHeaders(token, tenant);
  const std::string good = R"({"Invoices":[{"Type":"ACCREC","Contact":{"Name":"A"}}]})";
  EXPECT_EQ(c.Request("PUT", "/api.xro/2.0/Invoices?summarizeErrors=false", good, headers).status,
            200);
  EXPECT_EQ(c.Request("POST", "/api.xro/2.0/Contacts", "{not json", headers).status, 400);
  EXPECT_EQ(c.Request("PUT", "/api.xro/2.0/Payments", "{}", {}).status, 401);  // no token
  ASSERT_EQ(
      c.Json("POST", "/_sim/faults", {{"path", "/api.xro/2.0/Items"}, {"status", 503}}).status,
      201);
  EXPECT_EQ(c.Request("POST", "/api.xro/2.0/Items", "{\"Code\":\"\xff\"}", headers).status, 503);
  // Not captured: reads, identity, admin.
  c.Request("GET", "/api.xro/2.0/Invoices", "", headers);
  TokenRequest(c, "grant_type=refresh_token&refresh_token=x");
  c.Json("POST", "/_sim/limits", {{"enabled", true}});
  std::vector<json> lines;
  ASSERT_TRUE(xerod::testing::WaitFor([&] {  // written before the answer, so already there
    lines = CaptureLines(file);
    return lines.size() >= 5;
  }));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], (json{{"earlier", 1}}));
  lines.erase(lines.begin());
  EXPECT_EQ(lines[0], (json{{"method", "PUT"},
                            {"path", "/api.xro/2.0/Invoices"},
                            {"query", "summarizeErrors=false"},
                            {"body", good}}));
  EXPECT_EQ(lines[1]["method"], "POST");
  EXPECT_EQ(lines[1]["body"], "{not json");
  EXPECT_EQ(lines[2]["path"], "/api.xro/2.0/Payments");
  EXPECT_EQ(lines[2]["query"], "");
  EXPECT_EQ(lines[3]["path"], "/api.xro/2.0/Items");
  EXPECT_EQ(lines[3]["body"], "{\"Code\":\"\xEF\xBF\xBD\"}");  // not UTF-8: U+FFFD
}

TEST(CaptureE2E, AnUnwritableCaptureFileIsAStartupError) {
  TempDir dir;
  xerod::testing::Subprocess p({xerod::testing::BinaryPath("xero-sim"), "--listen", "127.0.0.1:0",
                                "--capture", dir.File("missing/dir/bodies.ndjson")},
                               {}, dir.File("log"));
  EXPECT_EQ(p.Wait(std::chrono::seconds(10)), 1);
  EXPECT_NE(p.Output().find("--capture"), std::string::npos);
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
