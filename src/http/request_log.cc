// SPDX-License-Identifier: MIT
#include "http/request_log.h"

#include <fmt/format.h>

namespace xerod::http {

std::string RedactUrl(std::string_view url) {
  std::string_view rest = url;
  std::string out;
  if (std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    out.append(rest.substr(0, scheme + 3));
    rest.remove_prefix(scheme + 3);
    std::size_t authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    if (std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      rest.remove_prefix(at + 1);
    }
  }
  std::size_t cut = rest.find_first_of("?#");
  out.append(rest.substr(0, cut));
  if (cut != std::string_view::npos) out.append("?...");
  return out;
}

std::string DescribeRequest(const HttpRequest& request) {
  std::string headers;
  for (const HttpRequestHeader& h : request.headers) {
    if (!headers.empty()) headers.append(", ");
    headers.append(h.name);
    headers.append(": ");
    headers.append(IsSensitiveHeader(h) ? std::string_view("<redacted>")
                                        : std::string_view(h.value));
  }
  return fmt::format("{} {} headers={{{}}} body={} bytes", ToString(request.method),
                     RedactUrl(request.url), headers, request.body.size());
}

}  // namespace xerod::http
