// SPDX-License-Identifier: MIT
#include "xero/occupancy_window.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace xerod::xero {
namespace {
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(OccupancyWindowTest, CallsOccupyFromAdmissionUntilSpanAfterRelease) {
  testing::FakeClock clock;
  OccupancyWindow w(minutes(1), Duration(0));
  w.Acquire(2);
  EXPECT_EQ(w.Occupied(clock.Now()), 2);
  clock.Advance(seconds(10));
  w.Release(clock.Now(), 1);
  EXPECT_EQ(w.in_flight(), 1);
  EXPECT_EQ(w.Occupied(clock.Now()), 2);
  clock.Advance(seconds(60) - milliseconds(1));
  EXPECT_EQ(w.Occupied(clock.Now()), 2);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(w.Occupied(clock.Now()), 1);  // the in-flight one never expires
}

TEST(OccupancyWindowTest, WaitForNamesTheExpiryThatMakesRoom) {
  testing::FakeClock clock;
  OccupancyWindow w(minutes(1), Duration(0));
  for (int i = 0; i < 3; ++i) {
    w.Acquire(1);
    w.Release(clock.Now(), 1);
    clock.Advance(seconds(1));
  }
  // Released at t0, t0+1s, t0+2s; now t0+3s.
  EXPECT_EQ(w.WaitFor(clock.Now(), 5, 2), Duration(0));
  EXPECT_EQ(w.WaitFor(clock.Now(), 3, 1), Duration(seconds(57)));
  EXPECT_EQ(w.WaitFor(clock.Now(), 3, 2), Duration(seconds(58)));
  w.Acquire(3);
  EXPECT_EQ(w.WaitFor(clock.Now(), 3, 1), std::nullopt);  // only a Release helps
}

TEST(OccupancyWindowTest, GranularityRoundsExpiryUpAndMerges) {
  testing::FakeClock clock(FromUnixMillis(1'000'030'000));  // 30 s into a minute
  OccupancyWindow w(std::chrono::hours(24), minutes(1));
  for (int i = 0; i < 100; ++i) {
    w.Acquire(1);
    w.Release(clock.Now(), 1);
    clock.Advance(milliseconds(100));
  }
  EXPECT_EQ(w.Occupied(clock.Now()), 100);
  // All expire at the next whole minute after t0+24h, never earlier.
  auto wait = w.WaitFor(clock.Now(), 100, 1);
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(*wait, std::chrono::hours(24) - seconds(10));
  EXPECT_LE(*wait, std::chrono::hours(24) + minutes(1));
}

TEST(OccupancyWindowTest, HoldsOutOfOrderStaySorted) {
  testing::FakeClock clock;
  OccupancyWindow w(minutes(1), Duration(0));
  w.Hold(clock.Now() + seconds(50), 2);
  w.Hold(clock.Now() + seconds(10), 1);
  w.Hold(clock.Now() + seconds(30), 1);
  EXPECT_EQ(w.WaitFor(clock.Now(), 4, 1), Duration(seconds(10)));
  EXPECT_EQ(w.WaitFor(clock.Now(), 4, 2), Duration(seconds(30)));
  clock.Advance(seconds(30));
  EXPECT_EQ(w.Occupied(clock.Now()), 2);
  w.Abandon(5);  // more than in flight: no-op beyond zero
  EXPECT_EQ(w.in_flight(), 0);
}

}  // namespace
}  // namespace xerod::xero
