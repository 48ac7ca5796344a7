// SPDX-License-Identifier: MIT
// One libcurl transfer: the request, its easy handle options and the response
// being filled in by curl's write/header callbacks.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "http/curl_handles.h"
#include "http/extra_ca.h"
#include "xerod/http_client.h"

namespace xerod::http {

struct TransferDefaults {
  Duration connect_timeout;
  Duration request_timeout;
  const std::string* user_agent = nullptr;
  const ExtraCa* extra_ca = nullptr;  // may be null
};

class CurlTransfer {
 public:
  CurlTransfer(HttpRequest request, HttpCallback done, CurlEasy easy)
      : request_(std::move(request)), done_(std::move(done)), easy_(std::move(easy)) {}
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  // The request's secrets (credentials, a token request's body) are wiped.
  ~CurlTransfer() { request_.WipeSecrets(); }

  // Sets every option on the easy handle (after curl_easy_reset). Fails with
  // kInvalidArgument for a request curl must not see (CR/LF in a header, bad
  // scheme); the message names the header, never its value.
  Status Configure(const TransferDefaults& defaults);

  // Builds the response once curl reported the transfer done with `result`.
  HttpResponse TakeResponse(CURLcode result);

  CURL* easy() const { return easy_.get(); }
  CurlEasy ReleaseEasy() { return std::move(easy_); }
  HttpCallback TakeCallback() { return std::move(done_); }
  const HttpRequest& request() const { return request_; }

 private:
  static std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* userp);
  static std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* userp);

  HttpRequest request_;
  HttpCallback done_;
  CurlEasy easy_;
  CurlSlist header_list_;
  HttpResponse response_;
  bool body_too_large_ = false;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

// Largest response body accepted; bigger ones fail with HttpError::kOther
// (after sending: a write's outcome is then unknown and looked up). Xero's
// largest answers (a page of 1,000 contacts, 100 invoices with their lines)
// are a few MiB; the cap bounds what a wrong or hostile answer can take.
inline constexpr std::size_t kMaxResponseBytes = 16u << 20;

}  // namespace xerod::http
