// SPDX-License-Identifier: MIT
#include "xerod/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

namespace xerod {
namespace {

// The SHA-256 implementation, looked up in the provider once: a plain
// EVP_sha256() is looked up again on every digest (OpenSSL 3), which costs
// as much as hashing a small document.
const EVP_MD* Md() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // never freed
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// EVP_DigestFinal_ex may write up to EVP_MAX_MD_SIZE bytes; SHA-256 uses 32.
using DigestBuffer = std::array<unsigned char, EVP_MAX_MD_SIZE>;
constexpr unsigned int kDigestSize = 32;

// The digest into `out`; false if libcrypto fails.
bool Digest(std::string_view data, DigestBuffer& out) {
  // One context per thread, re-initialised per digest: no allocation per call.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  return ctx != nullptr && EVP_DigestInit_ex2(ctx.get(), Md(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == kDigestSize;
}

}  // namespace

Result<std::string> Sha256(std::string_view data) {
  DigestBuffer digest;
  if (!Digest(data, digest)) return Fail(Code::kInternal, "SHA-256 failed (libcrypto)");
  return std::string(digest.begin(), digest.begin() + kDigestSize);
}

Result<std::string> Sha256Hex(std::string_view data) {
  DigestBuffer digest;
  if (!Digest(data, digest)) return Fail(Code::kInternal, "SHA-256 failed (libcrypto)");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '\0');
  for (std::size_t i = 0; i < kDigestSize; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace xerod
