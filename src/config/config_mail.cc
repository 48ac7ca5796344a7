// SPDX-License-Identifier: MIT
// The `smtp:` and `notify:` sections.
#include <array>

#include "config/config_tree.h"
#include "config/validators.h"

namespace xerod::config {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Node = YAML::Node;

constexpr std::array<EnumName<SmtpTls>, 3> kTlsNames = {{
    {"starttls", SmtpTls::kStartTls},
    {"implicit", SmtpTls::kImplicit},
    {"none", SmtpTls::kNone},
}};

// smtp.url and smtp.tls, checked together (CheckSmtpEndpoint): TLS follows
// the scheme unless given; a contradiction is an error at `tls`.
void ApplyEndpoint(Reader& r, const std::string& path, const std::string& url,
                   const std::optional<Node>& url_node, std::optional<SmtpTls> tls,
                   const std::optional<Node>& tls_node, SmtpConfig& smtp) {
  if (!url_node) {
    if (tls) smtp.tls = *tls;
    return;
  }
  auto endpoint = CheckSmtpEndpoint(url, tls, smtp.allow_cleartext);
  if (!endpoint) {
    bool at_tls = endpoint.error().key == SmtpEndpointError::kTls;
    const Node& at = at_tls ? *tls_node : *url_node;
    r.Error(at, path + (at_tls ? ".tls" : ".url"),
            endpoint.error().message + " (got " + Reader::Describe(at) + ")");
    return;
  }
  smtp.url = url;
  smtp.tls = endpoint->tls;
}

// A user name needs a password and the other way round.
void CheckCredentialPair(Reader& r, const std::string& path, const SmtpConfig& smtp) {
  auto username_pos = r.ValuePosition(path + ".username");
  auto password_pos = r.ValuePosition(path + ".password_file");
  if (!smtp.username.empty() && smtp.password_file.empty() && username_pos) {
    r.ErrorAt(username_pos->first, username_pos->second, path + ".username",
              "needs smtp.password_file as well (got a user name without a password)");
  }
  if (smtp.username.empty() && !smtp.password_file.empty() && password_pos) {
    r.ErrorAt(password_pos->first, password_pos->second, path + ".password_file",
              "needs smtp.username as well (got a password without a user name)");
  }
}

// An enabled smtp section names its server and its sender.
void CheckRequired(Reader& r, const Node& key, const std::string& path) {
  YAML::Mark m = key.Mark();
  for (const char* required : {"url", "from"}) {
    if (r.ValuePosition(path + "." + required)) continue;
    r.ErrorAt(m.line + 1, m.column + 1, path + "." + required,
              "is required when smtp is enabled (got nothing; add it or set smtp.enabled: "
              "false)");
  }
}

}  // namespace

void ReadSmtp(Reader& r, const Node& key, const Node& node, const std::string& path,
              SmtpConfig& smtp) {
  // The section being present turns mail on, unless it says `enabled: false`.
  smtp.enabled = true;
  if (!node.IsMap()) {  // one error for a section of the wrong type, not three
    r.Map(node, path, {});
    return;
  }
  std::string url;
  std::optional<SmtpTls> tls;
  std::optional<Node> url_node;  // where `url` and `tls` were given, for errors
  std::optional<Node> tls_node;
  r.Map(node, path,
        {{"enabled",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto b = r.Bool(v, p)) smtp.enabled = *b;
          }},
         {"url",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto s = r.String(v, p)) {
              url = *s;
              url_node = v;
            }
          }},
         {"tls",
          [&](const Node&, const Node& v, const std::string& p) {
            tls = r.Enum<SmtpTls>(v, p, kTlsNames);
            tls_node = v;
          }},
         {"username",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto s = r.String(v, p)) smtp.username = *s;
          }},
         {"password_file",
          [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s) return;
            if (!s->empty()) CheckSecretRef(r, v, p, *s);
            smtp.password_file = *s;
          }},
         {"from",
          [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s) return;
            if (!IsMailbox(*s)) {
              r.Error(v, p,
                      "expected an address like xerod@example.com or \"xerod <xerod@example.com>\" "
                      "(got " +
                          Reader::Describe(v) + ")");
              return;
            }
            smtp.from = *s;
          }},
         {"allow_cleartext",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto b = r.Bool(v, p)) smtp.allow_cleartext = *b;
          }},
         {"ca_file",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto file = ReadCaFile(r, v, p)) smtp.ca_file = std::move(*file);
          }},
         {"timeout", [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(100), minutes(10))) smtp.timeout = *d;
          }}});

  ApplyEndpoint(r, path, url, url_node, tls, tls_node, smtp);
  CheckCredentialPair(r, path, smtp);
  if (smtp.enabled) CheckRequired(r, key, path);
}

void ReadNotify(Reader& r, const Node& node, const std::string& path, NotifyConfig& notify) {
  r.Map(node, path,
        {{"admins", [&](const Node&, const Node& v,
                        const std::string& p) { notify.admins = ReadEmailList(r, v, p); }},
         {"repeat_interval",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, seconds(1), days(365))) notify.repeat_interval = *d;
          }},
         {"digest_window", [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(0), days(1))) notify.digest_window = *d;
          }}});
}

}  // namespace xerod::config
