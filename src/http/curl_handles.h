// SPDX-License-Identifier: MIT
// RAII owners for libcurl and OpenSSL handles used by src/http.
#pragma once

#include <curl/curl.h>
#include <openssl/x509.h>

#include <memory>

namespace xerod::http {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

}  // namespace xerod::http
