// SPDX-License-Identifier: MIT
// Random identifiers and the JWTs the simulator issues (access tokens and
// id_tokens), signed RS256 like Xero's, under one RSA key per simulator that
// is published as a JWK set (/.well-known/openid-configuration/jwks).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace xero_sim {

// A random lower-case UUID (version 4), e.g. "7cb59f93-2964-421d-bb5e-a0f7a4572a44".
std::string NewUuid();
// `bytes` random bytes as lower-case hex.
std::string RandomHex(std::size_t bytes);

std::string Base64UrlEncode(std::string_view data);  // no padding
std::optional<std::string> Base64UrlDecode(std::string_view text);
std::string Sha256(std::string_view data);  // raw 32 bytes

// Signs and verifies "header.payload.signature" tokens with RS256 (RSASSA-PKCS1-v1_5,
// SHA-256) under one RSA key. The header is {"alg":"RS256","kid":<kid>,"typ":"JWT"}; the
// kid is the key's RFC 7638 thumbprint. Immutable after construction (copies share the
// key), so a signer may be used from any thread.
class JwtSigner {
 public:
  // A fresh 2048-bit RSA key (takes some tens of milliseconds). Throws on OpenSSL failure.
  static JwtSigner Generate();
  // The key of PrivateKeyPem(); nullopt when `pem` is not an RSA private key.
  static std::optional<JwtSigner> FromPem(std::string_view pem);

  std::string Sign(const nlohmann::json& payload) const;
  // The payload if the header says RS256 and the signature is valid under this key and
  // the payload is a JSON object; else nullopt. Expiry is the caller's business.
  std::optional<nlohmann::json> Verify(std::string_view token) const;
  // The private key as PKCS#8 PEM (for --state).
  std::string PrivateKeyPem() const;
  // The public key as a JWK: {"kty":"RSA","use":"sig","kid","alg":"RS256","n","e"}.
  nlohmann::json Jwk() const;
  const std::string& kid() const { return kid_; }

 private:
  explicit JwtSigner(std::shared_ptr<evp_pkey_st> key);

  std::shared_ptr<evp_pkey_st> key_;
  nlohmann::json jwk_;
  std::string kid_;
  std::string header_;  // base64url of the JOSE header
};

}  // namespace xero_sim
