// SPDX-License-Identifier: MIT
//
// Client-side enforcement of Xero's API limits, so that xerod never earns a 429:
// per tenant (organisation) N concurrent calls, N calls per minute and per day;
// per app N calls per minute across all tenants (XeroLimits in config.h).
//
// Model: a call occupies a window of length W from the moment it is admitted
// until W after its response arrived (Release). Admitting a call only while
// fewer than `limit` calls occupy the window guarantees that ANY interval of
// length W -- a rolling window, or a fixed window with an unknown reset time,
// measured at the server's arrival time, whatever the network delay -- holds at
// most `limit` calls. See docs/http.md for the argument and for fairness.
//
// Pure logic: no I/O, no clock of its own (every call takes `now`), no locks.
// Thread-safety: none; use it from the loop thread only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/http_message.h"

namespace xerod {

// The rate-limit facts carried by one Xero response.
struct RateHeaders {
  std::optional<int> minute_remaining;      // X-MinLimit-Remaining
  std::optional<int> day_remaining;         // X-DayLimit-Remaining
  std::optional<int> app_minute_remaining;  // X-AppMinLimit-Remaining
  std::optional<Duration> retry_after;      // Retry-After (seconds; HTTP-dates are ignored)
  std::string problem;                      // X-Rate-Limit-Problem, lower-cased ("" if absent)
};
RateHeaders ParseRateHeaders(const HttpHeaders& headers);

struct RateLimiterOptions {
  // Wait suggested when a call is refused because of calls in flight (they free
  // their slot at Release, which the limiter cannot predict): ask again then, or
  // right after a Release.
  Duration busy_retry = std::chrono::milliseconds(100);
  // Wait suggested to a tenant held back so that less-served tenants get the
  // last app-wide slots first.
  Duration fairness_retry = std::chrono::milliseconds(50);
  // A tenant counts as waiting for app-wide slots until this long after the
  // time it was told to come back; then its reservation lapses.
  Duration contender_grace = std::chrono::seconds(1);
  // Pauses after a 429 without Retry-After (Xero sends none for the
  // concurrent and app-minute limits, or for unknown problems).
  Duration minute_backoff = std::chrono::seconds(60);
  Duration concurrent_backoff = std::chrono::seconds(1);
  Duration day_backoff = std::chrono::hours(1);
  // Day-window bookkeeping granularity (expiries are rounded UP to it).
  Duration day_granularity = std::chrono::minutes(1);
  // Xero's windows. Shorter only to model a simulator whose windows were
  // shortened (tests and benchmarks against xero-sim's /_sim/limits).
  Duration minute_window = std::chrono::minutes(1);
  Duration day_window = std::chrono::hours(24);
};

// What a tenant may still do, for the UI and ETAs.
struct RateAllowance {
  int minute_remaining = 0;      // calls admissible in the current minute window
  int day_remaining = 0;         // ... day window
  int app_minute_remaining = 0;  // ... app-wide minute window
  int in_flight = 0;             // admitted and not yet released
  Duration paused_for{0};        // time left of a Retry-After pause (tenant or app)
  Duration next_slot{0};         // 0 when a call is admissible now, else the wait
  // Sustainable rate for an ETA: min(per-minute limit, what the day still allows).
  int calls_per_minute = 0;
};

class RateLimiter {
 public:
  explicit RateLimiter(XeroLimits limits, RateLimiterOptions options = {});
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // New limits (config reload). Calls already counted stay counted.
  void Reconfigure(XeroLimits limits);
  const XeroLimits& limits() const { return limits_; }

  // Admits `n` calls for `tenant` (all or none). nullopt: admitted; the calls
  // now count toward every window and toward concurrency until Release().
  // Otherwise the time after which asking again can succeed (a hint when the
  // obstacle is calls in flight). Duration::max() when n exceeds a configured
  // limit and can never be admitted.
  std::optional<Duration> TryAcquire(std::string_view tenant, TimePoint now, int n = 1);

  // Like TryAcquire, but admits nothing: for the scheduler's "could I send n now?".
  std::optional<Duration> Peek(std::string_view tenant, TimePoint now, int n = 1);

  // `n` admitted calls ended (response, or transport error after which the server
  // may have seen them). They stay counted for one window from `now`.
  void Release(std::string_view tenant, TimePoint now, int n = 1);

  // `n` admitted calls were never sent (e.g. the token refresh before them
  // failed): they stop counting at once.
  void Abandon(std::string_view tenant, int n = 1);

  // Learns from a response: lowers our estimates when the server reports fewer
  // remaining calls than we think, and obeys 429 + Retry-After (tenant-wide for
  // minute/day/unknown problems, app-wide for "appminute"). Call after Release.
  void Observe(std::string_view tenant, const RateHeaders& headers, int status, TimePoint now);
  void Observe(std::string_view tenant, const HttpHeaders& headers, int status, TimePoint now) {
    Observe(tenant, ParseRateHeaders(headers), status, now);
  }

  RateAllowance Allowance(std::string_view tenant, TimePoint now);

  // Drops all state of a tenant (disconnected organisation). Its calls in
  // flight stay counted app-wide for one window from `now`.
  void Forget(std::string_view tenant, TimePoint now);

 private:
  struct Tenant;
  struct App;
  enum class Mode { kAcquire, kPeek };
  std::optional<Duration> Admit(std::string_view tenant, TimePoint now, int n, Mode mode);
  Tenant& Get(std::string_view tenant);
  // Marks `t` as contending for app slots until `until`.
  void Contend(Tenant& t, TimePoint until);
  std::optional<Duration> AppFairnessWait(Tenant& t, TimePoint now, int n, int app_free);

  XeroLimits limits_;
  RateLimiterOptions options_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;
  // Tenants that asked for app slots within the contender grace (pruned lazily).
  std::vector<Tenant*> contenders_;
  std::unique_ptr<App> app_;
};

}  // namespace xerod
