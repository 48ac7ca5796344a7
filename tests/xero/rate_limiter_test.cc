// SPDX-License-Identifier: MIT
#include "xerod/rate_limiter.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xerod {
namespace {
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

XeroLimits Limits(int concurrent, int per_minute, int per_day, int app_per_minute) {
  XeroLimits l;
  l.concurrent = concurrent;
  l.per_minute = per_minute;
  l.per_day = per_day;
  l.app_per_minute = app_per_minute;
  return l;
}

HttpHeaders Headers(std::initializer_list<std::pair<const char*, const char*>> fields) {
  HttpHeaders h;
  for (const auto& [n, v] : fields) h.Add(n, v);
  return h;
}

class RateLimiterTest : public ::testing::Test {
 protected:
  // Admits and immediately releases `n` calls one by one; returns how many got in.
  int Burst(RateLimiter& rl, const std::string& tenant, int n) {
    int admitted = 0;
    for (int i = 0; i < n; ++i) {
      if (rl.TryAcquire(tenant, clock_.Now())) break;
      rl.Release(tenant, clock_.Now());
      ++admitted;
    }
    return admitted;
  }
  testing::FakeClock clock_;
};

TEST_F(RateLimiterTest, ConcurrencyLimitHoldsExactly) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::nullopt) << i;
  auto wait = rl.TryAcquire("t", clock_.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, RateLimiterOptions{}.busy_retry);
  EXPECT_EQ(rl.TryAcquire("other", clock_.Now()), std::nullopt);  // per tenant
  rl.Release("t", clock_.Now());
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::nullopt);
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).in_flight, 5);
}

TEST_F(RateLimiterTest, MinuteLimitHoldsExactlyAndRolls) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 30), 30);
  clock_.Advance(seconds(20));
  EXPECT_EQ(Burst(rl, "t", 100), 30);  // 60 in the window
  auto wait = rl.TryAcquire("t", clock_.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, seconds(40));  // the first 30 expire 60 s after their release
  clock_.Advance(seconds(40) - milliseconds(1));
  EXPECT_TRUE(rl.TryAcquire("t", clock_.Now()).has_value());
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Burst(rl, "t", 100), 30);  // only the first 30 rolled out
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).minute_remaining, 0);
}

TEST_F(RateLimiterTest, SlotIsHeldUntilAMinuteAfterTheResponse) {
  RateLimiter rl(Limits(5, 1, 5000, 10000));
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::nullopt);
  clock_.Advance(seconds(90));  // a slow call: still in flight
  EXPECT_TRUE(rl.TryAcquire("t", clock_.Now()).has_value());
  rl.Release("t", clock_.Now());
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::optional<Duration>(minutes(1)));
  clock_.Advance(minutes(1));
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, DayLimitHoldsExactly) {
  RateLimiter rl(Limits(5, 60, 100, 10000));
  int total = 0;
  for (int m = 0; m < 3; ++m) {
    total += Burst(rl, "t", 60);
    clock_.Advance(minutes(1));
  }
  EXPECT_EQ(total, 100);
  auto wait = rl.TryAcquire("t", clock_.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(*wait, hours(23));
  EXPECT_LE(*wait, hours(24));
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).day_remaining, 0);
  clock_.Advance(*wait);
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, AppLimitIsSharedByAllTenants) {
  RateLimiter rl(Limits(5, 60, 5000, 10));
  EXPECT_EQ(Burst(rl, "a", 6), 6);
  EXPECT_EQ(Burst(rl, "b", 6), 4);
  auto wait = rl.TryAcquire("c", clock_.Now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, minutes(1));
  EXPECT_EQ(rl.Allowance("c", clock_.Now()).app_minute_remaining, 0);
  clock_.Advance(minutes(1));
  EXPECT_EQ(rl.TryAcquire("c", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, MultiSlotAcquireIsAllOrNothing) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now(), 3), std::nullopt);
  EXPECT_TRUE(rl.TryAcquire("t", clock_.Now(), 3).has_value());
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).in_flight, 3);
  EXPECT_EQ(rl.Peek("t", clock_.Now(), 2), std::nullopt);
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).in_flight, 3);  // Peek took nothing
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now(), 6), Duration::max());
}

