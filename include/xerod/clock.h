// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>

namespace xerod {

using Duration = std::chrono::milliseconds;
// Wall-clock time as stored in the database: milliseconds since the Unix epoch.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

// Source of "now" for everything that schedules or expires. Injected so tests
// can run days of retries in microseconds (FakeClock in tests/support).
// Implementations must be safe to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real clock. Returns a process-wide instance that lives forever.
Clock& SystemClock();

inline std::int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(std::int64_t ms) { return TimePoint(Duration(ms)); }

}  // namespace xerod
