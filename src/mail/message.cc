// SPDX-License-Identifier: MIT
#include "mail/message.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <random>

#include "config/validators.h"

namespace xerod::mail {
namespace {

constexpr std::size_t kMaxLine = 78;    // RFC 5322 2.1.1 "SHOULD"
constexpr std::size_t kMaxQpLine = 76;  // RFC 2045 6.7 rule 5, including the soft-break '='
constexpr std::size_t kWordBytes = 39;  // raw bytes per encoded-word: 12 + 52 base64 = 64 octets
constexpr std::size_t kMaxToken = 900;  // longer plain words are encoded instead (998 hard limit)
constexpr char kHex[] = "0123456789ABCDEF";
constexpr char kTextPlain[] = "Content-Type: text/plain; charset=utf-8\r\n";
constexpr char kTextHtml[] = "Content-Type: text/html; charset=utf-8\r\n";
constexpr char kQuotedPrintable[] = "Content-Transfer-Encoding: quoted-printable\r\n";
// RFC 3834: machine-generated, so vacation responders stay quiet.
constexpr char kAutoSubmitted[] = "Auto-Submitted: auto-generated\r\n";

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsPlainAscii(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return s.find("=?") == std::string_view::npos;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(in[k]));
  };
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (std::size_t rest = in.size() - i; rest > 0) {
    unsigned v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 encoded-words for `text`, each holding whole UTF-8 characters
// (a word never ends before a continuation byte 10xxxxxx).
std::vector<std::string> EncodedWords(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    std::size_t n = std::min(kWordBytes, text.size());
    while (n < text.size() && n > 1 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    words.push_back("=?UTF-8?B?" + Base64(text.substr(0, n)) + "?=");
    text.remove_prefix(n);
  }
  return words;
}

std::vector<std::string> SplitSpaces(std::string_view text) {
  std::vector<std::string> tokens;
  for (;;) {
    std::size_t sp = text.find(' ');
    tokens.emplace_back(text.substr(0, sp));
    if (sp == std::string_view::npos) break;
    text.remove_prefix(sp + 1);
  }
  return tokens;
}

// "Name: t1 t2 ...\r\n", starting a continuation line (CRLF SP) before a token
// that would make the current line longer than kMaxLine. Unfolding (removing
// each CRLF) gives back the tokens joined by single spaces. Never before an
// empty token (from a run of spaces): the line it starts could hold nothing
// but white space, which RFC 5322 3.2.2 does not allow.
std::string Fold(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out(name);
  out += ':';
  std::size_t line = out.size();
  bool first = true;
  for (const std::string& token : tokens) {
    if (!first && !token.empty() && line + 1 + token.size() > kMaxLine) {
      out += "\r\n ";
      line = 1;
    } else {
      out += ' ';
      ++line;
    }
    out += token;
    line += token.size();
    first = false;
  }
  out += "\r\n";
  return out;
}

// Tokens for a display name or unstructured text: plain words, or encoded-words.
std::vector<std::string> TextTokens(std::string_view text, bool quote) {
  if (IsPlainAscii(text)) {
    std::vector<std::string> tokens;
    if (quote) {
      std::string quoted = "\"";
      for (char c : text) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
      }
      quoted += '"';
      tokens = SplitSpaces(quoted);
    } else {
      tokens = SplitSpaces(text);
    }
    bool fits = true;
    for (const std::string& t : tokens) fits = fits && t.size() <= kMaxToken;
    if (fits) return tokens;
  }
  return EncodedWords(text);
}

// `count` random hex digits.
std::string RandomHex(int count) {
  std::random_device random;  // getrandom(2) on Linux
  std::string hex;
  unsigned v = 0;
  for (int i = 0; i < count; ++i) {
    if (i % 8 == 0) v = random();
    hex += kHex[(v >> (28 - 4 * (i % 8))) & 15];
  }
  return hex;
}

}  // namespace

Result<Mailbox> ParseMailbox(std::string_view text) {
  if (HasLineBreak(text) || !config::IsMailbox(text)) {
    return Fail(Code::kInvalidArgument,
                "not an address like xerod@example.com or \"xerod <xerod@example.com>\"");
  }
  Mailbox m;
  if (config::IsEmailAddress(text)) {
    m.address = std::string(text);
    return m;
  }
  std::size_t lt = text.find('<');
  m.address = std::string(text.substr(lt + 1, text.size() - lt - 2));
  std::string_view name = text.substr(0, lt);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  m.display_name = std::string(name);
  return m;
}

