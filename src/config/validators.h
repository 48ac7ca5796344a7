// SPDX-License-Identifier: MIT
//
// Pure syntax checks behind the config loader: durations, URLs, e-mail
// addresses, names and codes. No I/O, no allocation beyond the results;
// safe to call from any thread.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/status.h"

namespace xerod::config {

// "500ms", "30s", "15m", "6h", "30d", or a combination of units in strictly
// decreasing order without spaces ("1h30m", "2m30s", "1s500ms"). Digits only, no
// sign, no fraction. Nothing on a syntax error or when the value overflows.
std::optional<Duration> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: "0s", "500ms", "1h30m", "30d".
std::string FormatDuration(Duration d);

// An absolute URL split into parts: scheme://host[:port][rest]. scheme and host
// are lower-cased; an IPv6 host is given without its brackets.
struct Url {
  std::string scheme;
  std::string host;
  int port = 0;      // 0 when absent
  std::string rest;  // path and query ("" or starting with '/' or '?')
  bool ipv6 = false;
};

// Parses an http(s)/smtp(s) style URL. Refuses user info, fragments, spaces and
// control characters, bad ports and bad hosts; the error message says which.
Result<Url> ParseUrl(std::string_view text);

// 127.0.0.0/8, ::1 or "localhost".
bool IsLoopbackHost(const Url& url);

// An SMTP server: smtp[s]://host[:port] without a path. TLS follows the scheme
// unless given (smtps:// -> implicit, smtp:// -> starttls); smtps:// goes with
// tls: implicit only; tls: none towards a host that is not loopback only with
// `allow_cleartext` (smtp.allow_cleartext: true). The one home of these rules:
// the config loader reports a broken one at the key at fault, the mailer
// refuses a config built without the loader.
struct SmtpEndpoint {
  Url url;
  SmtpTls tls = SmtpTls::kStartTls;
};
struct SmtpEndpointError {
  enum Key { kUrl, kTls } key;  // the key at fault: smtp.url or smtp.tls
  std::string message;          // without the key and without the value
};
std::expected<SmtpEndpoint, SmtpEndpointError> CheckSmtpEndpoint(std::string_view url,
                                                                 std::optional<SmtpTls> tls,
                                                                 bool allow_cleartext);

// A bare address "local@domain" (dot-atom local part, DNS-style domain).
bool IsEmailAddress(std::string_view text);

// A bare address or "Display Name <local@domain>" (name optionally in double quotes).
bool IsMailbox(std::string_view text);

// Connection names: [a-z0-9][a-z0-9_-]{0,63}.
bool IsConnectionName(std::string_view text);

// Xero TaxType codes: an upper-case identifier [A-Z][A-Z0-9_]{0,49}.
bool IsTaxType(std::string_view text);

// Xero account codes: 1 to 10 ASCII letters or digits.
bool IsAccountCode(std::string_view text);

// POSIX group names: [a-z_][a-z0-9_-]{0,31}.
bool IsGroupName(std::string_view text);

// OAuth scope tokens: 1 to 100 of [A-Za-z0-9._:-].
bool IsScope(std::string_view text);

// Printable ASCII without spaces, 1..200 characters (OAuth client ids).
bool IsPrintableToken(std::string_view text);

}  // namespace xerod::config
