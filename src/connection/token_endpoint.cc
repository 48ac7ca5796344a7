// SPDX-License-Identifier: MIT
#include "connection/token_endpoint.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace xerod::connection {

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

std::string Sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
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
  while (!app.identity_url.empty() && app.identity_url.back() == '/') app.identity_url.pop_back();
  while (!app.api_url.empty() && app.api_url.back() == '/') app.api_url.pop_back();
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
    r.Header("Authorization", "Basic " + Base64(app.client_id + ":" + app.client_secret.reveal()),
             true);
  }
  r.Header("Content-Type", "application/x-www-form-urlencoded");
  r.Header("Accept", "application/json");
  r.body = FormEncode(fields);
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
    // token is safe either way.
    bool lost = MaybeSent(response.error) || response.error == HttpError::kConnectTimeout;
    out.kind = lost ? TokenOutcome::Kind::kLost : TokenOutcome::Kind::kUnreachable;
    out.detail = fmt::format("{}: {}", ToString(response.error), response.error_message);
    return out;
  }
  out.status = response.status;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status == 200 && body.is_object()) {
    try {
      out.token.access_token = body.at("access_token").get<std::string>();
      if (body.contains("refresh_token") && body["refresh_token"].is_string()) {
        out.token.refresh_token = body["refresh_token"].get<std::string>();
      }
      out.token.expires_in = std::chrono::seconds(body.value("expires_in", 1800));
      if (body.contains("scope") && body["scope"].is_string()) {
        out.token.scope = body["scope"].get<std::string>();
      }
      return out;
    } catch (const nlohmann::json::exception&) {
      out.kind = TokenOutcome::Kind::kServer;
      out.detail = "HTTP 200 without a usable access_token";
      return out;
    }
  }
  if (response.status >= 400 && response.status < 500 && response.status != 429 &&
      body.is_object() && body.contains("error") && body["error"].is_string()) {
    out.kind = TokenOutcome::Kind::kRejected;
    out.oauth_error = body["error"].get<std::string>();
    out.detail = fmt::format("{} (HTTP {})", out.oauth_error, response.status);
    return out;
  }
  out.kind = TokenOutcome::Kind::kServer;
  out.detail = fmt::format("HTTP {}", response.status);
  return out;
}

}  // namespace xerod::connection
