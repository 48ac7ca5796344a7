// SPDX-License-Identifier: MIT
#include "sim/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace xero_sim {
namespace {

std::string HeaderOf(const Admission& a, const std::string& name) {
  auto it = std::find_if(a.headers.begin(), a.headers.end(),
                         [&](const auto& h) { return h.first == name; });
  return it == a.headers.end() ? std::string("<none>") : it->second;
}

TEST(RateLimiter, MinuteWindowIsFixedAndRetryAfterCountsDown) {
  SimClock clock;
  RateLimiter limiter(clock);
  limiter.Configure({.per_minute = 3});
  for (int i = 0; i < 3; ++i) {
    Admission a = limiter.Admit("t1", "app");
    ASSERT_TRUE(a.allowed);
    EXPECT_EQ(HeaderOf(a, "X-MinLimit-Remaining"), std::to_string(2 - i));
  }
  clock.Advance(std::chrono::seconds(20));
  Admission refused = limiter.Admit("t1", "app");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(HeaderOf(refused, "X-Rate-Limit-Problem"), "minute");
  long retry = std::stol(HeaderOf(refused, "Retry-After"));
  EXPECT_GE(retry, 39);
  EXPECT_LE(retry, 40);
  // Another tenant has its own window.
  EXPECT_TRUE(limiter.Admit("t2", "app").allowed);
  clock.Advance(std::chrono::seconds(41));
  EXPECT_TRUE(limiter.Admit("t1", "app").allowed);
}

TEST(RateLimiter, DayAppAndConcurrentLimits) {
  SimClock clock;
  RateLimiter limiter(clock);
  limiter.Configure({.concurrent = 2, .per_minute = 100, .per_day = 4, .app_per_minute = 5});
  {
    Admission a = limiter.Admit("t1", "app");
    Admission b = limiter.Admit("t1", "app");
    Admission c = limiter.Admit("t1", "app");
    EXPECT_TRUE(a.allowed && b.allowed);
    EXPECT_FALSE(c.allowed);
    EXPECT_EQ(HeaderOf(c, "X-Rate-Limit-Problem"), "concurrent");
    EXPECT_EQ(HeaderOf(c, "Retry-After"), "<none>");
    EXPECT_EQ(limiter.InFlight("t1"), 2);
  }
  EXPECT_EQ(limiter.InFlight("t1"), 0);  // slots released with the admissions
  EXPECT_TRUE(limiter.Admit("t1", "app").allowed);
  EXPECT_TRUE(limiter.Admit("t1", "app").allowed);
  Admission day = limiter.Admit("t1", "app");
  EXPECT_EQ(HeaderOf(day, "X-Rate-Limit-Problem"), "day");
  EXPECT_EQ(HeaderOf(day, "X-DayLimit-Remaining"), "0");
  EXPECT_NE(HeaderOf(day, "Retry-After"), "<none>");
  Admission last = limiter.Admit("t2", "app");  // 5th call of the app this minute
  EXPECT_TRUE(last.allowed);
  EXPECT_EQ(HeaderOf(last, "X-AppMinLimit-Remaining"), "0");
  Admission app = limiter.Admit("t3", "app");
  EXPECT_EQ(HeaderOf(app, "X-Rate-Limit-Problem"), "appminute");
  EXPECT_TRUE(limiter.Admit("t3", "other-app").allowed);
}

TEST(RateLimiter, DisabledNeverRefuses) {
  SimClock clock;
  RateLimiter limiter(clock);
  limiter.Configure({.concurrent = 1, .per_minute = 1, .enabled = false});
  Admission a = limiter.Admit("t", "app");
  Admission b = limiter.Admit("t", "app");
  EXPECT_TRUE(a.allowed && b.allowed);
  EXPECT_TRUE(b.headers.empty());  // no limit, so no remaining-counts to learn from
}

}  // namespace
}  // namespace xero_sim
