// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4) content hashes, computed by OpenSSL's libcrypto (which
// uses the CPU's SHA extensions or AVX2 where present).
#pragma once

#include <string>
#include <string_view>

#include "xerod/status.h"

namespace xerod::queue {

// Lower-case hex digest of `data` (64 characters). Thread-safe: each thread
// keeps its own digest context. Errors: kInternal if libcrypto fails.
Result<std::string> Sha256Hex(std::string_view data);

}  // namespace xerod::queue
