// SPDX-License-Identifier: MIT
#include "config/validators.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <limits>

namespace xerod::config {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlnum(char c) { return IsDigit(c) || IsLower(c) || IsUpper(c); }
bool IsControlOrSpace(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}
char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

struct Unit {
  std::string_view name;
  std::int64_t millis;
};
// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> kUnits = {
    {{"d", 86'400'000}, {"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1'000}}};
// Order of units from largest to smallest, for the "strictly decreasing" rule.
int Rank(std::int64_t millis) {
  switch (millis) {
    case 86'400'000:
      return 0;
    case 3'600'000:
      return 1;
    case 60'000:
      return 2;
    case 1'000:
      return 3;
    default:
      return 4;
  }
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsDnsLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsAtext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-";
  return IsAlnum(c) || kSpecials.find(c) != std::string_view::npos;
}

bool IsRegName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!IsAlnum(c) && c != '-' && c != '.' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  int last_rank = -1;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) return std::nullopt;
    std::int64_t n = 0;
    while (i < text.size() && IsDigit(text[i])) {
      if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += unit->name.size();
    int rank = Rank(unit->millis);
    if (rank <= last_rank) return std::nullopt;
    last_rank = rank;
    if (n > std::numeric_limits<std::int64_t>::max() / unit->millis) return std::nullopt;
    std::int64_t part = n * unit->millis;
    if (total > std::numeric_limits<std::int64_t>::max() - part) return std::nullopt;
    total += part;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  static constexpr std::array<Unit, 5> kOrdered = {
      {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};
  for (const Unit& u : kOrdered) {
    if (ms >= u.millis) {
      out += std::to_string(ms / u.millis);
      out += u.name;
      ms %= u.millis;
    }
  }
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  for (char c : text) {
    if (IsControlOrSpace(c))
      return Fail(Code::kInvalidArgument, "must not contain spaces or control characters");
  }
  std::size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return Fail(Code::kInvalidArgument, "is not an absolute URL (scheme://host...)");
  }
  Url url;
  for (char c : text.substr(0, colon)) {
    if (!IsAlnum(c) && c != '+' && c != '-' && c != '.') {
      return Fail(Code::kInvalidArgument, "has an invalid scheme");
    }
    url.scheme += ToLower(c);
  }
  std::string_view after = text.substr(colon + 3);
  std::size_t end = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : after.substr(end);
  if (rest.find('#') != std::string_view::npos) {
    return Fail(Code::kInvalidArgument, "must not contain a fragment (#...)");
  }
  if (authority.find('@') != std::string_view::npos) {
    return Fail(Code::kInvalidArgument, "must not contain a user name or password");
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return Fail(Code::kInvalidArgument, "has an unclosed [IPv6] host");
    host = authority.substr(1, close - 1);
    std::string_view tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':')
        return Fail(Code::kInvalidArgument, "has garbage after the [IPv6] host");
      has_port = true;
      port = tail.substr(1);
    }
    std::array<unsigned char, 16> buf{};
    std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), buf.data()) != 1) {
      return Fail(Code::kInvalidArgument, "has an invalid IPv6 address");
    }
    url.ipv6 = true;
  } else {
    std::size_t pc = authority.rfind(':');
    host = authority.substr(0, pc);
    if (pc != std::string_view::npos) {
      has_port = true;
      port = authority.substr(pc + 1);
    }
    if (!IsRegName(host)) return Fail(Code::kInvalidArgument, "has no valid host name");
  }
  if (has_port) {
    if (port.empty() || port.size() > 5) return Fail(Code::kInvalidArgument, "has an invalid port");
    int p = 0;
    for (char c : port) {
      if (!IsDigit(c)) return Fail(Code::kInvalidArgument, "has an invalid port");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Fail(Code::kInvalidArgument, "has a port outside 1..65535");
    url.port = p;
  }
  for (char c : host) url.host += ToLower(c);
  url.rest = std::string(rest);
  return url;
}

