// SPDX-License-Identifier: MIT
//
// Fuzz target: the message builder behind Mailer (src/mail/message.cc):
// ParseMailbox, CheckMessage, UnstructuredHeader, MailboxHeader,
// QuotedPrintable and FormatMessage, checked by decoding what they wrote.
//
// Input, as text (fuzz/corpus/mail_message/ holds notify-style mails):
//   line 1  the From mailbox, e.g. "xerod <xerod@example.com>"
//   line 2  recipients separated by ','
//   line 3  the subject
//   rest    the body; a line "--html--" starts the HTML alternative
// Invariants (src/mail/message.h):
//   - ParseMailbox accepts what config::IsMailbox accepts (without CR/LF), and
//     its address is a bare e-mail address;
//   - CheckMessage accepts exactly: a recipient, each a bare address, no CR or
//     LF in the subject or an address;
//   - every line written ends in CRLF, no CR or LF stands alone, and a line is
//     at most 78 octets unless it holds a single longer word; no line of a
//     folded header is only white space;
//   - the Subject header unfolds and RFC 2047-decodes to the subject; the From
//     header to the display name and address; To to the recipients;
//   - quoted-printable: lines of at most 76 octets, no "=_" (boundaries rely on
//     it), no trailing white space, and decoding gives back the text with every
//     line end as CRLF; in a multipart message each part decodes to its text.
#include <cstdint>
#include <string>
#include <vector>

#include "config/validators.h"
#include "fuzz_check.h"
#include "mail/message.h"

namespace xerod {
namespace {

using fuzz::Shown;

constexpr std::string_view kDate = "Tue, 03 Mar 2026 14:05:09 +0000";
constexpr std::string_view kMessageId = "<0123456789abcdef0123456789abcdef@example.com>";
constexpr std::string_view kBoundary = "=_xerod_0123456789abcdef0123456789abcdef";

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// `text` with each LF not already after a CR written as CRLF: what QP promises.
std::string Crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict RFC 2045 decoder for what QuotedPrintable writes; checks its line rules.
std::string DecodeQp(std::string_view qp) {
  FUZZ_CHECK(qp.find("=_") == std::string_view::npos, "\"=_\" in " + Shown(qp));
  std::string out;
  while (!qp.empty()) {
    std::size_t crlf = qp.find("\r\n");
    FUZZ_CHECK(crlf != std::string_view::npos, "QP without a final CRLF: " + Shown(qp));
    std::string_view line = qp.substr(0, crlf);
    qp.remove_prefix(crlf + 2);
    FUZZ_CHECK(line.size() <= 76, "QP line over 76 octets: " + Shown(line));
    // White space may stand before a soft line break, never at a line's end.
    FUZZ_CHECK(line.empty() || (line.back() != ' ' && line.back() != '\t'),
               "trailing white space: " + Shown(line));
    bool soft = !line.empty() && line.back() == '=';
    if (soft) line.remove_suffix(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto u = static_cast<unsigned char>(line[i]);
      if (line[i] == '=') {
        FUZZ_CHECK(i + 2 < line.size(), "cut escape: " + Shown(line));
        int hi = Hex(line[i + 1]);
        int lo = Hex(line[i + 2]);
        FUZZ_CHECK(hi >= 0 && lo >= 0, "bad escape: " + Shown(line));
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        FUZZ_CHECK((u >= 33 && u <= 126) || u == ' ' || u == '\t',
                   "unencoded byte in " + Shown(line));
        out += line[i];
      }
    }
    if (!soft) out += "\r\n";
  }
  return out;
}

std::string DecodeBase64(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  FUZZ_CHECK(in.size() % 4 == 0, "base64 length: " + Shown(in));
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    std::size_t v = kAlphabet.find(c);
    FUZZ_CHECK(v != std::string_view::npos, "base64: " + Shown(in));
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// The lines of a header block; checks CRLF, 78 octets, no blank continuation line.
void CheckHeaderLines(std::string_view header) {
  FUZZ_CHECK(header.ends_with("\r\n"), Shown(header));
  std::string_view rest = header;
  while (!rest.empty()) {
    std::size_t crlf = rest.find("\r\n");
    std::string_view line = rest.substr(0, crlf);
    rest.remove_prefix(crlf + 2);
    FUZZ_CHECK(!HasLineBreak(line), "bare CR or LF in " + Shown(header));
    const bool continuation = line.starts_with(' ') || line.starts_with('\t');
    FUZZ_CHECK(continuation || line.find(':') != std::string_view::npos,
               "a header line without a name: " + Shown(header));
    std::string_view words = continuation ? line : line.substr(line.find(':') + 1);
    FUZZ_CHECK(!continuation || words.find_first_not_of(" \t") != std::string_view::npos,
               "a folded line of white space only in " + Shown(header));
    // A run of spaces stays on the line it follows (no line of white space only),
    // so only the line's last non-space octet counts, or the line holds one word.
    std::size_t last = line.find_last_not_of(' ');
    std::size_t length = last == std::string_view::npos ? 0 : last + 1;
    std::size_t start = std::min(words.size(), words.find_first_not_of(' '));
    std::string_view word = words.substr(start, words.find_last_not_of(' ') + 1 - start);
    bool one_word = word.find(' ') == std::string_view::npos;
    FUZZ_CHECK(length <= 78 || one_word, "header line over 78 octets: " + Shown(line));
  }
}

// "Name: value" unfolded (each CRLF removed), value only.
std::string Unfold(std::string_view header, std::string_view name) {
  CheckHeaderLines(header);
  FUZZ_CHECK(header.starts_with(std::string(name) + ": ") || header == std::string(name) + ":\r\n",
             Shown(header));
  std::string value(header.substr(std::min(header.size(), name.size() + 2)));
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 2, "\r\n") == 0) {
      ++i;
      continue;
    }
    out += value[i];
  }
  return out;
}

