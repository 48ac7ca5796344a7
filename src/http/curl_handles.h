// SPDX-License-Identifier: MIT
// RAII owners for libcurl and OpenSSL handles, and libcurl's one-time global
// init; used by src/http and src/mail.
#pragma once

#include <curl/curl.h>
#include <openssl/x509.h>

#include <memory>

#include "xerod/status.h"

namespace xerod::http {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
// Header lines may carry credentials (Authorization): wiped before freed.
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const {
    for (curl_slist* p = l; p != nullptr; p = p->next) {
      volatile char* c = p->data;
      for (; c != nullptr && *c != 0; ++c) *c = 0;
    }
    curl_slist_free_all(l);
  }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

// curl_global_init(CURL_GLOBAL_DEFAULT), once per process; every later call
// returns the first result. libcurl itself is loaded then (curl_loader.cc).
// Call it before any other libcurl function. Thread-safe. Errors: kInternal.
Status CurlGlobalInit();

// Why libcurl could not be loaded ("" when it was, or has not been tried).
const std::string& CurlLoaderError();

}  // namespace xerod::http
