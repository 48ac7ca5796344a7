// SPDX-License-Identifier: MIT
// RateLimiter against a simulated strict Xero: discrete-event simulation with
// network and processing delays, simulated time only (FakeClock-free: the
// event queue is the clock).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "xerod/rate_limiter.h"

namespace xerod {
namespace {
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Enforces every limit the way a strict server would, at arrival time: rolling
// windows AND fixed windows with a random per-tenant reset phase, concurrency
// while processing, and the app-wide rolling minute.
class StrictServer {
 public:
  StrictServer(XeroLimits limits, std::mt19937& rng) : limits_(limits), rng_(rng) {}

  struct Verdict {
    bool ok = true;
    std::string problem;
  };

  Verdict Arrive(int tenant, TimePoint t) {
    State& s = state_[tenant];
    if (s.phase.count() < 0) {
      s.phase = milliseconds(std::uniform_int_distribution<int>(0, 59'999)(rng_));
    }
    Verdict v;
    if (s.in_progress >= limits_.concurrent) {
      v = {false, "concurrent"};
    } else if (MinuteUsed(s, t) >= limits_.per_minute) {
      v = {false, "minute"};
    } else if (Rolling(s.day, t, std::chrono::hours(24)) >= limits_.per_day) {
      v = {false, "day"};
    } else if (Rolling(app_, t, minutes(1)) >= limits_.app_per_minute) {
      v = {false, "appminute"};
    }
    if (!v.ok) {
      ++violations_;
      return v;
    }
    s.minute.push_back(t);
    s.day.push_back(t);
    app_.push_back(t);
    ++s.in_progress;
    ++served_[tenant];
    return v;
  }

  // Headers of a response sent at `t`: what remains in each window then.
  HttpHeaders Finish(int tenant, bool was_ok, TimePoint t) {
    State& s = state_[tenant];
    if (was_ok) --s.in_progress;
    HttpHeaders h;
    h.Add("X-MinLimit-Remaining", std::to_string(limits_.per_minute - MinuteUsed(s, t)));
    h.Add("X-DayLimit-Remaining",
          std::to_string(limits_.per_day - Rolling(s.day, t, std::chrono::hours(24))));
    h.Add("X-AppMinLimit-Remaining",
          std::to_string(limits_.app_per_minute - Rolling(app_, t, minutes(1))));
    return h;
  }

  int violations() const { return violations_; }
  std::map<int, int> served() const { return served_; }

 private:
  struct State {
    std::deque<TimePoint> minute, day;
    int in_progress = 0;
    Duration phase{-1};
  };
  static int Rolling(std::deque<TimePoint>& q, TimePoint t, Duration span) {
    while (!q.empty() && q.front() <= t - span) q.pop_front();
    return static_cast<int>(q.size());
  }
  // The stricter of a rolling minute and a fixed minute with the tenant's phase.
  static int MinuteUsed(State& s, TimePoint t) {
    int rolling = Rolling(s.minute, t, minutes(1));
    TimePoint window_start = t - (t.time_since_epoch() - s.phase) % minutes(1);
    int fixed = static_cast<int>(std::count_if(s.minute.begin(), s.minute.end(),
                                               [&](TimePoint a) { return a >= window_start; }));
    return std::max(rolling, fixed);
  }

  XeroLimits limits_;
  std::mt19937& rng_;
  std::map<int, State> state_;
  std::deque<TimePoint> app_;
  std::map<int, int> served_;
  int violations_ = 0;
};

// Each tenant has endless work and asks the limiter whenever it was told to.
class Simulation {
 public:
  Simulation(XeroLimits limits, int tenants, unsigned seed)
      : rng_(seed),
        server_(limits, rng_),
        limiter_(limits),
        wake_at_(static_cast<std::size_t>(tenants)) {
    for (int t = 0; t < tenants; ++t) Wake(t, start_);
  }

  void Run(Duration length) {
    TimePoint end = start_ + length;
    while (!events_.empty() && events_.top().at < end) {
      Event e = events_.top();
      events_.pop();
      switch (e.kind) {
        case Kind::kWake:
          if (wake_at_[static_cast<std::size_t>(e.tenant)] == e.at) OnWake(e.tenant, e.at);
          break;
        case Kind::kArrive: {
          StrictServer::Verdict v = server_.Arrive(e.tenant, e.at);
          Push(e.at + Delay(10, 800), v.ok ? Kind::kRespondOk : Kind::kRespond429, e.tenant);
          break;
        }
        case Kind::kRespondOk:
        case Kind::kRespond429: {
          bool ok = e.kind == Kind::kRespondOk;
          HttpHeaders h = server_.Finish(e.tenant, ok, e.at);
          Push(e.at + Delay(1, 200), ok ? Kind::kReceive : Kind::kReceive429, e.tenant,
               std::move(h));
          break;
        }
        case Kind::kReceive:
        case Kind::kReceive429: {
          std::string name = Name(e.tenant);
          limiter_.Release(name, e.at);
          limiter_.Observe(name, e.headers, e.kind == Kind::kReceive ? 200 : 429, e.at);
          Wake(e.tenant, e.at);
          break;
        }
      }
    }
  }

  const StrictServer& server() const { return server_; }
  int acquire_calls() const { return acquire_calls_; }

 private:
  enum class Kind { kWake, kArrive, kRespondOk, kRespond429, kReceive, kReceive429 };
  struct Event {
    TimePoint at;
    long seq;
    Kind kind;
    int tenant;
    HttpHeaders headers;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  static std::string Name(int t) { return "tenant-" + std::to_string(t); }
  Duration Delay(int lo, int hi) {
    return milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng_));
  }
  void Push(TimePoint at, Kind k, int tenant, HttpHeaders h = {}) {
    events_.push(Event{at, seq_++, k, tenant, std::move(h)});
  }
  void Wake(int tenant, TimePoint at) {
    TimePoint& w = wake_at_[static_cast<std::size_t>(tenant)];
    if (w != TimePoint{} && w <= at) return;  // an earlier wake is pending
    w = at;
    Push(at, Kind::kWake, tenant);
  }
  void OnWake(int tenant, TimePoint now) {
    wake_at_[static_cast<std::size_t>(tenant)] = TimePoint{};
    for (;;) {
      ++acquire_calls_;
      std::optional<Duration> wait = limiter_.TryAcquire(Name(tenant), now);
      if (wait) {
        Wake(tenant, now + *wait);
        return;
      }
      Push(now + Delay(1, 200), Kind::kArrive, tenant);
    }
  }

  std::mt19937 rng_;
  TimePoint start_ = FromUnixMillis(1'780'000'012'345);
  StrictServer server_;
  RateLimiter limiter_;
  std::vector<TimePoint> wake_at_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  long seq_ = 0;
  int acquire_calls_ = 0;
};

XeroLimits DefaultLimits() { return XeroLimits{}; }

TEST(RateLimiterSimTest, OneTenantTenMinutesNeverTripsAndUsesTheAllowance) {
  for (unsigned seed : {1u, 2u, 3u}) {
    Simulation sim(DefaultLimits(), 1, seed);
    sim.Run(minutes(10));
    EXPECT_EQ(sim.server().violations(), 0) << "seed " << seed;
    int served = sim.server().served().at(0);
    std::printf("seed %u: %d calls in 10 simulated minutes (limit 600)\n", seed, served);
    EXPECT_GE(served, 570) << "seed " << seed << ": less than 95% of 10 x 60";
    EXPECT_LE(served, 600) << "seed " << seed;
  }
}

TEST(RateLimiterSimTest, FiveTenantsWithTightDayLimitNeverTrip) {
  XeroLimits limits;
  limits.per_day = 150;  // runs out after 2.5 minutes
  Simulation sim(limits, 5, 7);
  sim.Run(minutes(10));
  EXPECT_EQ(sim.server().violations(), 0);
  for (const auto& [tenant, served] : sim.server().served()) EXPECT_EQ(served, 150) << tenant;
}

TEST(RateLimiterSimTest, TwoHundredTenantsShareASmallAppLimitFairly) {
  XeroLimits limits;
  limits.app_per_minute = 100;  // 200 tenants could do 12,000/min
  Simulation sim(limits, 200, 11);
  sim.Run(minutes(10));
  EXPECT_EQ(sim.server().violations(), 0);
  std::map<int, int> served = sim.server().served();
  ASSERT_EQ(served.size(), 200u) << "some tenants never got a call";
  int lo = INT32_MAX, hi = 0, total = 0;
  for (const auto& [t, n] : served) {
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    total += n;
  }
  std::printf("200 tenants: %d calls (app limit 10 x 100), per tenant min %d max %d\n", total, lo,
              hi);
  EXPECT_GE(total, 900);  // >= 90% of 10 x 100
  EXPECT_LE(total, 1000);
  EXPECT_LE(static_cast<double>(hi) / lo, 1.5) << "min " << lo << " max " << hi;
  EXPECT_LT(sim.acquire_calls(), 200'000);  // refusals carry useful waits, no busy polling
}

}  // namespace
}  // namespace xerod
