// SPDX-License-Identifier: MIT
#include "monitor/check_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace xerod::monitor {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
constexpr Duration kStep = milliseconds(100);  // how often the simulated loop calls TakeDue
const TimePoint kStart = FromUnixMillis(1'767'225'600'123);  // 2026-01-01, off the second

std::string Name(std::size_t i) { return "conn-" + std::to_string(i); }

CheckPlan PlanWith(std::size_t n, Duration interval, std::uint64_t seed = 42) {
  CheckPlan plan(interval, seed);
  for (std::size_t i = 0; i < n; ++i) plan.Add(Name(i), kStart);
  return plan;
}

// The plan's jitter bound for n connections (see check_plan.h).
Duration JitterWidth(Duration interval, std::size_t n) {
  return std::min(interval / (4 * static_cast<std::int64_t>(n)), interval / 20);
}

struct Check {
  TimePoint at;
  std::string name;
};

// Calls TakeDue every kStep in [from, to), as the daemon's loop would.
std::vector<Check> Simulate(CheckPlan& plan, TimePoint from, TimePoint to) {
  std::vector<Check> checks;
  for (TimePoint now = from; now < to; now += kStep) {
    for (auto& name : plan.TakeDue(now, kAll)) checks.push_back({now, std::move(name)});
  }
  return checks;
}

// Checks per one-second slot of [from, to).
struct Spread {
  double mean = 0;
  int max = 0;
  double ratio() const { return max / mean; }
};

Spread PerSlot(const std::vector<Check>& checks, TimePoint from, TimePoint to,
               Duration slot = seconds(1)) {
  std::vector<int> counts(static_cast<std::size_t>((to - from) / slot), 0);
  int total = 0;
  for (const Check& c : checks) {
    if (c.at < from || c.at >= to) continue;
    ++counts[static_cast<std::size_t>((c.at - from) / slot)];
    ++total;
  }
  Spread s;
  s.mean = static_cast<double>(total) / static_cast<double>(counts.size());
  s.max = *std::max_element(counts.begin(), counts.end());
  return s;
}

std::map<std::string, std::vector<TimePoint>> ByName(const std::vector<Check>& checks) {
  std::map<std::string, std::vector<TimePoint>> by_name;
  for (const Check& c : checks) by_name[c.name].push_back(c.at);
  return by_name;
}

// Every connection is checked once in each interval of [from, from + k*interval):
// a count of 0 or 2 only for a connection whose check lies within `edge` of the
// window's boundary.
void ExpectOncePerInterval(const std::vector<Check>& checks, std::size_t n, TimePoint from,
                           int intervals, Duration interval, Duration edge) {
  const auto by_name = ByName(checks);
  ASSERT_EQ(by_name.size(), n);
  for (int k = 0; k < intervals; ++k) {
    const TimePoint begin = from + k * interval;
    const TimePoint end = begin + interval;
    int off = 0;
    for (const auto& [name, times] : by_name) {
      const auto count = std::count_if(times.begin(), times.end(),
                                       [&](TimePoint t) { return t >= begin && t < end; });
      if (count == 1) continue;
      ++off;
      ASSERT_LE(count, 2) << name << " in interval " << k;
      const bool near_edge = std::any_of(times.begin(), times.end(), [&](TimePoint t) {
        return (t >= begin - edge && t < begin + edge) || (t >= end - edge && t < end + edge);
      });
      EXPECT_TRUE(near_edge) << name << " checked " << count << " times in interval " << k;
    }
    EXPECT_LE(off, static_cast<int>(n / 100) + 2) << "interval " << k;
  }
}

// Consecutive checks of each connection are `interval` apart, within `slack`.
void ExpectGaps(const std::vector<Check>& checks, Duration interval, Duration slack) {
  for (const auto& [name, times] : ByName(checks)) {
    for (std::size_t i = 1; i < times.size(); ++i) {
      const Duration gap = times[i] - times[i - 1];
      ASSERT_GE(gap, interval - slack) << name;
      ASSERT_LE(gap, interval + slack) << name;
    }
  }
}

TEST(CheckPlanTest, TenThousandOverAMinuteAreSpreadEvenly) {
  const Duration interval = seconds(60);
  CheckPlan plan = PlanWith(10000, interval);
  const TimePoint end = kStart + 5 * interval;
  const auto checks = Simulate(plan, kStart, end);

  // All added at once: the first interval is already spread.
  const Spread first = PerSlot(checks, kStart, kStart + interval);
  EXPECT_LE(first.ratio(), 2.0) << first.max << " vs mean " << first.mean;
  const Spread all = PerSlot(checks, kStart, end);
  EXPECT_LE(all.ratio(), 2.0) << all.max << " vs mean " << all.mean;
  RecordProperty("first_interval_max_over_mean", std::to_string(first.ratio()));
  RecordProperty("five_intervals_max_over_mean", std::to_string(all.ratio()));
  std::printf(
      "10k over 60 s: first interval max %d / mean %.1f = %.3f; 5 intervals max %d / "
      "mean %.1f = %.3f\n",
      first.max, first.mean, first.ratio(), all.max, all.mean, all.ratio());

  ExpectOncePerInterval(checks, 10000, kStart, 5, interval, kStep + JitterWidth(interval, 10000));
  ExpectGaps(checks, interval, kStep + JitterWidth(interval, 10000));
  EXPECT_EQ(plan.missed_checks(), 0u);
}

