// SPDX-License-Identifier: MIT
// Retry delays: exponential backoff with full jitter, overridden by Retry-After.
#pragma once

#include <optional>
#include <random>

#include "xerod/clock.h"
#include "xerod/config.h"

namespace xerod::queue {

// The smallest delay drawn (unless the ceiling is smaller): keeps a retry from
// landing in the same millisecond as the failure it follows.
inline constexpr Duration kBackoffFloor = std::chrono::seconds(1);

// min(cap, base * 2^(attempt-1)) for attempt >= 1, without overflow.
Duration BackoffCeiling(const QueueConfig& config, int attempt);

// The delay before the next try after `attempt` failed: Retry-After when given
// (it wins, it is what Xero asked for), otherwise uniform in
// [min(floor, ceiling), ceiling] ("full jitter", AWS architecture blog 2015).
Duration RetryDelay(const QueueConfig& config, int attempt, std::optional<Duration> retry_after,
                    std::mt19937_64& rng);

}  // namespace xerod::queue
