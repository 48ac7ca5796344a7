// SPDX-License-Identifier: MIT
// Value types of include/xerod/http_client.h.
#include <cstddef>

#include "xerod/ascii.h"
#include "xerod/http_client.h"
#include "xerod/secret.h"

namespace xerod {

std::string_view ToString(HttpMethod m) {
  switch (m) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPatch:
      return "PATCH";
    case HttpMethod::kDelete:
      return "DELETE";
    case HttpMethod::kHead:
      return "HEAD";
  }
  return "GET";
}

std::string_view ToString(HttpError e) {
  switch (e) {
    case HttpError::kNone:
      return "none";
    case HttpError::kConnectFailed:
      return "connect_failed";
    case HttpError::kConnectTimeout:
      return "connect_timeout";
    case HttpError::kTimeout:
      return "timeout";
    case HttpError::kTlsVerify:
      return "tls_verify";
    case HttpError::kAborted:
      return "aborted";
    case HttpError::kOther:
      return "other";
  }
  return "other";
}

bool MaybeSent(HttpError e) {
  switch (e) {
    case HttpError::kConnectFailed:
    case HttpError::kConnectTimeout:
    case HttpError::kTlsVerify:
      return false;
    case HttpError::kNone:
    case HttpError::kTimeout:
    case HttpError::kAborted:
    case HttpError::kOther:
      return true;
  }
  return true;
}

bool IsSensitiveHeader(const HttpRequestHeader& h) {
  return h.sensitive || HeaderNameEquals(h.name, "Authorization") ||
         HeaderNameEquals(h.name, "Proxy-Authorization") || HeaderNameEquals(h.name, "Cookie");
}

HttpRequestHeader::~HttpRequestHeader() {
  if (IsSensitiveHeader(*this)) WipeString(value);
}

void HttpRequest::WipeSecrets() {
  for (HttpRequestHeader& h : headers) {
    if (IsSensitiveHeader(h)) WipeString(h.value);
  }
  if (secret_body) WipeString(body);
}

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return AsciiEqualsIgnoreCase(a, b);
}

void HttpHeaders::Add(std::string name, std::string value) {
  fields_.push_back({std::move(name), std::move(value)});
}

std::optional<std::string_view> HttpHeaders::Get(std::string_view name) const {
  for (const Field& f : fields_) {
    if (HeaderNameEquals(f.name, name)) return std::string_view(f.value);
  }
  return std::nullopt;
}

HttpClientOptions HttpClientOptions::FromConfig(const XeroConfig& xero) {
  HttpClientOptions o;
  o.connect_timeout = xero.connect_timeout;
  o.request_timeout = xero.request_timeout;
  o.ca_file = xero.ca_file;
  return o;
}

}  // namespace xerod
