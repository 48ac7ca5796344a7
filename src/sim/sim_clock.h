// SPDX-License-Identifier: MIT
// The simulator's notion of "now": real time plus a settable offset, so tests
// can jump over token lifetimes, rate-limit windows and idempotency windows
// (POST /_sim/clock) while real time keeps flowing on top.
// Not thread-safe: used only from the server's io_context thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace xero_sim {

using TimePoint = std::chrono::system_clock::time_point;

// Milliseconds since the Unix epoch, as the saved state (--state-file) keeps times.
inline std::int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromUnixMillis(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

class SimClock {
 public:
  TimePoint Now() const { return std::chrono::system_clock::now() + offset_; }
  // Moves the sim's time forward (or backward for negative values).
  void Advance(std::chrono::system_clock::duration d) { offset_ += d; }
  // Makes Now() return `t` at this instant; time keeps flowing afterwards.
  void Set(TimePoint t) { offset_ = t - std::chrono::system_clock::now(); }
  std::chrono::system_clock::duration offset() const { return offset_; }
  void set_offset(std::chrono::system_clock::duration d) { offset_ = d; }

 private:
  std::chrono::system_clock::duration offset_{0};
};

}  // namespace xero_sim
