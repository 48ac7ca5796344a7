// SPDX-License-Identifier: MIT
#include "xerod/clock.h"

namespace xerod {
namespace {

class RealClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* clock = new RealClock();  // never destroyed: usable during exit
  return *clock;
}

}  // namespace xerod
