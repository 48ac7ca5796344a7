// SPDX-License-Identifier: MIT
#include "queue/backoff.h"

#include <algorithm>

namespace xerod::queue {

Duration BackoffCeiling(const QueueConfig& config, int attempt) {
  const std::int64_t cap = std::max<std::int64_t>(config.backoff_cap.count(), 0);
  std::int64_t delay = std::max<std::int64_t>(config.backoff_base.count(), 0);
  for (int i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  return Duration(std::min(delay, cap));
}

Duration RetryDelay(const QueueConfig& config, int attempt, std::optional<Duration> retry_after,
                    std::mt19937_64& rng) {
  if (retry_after) return std::max(*retry_after, Duration(0));
  const Duration ceiling = BackoffCeiling(config, attempt);
  const Duration floor = std::min(kBackoffFloor, ceiling);
  std::uniform_int_distribution<std::int64_t> dist(floor.count(), ceiling.count());
  return Duration(dist(rng));
}

}  // namespace xerod::queue
