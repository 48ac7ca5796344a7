// SPDX-License-Identifier: MIT
// Secret-free descriptions of requests for log lines.
#pragma once

#include <string>
#include <string_view>

#include "xerod/http_client.h"

namespace xerod::http {

// The URL without its query string and without user:password@ ("?..." marks a
// removed query): query values may carry codes or tokens.
std::string RedactUrl(std::string_view url);

// "POST https://host/path headers={Authorization: <redacted>, Accept: application/json}
// body=42 bytes". Bodies are never included: form bodies carry refresh_token=,
// client_secret=, code_verifier= and JSON bodies carry customer data.
std::string DescribeRequest(const HttpRequest& request);

}  // namespace xerod::http
