// SPDX-License-Identifier: MIT
// Bookkeeping of one rate-limit window (see include/xerod/rate_limiter.h).
#pragma once

#include <deque>
#include <optional>
#include <utility>

#include "xerod/clock.h"

namespace xerod::xero {

// Counts the calls occupying a window of length `span`: a call occupies it from
// admission (Acquire) until `span` after it ended (Release). Calls in flight
// occupy it until released. Expiry times are rounded up to `granularity`
// (0: exact), which bounds memory for long windows and only ever delays expiry.
class OccupancyWindow {
 public:
  OccupancyWindow(Duration span, Duration granularity) : span_(span), granularity_(granularity) {}

  void Acquire(int n) { in_flight_ += n; }
  // In-flight calls that end now; they stay counted until now + span.
  void Release(TimePoint now, int n);
  // In-flight calls that never happened.
  void Abandon(int n);
  // Counts `n` extra calls until `until` (what the server says we used and we
  // did not see).
  void Hold(TimePoint until, int n);

  // Calls occupying the window at `now` (drops expired entries).
  int Occupied(TimePoint now);
  int in_flight() const { return in_flight_; }
  // Calls released but not yet expired at `now`.
  int Lingering(TimePoint now);

  // Wait until `n` more calls fit under `limit`: 0 if they fit now; nullopt if
  // calls in flight alone leave no room (only a Release can help).
  std::optional<Duration> WaitFor(TimePoint now, int limit, int n);

  Duration span() const { return span_; }

 private:
  void Prune(TimePoint now);
  TimePoint RoundUp(TimePoint t) const;

  Duration span_;
  Duration granularity_;
  int in_flight_ = 0;
  int lingering_ = 0;                               // sum of counts in expiries_
  std::deque<std::pair<TimePoint, int>> expiries_;  // ascending time, count
};

}  // namespace xerod::xero