// Decodes a run of encoded-words separated by spaces, or returns the text as is.
std::string DecodeWords(const std::string& text) {
  if (!text.starts_with("=?UTF-8?B?")) return text;
  std::string out;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t sp = rest.find(' ');
    std::string_view word = rest.substr(0, sp);
    rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
    FUZZ_CHECK(word.starts_with("=?UTF-8?B?") && word.ends_with("?=") && word.size() <= 75,
               "not an encoded-word: " + Shown(word));
    out += DecodeBase64(word.substr(10, word.size() - 12));
  }
  return out;
}

std::string Unquote(const std::string& text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return text;
  std::string out;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size()) ++i;
    out += text[i];
  }
  return out;
}

void CheckMailbox(const std::string& from_text, mail::Mailbox& from) {
  Result<mail::Mailbox> parsed = mail::ParseMailbox(from_text);
  bool acceptable = !HasLineBreak(from_text) && config::IsMailbox(from_text);
  FUZZ_CHECK(parsed.has_value() == acceptable, Shown(from_text));
  if (!parsed) return;
  FUZZ_CHECK(config::IsEmailAddress(parsed->address), Shown(parsed->address));
  FUZZ_CHECK(!HasLineBreak(parsed->display_name), Shown(parsed->display_name));
  from = *parsed;
  std::string header = mail::MailboxHeader("From", from);
  std::string value = Unfold(header, "From");
  if (from.display_name.empty()) {
    FUZZ_CHECK(value == from.address, Shown(header));
    return;
  }
  std::string suffix = " <" + from.address + ">";
  FUZZ_CHECK(value.ends_with(suffix), Shown(header));
  std::string name = value.substr(0, value.size() - suffix.size());
  FUZZ_CHECK(DecodeWords(name.starts_with("=?") ? name : Unquote(name)) == from.display_name,
             Shown(header) + " vs " + Shown(from.display_name));
}

void CheckSubject(const std::string& subject) {
  std::string header = mail::UnstructuredHeader("Subject", subject);
  FUZZ_CHECK(DecodeWords(Unfold(header, "Subject")) == subject,
             Shown(header) + " vs " + Shown(subject));
}

