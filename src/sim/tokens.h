// SPDX-License-Identifier: MIT
// Random identifiers and the JWT-shaped access tokens the simulator issues.
// Tokens are signed with HMAC-SHA256 under a per-simulator secret (Xero uses
// RS256; clients must treat access tokens as opaque, so only the shape matters).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace xero_sim {

// A random lower-case UUID (version 4), e.g. "7cb59f93-2964-421d-bb5e-a0f7a4572a44".
std::string NewUuid();
// `bytes` random bytes as lower-case hex.
std::string RandomHex(std::size_t bytes);

std::string Base64UrlEncode(std::string_view data);  // no padding
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Sha256(std::string_view data);                            // raw 32 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes

// Signs and verifies "header.payload.signature" tokens. Not thread-safe only in
// the sense that the secret must not change while in use.
class JwtSigner {
 public:
  explicit JwtSigner(std::string secret) : secret_(std::move(secret)) {}
  std::string Sign(const nlohmann::json& payload) const;
  // The payload if the signature is valid and the payload is a JSON object; else nullopt.
  // Expiry is the caller's business.
  std::optional<nlohmann::json> Verify(std::string_view token) const;
  const std::string& secret() const { return secret_; }

 private:
  std::string secret_;
};

}  // namespace xero_sim
