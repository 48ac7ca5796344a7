// SPDX-License-Identifier: MIT
// The `xero:` section: OAuth client, endpoints, timeouts and rate limits.
#include <set>

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

// Values above Xero's published limits (XeroLimits' defaults), by key path.
using AboveXero = std::vector<std::pair<std::string, std::string>>;  // path, "N > M"

void ReadLimits(Reader& r, const Node& node, const std::string& path, XeroLimits& l,
                AboveXero& above) {
  // Xero's own limits per organisation/app are the ceiling: above them a real
  // Xero only answers 429. A simulator on loopback may allow more (checked by
  // the caller once api_url is known).
  const XeroLimits xero;
  auto int_key = [&](int& field, int published) {
    return [&r, &field, &above, published](const Node&, const Node& v, const std::string& p) {
      auto i = r.Int(v, p, 1, 1'000'000'000);
      if (!i) return;
      field = static_cast<int>(*i);
      if (*i > published)
        above.emplace_back(p, std::to_string(*i) + " > " + std::to_string(published));
    };
  };
  r.Map(node, path,
        {{"concurrent", int_key(l.concurrent, xero.concurrent)},
         {"per_minute", int_key(l.per_minute, xero.per_minute)},
         {"per_day", int_key(l.per_day, xero.per_day)},
         {"app_per_minute", int_key(l.app_per_minute, xero.app_per_minute)}});
}

// xero.scopes: distinct OAuth scope names, offline_access among them.
std::optional<std::vector<std::string>> ReadScopes(Reader& r, const Node& v, const std::string& p) {
  std::vector<std::string> scopes;
  std::set<std::string> seen;
  bool ok = true;
  r.List(v, p, [&](const Node& item, const std::string& ip) {
    auto s = r.String(item, ip);
    if (!s) {
      ok = false;
    } else if (!IsScope(*s)) {
      r.Error(item, ip, "expected an OAuth scope name (got " + Reader::Describe(item) + ")");
      ok = false;
    } else if (!seen.insert(*s).second) {
      r.Error(item, ip, "duplicate scope (got " + Reader::Describe(item) + ")");
      ok = false;
    } else {
      scopes.push_back(*s);
    }
  });
  if (!ok || !v.IsSequence()) return std::nullopt;
  if (!seen.contains("offline_access")) {
    r.Error(v, p,
            "must include offline_access, or Xero issues no refresh token (got " +
                std::to_string(scopes.size()) + " scopes without it)");
    return std::nullopt;
  }
  return scopes;
}

// Limits above Xero's are accepted (with a warning) only towards a simulator.
void CheckAboveXero(Reader& r, const XeroConfig& x, const AboveXero& above) {
  if (above.empty()) return;
  auto api = ParseUrl(x.api_url);
  const bool simulator = api && IsLoopbackHost(*api);
  for (const auto& [key, values] : above) {
    auto [line, column] = r.ValuePosition(key).value_or(std::pair(0, 0));
    if (simulator) {
      r.WarnAt(line, column, key,
               "above Xero's published limit (" + values +
                   "); accepted because xero.api_url is on loopback (a simulator)");
    } else {
      r.ErrorAt(line, column, key,
                "above Xero's published limit (" + values +
                    "): Xero would answer HTTP 429; higher values are only allowed when "
                    "xero.api_url is a simulator on " +
                    kLoopbackNote);
    }
  }
}

}  // namespace

void ReadXero(Reader& r, const Node& node, const std::string& path, XeroConfig& x) {
  AboveXero above;
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
         {"redirect_uri", endpoint(x.redirect_uri)},
         {"scopes",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto scopes = ReadScopes(r, v, p)) x.scopes = std::move(*scopes);
          }},
         {"authorize_url", endpoint(x.authorize_url)},
         {"identity_url", endpoint(x.identity_url)},
         {"api_url", endpoint(x.api_url)},
         {"ca_file",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto file = ReadCaFile(r, v, p)) x.ca_file = std::move(*file);
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
            ReadLimits(r, v, p, x.limits, above);
          }}});
  CheckAboveXero(r, x, above);
}

}  // namespace xerod::config
