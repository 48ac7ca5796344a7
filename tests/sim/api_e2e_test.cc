// SPDX-License-Identifier: MIT
// The gate in front of /api.xro/2.0 (limits, idempotency) and the wiring to
// the accounting handlers, through a real xero-sim process.
#include <gtest/gtest.h>

#include <thread>

#include "sim/router.h"
#include "sim/sim_harness.h"

namespace xero_sim::testing {
namespace {

using nlohmann::json;

class ApiE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant_ = sim_.CreateOrg("Limits Ltd");
    token_ = sim_.CreateGrant({tenant_})["access_token"];
  }
  HttpResult Get(const std::string& path, const std::string& tenant = "") {
    return client_.Request("GET", path, "", ApiHeaders(token_, tenant.empty() ? tenant_ : tenant));
  }
  void Limits(const json& body) {
    HttpResult r = client_.Json("POST", "/_sim/limits", body);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  HttpResult PutInvoices(const json& invoices, const std::string& key = "",
                         const std::string& query = "") {
    auto headers = ApiHeaders(token_, tenant_);
    headers["Content-Type"] = "application/json";
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return client_.Request("PUT", "/api.xro/2.0/Invoices" + query,
                           json{{"Invoices", invoices}}.dump(), headers);
  }
  static json Invoice(const std::string& number, const std::string& description = "Design work") {
    return {{"Type", "ACCREC"},
            {"Contact", {{"Name", "Acme Ltd"}}},
            {"InvoiceNumber", number},
            {"Status", "AUTHORISED"},
            {"Date", "2026-11-02"},
            {"DueDate", "2026-12-02"},
            {"LineItems",
             {{{"Description", description},
               {"Quantity", 2},
               {"UnitAmount", 50},
               {"AccountCode", "200"}}}}};
  }

  SimProcess sim_;
  TestClient client_ = sim_.Client();
  std::string tenant_;
  std::string token_;
};

TEST_F(ApiE2E, EveryApiResponseCarriesTheRemainingHeaders) {
  HttpResult r = Get("/api.xro/2.0/Organisation");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-minlimit-remaining"), "59");
  EXPECT_EQ(r.Header("x-daylimit-remaining"), "4999");
  EXPECT_EQ(r.Header("x-appminlimit-remaining"), "9999");
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").Header("x-minlimit-remaining"), "58");
}

TEST_F(ApiE2E, MinuteLimitGives429WithRetryAfterUntilTheWindowEnds) {
  Limits({{"per_minute", 3}, {"window_seconds", 60}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/api.xro/2.0/Organisation").status, 200);
  HttpResult r = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("x-rate-limit-problem"), "minute");
  EXPECT_EQ(r.Header("x-minlimit-remaining"), "0");
  int retry = std::stoi(r.Header("retry-after"));
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  sim_.AdvanceClock(retry);
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").status, 200);
  auto stats = sim_.Stats();
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["tenants"][tenant_]["rate_limited"], 1);
  EXPECT_EQ(stats["tenants"][tenant_]["calls"], 5);
}

TEST_F(ApiE2E, DayLimit) {
  Limits({{"per_day", 2}, {"day_window_seconds", 3600}});
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").status, 200);
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").Header("x-daylimit-remaining"), "0");
  HttpResult r = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("x-rate-limit-problem"), "day");
  int retry = std::stoi(r.Header("retry-after"));
  EXPECT_GT(retry, 3000);
  EXPECT_LE(retry, 3600);
}

TEST_F(ApiE2E, AppMinuteLimitSpansTenants) {
  std::string other = sim_.CreateOrg("Other");
  token_ = sim_.CreateGrant({tenant_, other})["access_token"];
  Limits({{"app_per_minute", 3}});
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").status, 200);
  EXPECT_EQ(Get("/api.xro/2.0/Organisation", other).status, 200);
  EXPECT_EQ(Get("/api.xro/2.0/Organisation", other).Header("x-appminlimit-remaining"), "0");
  HttpResult r = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("x-rate-limit-problem"), "appminute");
  EXPECT_EQ(r.Header("retry-after"), "");  // Xero sends Retry-After for minute/day only
}

TEST_F(ApiE2E, ConcurrentLimitCountsRequestsHeldByADelay) {
  Limits({{"concurrent", 2}});
  ASSERT_EQ(client_
                .Json("POST", "/_sim/faults",
                      {{"path", "/api.xro/2.0/Organisation"}, {"delay_ms", 1500}, {"count", 2}})
                .status,
            201);
  std::vector<int> statuses(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      TestClient c = sim_.Client();
      statuses[static_cast<std::size_t>(i)] =
          c.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(token_, tenant_)).status;
    });
  }
  bool held =
      xerod::testing::WaitFor([&] { return sim_.Stats()["tenants"][tenant_]["in_flight"] == 2; });
  EXPECT_TRUE(held);
  HttpResult r = Get("/api.xro/2.0/Organisation");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("x-rate-limit-problem"), "concurrent");
  for (auto& t : threads) t.join();
  EXPECT_EQ(statuses, (std::vector<int>{200, 200}));
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["in_flight"], 0);
  EXPECT_EQ(Get("/api.xro/2.0/Organisation").status, 200);
}