TEST(CheckPlanTest, AfterAnOutageTheNextIntervalIsSpreadAndChecksEachOnce) {
  const Duration interval = seconds(60);
  const std::size_t n = 10000;
  CheckPlan plan = PlanWith(n, interval);
  Simulate(plan, kStart, kStart + 2 * interval);

  // The loop is blocked for three hours: no TakeDue at all.
  const TimePoint back = kStart + 2 * interval + hours(3);
  const auto burst = plan.TakeDue(back, kAll);
  const auto checks = Simulate(plan, back + kStep, back + 3 * interval);

  // Every pending check is more than kLateGrace late: each connection moves
  // to its slot in the interval that starts now. Only one whose new slot is
  // this very millisecond fires.
  EXPECT_LE(burst.size(), 3u);
  EXPECT_EQ(plan.missed_checks(), n);

  std::vector<Check> all;
  for (const auto& name : burst) all.push_back({back, name});
  all.insert(all.end(), checks.begin(), checks.end());
  const Spread recovery = PerSlot(all, back, back + interval);
  EXPECT_LE(recovery.ratio(), 2.0) << recovery.max << " vs mean " << recovery.mean;
  RecordProperty("after_outage_max_over_mean", std::to_string(recovery.ratio()));
  std::printf(
      "after a 3 h outage: first interval max %d / mean %.1f = %.3f; %zu at once, %llu "
      "moved\n",
      recovery.max, recovery.mean, recovery.ratio(), burst.size(),
      static_cast<unsigned long long>(plan.missed_checks()));

  // Each connection once in each interval after recovery.
  ExpectOncePerInterval(all, n, back, 2, interval, kStep + JitterWidth(interval, n));
  ExpectGaps(checks, interval, kStep + JitterWidth(interval, n));
}

TEST(CheckPlanTest, AShortBlockFiresAtMostKLateGraceOfChecks) {
  const Duration interval = seconds(60);
  const std::size_t n = 10000;
  CheckPlan plan = PlanWith(n, interval);
  const TimePoint blocked = kStart + interval;
  Simulate(plan, kStart, blocked);

  // The loop is blocked for 2 s. What was due in its last kLateGrace fires;
  // the rest waits for its slot in the next round.
  const TimePoint back = blocked + seconds(2);
  const auto burst = plan.TakeDue(back, kAll);
  const double per_second = static_cast<double>(n) / 60.0;
  EXPECT_GT(burst.size(), 0u);
  EXPECT_LE(static_cast<double>(burst.size()), per_second * 0.6) << burst.size();
  EXPECT_GT(plan.missed_checks(), 0u);
  EXPECT_LE(static_cast<double>(plan.missed_checks()), per_second * 2) << plan.missed_checks();

  std::vector<Check> all;
  for (const auto& name : burst) all.push_back({back, name});
  const auto rest = Simulate(plan, back + kStep, back + 2 * interval);
  all.insert(all.end(), rest.begin(), rest.end());
  const Spread s = PerSlot(all, back, back + interval);
  EXPECT_LE(s.ratio(), 2.0) << s.max << " vs mean " << s.mean;
  std::printf(
      "after a 2 s block: first interval max %d / mean %.1f = %.3f; %zu at once, %llu "
      "moved\n",
      s.max, s.mean, s.ratio(), burst.size(),
      static_cast<unsigned long long>(plan.missed_checks()));
  // Twice in that interval only for those that fired at `back`: again at
  // their slot one round later.
  for (const auto& [name, times] : ByName(all)) {
    const auto count =
        std::count_if(times.begin(), times.end(), [&](TimePoint t) { return t < back + interval; });
    ASSERT_LE(count, 2) << name;
    if (count == 2) {
      EXPECT_EQ(times[0], back) << name;
      EXPECT_GE(times[1], back + interval - kLateGrace - kStep) << name;
    }
  }
}