TEST_F(RateLimiterTest, AbandonedCallsStopCountingAtOnce) {
  RateLimiter rl(Limits(5, 2, 5000, 10000));
  EXPECT_EQ(rl.TryAcquire("t", clock_.Now(), 2), std::nullopt);
  rl.Abandon("t", 2);
  EXPECT_EQ(Burst(rl, "t", 5), 2);
}

TEST_F(RateLimiterTest, ServerHeadersLowerOurEstimateButNeverRaiseIt) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 1), 1);
  rl.Observe("t", Headers({{"X-MinLimit-Remaining", "10"}, {"X-DayLimit-Remaining", "4990"}}), 200,
             clock_.Now());
  RateAllowance a = rl.Allowance("t", clock_.Now());
  EXPECT_EQ(a.minute_remaining, 10);
  EXPECT_EQ(a.day_remaining, 4990);
  EXPECT_EQ(Burst(rl, "t", 20), 10);
  // The server claiming more room than we think changes nothing.
  rl.Observe("t", Headers({{"X-MinLimit-Remaining", "59"}}), 200, clock_.Now());
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).minute_remaining, 0);
  EXPECT_TRUE(rl.TryAcquire("t", clock_.Now()).has_value());
  clock_.Advance(minutes(1));
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).minute_remaining, 60);
  EXPECT_EQ(rl.Allowance("t", clock_.Now()).day_remaining, 4990 - 10);
}

TEST_F(RateLimiterTest, StarterTierDayLimitFromHeadersIsTrusted) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 1), 1);
  rl.Observe("t", Headers({{"X-DayLimit-Remaining", "3"}}), 200, clock_.Now());
  EXPECT_EQ(Burst(rl, "t", 10), 3);
}

TEST_F(RateLimiterTest, AppRemainingHeaderLowersTheAppWindowForEveryone) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "a", 1), 1);
  rl.Observe("a", Headers({{"X-AppMinLimit-Remaining", "2"}}), 200, clock_.Now());
  clock_.Advance(seconds(2));  // "a" stops competing for the last app slots
  EXPECT_EQ(Burst(rl, "b", 5), 2);
  EXPECT_TRUE(rl.TryAcquire("c", clock_.Now()).has_value());
}

TEST_F(RateLimiterTest, RetryAfterPausesExactlyThatTenant) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  ASSERT_EQ(rl.TryAcquire("a", clock_.Now()), std::nullopt);
  rl.Release("a", clock_.Now());
  rl.Observe("a",
             Headers({{"Retry-After", "17"},
                      {"X-Rate-Limit-Problem", "minute"},
                      {"X-MinLimit-Remaining", "0"}}),
             429, clock_.Now());
  EXPECT_EQ(rl.TryAcquire("a", clock_.Now()), std::optional<Duration>(seconds(17)));
  EXPECT_EQ(rl.Allowance("a", clock_.Now()).paused_for, seconds(17));
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::nullopt);
  clock_.Advance(seconds(17));
  // The server's window reset at Retry-After: only our own call still counts.
  EXPECT_EQ(rl.TryAcquire("a", clock_.Now()), std::nullopt);
  EXPECT_EQ(rl.Allowance("a", clock_.Now()).minute_remaining, 58);
}