Status CheckMessage(const MailMessage& message) {
  if (message.to.empty()) return Fail(Code::kInvalidArgument, "mail has no recipient");
  if (HasLineBreak(message.message_id)) {
    return Fail(Code::kInvalidArgument, "message id contains CR or LF (header injection refused)");
  }
  if (HasLineBreak(message.subject)) {
    return Fail(Code::kInvalidArgument, "subject contains CR or LF (header injection refused)");
  }
  for (const std::string& to : message.to) {
    if (HasLineBreak(to)) {
      return Fail(Code::kInvalidArgument,
                  "recipient address contains CR or LF (header injection refused)");
    }
    if (!config::IsEmailAddress(to)) {
      return Fail(Code::kInvalidArgument, "not a bare e-mail address: \"" + to + "\"");
    }
  }
  return Ok();
}

std::string FormatDate(std::chrono::system_clock::time_point t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::string NewMessageId(std::string_view domain) {
  std::string id = "<" + RandomHex(32) + "@";
  id += domain;
  id += '>';
  return id;
}

std::string NewBoundary() { return "=_xerod_" + RandomHex(32); }

std::string UnstructuredHeader(std::string_view name, std::string_view value) {
  return Fold(name, TextTokens(value, /*quote=*/false));
}

std::string MailboxHeader(std::string_view name, const Mailbox& mailbox) {
  std::vector<std::string> tokens;
  if (!mailbox.display_name.empty()) tokens = TextTokens(mailbox.display_name, /*quote=*/true);
  tokens.push_back(mailbox.display_name.empty() ? mailbox.address : "<" + mailbox.address + ">");
  return Fold(name, tokens);
}

std::string QuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    std::size_t lf = text.find('\n');
    bool has_break = lf != std::string_view::npos;
    std::string_view line = text.substr(0, lf);
    text.remove_prefix(has_break ? lf + 1 : text.size());
    if (has_break && !line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto u = static_cast<unsigned char>(line[i]);
      bool last = i + 1 == line.size();
      char token[3];
      std::size_t len = 1;
      if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last)) {
        token[0] = line[i];
      } else {
        token[0] = '=';
        token[1] = kHex[u >> 4];
        token[2] = kHex[u & 15];
        len = 3;
      }
      // Leave room for the '=' of a soft line break.
      if (width + len > kMaxQpLine - 1) {
        out += "=\r\n";
        width = 0;
      }
      out.append(token, len);
      width += len;
    }
    out += has_break ? "\r\n" : "=\r\n";
  }
  return out;
}

std::string FormatMessage(const MailMessage& message, const Mailbox& from, std::string_view date,
                          std::string_view message_id, std::string_view boundary) {
  std::vector<std::string> to;
  for (std::size_t i = 0; i < message.to.size(); ++i) {
    to.push_back(message.to[i] + (i + 1 < message.to.size() ? "," : ""));
  }
  std::string out;
  out += "Date: ";
  out += date;
  out += "\r\n";
  out += MailboxHeader("From", from);
  out += Fold("To", to);
  out += UnstructuredHeader("Subject", message.subject);
  out += "Message-ID: ";
  out += message_id;
  out += "\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (message.html.empty()) {
    out += kTextPlain;
    out += kQuotedPrintable;
    out += kAutoSubmitted;
    out += "\r\n";
    out += QuotedPrintable(message.body);
    return out;
  }
  // Each part ends in CRLF (QuotedPrintable's last line break) and the delimiter
  // starts with its own CRLF (RFC 2046 5.1.1), so a part decodes to exactly its text.
  const std::string delimiter = "--" + (boundary.empty() ? NewBoundary() : std::string(boundary));
  // Folded: with the boundary the header is longer than 78 octets.
  out += "Content-Type: multipart/alternative;\r\n boundary=\"";
  out += std::string_view(delimiter).substr(2);
  out += "\"\r\n";
  out += kAutoSubmitted;
  out += "\r\n";
  out += delimiter;
  for (auto [content_type, text] : {std::pair{kTextPlain, std::string_view(message.body)},
                                    std::pair{kTextHtml, std::string_view(message.html)}}) {
    out += "\r\n";
    out += content_type;
    out += kQuotedPrintable;
    out += "\r\n";
    out += QuotedPrintable(text);
    out += "\r\n";
    out += delimiter;
  }
  out += "--\r\n";
  return out;
}

}  // namespace xerod::mail
