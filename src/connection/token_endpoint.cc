// SPDX-License-Identifier: MIT
#include "connection/token_endpoint.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "xerod/ascii.h"
#include "xerod/json_read.h"

namespace xerod::connection {

namespace {
// A token answer is a few kilobytes (JWTs); anything much larger is not one.
constexpr std::size_t kMaxTokenAnswerBytes = 1 << 20;
// Xero's access tokens live 30 minutes; an answer without a usable expires_in
// (absent, not an integer, < 1 s or > 1 day) is taken to mean that.
constexpr std::int64_t kDefaultExpiresIn = 1800;
constexpr std::int64_t kMaxExpiresIn = 24 * 3600;
constexpr std::size_t kMaxOAuthErrorBytes = 64;

// An OAuth error code is short printable ASCII (RFC 6749 5.2: "invalid_grant");
// whatever else an answer carries there is cut and made printable before it
// reaches messages and logs.
std::string ErrorCode(std::string_view error) {
  std::string out(error.substr(0, kMaxOAuthErrorBytes));
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}
}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out.push_back('&');
    out += UrlEncode(k);
    out.push_back('=');
    out += UrlEncode(v);
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string UrlDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}
}  // namespace

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    std::size_t eq = part.find('=');
    if (!part.empty()) {
      out.emplace(UrlDecode(part.substr(0, eq)),
                  eq == std::string_view::npos ? "" : UrlDecode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string Base64Url(std::string_view data) {
  std::string out = Base64(data);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string RandomToken(std::size_t n) {
  std::string raw(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n)) != 1) {
    // The OS CSPRNG is unavailable: a broken system, not an expected failure.
    throw std::runtime_error("RAND_bytes failed");
  }
  return Base64Url(raw);
}

OAuthApp OAuthApp::FromConfig(const XeroConfig& config, Secret client_secret) {
  OAuthApp app;
  app.client_id = config.client_id;
  app.client_secret = std::move(client_secret);
  app.identity_url = config.identity_url;
  app.api_url = config.api_url;
  app.authorize_url = config.authorize_url;
  app.redirect_uri = config.redirect_uri;
  app.scopes = config.scopes;
  app.request_timeout = config.request_timeout;
  app.identity_url = std::string(WithoutTrailingSlashes(app.identity_url));
  app.api_url = std::string(WithoutTrailingSlashes(app.api_url));
  return app;
}

HttpRequest TokenEndpointRequest(const OAuthApp& app, std::string_view path,
                                 const std::vector<std::pair<std::string, std::string>>& form) {
  HttpRequest r;
  r.method = HttpMethod::kPost;
  r.url = app.identity_url + std::string(path);
  std::vector<std::pair<std::string, std::string>> fields = form;
  if (app.client_secret.empty()) {
    fields.emplace_back("client_id", app.client_id);  // a PKCE app has no secret
  } else {
    // Every buffer that held the secret is wiped: the pair, its Base64, the header.
    std::string pair = app.client_id + ":" + app.client_secret.reveal();
    std::string encoded = Base64(pair);
    WipeString(pair);
    std::string header = "Basic " + encoded;
    WipeString(encoded);
    r.Header("Authorization", std::move(header), true);
  }
  r.Header("Content-Type", "application/x-www-form-urlencoded");
  r.Header("Accept", "application/json");
  r.body = FormEncode(fields);
  // Refresh tokens, authorisation codes and PKCE verifiers travel in the body.
  r.secret_body = true;
  for (auto& [name, value] : fields) WipeString(value);
  r.total_timeout = app.request_timeout;
  return r;
}

Error TokenOutcome::ToError() const {
  switch (kind) {
    case Kind::kOk:
      return Error(Code::kInternal, "token request succeeded");
    case Kind::kRejected:
      if (oauth_error == "invalid_grant") {
        return Error(Code::kFailedPrecondition,
                     "invalid_grant: the refresh token is expired, revoked or superseded; "
                     "the connection must be authorised again");
      }
      return Error(Code::kPermissionDenied,
                   fmt::format("token endpoint refused the request: {} (HTTP {})",
                               oauth_error.empty() ? "no error code" : oauth_error, status));
    default:
      return Error(Code::kUnavailable, "token endpoint: " + detail);
  }
}

TokenOutcome ReadTokenResponse(const HttpResponse& response) {
  TokenOutcome out;
  if (!response.ok()) {
    // kConnectTimeout counts as lost too: on a reused keep-alive connection
    // libcurl reports no connect time, so the HTTP layer may call a total
    // timeout after sending a connect timeout. Retrying a refresh with the same
    // token is safe either way. A truncated answer is a transport error
    // (kOther) and so lands here as lost, too.
    bool lost = MaybeSent(response.error) || response.error == HttpError::kConnectTimeout;
    out.kind = lost ? TokenOutcome::Kind::kLost : TokenOutcome::Kind::kUnreachable;
    out.detail = fmt::format("{}: {}", ToString(response.error), response.error_message);
    return out;
  }
  out.status = response.status;
  // Whatever is wrong with a complete answer below is transient: the stored
  // refresh token is kept, and Xero keeps it valid for 30 minutes even if it
  // rotated it.
  out.kind = TokenOutcome::Kind::kServer;
  if (response.body.size() > kMaxTokenAnswerBytes) {
    out.detail = fmt::format("the answer is too large ({} bytes; at most {}) (HTTP {})",
                             response.body.size(), kMaxTokenAnswerBytes, response.status);
    return out;
  }
  nlohmann::json body = json_read::ParseAnswer(response.body);
  if (response.status == 200) {
    if (!body.is_object()) {
      out.detail = body.is_discarded()
                       ? "the answer is not JSON (HTTP 200)"
                       : fmt::format("the answer is {}, not a JSON object (HTTP 200)",
                                     json_read::Describe(&body));
      return out;
    }
    std::optional<std::string> access = json_read::String(body, "access_token");
    if (!access || access->empty()) {
      const nlohmann::json* m = json_read::Member(body, "access_token");
      out.detail = m == nullptr || m->is_string()
                       ? "the answer has no access_token (HTTP 200)"
                       : fmt::format("the answer's access_token is {}, not a string (HTTP 200)",
                                     json_read::Describe(m));
      return out;
    }
    out.kind = TokenOutcome::Kind::kOk;
    out.token.access_token = std::move(*access);
    // Absent or not a string: no refresh token was issued (the store keeps the
    // previous one).
    out.token.refresh_token = json_read::String(body, "refresh_token").value_or("");
    std::int64_t expires = json_read::Integer(body, "expires_in").value_or(kDefaultExpiresIn);
    if (expires < 1 || expires > kMaxExpiresIn) expires = kDefaultExpiresIn;
    out.token.expires_in = std::chrono::seconds(expires);
    out.token.scope = json_read::String(body, "scope").value_or("");
    return out;
  }
  std::optional<std::string> error = json_read::String(body, "error");
  if (response.status >= 400 && response.status < 500 && response.status != 429 && error &&
      !error->empty()) {
    out.kind = TokenOutcome::Kind::kRejected;
    out.oauth_error = ErrorCode(*error);
    out.detail = fmt::format("{} (HTTP {})", out.oauth_error, response.status);
    return out;
  }
  out.detail = fmt::format("HTTP {}", response.status);
  return out;
}

}  // namespace xerod::connection
