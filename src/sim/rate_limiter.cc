// SPDX-License-Identifier: MIT
#include "sim/rate_limiter.h"

#include <algorithm>

namespace xero_sim {

ConcurrencySlot::~ConcurrencySlot() { limiter_->Release(tenant_); }

void RateLimiter::Roll(Window& w, TimePoint now, std::chrono::seconds length) {
  if (w.count == 0 || now >= w.start + length || now < w.start) {
    w.start = now;
    w.count = 0;
  }
}

long RateLimiter::SecondsLeft(const Window& w, TimePoint now, std::chrono::seconds length) {
  auto left = w.start + length - now;
  auto secs = std::chrono::ceil<std::chrono::seconds>(left).count();
  return std::max<long>(1, static_cast<long>(secs));
}

Admission RateLimiter::Admit(const std::string& tenant, const std::string& app) {
  TimePoint now = clock_.Now();
  TenantState& t = tenants_[tenant];
  Window& a = apps_[app];
  Roll(t.minute, now, config_.window);
  Roll(t.day, now, config_.day_window);
  Roll(a, now, config_.window);

  Admission result;
  if (config_.enabled) {
    if (t.in_flight >= config_.concurrent) {
      result.problem = "concurrent";
    } else if (t.day.count >= config_.per_day) {
      result.problem = "day";
      result.retry_after = SecondsLeft(t.day, now, config_.day_window);
    } else if (t.minute.count >= config_.per_minute) {
      result.problem = "minute";
      result.retry_after = SecondsLeft(t.minute, now, config_.window);
    } else if (a.count >= config_.app_per_minute) {
      result.problem = "appminute";
    }
  }
  if (result.problem.empty()) {
    result.allowed = true;
    ++t.minute.count;
    ++t.day.count;
    ++a.count;
    ++t.in_flight;
    result.slot = std::make_unique<ConcurrencySlot>(this, tenant);
  }
  // With limits off there is no limit to report: remaining-counts would make a client that
  // learns from them (as xerod's does) throttle itself against limits nobody enforces.
  if (!config_.enabled) return result;
  auto remaining = [](long limit, long used) { return std::to_string(std::max(0L, limit - used)); };
  result.headers = {{"X-DayLimit-Remaining", remaining(config_.per_day, t.day.count)},
                    {"X-MinLimit-Remaining", remaining(config_.per_minute, t.minute.count)},
                    {"X-AppMinLimit-Remaining", remaining(config_.app_per_minute, a.count)}};
  if (!result.allowed) {
    result.headers.emplace_back("X-Rate-Limit-Problem", result.problem);
    if (result.retry_after >= 0) {
      result.headers.emplace_back("Retry-After", std::to_string(result.retry_after));
    }
  }
  return result;
}

void RateLimiter::Release(const std::string& tenant) {
  auto it = tenants_.find(tenant);
  if (it != tenants_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void RateLimiter::Configure(const LimitConfig& config) {
  config_ = config;
  for (auto& [id, t] : tenants_) {
    t.minute = Window{};
    t.day = Window{};
  }
  apps_.clear();
}

long RateLimiter::InFlight(const std::string& tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? 0 : it->second.in_flight;
}

nlohmann::json RateLimiter::ConfigJson() const {
  return {{"concurrent", config_.concurrent},
          {"per_minute", config_.per_minute},
          {"per_day", config_.per_day},
          {"app_per_minute", config_.app_per_minute},
          {"window_seconds", config_.window.count()},
          {"day_window_seconds", config_.day_window.count()},
          {"enabled", config_.enabled}};
}

}  // namespace xero_sim