TEST_F(RateLimiterTest, DayProblemPausesTheTenantForRetryAfter) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  rl.Observe("a", Headers({{"Retry-After", "66975"}, {"X-Rate-Limit-Problem", "Day"}}), 429,
             clock_.Now());
  EXPECT_EQ(rl.TryAcquire("a", clock_.Now()), std::optional<Duration>(seconds(66975)));
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, AppMinuteProblemPausesEveryone) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  rl.Observe("a", Headers({{"X-Rate-Limit-Problem", "appminute"}}), 429, clock_.Now());
  for (const char* t : {"a", "b", "c"}) {
    EXPECT_EQ(rl.TryAcquire(t, clock_.Now()), std::optional<Duration>(minutes(1))) << t;
  }
  rl.Observe("a", Headers({{"X-Rate-Limit-Problem", "AppMinute"}, {"Retry-After", "5"}}), 429,
             clock_.Now());
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::optional<Duration>(minutes(1)));  // longest wins
  clock_.Advance(minutes(1));
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, UnknownOrMissingProblemBacksOffTheTenant) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  rl.Observe("a", Headers({{"X-Rate-Limit-Problem", "something-new"}}), 429, clock_.Now());
  rl.Observe("b", HttpHeaders{}, 429, clock_.Now());
  rl.Observe("c", Headers({{"X-Rate-Limit-Problem", "concurrent"}}), 429, clock_.Now());
  EXPECT_EQ(rl.TryAcquire("a", clock_.Now()), std::optional<Duration>(minutes(1)));
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::optional<Duration>(minutes(1)));
  EXPECT_EQ(rl.TryAcquire("c", clock_.Now()), std::optional<Duration>(seconds(1)));
  EXPECT_EQ(rl.TryAcquire("d", clock_.Now()), std::nullopt);
}

TEST_F(RateLimiterTest, ReconfigureTakesEffectAndKeepsCounts) {
  RateLimiter rl(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 20), 20);
  rl.Reconfigure(Limits(5, 25, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 20), 5);
  rl.Reconfigure(Limits(5, 60, 5000, 10000));
  EXPECT_EQ(Burst(rl, "t", 100), 35);
}

TEST_F(RateLimiterTest, AllowanceGivesAnEtaRate) {
  RateLimiter rl(Limits(5, 60, 30, 10000));
  EXPECT_EQ(Burst(rl, "t", 10), 10);
  RateAllowance a = rl.Allowance("t", clock_.Now());
  EXPECT_EQ(a.minute_remaining, 50);
  EXPECT_EQ(a.day_remaining, 20);
  EXPECT_EQ(a.calls_per_minute, 20);
  EXPECT_EQ(a.next_slot, Duration(0));
}

TEST_F(RateLimiterTest, ForgetKeepsInFlightCallsCountedAppWide) {
  RateLimiter rl(Limits(5, 60, 5000, 3));
  ASSERT_EQ(rl.TryAcquire("a", clock_.Now(), 3), std::nullopt);
  rl.Forget("a", clock_.Now());
  EXPECT_EQ(rl.TryAcquire("b", clock_.Now()), std::optional<Duration>(minutes(1)));
}

TEST(RateHeadersTest, ParsesXeroHeaders) {
  RateHeaders r = ParseRateHeaders(Headers({{"x-minlimit-remaining", "59"},
                                            {"X-DayLimit-Remaining", " 4999 "},
                                            {"X-AppMinLimit-Remaining", "9000"},
                                            {"Retry-After", "30"},
                                            {"X-Rate-Limit-Problem", "Minute"}}));
  EXPECT_EQ(r.minute_remaining, 59);
  EXPECT_EQ(r.day_remaining, 4999);
  EXPECT_EQ(r.app_minute_remaining, 9000);
  EXPECT_EQ(r.retry_after, std::optional<Duration>(seconds(30)));
  EXPECT_EQ(r.problem, "minute");
  RateHeaders junk = ParseRateHeaders(Headers({{"X-MinLimit-Remaining", "-1"},
                                               {"X-DayLimit-Remaining", "lots"},
                                               {"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}}));
  EXPECT_FALSE(junk.minute_remaining.has_value());
  EXPECT_FALSE(junk.day_remaining.has_value());
  EXPECT_FALSE(junk.retry_after.has_value());
  EXPECT_EQ(junk.problem, "");
}

}  // namespace
}  // namespace xerod