TEST_F(ApiE2E, LimitsCanBeTurnedOff) {
  Limits({{"per_minute", 1}, {"enabled", false}});
  for (int i = 0; i < 3; ++i) {
    HttpResult r = Get("/api.xro/2.0/Organisation");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("x-minlimit-remaining"), "");
  }
}

TEST_F(ApiE2E, IdempotencyKeyReplaysTheFirstResponseWithoutReExecuting) {
  HttpResult first = PutInvoices(json::array({Invoice("INV-1")}), "key-1");
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResult replay = PutInvoices(json::array({Invoice("INV-1")}), "key-1");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["invoices"], 1);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["duplicate_numbers_attempted"], 0);
  // Same key, different request.
  HttpResult mismatch = PutInvoices(json::array({Invoice("INV-2")}), "key-1");
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("is used with a different request"), std::string::npos);
  // After 6 minutes the key is forgotten: the call runs again (a duplicate number now).
  sim_.AdvanceClock(6 * 60 + 1);
  HttpResult late = PutInvoices(json::array({Invoice("INV-1")}), "key-1");
  EXPECT_NE(late.body, first.body);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["duplicate_numbers_attempted"], 1);
  EXPECT_EQ(sim_.Stats()["tenants"][tenant_]["invoices"], 1);
}

TEST_F(ApiE2E, InvoiceBatchWithSummarizeErrorsFalseEndToEnd) {
  HttpResult r =
      PutInvoices({Invoice("INV-10"), Invoice("INV-11", "")}, "", "?summarizeErrors=false");
  ASSERT_EQ(r.status, 200) << r.body;
  auto invoices = r.Json()["Invoices"];
  ASSERT_EQ(invoices.size(), 2u);
  EXPECT_EQ(invoices[0]["StatusAttributeString"], "OK");
  EXPECT_FALSE(invoices[0]["InvoiceID"].get<std::string>().empty());
  EXPECT_EQ(invoices[1]["StatusAttributeString"], "ERROR");
  EXPECT_FALSE(invoices[1]["ValidationErrors"].empty());
  auto stored = client_.Request("GET", "/_sim/orgs/" + tenant_ + "/invoices").Json();
  ASSERT_EQ(stored["Invoices"].size(), 1u);
  EXPECT_EQ(stored["Invoices"][0]["InvoiceNumber"], "INV-10");
  auto stats = sim_.Stats();
  EXPECT_EQ(stats["invoices"], 1);
  EXPECT_EQ(stats["endpoints"]["PUT /api.xro/2.0/Invoices"], 1);
  HttpResult found = Get("/api.xro/2.0/Invoices?InvoiceNumbers=INV-10");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.Json()["Invoices"].size(), 1u);
}

TEST_F(ApiE2E, CreatedByMyAppIsTheAccessTokensApp) {
  ASSERT_EQ(client_.Json("POST", "/_sim/clients", {{"client_id", "other-app"}}).status, 201);
  HttpResult g =
      client_.Json("POST", "/_sim/grants", {{"tenant_ids", {tenant_}}, {"client_id", "other-app"}});
  ASSERT_EQ(g.status, 201) << g.body;
  const std::string other_token = g.Json()["access_token"];
  ASSERT_EQ(PutInvoices(json::array({Invoice("MINE-1")})).status, 200);
  auto headers = ApiHeaders(other_token, tenant_);
  headers["Content-Type"] = "application/json";
  ASSERT_EQ(client_
                .Request("PUT", "/api.xro/2.0/Invoices",
                         json{{"Invoices", {Invoice("THEIRS-1")}}}.dump(), headers)
                .status,
            200);
  auto mine = Get("/api.xro/2.0/Invoices?createdByMyApp=true").Json()["Invoices"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["InvoiceNumber"], "MINE-1");
  auto theirs = client_.Request("GET", "/api.xro/2.0/Invoices?createdByMyApp=true", "", headers)
                    .Json()["Invoices"];
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0]["InvoiceNumber"], "THEIRS-1");
  EXPECT_EQ(Get("/api.xro/2.0/Invoices").Json()["Invoices"].size(), 2u);
}

TEST_F(ApiE2E, IfModifiedSinceHeaderFiltersLists) {
  ASSERT_EQ(PutInvoices(json::array({Invoice("IMS-1")})).status, 200);
  auto headers = ApiHeaders(token_, tenant_);
  headers["If-Modified-Since"] = "Thu, 01 Jan 2099 00:00:00 GMT";
  HttpResult later = client_.Request("GET", "/api.xro/2.0/Invoices", "", headers);
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_TRUE(later.Json()["Invoices"].empty());
  headers["If-Modified-Since"] = "2000-01-01T00:00:00";
  EXPECT_EQ(client_.Request("GET", "/api.xro/2.0/Invoices", "", headers).Json()["Invoices"].size(),
            1u);
}

}  // namespace
}  // namespace xero_sim::testing
