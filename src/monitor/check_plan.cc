// SPDX-License-Identifier: MIT
#include "monitor/check_plan.h"

#include <algorithm>

namespace xerod::monitor {
namespace {

constexpr Duration kMinInterval(1);

Duration ValidInterval(Duration interval) { return std::max(interval, kMinInterval); }

// The van der Corput sequence in base 2 as 64-bit fractions.
std::uint64_t ReverseBits(std::uint64_t x) {
  std::uint64_t r = 0;
  for (int i = 0; i < 64; ++i, x >>= 1) r = (r << 1) | (x & 1);
  return r;
}

// floor(a / b) for b > 0.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// The first time at or after `t` that is `offset` into a round of `interval`.
TimePoint SlotAtOrAfter(Duration interval, Duration offset, TimePoint t) {
  const std::int64_t i = interval.count();
  const std::int64_t x = ToUnixMillis(t) - offset.count();
  const std::int64_t round = FloorDiv(x + i - 1, i);
  return FromUnixMillis(round * i + offset.count());
}

}  // namespace

CheckPlan::CheckPlan(Duration interval, std::uint64_t seed)
    : interval_(ValidInterval(interval)), rng_(seed) {
  rotation_ = rng_();
}

void CheckPlan::SetInterval(Duration interval) {
  interval_ = ValidInterval(interval);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].on_demand) Reschedule(i);
  }
}

void CheckPlan::Add(const std::string& name, TimePoint now) {
  auto [it, added] = index_.try_emplace(name, entries_.size());
  if (!added) return;
  const std::size_t i = it->second;
  entries_.emplace_back();
  entries_[i].name = name;
  entries_[i].not_before = now;
  entries_[i].due = Slot(i);
  queue_.insert({entries_[i].due, i});
}

void CheckPlan::Remove(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  const std::size_t freed = it->second;
  const std::size_t last = entries_.size() - 1;
  queue_.erase({entries_[freed].due, freed});
  index_.erase(it);
  if (freed != last) {
    // The last index moves into the hole so the indexes stay a prefix; its
    // pending check keeps its time.
    queue_.erase({entries_[last].due, last});
    entries_[freed] = std::move(entries_[last]);
    index_[entries_[freed].name] = freed;
    queue_.insert({entries_[freed].due, freed});
  }
  entries_.pop_back();
}

bool CheckPlan::Contains(const std::string& name) const { return index_.contains(name); }

std::optional<TimePoint> CheckPlan::NextDue() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.begin()->first;
}

std::optional<TimePoint> CheckPlan::DueOf(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return entries_[it->second].due;
}

std::vector<std::string> CheckPlan::TakeDue(TimePoint now, std::size_t max) {
  std::vector<std::string> due;
  while (!queue_.empty() && queue_.begin()->first <= now) {
    const std::size_t i = queue_.begin()->second;
    Entry& e = entries_[i];
    const bool missed = !e.on_demand && e.due + kLateGrace < now;
    if (!missed && due.size() >= max) break;
    if (missed) {
      ++missed_checks_;
      e.not_before = now;
    } else {
      due.push_back(e.name);
      e.last_check = now;
      e.on_demand = false;
    }
    Reschedule(i);
  }
  return due;
}

void CheckPlan::CheckNow(const std::string& name, TimePoint now) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  Entry& e = entries_[it->second];
  queue_.erase({e.due, it->second});
  e.on_demand = true;
  e.due = now;
  queue_.insert({e.due, it->second});
}

void CheckPlan::Postpone(const std::string& name, TimePoint until) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  entries_[it->second].on_demand = false;
  entries_[it->second].not_before = until;
  Reschedule(it->second);
}

Duration CheckPlan::Offset(std::size_t index) const {
  const std::uint64_t fraction = ReverseBits(index) + rotation_;  // mod 2^64
  // 53 bits of the fraction are plenty for milliseconds.
  const double offset =
      static_cast<double>(fraction) * 0x1p-64 * static_cast<double>(interval_.count());
  return std::min(Duration(static_cast<std::int64_t>(offset)), interval_ - Duration(1));
}

Duration CheckPlan::Jitter() {
  const auto n = static_cast<std::int64_t>(std::max<std::size_t>(entries_.size(), 1));
  const std::int64_t width = std::min(interval_.count() / (4 * n), interval_.count() / 20);
  if (width <= 1) return Duration(0);
  return Duration(std::uniform_int_distribution<std::int64_t>(0, width - 1)(rng_));
}

TimePoint CheckPlan::Slot(std::size_t index) const {
  const Entry& e = entries_[index];
  TimePoint earliest = e.not_before;
  if (e.last_check) earliest = std::max(earliest, *e.last_check + interval_ / 2);
  return SlotAtOrAfter(interval_, Offset(index), earliest);
}

void CheckPlan::Reschedule(std::size_t index) {
  Entry& e = entries_[index];
  queue_.erase({e.due, index});
  e.due = Slot(index) + Jitter();
  queue_.insert({e.due, index});
}

}  // namespace xerod::monitor
