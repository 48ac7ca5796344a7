// SPDX-License-Identifier: MIT
// Xero's API rate limits: per tenant 5 concurrent calls, 60 per minute, 5000
// per day; per app 10,000 per minute. Windows are fixed (not rolling) and
// start at each tenant's first call, so they "reset at different times for
// each tenant". Every admitted call gets X-MinLimit-Remaining,
// X-DayLimit-Remaining and X-AppMinLimit-Remaining; a refused one gets 429
// with X-Rate-Limit-Problem (minute | day | appminute | concurrent) and, for
// minute and day only (as Xero), Retry-After in seconds.
// Not thread-safe: io_context thread only.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/sim_clock.h"

namespace xero_sim {

struct LimitConfig {
  long concurrent = 5;
  long per_minute = 60;
  long per_day = 5000;
  long app_per_minute = 10000;
  std::chrono::seconds window{60};
  std::chrono::seconds day_window{86400};
  bool enabled = true;  // false: nothing is refused (headers still sent)
};

class RateLimiter;

// Holds one of a tenant's concurrent-call slots; releases it on destruction.
// Must not outlive the RateLimiter.
class ConcurrencySlot {
 public:
  ConcurrencySlot(RateLimiter* limiter, std::string tenant)
      : limiter_(limiter), tenant_(std::move(tenant)) {}
  ~ConcurrencySlot();
  ConcurrencySlot(const ConcurrencySlot&) = delete;
  ConcurrencySlot& operator=(const ConcurrencySlot&) = delete;

 private:
  RateLimiter* limiter_;
  std::string tenant_;
};

struct Admission {
  bool allowed = false;
  std::string problem;    // set when refused
  long retry_after = -1;  // seconds; -1 when no Retry-After is sent
  std::vector<std::pair<std::string, std::string>> headers;  // X-*Limit-Remaining (+ 429 ones)
  std::unique_ptr<ConcurrencySlot> slot;                     // set when allowed
};

class RateLimiter {
 public:
  explicit RateLimiter(const SimClock& clock) : clock_(clock) {}

  // Admits or refuses one call for `tenant` by app `app`. Refused calls do not count.
  Admission Admit(const std::string& tenant, const std::string& app);

  const LimitConfig& config() const { return config_; }
  // Applies a new configuration and starts fresh windows.
  void Configure(const LimitConfig& config);
  long InFlight(const std::string& tenant) const;
  nlohmann::json ConfigJson() const;

 private:
  friend class ConcurrencySlot;
  struct Window {
    TimePoint start{};
    long count = 0;
  };
  struct TenantState {
    Window minute;
    Window day;
    long in_flight = 0;
  };
  // Starts a new fixed window if the old one has ended.
  static void Roll(Window& w, TimePoint now, std::chrono::seconds length);
  static long SecondsLeft(const Window& w, TimePoint now, std::chrono::seconds length);
  void Release(const std::string& tenant);

  const SimClock& clock_;
  LimitConfig config_;
  std::unordered_map<std::string, TenantState> tenants_;
  std::unordered_map<std::string, Window> apps_;
};

}  // namespace xero_sim
