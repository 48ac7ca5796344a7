// SPDX-License-Identifier: MIT
//
// When each connection is checked: once per `interval`, the checks spread
// evenly over the interval, without a burst at start, after a reload or after
// the loop was blocked. Pure: the caller passes `now`; no clock, no I/O.
//
// Slots. Time is cut into rounds of `interval` (counted from the Unix epoch).
// Each connection holds a slot index 0..size()-1 and is checked once per round
// at its OFFSET: the van der Corput fraction of its index (bit reversal: 0,
// 1/2, 1/4, 3/4, 1/8, ...), rotated by a seeded amount, times the interval.
// Any prefix 0..N-1 of that sequence leaves gaps between neighbours of either
// I/2^k or I/2^(k+1) (2^k <= N < 2^(k+1)), so N checks are never closer than
// I/(2N), for any N. Remove() keeps the indexes a prefix by giving the freed
// index to the connection holding the last one (its pending check stays
// where it is; it follows the new offset after that check).
//
// Jitter. Each scheduled check but the first lands at its offset plus a
// fresh draw in [0, min(I/(4N), I/20)): checks drift against other periodic
// work, never earlier than the slot, and neighbours cannot swap or meet.
// (The first is not jittered: N is still growing while connections are added.)
//
// Rules (I = interval):
//  - Add(now): first check at the first slot at or after `now`, so N
//    connections added together are spread over [now, now + I).
//  - After a check taken at t: the first slot at or after t + I/2. Taken on
//    time, that is the same offset one round later (no now + I drift). Two
//    checks of a connection are at least I/2 apart, and at most 3I/2 (plus
//    jitter) unless one was missed or postponed.
//  - Missed checks (the outage rule): TakeDue(now) does not return a check
//    that was due more than kLateGrace before `now` (the loop was blocked,
//    TakeDue was not called, `max` held it back); it moves it to its first
//    slot at or after `now` and counts it in missed_checks(). However long
//    the outage, each connection is checked once in the interval that
//    follows, at its own offset; at most kLateGrace's worth of checks (those
//    less late than that) are returned at once. The price: a check missed by
//    a short block waits for its slot in the next round (a gap near 2I).
//  - CheckNow(now): due at `now`, exempt from the outage rule; then as any check.
//  - Postpone(until): the first slot at or after `until` (and at least I/2
//    after the last check), so connections postponed to the same time are
//    spread over the interval that follows it.
//  - SetInterval: every scheduled check is recomputed on the new grid from
//    the connection's last check (or its Add/Postpone time); ones that land
//    in the past are then handled by the outage rule.
//
// Thread-safety: none; one owner (the monitor, on the daemon loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "xerod/clock.h"

namespace xerod::monitor {

// How late a check may be found and still be returned (see "Missed checks").
// Longer than a busy loop's lag, short enough that what fires together after
// an outage stays under one second's worth of checks.
inline constexpr Duration kLateGrace = std::chrono::milliseconds(500);

class CheckPlan {
 public:
  // `interval` > 0 (smaller values are taken as 1 ms). `seed` fixes the
  // rotation of the offsets and the jitter: same seed, same calls, same plan.
  CheckPlan(Duration interval, std::uint64_t seed);

  Duration interval() const { return interval_; }
  // Reload. Same contract as the constructor's `interval`.
  void SetInterval(Duration interval);

  // Adds a connection, first due at its first slot at or after `now`. A name
  // already present keeps its schedule.
  void Add(const std::string& name, TimePoint now);
  // Removes a connection (unknown names are ignored).
  void Remove(const std::string& name);
  bool Contains(const std::string& name) const;
  std::size_t size() const { return entries_.size(); }

  // The earliest scheduled check (possibly in the past); nullopt when empty.
  std::optional<TimePoint> NextDue() const;
  // When `name`'s next check is due; nullopt for an unknown name.
  std::optional<TimePoint> DueOf(const std::string& name) const;

  // The connections due at `now`, earliest first, at most `max`; each is
  // scheduled for its next check as it is returned. Missed checks are moved
  // (see the outage rule) and do not count towards `max`.
  std::vector<std::string> TakeDue(TimePoint now, std::size_t max);

  // An on-demand check: `name` is due at `now`. Unknown names are ignored.
  void CheckNow(const std::string& name, TimePoint now);
  // No scheduled check before `until`. Unknown names are ignored.
  void Postpone(const std::string& name, TimePoint until);

  // Checks moved by the outage rule since construction.
  std::uint64_t missed_checks() const { return missed_checks_; }

 private:
  struct Entry {
    std::string name;
    TimePoint due;
    bool on_demand = false;               // due by CheckNow: no outage rule
    TimePoint not_before;                 // Add time or Postpone's `until`
    std::optional<TimePoint> last_check;  // when TakeDue last returned it
  };

  Duration Offset(std::size_t index) const;
  Duration Jitter();
  // The slot of entries_[index]'s next scheduled check, by the rules above.
  TimePoint Slot(std::size_t index) const;
  // Moves entries_[index] (queued) to Slot(index) + Jitter().
  void Reschedule(std::size_t index);

  Duration interval_;
  std::uint64_t rotation_;  // of the offsets, as a fraction of 2^64
  std::mt19937_64 rng_;
  std::vector<Entry> entries_;  // by index into the spreading sequence
  std::map<std::string, std::size_t, std::less<>> index_;
  std::set<std::pair<TimePoint, std::size_t>> queue_;  // (due, index)
  std::uint64_t missed_checks_ = 0;
};

}  // namespace xerod::monitor