void CheckMessageText(const MailMessage& m, const mail::Mailbox& from, const std::string& text) {
  std::size_t end = text.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string::npos, "no end of headers");
  std::string_view headers = std::string_view(text).substr(0, end + 2);
  CheckHeaderLines(headers);
  std::string_view body = std::string_view(text).substr(end + 4);
  // Each header field, unfolded.
  auto field = [&](std::string_view name) {
    std::string key = "\r\n" + std::string(name) + ":";
    std::string all = "\r\n" + std::string(headers);
    std::size_t at = all.find(key);
    FUZZ_CHECK(at != std::string::npos, "no " + std::string(name) + " in " + Shown(headers));
    std::size_t stop = at + 2;
    while (true) {
      stop = all.find("\r\n", stop);
      if (stop + 2 >= all.size() || (all[stop + 2] != ' ' && all[stop + 2] != '\t')) break;
      stop += 2;
    }
    return Unfold(all.substr(at + 2, stop + 2 - at - 2), name);
  };
  FUZZ_CHECK(field("Date") == kDate, Shown(headers));
  FUZZ_CHECK(field("Message-ID") == kMessageId, Shown(headers));
  std::string to;
  for (const std::string& a : m.to) to += (to.empty() ? "" : ", ") + a;
  FUZZ_CHECK(field("To") == to, Shown(headers));
  FUZZ_CHECK(DecodeWords(field("Subject")) == m.subject, Shown(headers));
  FUZZ_CHECK(field("From").ends_with(from.address + (from.display_name.empty() ? "" : ">")),
             Shown(headers));
  if (m.html.empty()) {
    FUZZ_CHECK(DecodeQp(body) == Crlf(m.body), "body: " + Shown(body));
    return;
  }
  const std::string delimiter = "--" + std::string(kBoundary);
  FUZZ_CHECK(body.starts_with(delimiter + "\r\n") && body.ends_with(delimiter + "--\r\n"),
             Shown(body));
  std::vector<std::string_view> parts;
  std::string_view rest = body.substr(delimiter.size());
  while (!rest.starts_with("--")) {
    std::size_t next = rest.find("\r\n" + delimiter);
    FUZZ_CHECK(next != std::string_view::npos, Shown(body));
    parts.push_back(rest.substr(2, next - 2));
    rest.remove_prefix(next + 2 + delimiter.size());
  }
  FUZZ_CHECK(parts.size() == 2, Shown(body));
  const std::string_view texts[] = {m.body, m.html};
  for (std::size_t i = 0; i < 2; ++i) {
    std::size_t blank = parts[i].find("\r\n\r\n");
    FUZZ_CHECK(blank != std::string_view::npos, Shown(parts[i]));
    FUZZ_CHECK(DecodeQp(parts[i].substr(blank + 4)) == Crlf(texts[i]),
               "part " + std::to_string(i) + ": " + Shown(parts[i]));
  }
}

}  // namespace
}  // namespace xerod

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xerod;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string from_text(fuzz::TakeLine(text));
  const std::string to_line(fuzz::TakeLine(text));
  MailMessage m;
  m.subject = std::string(fuzz::TakeLine(text));
  if (!to_line.empty()) {
    std::string_view rest = to_line;
    while (true) {
      std::size_t comma = rest.find(',');
      std::string_view a = rest.substr(0, comma);
      while (a.starts_with(' ')) a.remove_prefix(1);
      m.to.emplace_back(a);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  std::size_t html = text.find("\n--html--\n");
  m.body = std::string(text.substr(0, html == std::string_view::npos ? text.size() : html + 1));
  if (html != std::string_view::npos) m.html = std::string(text.substr(html + 10));

  mail::Mailbox from{"", "xerod@example.com"};
  CheckMailbox(from_text, from);
  CheckSubject(m.subject);

  Status checked = mail::CheckMessage(m);
  bool acceptable = !m.to.empty() && !HasLineBreak(m.subject);
  for (const std::string& a : m.to) acceptable = acceptable && config::IsEmailAddress(a);
  FUZZ_CHECK(checked.has_value() == acceptable, checked ? "accepted" : checked.error().ToString());
  if (!checked) {
    FUZZ_CHECK(checked.error().code() == Code::kInvalidArgument, checked.error().ToString());
    // Format what Send would have been given after the caller fixed it.
    std::vector<std::string> valid;
    for (const std::string& a : m.to) {
      if (config::IsEmailAddress(a)) valid.push_back(a);
    }
    m.to = valid.empty() ? std::vector<std::string>{"ops@example.com"} : valid;
    std::string subject;
    for (char c : m.subject) subject += c == '\r' || c == '\n' ? ' ' : c;
    m.subject = subject;
    FUZZ_CHECK(mail::CheckMessage(m).has_value(), "fixed message still refused");
  }
  std::string formatted = mail::FormatMessage(m, from, kDate, kMessageId, kBoundary);
  CheckMessageText(m, from, formatted);
  return 0;
}
