// SPDX-License-Identifier: MIT
// XeroClient + RateLimiter against xero-sim's enforced limits, with windows
// shortened to 3 s (the client's limiter is told the same windows).
#include <gtest/gtest.h>

#include <algorithm>

#include "connection/xero_world.h"
#include "xerod/xero_client.h"

namespace xerod {
namespace {

using testing::SimServer;
using testing::XeroWorld;
using SteadyClock = std::chrono::steady_clock;

using testing::kOrganisationPath;
constexpr int kWindowSeconds = 3;

testing::WorldOptions Scaled(XeroLimits limits) {
  testing::WorldOptions o;
  o.limits = limits;
  o.limiter.minute_window = std::chrono::seconds(kWindowSeconds);
  o.limiter.minute_backoff = std::chrono::seconds(kWindowSeconds);
  return o;
}

void SimLimits(XeroWorld& w, const XeroLimits& l) {
  w.Admin(HttpMethod::kPost, "/_sim/limits",
          {{"enabled", true},
           {"concurrent", l.concurrent},
           {"per_minute", l.per_minute},
           {"per_day", l.per_day},
           {"app_per_minute", l.app_per_minute},
           {"window_seconds", kWindowSeconds},
           {"day_window_seconds", 86400}});
}

int SimRateLimited(XeroWorld& w) {
  auto j = w.Admin(HttpMethod::kGet, "/_sim/stats");
  return j.value("rate_limited", -1);
}

TEST(RateSimTest, OneTenantSustainsItsAllowanceWithoutA429) {
  testing::TempDir dir;
  SimServer sim;
  XeroLimits limits{5, 60, 100000, 100000};
  XeroWorld w(sim.url(), dir.File("x.db"), Scaled(limits));
  std::string t = w.CreateOrg("Busy");
  ASSERT_TRUE(w.Add("busy", t, w.CreateGrant({t})["refresh_token"]));
  ASSERT_TRUE(
      w.Call("busy", HttpMethod::kGet, kOrganisationPath).ok());  // token cached before timing
  SimLimits(w, limits);
  int ok = 0, other = 0;
  for (int i = 0; i < 400; ++i) {
    w.client->Call("busy", HttpMethod::kGet, kOrganisationPath, "", std::nullopt,
                   [&](XeroResult r) { r.ok() ? ++ok : ++other; });
  }
  // Three windows of 3 s: the allowance is 3 x 60 calls.
  auto start = SteadyClock::now();
  w.RunUntil([] { return false; }, std::chrono::seconds(3 * kWindowSeconds));
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  double allowance = 60.0 * std::min(3.0, elapsed / kWindowSeconds);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(SimRateLimited(w), 0);
  EXPECT_GE(ok, 0.95 * allowance) << "ok=" << ok << " elapsed=" << elapsed;
  EXPECT_LE(ok, 180);
  w.client.reset();  // abandon the rest
}

TEST(RateSimTest, TwoHundredTenantsShareTheAppLimitFairly) {
  testing::TempDir dir;
  SimServer sim;
  XeroLimits limits{5, 60, 100000, 400};
  XeroWorld w(sim.url(), dir.File("x.db"), Scaled(limits));
  std::vector<std::string> tenants;
  for (int i = 0; i < 200; ++i) tenants.push_back(w.CreateOrg("Org " + std::to_string(i)));
  ASSERT_TRUE(w.Add("c0", tenants[0], w.CreateGrant(tenants)["refresh_token"]));
  for (int i = 1; i < 200; ++i) {
    std::optional<Result<ConnectionInfo>> r;
    w.connections->Share("c0", "c" + std::to_string(i), tenants[static_cast<std::size_t>(i)],
                         [&](Result<ConnectionInfo> x) { r = x; });
    ASSERT_TRUE(w.RunUntil([&] { return r.has_value(); }));
    ASSERT_TRUE(r->has_value()) << r->error().ToString();
  }
  SimLimits(w, limits);
  std::vector<int> ok(200, 0);
  int failed = 0;
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 200; ++i) {
      w.client->Call("c" + std::to_string(i), HttpMethod::kGet, kOrganisationPath, "", std::nullopt,
                     [&, i](XeroResult r) {
                       if (r.ok()) {
                         ++ok[static_cast<std::size_t>(i)];
                       } else {
                         ++failed;
                       }
                     });
    }
  }
  int total = 0;
  // Two app windows' worth (800 calls) must go through, and not more.
  ASSERT_TRUE(w.RunUntil(
      [&] {
        total = 0;
        for (int n : ok) total += n;
        return total >= 800;
      },
      std::chrono::seconds(15)))
      << "total=" << total;
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(SimRateLimited(w), 0);
  auto [lo, hi] = std::minmax_element(ok.begin(), ok.end());
  EXPECT_GE(*lo, 3) << "a tenant was starved";
  EXPECT_LE(*hi - *lo, 3) << "unfair share";
  w.client.reset();
}

