// SPDX-License-Identifier: MIT
// ParseRateHeaders: Xero's rate-limit response headers (xero-facts.md §3).
#include <charconv>
#include <string_view>

#include "xerod/rate_limiter.h"

namespace xerod {
namespace {

std::optional<long long> ParseCount(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  std::string_view s = *v;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<int> ParseRemaining(std::optional<std::string_view> v) {
  auto n = ParseCount(v);
  if (!n) return std::nullopt;
  return *n > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(*n);
}

}  // namespace

RateHeaders ParseRateHeaders(const HttpHeaders& headers) {
  RateHeaders r;
  r.minute_remaining = ParseRemaining(headers.Get("X-MinLimit-Remaining"));
  r.day_remaining = ParseRemaining(headers.Get("X-DayLimit-Remaining"));
  r.app_minute_remaining = ParseRemaining(headers.Get("X-AppMinLimit-Remaining"));
  // Retry-After in seconds; capped at two days so a garbage value cannot park a
  // tenant for years. HTTP-date values are not used by Xero and are ignored.
  if (auto secs = ParseCount(headers.Get("Retry-After"))) {
    long long capped = *secs > 172'800 ? 172'800 : *secs;
    r.retry_after = std::chrono::duration_cast<Duration>(std::chrono::seconds(capped));
  }
  if (auto p = headers.Get("X-Rate-Limit-Problem")) {
    for (char c : *p) {
      if (c == ' ' || c == '\t') continue;
      r.problem.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return r;
}

}  // namespace xerod
