// SPDX-License-Identifier: MIT
#include "xerod/rate_limiter.h"

#include <algorithm>
#include <cstdint>

#include "xero/occupancy_window.h"

namespace xerod {

using xero::OccupancyWindow;

struct RateLimiter::Tenant {
  explicit Tenant(const RateLimiterOptions& o)
      : minute(o.minute_window, Duration(0)),
        day(o.day_window, std::min(o.day_granularity, o.day_window)) {}
  OccupancyWindow minute;  // its in_flight() is the tenant's concurrency
  OccupancyWindow day;
  TimePoint paused_until{};
  // Fair sharing of the app-wide window: app slots granted so far (a virtual
  // clock), and until when the tenant counts as waiting for app slots.
  std::int64_t served = 0;
  TimePoint contending_until{};
  bool listed = false;  // in contenders_
};

struct RateLimiter::App {
  explicit App(const RateLimiterOptions& o) : minute(o.minute_window, Duration(0)) {}
  OccupancyWindow minute;
  TimePoint paused_until{};
};

RateLimiter::RateLimiter(XeroLimits limits, RateLimiterOptions options)
    : limits_(limits), options_(options), app_(std::make_unique<App>(options_)) {}

RateLimiter::~RateLimiter() = default;

void RateLimiter::Reconfigure(XeroLimits limits) { limits_ = limits; }

RateLimiter::Tenant& RateLimiter::Get(std::string_view tenant) {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) {
    it = tenants_.emplace(std::string(tenant), std::make_unique<Tenant>(options_)).first;
  }
  return *it->second;
}

void RateLimiter::Forget(std::string_view tenant, TimePoint now) {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  // Calls it still has in flight stay counted app-wide for a window from now.
  app_->minute.Release(now, it->second->minute.in_flight());
  std::erase(contenders_, it->second.get());
  tenants_.erase(it);
}

std::optional<Duration> RateLimiter::TryAcquire(std::string_view tenant, TimePoint now, int n) {
  return Admit(tenant, now, n, Mode::kAcquire);
}

std::optional<Duration> RateLimiter::Peek(std::string_view tenant, TimePoint now, int n) {
  return Admit(tenant, now, n, Mode::kPeek);
}

std::optional<Duration> RateLimiter::Admit(std::string_view tenant, TimePoint now, int n,
                                           Mode mode) {
  if (n <= 0) return std::nullopt;
  if (n > limits_.concurrent || n > limits_.per_minute || n > limits_.per_day ||
      n > limits_.app_per_minute) {
    return Duration::max();
  }
  Tenant& t = Get(tenant);
  Duration wait(0);
  bool blocked = false;
  auto need = [&](Duration d) {
    wait = std::max(wait, d);
    blocked = true;
  };
  auto window = [&](OccupancyWindow& w, int limit) {
    std::optional<Duration> d = w.WaitFor(now, limit, n);
    if (!d) {
      need(options_.busy_retry);  // only a Release can make room
    } else if (d->count() > 0) {
      need(*d);
    }
  };

  // The tenant's own limits first: a tenant they hold back does not compete
  // for app-wide slots.
  if (t.paused_until > now) need(t.paused_until - now);
  if (t.minute.in_flight() + n > limits_.concurrent) need(options_.busy_retry);
  window(t.minute, limits_.per_minute);
  window(t.day, limits_.per_day);
  if (blocked) {
    if (mode == Mode::kAcquire) t.contending_until = now;
    return wait;
  }

  if (app_->paused_until > now) need(app_->paused_until - now);
  window(app_->minute, limits_.app_per_minute);
  if (!blocked) {
    int app_free = limits_.app_per_minute - app_->minute.Occupied(now);
    if (auto fair = AppFairnessWait(t, now, n, app_free)) need(*fair);
  }
  if (blocked) {
    if (mode == Mode::kAcquire) Contend(t, now + wait + options_.contender_grace);
    return wait;
  }
  if (mode == Mode::kPeek) return std::nullopt;

  t.minute.Acquire(n);
  t.day.Acquire(n);
  app_->minute.Acquire(n);
  t.served += n;
  Contend(t, now + options_.contender_grace);
  return std::nullopt;
}

void RateLimiter::Contend(Tenant& t, TimePoint until) {
  t.contending_until = until;
  if (!t.listed) {
    t.listed = true;
    contenders_.push_back(&t);
  }
}

