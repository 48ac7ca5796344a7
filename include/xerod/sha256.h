// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4), computed by OpenSSL's libcrypto (which uses the CPU's
// SHA extensions or AVX2 where present): the queue's content hashes and the
// PKCE code challenge.
#pragma once

#include <string>
#include <string_view>

#include "xerod/status.h"

namespace xerod {

// The 32-byte digest of `data`. Thread-safe: each thread keeps its own digest
// context. Errors: kInternal if libcrypto fails.
Result<std::string> Sha256(std::string_view data);

// Its lower-case hex form (64 characters).
Result<std::string> Sha256Hex(std::string_view data);

}  // namespace xerod
