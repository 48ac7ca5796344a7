// SPDX-License-Identifier: MIT
//
// HTTP messages as xerod's layers see them: method, headers, request,
// response and why a transfer gave no response. No transport here (see
// xerod/http_client.h), so a header that only reads responses (the rate
// limiter's) does not compile Asio.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xerod/clock.h"

namespace xerod {

enum class HttpMethod { kGet, kPost, kPut, kPatch, kDelete, kHead };
std::string_view ToString(HttpMethod m);

// An ordered list of header fields with case-insensitive lookup. Repeated names
// are kept in order (Get returns the first).
class HttpHeaders {
 public:
  struct Field {
    std::string name;
    std::string value;
  };
  void Add(std::string name, std::string value);
  // First value of `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }
  void Clear() { fields_.clear(); }

 private:
  std::vector<Field> fields_;
};

// Case-insensitive ASCII comparison of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

struct HttpRequestHeader {
  std::string name;
  std::string value;
  // When true the value never reaches a log line or error message. Authorization
  // (and Cookie, Proxy-Authorization) are always treated as sensitive.
  bool sensitive = false;

  // A sensitive value is overwritten before its memory is freed. (Declaring
  // the destructor keeps this an aggregate; copies replace moves, and every
  // copy wipes itself.)
  ~HttpRequestHeader();
};

// Whether `h` carries a secret: its `sensitive` flag, or its name is
// Authorization, Proxy-Authorization or Cookie. Such values never reach a log.
bool IsSensitiveHeader(const HttpRequestHeader& h);

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;  // http:// or https:// only
  std::vector<HttpRequestHeader> headers;
  std::string body;  // sent for POST/PUT/PATCH/DELETE when non-empty (POST/PUT/PATCH always)
  // The body holds a secret (a token request's refresh token): wiped with the request.
  bool secret_body = false;
  // Per-request overrides of the client's defaults.
  std::optional<Duration> connect_timeout;
  std::optional<Duration> total_timeout;

  // Convenience for code built with -Wextra, where designated initializers that
  // skip members warn (-Wmissing-field-initializers).
  static HttpRequest Make(HttpMethod method, std::string url, std::string body = {}) {
    HttpRequest r;
    r.method = method;
    r.url = std::move(url);
    r.body = std::move(body);
    return r;
  }

  // Appends a header; returns *this for chaining.
  HttpRequest& Header(std::string name, std::string value, bool sensitive = false) {
    headers.push_back({std::move(name), std::move(value), sensitive});
    return *this;
  }

  // Overwrites the values of sensitive headers, and the body if secret_body,
  // and empties them. The HTTP client calls it when a transfer ends, so a
  // request that carried a secret leaves no copy of it in freed memory (a
  // sensitive header also wipes itself when destroyed).
  void WipeSecrets();
};

// Why a transfer produced no HTTP response. kNone means `status` is valid.
enum class HttpError {
  kNone,
  kConnectFailed,   // refused, unreachable, DNS, TLS handshake failure: the request was NOT sent
  kConnectTimeout,  // no connection (incl. TLS handshake) within the connect timeout: NOT sent
  kTimeout,         // connected, but no complete response within the total timeout: maybe sent
  kTlsVerify,       // the server's certificate did not verify: NOT sent
  kAborted,         // the client was shut down or destroyed before the transfer ended: maybe sent
  kOther,           // anything else (connection lost mid-response, protocol error): maybe sent
};
std::string_view ToString(HttpError e);

// True when the server may have received (and acted on) the request, i.e. a
// retry of a non-idempotent call must first check whether it took effect.
bool MaybeSent(HttpError e);

struct HttpResponse {
  HttpError error = HttpError::kNone;
  std::string error_message;  // human-readable; never contains header values or bodies
  int status = 0;             // HTTP status; 0 when error != kNone
  HttpHeaders headers;        // of the final response
  std::string body;           // decoded (gzip/deflate already undone)
  Duration total_time{0};     // from start of the transfer to its end

  bool ok() const { return error == HttpError::kNone; }
};

}  // namespace xerod
