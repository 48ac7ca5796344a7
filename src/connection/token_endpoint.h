// SPDX-License-Identifier: MIT
// Xero's OAuth 2.0 token endpoint (identity_url/connect/token, /connect/revocation):
// building the form-encoded requests (client auth: HTTP Basic) and reading the
// answers. Private to src/connection. No secret ever reaches an Error message.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xerod/config.h"
#include "xerod/http_client.h"
#include "xerod/secret.h"
#include "xerod/status.h"

namespace xerod::connection {

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string UrlEncode(std::string_view text);
// application/x-www-form-urlencoded body.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);
// Parses a query string ("a=1&b=x%20y"); '+' is a space.
std::map<std::string, std::string> ParseQuery(std::string_view query);
std::string Base64(std::string_view data);
// Base64url without padding (PKCE).
std::string Base64Url(std::string_view data);
// `n` random bytes from the OS CSPRNG, as base64url (no padding).
std::string RandomToken(std::size_t n);

// Endpoints and client credentials of the app.
struct OAuthApp {
  std::string client_id;
  Secret client_secret;  // empty for a PKCE-only app
  std::string identity_url;
  std::string api_url;
  std::string authorize_url;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  Duration request_timeout = std::chrono::seconds(30);

  static OAuthApp FromConfig(const XeroConfig& config, Secret client_secret);
};

// A POST to identity_url + `path` with the form and Basic client auth (sensitive).
HttpRequest TokenEndpointRequest(const OAuthApp& app, std::string_view path,
                                 const std::vector<std::pair<std::string, std::string>>& form);

struct TokenResponse {
  std::string access_token;   // secret
  std::string refresh_token;  // secret; empty when none was issued
  Duration expires_in{0};
  std::string scope;
};

// What a token request came to.
struct TokenOutcome {
  enum class Kind {
    kOk,
    kLost,         // the request may have been processed; the answer never arrived
    kUnreachable,  // not sent (connect failure, TLS) -- nothing happened at Xero
    kServer,       // 5xx / 429 / unparseable answer: transient
    kRejected,     // 4xx with an OAuth error: see `oauth_error`
  };
  Kind kind = Kind::kOk;
  TokenResponse token;
  int status = 0;
  std::string oauth_error;  // "invalid_grant", "invalid_client", ...
  std::string detail;       // human-readable; no secrets

  // The error value for callers (kFailedPrecondition for invalid_grant,
  // kPermissionDenied for other rejections, kUnavailable otherwise).
  Error ToError() const;
};
TokenOutcome ReadTokenResponse(const HttpResponse& response);

}  // namespace xerod::connection