TEST(RateSimTest, A429WithRetryAfterPausesExactlyThatTenant) {
  testing::TempDir dir;
  SimServer sim;
  // Our limiter believes in 1000/min; the sim allows 10 per 3 s window: the
  // 11th call earns a real 429 with Retry-After.
  XeroLimits ours{1, 1000, 100000, 100000};
  XeroWorld w(sim.url(), dir.File("x.db"), Scaled(ours));
  std::string a = w.CreateOrg("A");
  std::string b = w.CreateOrg("B");
  ASSERT_TRUE(w.Add("a", a, w.CreateGrant({a, b})["refresh_token"]));
  std::optional<Result<ConnectionInfo>> shared;
  w.connections->Share("a", "b", b, [&](Result<ConnectionInfo> r) { shared = r; });
  ASSERT_TRUE(w.RunUntil([&] { return shared.has_value(); }));
  SimLimits(w, XeroLimits{5, 10, 100000, 100000});
  // Our limiter learns from X-MinLimit-Remaining, so it never earns a 429 by
  // itself: another client of the same app uses up A's window behind its back.
  ASSERT_TRUE(w.Call("a", HttpMethod::kGet, kOrganisationPath).ok());
  std::optional<Result<AccessGrant>> grant;
  w.tokens->GetAccessToken("a", [&](Result<AccessGrant> g) { grant = g; });
  ASSERT_TRUE(w.RunUntil([&] { return grant.has_value(); }));
  ASSERT_TRUE(grant->has_value());
  for (int i = 0; i < 12; ++i) {
    HttpRequest r;
    r.url = w.sim_url + kOrganisationPath;
    r.Header("Authorization", "Bearer " + (*grant)->access_token, true);
    r.Header("xero-tenant-id", a);
    w.Fetch(std::move(r));
  }
  std::vector<std::pair<SteadyClock::time_point, XeroResult>> a_results;
  for (int i = 0; i < 2; ++i) {
    w.client->Call("a", HttpMethod::kGet, kOrganisationPath, "", std::nullopt,
                   [&](XeroResult r) { a_results.emplace_back(SteadyClock::now(), std::move(r)); });
  }
  std::size_t hit = 0;
  ASSERT_TRUE(w.RunUntil([&] {
    for (std::size_t i = 0; i < a_results.size(); ++i) {
      if (a_results[i].second.status == 429) {
        hit = i;
        return true;
      }
    }
    return false;
  }));
  const XeroResult limited = a_results[hit].second;
  const auto limited_at = a_results[hit].first;
  EXPECT_EQ(limited.result_class, XeroResultClass::kTransient);
  ASSERT_TRUE(limited.retry_after.has_value());
  Duration pause = *limited.retry_after;
  EXPECT_GT(pause, Duration(0));
  EXPECT_LE(pause, std::chrono::seconds(kWindowSeconds));
  // Tenant B is not paused.
  auto b_start = SteadyClock::now();
  XeroResult rb = w.Call("b", HttpMethod::kGet, kOrganisationPath);
  EXPECT_TRUE(rb.ok()) << rb.reason;
  EXPECT_LT(SteadyClock::now() - b_start, pause / 2);
  // A's next call waits the Retry-After out, then succeeds.
  ASSERT_TRUE(w.RunUntil([&] { return a_results.size() > hit + 1; }));
  auto waited = a_results[hit + 1].first - limited_at;
  EXPECT_GE(waited, pause - std::chrono::milliseconds(50));
  EXPECT_LT(waited, pause + std::chrono::milliseconds(1500));
  EXPECT_TRUE(a_results[hit + 1].second.ok()) << a_results[hit + 1].second.reason;
  EXPECT_GE(SimRateLimited(w), 1);
  w.client.reset();
}

}  // namespace
}  // namespace xerod