TEST(CheckPlanTest, SmallNumbersAreSpreadToo) {
  const Duration interval = seconds(60);
  for (std::size_t n : {1u, 2u, 7u}) {
    SCOPED_TRACE(n);
    CheckPlan plan = PlanWith(n, interval, n);
    const auto checks = Simulate(plan, kStart, kStart + 6 * interval);
    const Duration jitter = JitterWidth(interval, n);
    ExpectOncePerInterval(checks, n, kStart, 6, interval, kStep + jitter);
    ExpectGaps(checks, interval, kStep + jitter);
    // Neighbouring checks (of any connections) are at least I/(2N) apart
    // less the jitter (< I/(4N)) and the loop's step.
    for (std::size_t i = 1; i < checks.size(); ++i) {
      const Duration gap = checks[i].at - checks[i - 1].at;
      EXPECT_GE(gap, interval / (4 * static_cast<std::int64_t>(n)) - kStep);
      EXPECT_LE(gap, 2 * interval / static_cast<std::int64_t>(n) + jitter + kStep);
    }
    EXPECT_EQ(checks.size(), 6 * n);
  }
}

TEST(CheckPlanTest, AddRemoveContains) {
  CheckPlan plan(seconds(60), 1);
  EXPECT_EQ(plan.size(), 0u);
  EXPECT_EQ(plan.NextDue(), std::nullopt);
  plan.Add("a", kStart);
  plan.Add("b", kStart);
  const auto due_a = plan.DueOf("a");
  plan.Add("a", kStart + hours(1));  // present: keeps its schedule
  EXPECT_EQ(plan.DueOf("a"), due_a);
  EXPECT_EQ(plan.size(), 2u);
  EXPECT_TRUE(plan.Contains("a"));
  EXPECT_GE(*plan.DueOf("a"), kStart);
  EXPECT_LT(*plan.DueOf("a"), kStart + seconds(63));
  EXPECT_EQ(plan.NextDue(), std::min(*plan.DueOf("a"), *plan.DueOf("b")));

  plan.Remove("a");
  plan.Remove("nobody");
  EXPECT_FALSE(plan.Contains("a"));
  EXPECT_EQ(plan.DueOf("a"), std::nullopt);
  EXPECT_EQ(plan.size(), 1u);
  // "b" took the freed index: its pending check stays, then its new offset.
  const auto checks = Simulate(plan, kStart, kStart + minutes(4));
  ASSERT_GE(checks.size(), 3u);
  ASSERT_LE(checks.size(), 4u);
  for (const auto& c : checks) EXPECT_EQ(c.name, "b");
  ExpectGaps(checks, seconds(60), seconds(30) + kStep + JitterWidth(seconds(60), 1));

  plan.Remove("b");
  EXPECT_EQ(plan.NextDue(), std::nullopt);
  EXPECT_TRUE(plan.TakeDue(kStart + hours(1), kAll).empty());
}

TEST(CheckPlanTest, RemovingHalfOfTheIntervalKeepsTheRestSpread) {
  const Duration interval = seconds(60);
  CheckPlan plan = PlanWith(1000, interval);
  // The worst case for fixed offsets: remove every connection due in the
  // first half of the round.
  for (std::size_t i = 0; i < 1000; ++i) {
    if (*plan.DueOf(Name(i)) < kStart + interval / 2) plan.Remove(Name(i));
  }
  const std::size_t n = plan.size();
  ASSERT_GT(n, 400u);
  ASSERT_LT(n, 600u);
  const auto checks = Simulate(plan, kStart, kStart + 4 * interval);
  // Connections given a freed index keep their pending check and follow
  // their new offset from the next round on.
  const Spread s = PerSlot(checks, kStart + 2 * interval, kStart + 4 * interval, seconds(10));
  EXPECT_LE(s.ratio(), 1.5) << s.max << " vs mean " << s.mean;
}

