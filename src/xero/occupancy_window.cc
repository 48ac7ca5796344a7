// SPDX-License-Identifier: MIT
#include "xero/occupancy_window.h"

#include <algorithm>

namespace xerod::xero {

TimePoint OccupancyWindow::RoundUp(TimePoint t) const {
  if (granularity_.count() <= 0) return t;
  auto g = granularity_.count();
  auto ms = t.time_since_epoch().count();
  auto rem = ((ms % g) + g) % g;
  return rem == 0 ? t : TimePoint(Duration(ms - rem + g));
}

void OccupancyWindow::Hold(TimePoint until, int n) {
  if (n <= 0) return;
  until = RoundUp(until);
  lingering_ += n;
  if (expiries_.empty() || expiries_.back().first < until) {
    expiries_.emplace_back(until, n);
    return;
  }
  if (expiries_.back().first == until) {
    expiries_.back().second += n;
    return;
  }
  // Out of order (a shorter hold, or the clock went back): keep the deque sorted.
  auto it = std::lower_bound(expiries_.begin(), expiries_.end(), until,
                             [](const auto& e, TimePoint t) { return e.first < t; });
  if (it != expiries_.end() && it->first == until) {
    it->second += n;
  } else {
    expiries_.insert(it, {until, n});
  }
}

void OccupancyWindow::Release(TimePoint now, int n) {
  n = std::min(n, in_flight_);
  if (n <= 0) return;
  in_flight_ -= n;
  Hold(now + span_, n);
}

void OccupancyWindow::Abandon(int n) { in_flight_ -= std::min(std::max(n, 0), in_flight_); }

void OccupancyWindow::Prune(TimePoint now) {
  while (!expiries_.empty() && expiries_.front().first <= now) {
    lingering_ -= expiries_.front().second;
    expiries_.pop_front();
  }
}

int OccupancyWindow::Occupied(TimePoint now) {
  Prune(now);
  return in_flight_ + lingering_;
}

int OccupancyWindow::Lingering(TimePoint now) {
  Prune(now);
  return lingering_;
}

std::optional<Duration> OccupancyWindow::WaitFor(TimePoint now, int limit, int n) {
  int excess = Occupied(now) + n - limit;  // entries that must expire first
  if (excess <= 0) return Duration(0);
  if (excess > lingering_) return std::nullopt;
  for (const auto& [when, count] : expiries_) {
    excess -= count;
    if (excess <= 0) return when - now;
  }
  return std::nullopt;  // unreachable: excess <= lingering_
}

}  // namespace xerod::xero
