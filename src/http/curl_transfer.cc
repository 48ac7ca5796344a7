// SPDX-License-Identifier: MIT
#include "http/curl_transfer.h"

#include <fmt/format.h>

#include <string_view>

#include "xerod/secret.h"

namespace xerod::http {
namespace {

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

HttpError Classify(CURLcode result, CURL* easy) {
  switch (result) {
    case CURLE_OK:
      return HttpError::kNone;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:  // TLS handshake failed: nothing was sent
      return HttpError::kConnectFailed;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return HttpError::kTlsVerify;
    case CURLE_OPERATION_TIMEDOUT: {
      // Whether the request may have gone out: curl sets the pre-transfer time once the
      // connection (fresh or reused, TLS included) is ready and sending starts. The connect
      // time alone is no guide: it stays 0 on a reused keep-alive connection.
      curl_off_t pretransfer_us = 0;
      curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
      if (pretransfer_us == 0) return HttpError::kConnectTimeout;
      return HttpError::kTimeout;
    }
    default:
      return HttpError::kOther;
  }
}

}  // namespace

Status CurlTransfer::Configure(const TransferDefaults& defaults) {
  CURL* e = easy_.get();
  std::string_view url = request_.url;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Fail(Code::kInvalidArgument, "URL scheme must be http or https");
  }
  curl_slist* list = nullptr;
  auto append = [&](std::string line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next != nullptr) list = next;
    WipeString(line);  // curl keeps its own copy (wiped by CurlSlistDeleter)
  };
  for (const HttpRequestHeader& h : request_.headers) {
    if (h.name.empty() || HasLineBreak(h.name) || h.name.find(':') != std::string::npos ||
        HasLineBreak(h.value)) {
      CurlSlistDeleter()(list);
      return Fail(Code::kInvalidArgument, "invalid request header (name or value has CR/LF)");
    }
    append(h.value.empty() ? h.name + ";" : h.name + ": " + h.value);
  }
  append("Expect:");  // no 100-continue round trip for bodies > 1 KiB
  header_list_.reset(list);

  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  curl_easy_setopt(e, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_USERAGENT, defaults.user_agent->c_str());
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (defaults.extra_ca != nullptr) defaults.extra_ca->Install(e);
  Duration connect = request_.connect_timeout.value_or(defaults.connect_timeout);
  Duration total = request_.total_timeout.value_or(defaults.request_timeout);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);

  bool with_body = request_.method == HttpMethod::kPost || request_.method == HttpMethod::kPut ||
                   request_.method == HttpMethod::kPatch ||
                   (request_.method == HttpMethod::kDelete && !request_.body.empty());
  if (with_body) {
    // The body lives in request_, which outlives the transfer: no copy.
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_.body.data());
  }
  switch (request_.method) {
    case HttpMethod::kGet:
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
      break;
    case HttpMethod::kHead:
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
      break;
    case HttpMethod::kPost:
      break;
    case HttpMethod::kPut:
    case HttpMethod::kPatch:
    case HttpMethod::kDelete:
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, std::string(ToString(request_.method)).c_str());
      break;
  }
  return Ok();
}

std::size_t CurlTransfer::OnBody(char* data, std::size_t size, std::size_t n, void* userp) {
  auto* self = static_cast<CurlTransfer*>(userp);
  std::size_t bytes = size * n;
  if (self->response_.body.size() + bytes > kMaxResponseBytes) {
    self->body_too_large_ = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  self->response_.body.append(data, bytes);
  return bytes;
}

std::size_t CurlTransfer::OnHeader(char* data, std::size_t size, std::size_t n, void* userp) {
  auto* self = static_cast<CurlTransfer*>(userp);
  std::size_t bytes = size * n;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    self->response_.headers.Clear();  // a new (e.g. after 100 Continue) response starts
    return bytes;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bytes;  // blank line or junk
  self->response_.headers.Add(std::string(Trim(line.substr(0, colon))),
                              std::string(Trim(line.substr(colon + 1))));
  return bytes;
}

HttpResponse CurlTransfer::TakeResponse(CURLcode result) {
  CURL* e = easy_.get();
  HttpResponse r = std::move(response_);
  curl_off_t total_us = 0;
  curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
  r.total_time = Duration(total_us / 1000);
  r.error = Classify(result, e);
  if (r.error == HttpError::kNone) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    return r;
  }
  r.status = 0;
  r.headers.Clear();
  r.body.clear();
  if (body_too_large_) {
    r.error_message = fmt::format("response body larger than {} bytes", kMaxResponseBytes);
  } else if (error_buffer_[0] != '\0') {
    r.error_message = fmt::format("{} ({})", error_buffer_, curl_easy_strerror(result));
  } else {
    r.error_message = curl_easy_strerror(result);
  }
  return r;
}

}  // namespace xerod::http