TEST(CheckPlanTest, TakeDueReturnsEarliestFirstAndAtMostMax) {
  CheckPlan plan = PlanWith(10, milliseconds(400));
  std::vector<std::pair<TimePoint, std::string>> dues;
  for (std::size_t i = 0; i < 10; ++i) dues.emplace_back(*plan.DueOf(Name(i)), Name(i));
  std::sort(dues.begin(), dues.end());
  EXPECT_EQ(plan.NextDue(), dues[0].first);

  const TimePoint now = kStart + milliseconds(450);
  const auto first = plan.TakeDue(now, 3);
  ASSERT_EQ(first.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(first[i], dues[i].second);
  EXPECT_EQ(plan.NextDue(), dues[3].first);
  const auto rest = plan.TakeDue(now, kAll);
  ASSERT_EQ(rest.size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(rest[i], dues[i + 3].second);
  EXPECT_EQ(plan.missed_checks(), 0u);
}

TEST(CheckPlanTest, ChecksHeldBackTooLongAreMovedNotBurst) {
  const Duration interval = seconds(60);
  CheckPlan plan = PlanWith(10, interval);
  // The loop comes late; missed checks move whatever `max` says.
  const TimePoint now = kStart + seconds(70);
  EXPECT_TRUE(plan.TakeDue(now, 0).empty());
  EXPECT_EQ(plan.missed_checks(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_GE(*plan.DueOf(Name(i)), now);
    EXPECT_LT(*plan.DueOf(Name(i)), now + interval + JitterWidth(interval, 10));
  }
}

TEST(CheckPlanTest, CheckNowIsDueAtOnceThenBackToItsOffset) {
  const Duration interval = seconds(60);
  CheckPlan plan = PlanWith(3, interval);
  Simulate(plan, kStart, kStart + interval + seconds(5));
  const TimePoint scheduled = *plan.DueOf("conn-1");

  const TimePoint now = kStart + interval + seconds(7);
  plan.CheckNow("conn-1", now);
  plan.CheckNow("nobody", now);
  EXPECT_EQ(plan.NextDue(), now);
  EXPECT_EQ(plan.TakeDue(now, kAll), std::vector<std::string>{"conn-1"});
  const TimePoint next = *plan.DueOf("conn-1");
  EXPECT_GE(next, now + interval / 2);
  EXPECT_LE(next, now + 3 * interval / 2);
  // Same offset in its round as before, up to the jitter.
  const Duration shift = ((next - scheduled) % interval + interval) % interval;
  const Duration jitter = JitterWidth(interval, 3);
  EXPECT_TRUE(shift < jitter || shift > interval - jitter) << shift.count();

  // An on-demand check is never "missed", however late the loop takes it.
  plan.CheckNow("conn-2", now);
  EXPECT_EQ(plan.TakeDue(now + hours(2), 1), std::vector<std::string>{"conn-2"});
}

TEST(CheckPlanTest, PostponedConnectionsAreSpreadAfterTheirTime) {
  const Duration interval = seconds(60);
  const std::size_t n = 1000;
  CheckPlan plan = PlanWith(n, interval);
  const TimePoint until = kStart + hours(2);
  for (std::size_t i = 0; i < n; ++i) plan.Postpone(Name(i), until);
  plan.Postpone("nobody", until);
  EXPECT_GE(*plan.NextDue(), until);
  EXPECT_TRUE(plan.TakeDue(until - milliseconds(1), kAll).empty());

  const auto checks = Simulate(plan, until, until + interval + seconds(1));
  ExpectOncePerInterval(checks, n, until, 1, interval, kStep + JitterWidth(interval, n));
  const Spread s = PerSlot(checks, until, until + interval);
  EXPECT_LE(s.ratio(), 2.0) << s.max << " vs mean " << s.mean;
  EXPECT_EQ(plan.missed_checks(), 0u);
}

TEST(CheckPlanTest, ShorterIntervalOnReloadIsSpreadNotBurst) {
  const std::size_t n = 1000;
  const Duration minute = minutes(1);
  CheckPlan plan = PlanWith(n, hours(1));
  const TimePoint reload = kStart + hours(1) + minutes(30);
  const auto before = ByName(Simulate(plan, kStart, reload));  // a round and a half

  plan.SetInterval(minute);
  EXPECT_EQ(plan.interval(), minute);
  const auto checks = Simulate(plan, reload, reload + 3 * minute);
  const Spread s = PerSlot(checks, reload, reload + minute);
  EXPECT_LE(s.ratio(), 2.0) << s.max << " vs mean " << s.mean;
  // In the first new interval: once, or not at all for a connection checked
  // less than half the new interval before the reload.
  const auto after = ByName(checks);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& times = after.at(Name(i));
    const TimePoint last_before = before.at(Name(i)).back();
    const TimePoint first_after = times.front();
    EXPECT_GE(first_after, last_before + minute / 2) << Name(i);
    if (last_before < reload - minute / 2) {
      EXPECT_LE(first_after, reload + minute + kStep + JitterWidth(minute, n)) << Name(i);
    }
  }
  ExpectOncePerInterval(checks, n, reload + minute, 2, minute, kStep + JitterWidth(minute, n));

  // Longer again: nobody is checked sooner than half the new interval.
  plan.SetInterval(hours(1));
  for (std::size_t i = 0; i < n; ++i) {
    const TimePoint last = after.at(Name(i)).back();
    EXPECT_GE(*plan.DueOf(Name(i)), last + minutes(30));
    EXPECT_LT(*plan.DueOf(Name(i)), last + minutes(90) + JitterWidth(hours(1), n));
  }
}

TEST(CheckPlanTest, SameSeedSamePlan) {
  auto run = [](std::uint64_t seed) {
    CheckPlan plan = PlanWith(500, seconds(60), seed);
    plan.CheckNow(Name(7), kStart + seconds(3));
    plan.Postpone(Name(9), kStart + minutes(5));
    std::vector<std::pair<std::int64_t, std::string>> out;
    for (auto& c : Simulate(plan, kStart, kStart + minutes(3))) {
      out.emplace_back(ToUnixMillis(c.at), c.name);
    }
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace xerod::monitor
