// SPDX-License-Identifier: MIT
// An extra CA bundle added to libcurl's default trust store (instead of
// replacing it, which is what CURLOPT_CAINFO would do).
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

#include "http/curl_handles.h"
#include "xerod/status.h"

namespace xerod::http {

class ExtraCa {
 public:
  // Reads every PEM certificate in `path`. kInvalidArgument when the file cannot
  // be read or holds no certificate.
  static Result<ExtraCa> Load(const std::string& path);

  // Installs a CURLOPT_SSL_CTX_FUNCTION on `easy` that adds the certificates to
  // the X509 store libcurl already filled with the system CAs. `this` must
  // outlive every transfer of `easy`.
  void Install(CURL* easy) const;

  std::size_t size() const { return certs_.size(); }
  // The same certificates in the same order (X509_cmp: same DER encoding).
  bool operator==(const ExtraCa& other) const;

 private:
  static CURLcode SslCtxCallback(CURL* easy, void* ssl_ctx, void* userp);
  std::vector<X509Ptr> certs_;
};

}  // namespace xerod::http
