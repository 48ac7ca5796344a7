// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4) for content hashes; small and dependency-free.
#pragma once

#include <string>
#include <string_view>

namespace xerod::queue {

// Lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace xerod::queue
