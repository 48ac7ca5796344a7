// SPDX-License-Identifier: MIT
// The `xero:` section: OAuth client, endpoints, timeouts and rate limits.
#include <unistd.h>

#include <filesystem>
#include <set>
#include <system_error>

#include "config/config_tree.h"
#include "config/validators.h"

namespace xerod::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using Node = YAML::Node;

constexpr const char* kLoopbackNote = "loopback hosts (127.0.0.0/8, ::1, localhost)";

// An endpoint of Xero (or of a simulator on loopback): https, or http on loopback.
std::optional<std::string> ReadEndpoint(Reader& r, const Node& v, const std::string& p) {
  auto s = r.String(v, p);
  if (!s) return std::nullopt;
  auto url = ParseUrl(*s);
  if (!url) {
    r.Error(v, p, "URL " + url.error().message() + " (got " + Reader::Describe(v) + ")");
    return std::nullopt;
  }
  if (url->scheme == "https") return s;
  if (url->scheme == "http") {
    if (IsLoopbackHost(*url)) return s;
    r.Error(v, p,
            std::string("must use https; http is allowed only on ") + kLoopbackNote + " (got " +
                Reader::Describe(v) + ")");
    return std::nullopt;
  }
  r.Error(v, p, "must be an https:// URL (got " + Reader::Describe(v) + ")");
  return std::nullopt;
}

void ReadLimits(Reader& r, const Node& node, const std::string& path, XeroLimits& l) {
  // Upper bounds are Xero's own limits per organisation/app; going above them only earns 429s.
  auto int_key = [&](int& field, long long max) {
    return [&r, &field, max](const Node&, const Node& v, const std::string& p) {
      if (auto i = r.Int(v, p, 1, max)) field = static_cast<int>(*i);
    };
  };
  r.Map(node, path,
        {{"concurrent", int_key(l.concurrent, 5)},
         {"per_minute", int_key(l.per_minute, 60)},
         {"per_day", int_key(l.per_day, 5000)},
         {"app_per_minute", int_key(l.app_per_minute, 10000)}});
}

}  // namespace

void ReadXero(Reader& r, const Node& node, const std::string& path, XeroConfig& x) {
  auto endpoint = [&](std::string& field) {
    return [&r, &field](const Node&, const Node& v, const std::string& p) {
      if (auto s = ReadEndpoint(r, v, p)) field = *s;
    };
  };
  r.Map(node, path,
        {{"client_id",
          [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s) return;
            if (!s->empty() && !IsPrintableToken(*s)) {
              r.Error(v, p,
                      "expected a client id without spaces, at most 200 characters (got " +
                          Reader::Describe(v) + ")");
              return;
            }
            x.client_id = *s;
          }},
         {"client_secret_file",
          [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s) return;
            if (!s->empty()) CheckSecretRef(r, v, p, *s);
            x.client_secret_file = *s;
          }},
         {"redirect_uri",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto s = ReadEndpoint(r, v, p)) x.redirect_uri = *s;
          }},
         {"scopes",
          [&](const Node&, const Node& v, const std::string& p) {
            std::vector<std::string> scopes;
            std::set<std::string> seen;
            bool ok = true;
            r.List(v, p, [&](const Node& item, const std::string& ip) {
              auto s = r.String(item, ip);
              if (!s) {
                ok = false;
              } else if (!IsScope(*s)) {
                r.Error(item, ip,
                        "expected an OAuth scope name (got " + Reader::Describe(item) + ")");
                ok = false;
              } else if (!seen.insert(*s).second) {
                r.Error(item, ip, "duplicate scope (got " + Reader::Describe(item) + ")");
                ok = false;
              } else {
                scopes.push_back(*s);
              }
            });
            if (!ok || !v.IsSequence()) return;
            if (!seen.contains("offline_access")) {
              r.Error(v, p,
                      "must include offline_access, or Xero issues no refresh token (got " +
                          std::to_string(scopes.size()) + " scopes without it)");
              return;
            }
            x.scopes = std::move(scopes);
          }},
         {"authorize_url", endpoint(x.authorize_url)},
         {"identity_url", endpoint(x.identity_url)},
         {"api_url", endpoint(x.api_url)},
         {"ca_file",
          [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s || s->empty()) return;
            if (s->front() != '/') {
              r.Error(v, p, "must be an absolute path (got " + Reader::Describe(v) + ")");
              return;
            }
            std::error_code ec;
            if (!std::filesystem::is_regular_file(*s, ec) || ::access(s->c_str(), R_OK) != 0) {
              r.Error(v, p, "is not a readable file (got " + Reader::Describe(v) + ")");
              return;
            }
            x.ca_file = *s;
          }},
         {"connect_timeout",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(100), minutes(10))) x.connect_timeout = *d;
          }},
         {"request_timeout",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(100), hours(1))) x.request_timeout = *d;
          }},
         {"limits", [&](const Node&, const Node& v, const std::string& p) {
            ReadLimits(r, v, p, x.limits);
          }}});
}

}  // namespace xerod::config
