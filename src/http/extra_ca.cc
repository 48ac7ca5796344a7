// SPDX-License-Identifier: MIT
#include "http/extra_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace xerod::http {
namespace {
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
}  // namespace

Result<ExtraCa> ExtraCa::Load(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "r"));
  if (!file) return Fail(Code::kInvalidArgument, "cannot open CA file " + path);
  ExtraCa ca;
  while (X509* cert = PEM_read_X509(file.get(), nullptr, nullptr, nullptr)) {
    ca.certs_.emplace_back(cert);
  }
  ERR_clear_error();  // the loop ends with a "no start line" error at EOF
  if (ca.certs_.empty()) {
    return Fail(Code::kInvalidArgument, "no PEM certificate in CA file " + path);
  }
  return ca;
}

bool ExtraCa::operator==(const ExtraCa& other) const {
  return std::equal(
      certs_.begin(), certs_.end(), other.certs_.begin(), other.certs_.end(),
      [](const X509Ptr& a, const X509Ptr& b) { return X509_cmp(a.get(), b.get()) == 0; });
}

void ExtraCa::Install(CURL* easy) const {
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &ExtraCa::SslCtxCallback);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, const_cast<ExtraCa*>(this));
}

// Called by libcurl (OpenSSL backend) after it loaded the default CA bundle into
// the context's store and before the handshake.
CURLcode ExtraCa::SslCtxCallback(CURL* /*easy*/, void* ssl_ctx, void* userp) {
  const auto* self = static_cast<const ExtraCa*>(userp);
  X509_STORE* store = SSL_CTX_get_cert_store(static_cast<SSL_CTX*>(ssl_ctx));
  if (store == nullptr) return CURLE_SSL_CACERT_BADFILE;
  for (const X509Ptr& cert : self->certs_) {
    // A certificate already present (the store may be shared between contexts
    // through libcurl's CA cache) is not an error.
    if (X509_STORE_add_cert(store, cert.get()) != 1) ERR_clear_error();
  }
  return CURLE_OK;
}

}  // namespace xerod::http