// Start-time fair queueing over the app-wide window: among tenants that want
// app slots (asked recently and are not held back by their own limits), a
// tenant may take a slot only if enough remain for one each for those that have
// been served less. A tenant joining the contest starts at the least-served
// active tenant's count, so idle time does not bank credit.
std::optional<Duration> RateLimiter::AppFairnessWait(Tenant& t, TimePoint now, int n,
                                                     int app_free) {
  int slack = app_free - n;
  if (slack >= static_cast<int>(tenants_.size())) return std::nullopt;  // plenty for all
  // Only the tenants contending now matter: those that asked within the grace.
  // (Walking every known tenant made each call O(tenants): with 10,000
  // organisations the monitor's checks alone cost 2.3 ms each.)
  std::erase_if(contenders_, [now](Tenant* c) {
    if (c->contending_until > now) return false;
    c->listed = false;
    return true;
  });
  if (slack >= static_cast<int>(contenders_.size())) return std::nullopt;  // plenty for them
  bool joining = t.contending_until <= now;
  std::int64_t min_served = INT64_MAX;
  for (const Tenant* other : contenders_) {
    if (other == &t) continue;
    min_served = std::min(min_served, other->served);
  }
  if (joining && min_served != INT64_MAX) t.served = std::max(t.served, min_served);
  int behind = 0;
  for (const Tenant* other : contenders_) {
    if (other != &t && other->served < t.served) ++behind;
  }
  if (slack >= behind) return std::nullopt;
  return options_.fairness_retry;
}

void RateLimiter::Release(std::string_view tenant, TimePoint now, int n) {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  Tenant& t = *it->second;
  n = std::min(n, t.minute.in_flight());
  if (n <= 0) return;
  t.minute.Release(now, n);
  t.day.Release(now, n);
  app_->minute.Release(now, n);
}

void RateLimiter::Abandon(std::string_view tenant, int n) {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return;
  Tenant& t = *it->second;
  n = std::min(n, t.minute.in_flight());
  if (n <= 0) return;
  t.minute.Abandon(n);
  t.day.Abandon(n);
  app_->minute.Abandon(n);
  t.served -= n;
}

void RateLimiter::Observe(std::string_view tenant, const RateHeaders& h, int status,
                          TimePoint now) {
  Tenant& t = Get(tenant);
  const std::string& p = h.problem;
  bool limited = status == 429;
  bool app_problem = limited && (p == "appminute" || p == "app-minute" || p == "app");
  bool day_problem = limited && (p == "day" || p == "daily");
  bool minute_problem = limited && !app_problem && !day_problem;
  // "If the server says fewer remain than we think, trust the server": the
  // server counted `limit - remaining` calls in its window; when that exceeds
  // what we count (released and in-flight calls), the difference is someone
  // else's or slipped past us. Count it until the server's window resets: at
  // Retry-After when the 429 names this window, else (reset time unknown) a
  // full window from now. Our in-flight calls are credited as already counted
  // by the server, so without outside traffic this never adds anything.
  auto lower = [&](OccupancyWindow& w, int limit, std::optional<int> remaining, bool named) {
    if (!remaining) return;
    int server_used = limit - std::min(*remaining, limit);
    int extra = server_used - w.Occupied(now);
    TimePoint until = now + (named && h.retry_after ? *h.retry_after : w.span());
    if (extra > 0) w.Hold(until, extra);
  };
  lower(t.minute, limits_.per_minute, h.minute_remaining, minute_problem);
  lower(t.day, limits_.per_day, h.day_remaining, day_problem);
  lower(app_->minute, limits_.app_per_minute, h.app_minute_remaining, app_problem);

  if (!limited) return;
  if (app_problem) {
    app_->paused_until =
        std::max(app_->paused_until, now + h.retry_after.value_or(options_.minute_backoff));
    return;
  }
  Duration pause = options_.minute_backoff;  // minute, and unknown problems
  if (day_problem) {
    pause = h.retry_after.value_or(options_.day_backoff);
  } else if (p == "concurrent" || p == "concurrency") {
    pause = h.retry_after.value_or(options_.concurrent_backoff);
  } else {
    pause = h.retry_after.value_or(options_.minute_backoff);
  }
  t.paused_until = std::max(t.paused_until, now + pause);
}

RateAllowance RateLimiter::Allowance(std::string_view tenant, TimePoint now) {
  Tenant& t = Get(tenant);
  RateAllowance a;
  a.minute_remaining = std::max(0, limits_.per_minute - t.minute.Occupied(now));
  a.day_remaining = std::max(0, limits_.per_day - t.day.Occupied(now));
  a.app_minute_remaining = std::max(0, limits_.app_per_minute - app_->minute.Occupied(now));
  a.in_flight = t.minute.in_flight();
  TimePoint paused = std::max(t.paused_until, app_->paused_until);
  a.paused_for = paused > now ? paused - now : Duration(0);
  a.next_slot = Peek(tenant, now).value_or(Duration(0));
  a.calls_per_minute = std::min(limits_.per_minute, a.day_remaining);
  return a;
}

}  // namespace xerod