std::expected<SmtpEndpoint, SmtpEndpointError> CheckSmtpEndpoint(std::string_view text,
                                                                 std::optional<SmtpTls> tls,
                                                                 bool allow_cleartext) {
  using Error = SmtpEndpointError;
  Result<Url> url = ParseUrl(text);
  if (!url) return std::unexpected(Error{Error::kUrl, "URL " + url.error().message()});
  if (url->scheme != "smtp" && url->scheme != "smtps") {
    return std::unexpected(Error{Error::kUrl, "scheme must be smtp:// or smtps://"});
  }
  if (!url->rest.empty() && url->rest != "/") {
    return std::unexpected(Error{Error::kUrl, "must be smtp[s]://host[:port] without a path"});
  }
  bool smtps = url->scheme == "smtps";
  if (tls && smtps && *tls != SmtpTls::kImplicit) {
    return std::unexpected(Error{Error::kTls, "an smtps:// url needs tls: implicit"});
  }
  if (tls && !smtps && *tls == SmtpTls::kImplicit) {
    return std::unexpected(Error{Error::kTls, "tls: implicit needs an smtps:// url"});
  }
  SmtpTls mode = tls ? *tls : smtps ? SmtpTls::kImplicit : SmtpTls::kStartTls;
  if (mode == SmtpTls::kNone && !allow_cleartext && !IsLoopbackHost(*url)) {
    return std::unexpected(
        Error{Error::kTls, "tls: none would send mail in clear text to " + url->host +
                               "; use starttls or implicit, or set smtp.allow_cleartext: true"});
  }
  return SmtpEndpoint{std::move(*url), mode};
}

bool IsLoopbackHost(const Url& url) {
  if (url.ipv6) {
    std::array<unsigned char, 16> buf{};
    if (inet_pton(AF_INET6, url.host.c_str(), buf.data()) != 1) return false;
    for (std::size_t i = 0; i < 15; ++i) {
      if (buf[i] != 0) return false;
    }
    return buf[15] == 1;
  }
  if (url.host == "localhost") return true;
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, url.host.c_str(), v4.data()) != 1) return false;
  return v4[0] == 127;
}

bool IsEmailAddress(std::string_view text) {
  if (text.size() > 254) return false;
  std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  std::string_view local = text.substr(0, at);
  if (local.front() == '.' || local.back() == '.') return false;
  char prev = 0;
  for (char c : local) {
    if (c == '.' && prev == '.') return false;
    if (c != '.' && !IsAtext(c)) return false;
    prev = c;
  }
  return IsDomain(text.substr(at + 1));
}

bool IsMailbox(std::string_view text) {
  if (IsEmailAddress(text)) return true;
  std::size_t lt = text.find('<');
  if (lt == std::string_view::npos || text.empty() || text.back() != '>') return false;
  std::string_view addr = text.substr(lt + 1, text.size() - lt - 2);
  if (!IsEmailAddress(addr)) return false;
  std::string_view name = text.substr(0, lt);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty() || name.size() > 200) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '<' || c == '>' || c == '"') return false;
  }
  return true;
}

bool IsConnectionName(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  if (!IsLower(text.front()) && !IsDigit(text.front())) return false;
  for (char c : text) {
    if (!IsLower(c) && !IsDigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsTaxType(std::string_view text) {
  if (text.empty() || text.size() > 50 || !IsUpper(text.front())) return false;
  for (char c : text) {
    if (!IsUpper(c) && !IsDigit(c) && c != '_') return false;
  }
  return true;
}

bool IsAccountCode(std::string_view text) {
  if (text.empty() || text.size() > 10) return false;
  for (char c : text) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

bool IsGroupName(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  if (!IsLower(text.front()) && text.front() != '_') return false;
  for (char c : text) {
    if (!IsLower(c) && !IsDigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsScope(std::string_view text) {
  if (text.empty() || text.size() > 100) return false;
  for (char c : text) {
    if (!IsAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-') return false;
  }
  return true;
}

bool IsPrintableToken(std::string_view text) {
  if (text.empty() || text.size() > 200) return false;
  for (char c : text) {
    if (IsControlOrSpace(c) || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return true;
}

}  // namespace xerod::config
