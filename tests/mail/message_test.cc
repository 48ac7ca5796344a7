// SPDX-License-Identifier: MIT
// Message formatting (src/mail/message.h) and error mapping, without a server.
#include "mail/message.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "mail/smtp_transfer.h"

namespace xerod::mail {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    EXPECT_NE(end, std::string::npos) << "text does not end in CRLF";
    if (end == std::string::npos) break;
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// Reference decoders, written from RFC 2045/2047 independently of the encoder.
std::string DecodeQp(const std::string& qp) {
  std::string out;
  for (const std::string& line : Lines(qp)) {
    bool soft = !line.empty() && line.back() == '=';
    std::string body = soft ? line.substr(0, line.size() - 1) : line;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '=') {
        out += static_cast<char>(std::stoi(body.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += body[i];
      }
    }
    if (!soft) out += "\r\n";
  }
  return out;
}

std::string DecodeBase64(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(kAlphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// Unfolds a header block "Subject: ...\r\n ...\r\n" and decodes its encoded-words.
std::string DecodeHeaderValue(const std::string& header) {
  std::string value = header.substr(header.find(':') + 2);
  std::string unfolded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 2, "\r\n") == 0) {
      ++i;
      continue;
    }
    unfolded += value[i];
  }
  std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  if (!std::regex_search(unfolded, word)) return unfolded;
  std::string out;
  for (std::sregex_iterator it(unfolded.begin(), unfolded.end(), word), end; it != end; ++it) {
    out += DecodeBase64((*it)[1]);
  }
  return out;
}

TEST(QuotedPrintableTest, RoundTripsAndKeepsLinesShort) {
  const std::string long_line(300, 'x');
  const std::string cases[] = {
      "hello\n",
      "Grüße, ☃ and 請求書\n",
      ".leading dot\n..two\n.\n",
      "trailing spaces   \nand a tab\t\n",
      "a=b\n",
      "no final newline",
      long_line + "\n" + std::string(100, '=') + "\n",
      "crlf\r\nends\r\n",
      "\n\n\n",
      std::string("nul \0 byte\n", 11),
  };
  for (const std::string& text : cases) {
    std::string qp = QuotedPrintable(text);
    for (const std::string& line : Lines(qp)) {
      EXPECT_LE(line.size(), 76u) << line;
      ASSERT_FALSE(line.empty() ? false : (line.back() == ' ' || line.back() == '\t')) << line;
      for (char c : line) {
        auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u >= 0x20 && u < 0x7f) << "raw byte " << int{u} << " in " << line;
      }
    }
    std::string expected;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) expected += '\r';
      expected += text[i];
    }
    EXPECT_EQ(DecodeQp(qp), expected) << qp;
  }
}

TEST(QuotedPrintableTest, LeavesLeadingDotsForLibcurlToStuff) {
  // libcurl dot-stuffs on the wire; stuffing here too would double the dots.
  EXPECT_EQ(QuotedPrintable(".\n..x\n"), ".\r\n..x\r\n");
}

TEST(HeaderTest, PlainAsciiSubjectIsLiteralAndFolded) {
  EXPECT_EQ(UnstructuredHeader("Subject", "Hello world"), "Subject: Hello world\r\n");
  std::string subject;
  for (int i = 0; i < 30; ++i) subject += "word" + std::to_string(i) + " ";
  subject += "end";
  std::string header = UnstructuredHeader("Subject", subject);
  for (const std::string& line : Lines(header)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_GT(Lines(header).size(), 1u);
  EXPECT_EQ(DecodeHeaderValue(header), subject);
}

TEST(HeaderTest, NonAsciiSubjectIsEncodedBetweenCharacters) {
  // 3-byte and 4-byte characters: a split inside one would corrupt it.
  std::string subject = "Prüfung: Rechnung 請求書請求書請求書 ✓ 🎉🎉🎉🎉🎉🎉🎉🎉 fertig";
  std::string header = UnstructuredHeader("Subject", subject);
  ASSERT_NE(header.find("=?UTF-8?B?"), std::string::npos) << header;
  for (const std::string& line : Lines(header)) {
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << line;
  }
  EXPECT_EQ(DecodeHeaderValue(header), subject);
  // Every encoded-word decodes to whole UTF-8 characters.
  std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  for (std::sregex_iterator it(header.begin(), header.end(), word), end; it != end; ++it) {
    EXPECT_LE(it->length(), 75);
    std::string bytes = DecodeBase64((*it)[1]);
    ASSERT_FALSE(bytes.empty());
    EXPECT_NE(static_cast<unsigned char>(bytes.front()) & 0xC0, 0x80) << it->str();
    auto last = static_cast<unsigned char>(bytes.back());
    EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << it->str();
  }
}

// Found by fuzz/mail_message_fuzz.cc: a space after a word that filled the line
// to 78 octets was folded onto a line of its own ("\r\n \r\n").
TEST(HeaderTest, NoFoldedLineIsOnlyWhiteSpace) {
  for (const std::string& subject :
       {std::string(69, 'x') + " ", std::string(69, 'x') + "  " + std::string(77, 'y'),
        "a " + std::string(66, 'x') + "   b"}) {
    std::string header = UnstructuredHeader("Subject", subject);
    EXPECT_EQ(header.find("\r\n \r\n"), std::string::npos) << header;
    for (const std::string& line : Lines(header)) {
      EXPECT_NE(line.find_first_not_of(' '), std::string::npos) << header;
    }
    EXPECT_EQ(DecodeHeaderValue(header), subject);
  }
}

TEST(HeaderTest, TextThatLooksEncodedIsEncoded) {
  std::string header = UnstructuredHeader("Subject", "=?UTF-8?B?aGk=?=");
  EXPECT_EQ(DecodeHeaderValue(header), "=?UTF-8?B?aGk=?=");
}

TEST(MailboxTest, ParsesAndFormats) {
  auto bare = ParseMailbox("xerod@example.test");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->address, "xerod@example.test");
  EXPECT_EQ(bare->display_name, "");
  EXPECT_EQ(bare->domain(), "example.test");
  EXPECT_EQ(MailboxHeader("From", *bare), "From: xerod@example.test\r\n");

  auto named = ParseMailbox("\"Xero Daemon\" <xerod@example.test>");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->display_name, "Xero Daemon");
  EXPECT_EQ(MailboxHeader("From", *named), "From: \"Xero Daemon\" <xerod@example.test>\r\n");

  auto utf8 = ParseMailbox("Zoë <zoe@example.test>");
  ASSERT_TRUE(utf8.has_value());
  std::string header = MailboxHeader("From", *utf8);
  EXPECT_EQ(header, "From: =?UTF-8?B?Wm/Dqw==?= <zoe@example.test>\r\n");

  EXPECT_FALSE(ParseMailbox("not an address").has_value());
  EXPECT_FALSE(ParseMailbox("a@b.test\r\nBcc: c@d.test").has_value());
}

TEST(CheckMessageTest, RefusesHeaderInjectionAndBadAddresses) {
  MailMessage ok{.to = {"a@b.test"}, .subject = "s", .body = "b"};
  EXPECT_TRUE(CheckMessage(ok).has_value());
  auto refused = [](MailMessage m) {
    Status s = CheckMessage(m);
    EXPECT_FALSE(s.has_value());
    return s ? Code::kInternal : s.error().code();
  };
  EXPECT_EQ(refused({.to = {}, .subject = "s", .body = ""}), Code::kInvalidArgument);
  EXPECT_EQ(refused({.to = {"a@b.test"}, .subject = "x\r\nBcc: e@vil.test", .body = ""}),
            Code::kInvalidArgument);
  EXPECT_EQ(refused({.to = {"a@b.test"}, .subject = "x\nBcc: e@vil.test", .body = ""}),
            Code::kInvalidArgument);
  EXPECT_EQ(refused({.to = {"a@b.test\r\nBcc: e@vil.test"}, .subject = "s", .body = ""}),
            Code::kInvalidArgument);
  EXPECT_EQ(refused({.to = {"A <a@b.test>"}, .subject = "s", .body = ""}), Code::kInvalidArgument);
  EXPECT_EQ(refused({.to = {"a@b.test", "nobody"}, .subject = "s", .body = ""}),
            Code::kInvalidArgument);
}

TEST(FormatTest, DateIsRfc5322InUtc) {
  using namespace std::chrono;
  EXPECT_EQ(FormatDate(system_clock::time_point(seconds(1704067200))),
            "Mon, 01 Jan 2024 00:00:00 +0000");
  EXPECT_EQ(FormatDate(system_clock::time_point(seconds(1772546709))),
            "Tue, 03 Mar 2026 14:05:09 +0000");
}

TEST(FormatTest, MessageIdIsRandomAndUsesTheDomain) {
  std::string a = NewMessageId("example.test");
  std::string b = NewMessageId("example.test");
  EXPECT_TRUE(std::regex_match(a, std::regex(R"(<[0-9A-F]{32}@example\.test>)"))) << a;
  EXPECT_NE(a, b);
}

TEST(FormatTest, WholeMessage) {
  auto from = ParseMailbox("xerod <xerod@example.test>");
  ASSERT_TRUE(from.has_value());
  std::string text = FormatMessage({.to = {"a@b.test", "c@d.test"}, .subject = "Hi", .body = "x\n"},
                                   *from, "Mon, 01 Jan 2024 00:00:00 +0000", "<id@example.test>");
  EXPECT_EQ(text,
            "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
            "From: \"xerod\" <xerod@example.test>\r\n"
            "To: a@b.test, c@d.test\r\n"
            "Subject: Hi\r\n"
            "Message-ID: <id@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "\r\n"
            "x\r\n");
}

// A multipart/alternative message taken apart by RFC 2046 rules, independently
// of FormatMessage: the boundary from the Content-Type header, delimiters as
// "CRLF--boundary" (the first one may open the body), each part's headers and
// its quoted-printable text decoded.
struct ParsedPart {
  std::vector<std::string> headers;
  std::string text;  // decoded
};
struct ParsedMessage {
  std::vector<std::string> headers;  // unfolded
  std::string boundary;
  std::string preamble;
  std::vector<ParsedPart> parts;
  std::string epilogue;
};

std::vector<std::string> UnfoldedHeaders(const std::string& block) {
  std::vector<std::string> headers;
  for (const std::string& line : Lines(block)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(headers.empty()) << "continuation line first";
      if (!headers.empty()) headers.back() += line;
    } else {
      headers.push_back(line);
    }
  }
  return headers;
}

ParsedMessage ParseMultipart(const std::string& text) {
  ParsedMessage m;
  std::size_t blank = text.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  if (blank == std::string::npos) return m;
  m.headers = UnfoldedHeaders(text.substr(0, blank + 2));
  std::smatch match;
  for (const std::string& h : m.headers) {
    if (std::regex_match(
            h, match,
            std::regex(R"re(Content-Type: multipart/alternative; ?boundary="([^"]+)")re"))) {
      m.boundary = match[1];
    }
  }
  EXPECT_FALSE(m.boundary.empty()) << text.substr(0, blank);
  if (m.boundary.empty()) return m;
  // Prefix the body with CRLF so a delimiter opening it is found like the others.
  std::string body = "\r\n" + text.substr(blank + 4);
  const std::string delimiter = "\r\n--" + m.boundary;
  std::size_t at = body.find(delimiter);
  EXPECT_NE(at, std::string::npos);
  m.preamble = body.substr(2, at == std::string::npos || at < 2 ? 0 : at - 2);
  while (at != std::string::npos) {
    std::size_t after = at + delimiter.size();
    if (body.compare(after, 2, "--") == 0) {
      m.epilogue = body.substr(after + 2);
      return m;
    }
    EXPECT_EQ(body.compare(after, 2, "\r\n"), 0) << "delimiter line has trailing text";
    std::size_t next = body.find(delimiter, after);
    EXPECT_NE(next, std::string::npos) << "no close delimiter";
    if (next == std::string::npos) break;
    std::string part = body.substr(after + 2, next - after - 2);
    std::size_t end = part.find("\r\n\r\n");
    EXPECT_NE(end, std::string::npos) << part;
    ParsedPart p;
    if (end != std::string::npos) {
      p.headers = UnfoldedHeaders(part.substr(0, end + 2));
      // The part body ends where the delimiter's CRLF starts; DecodeQp wants CRLF ends.
      std::string qp = part.substr(end + 4);
      p.text = qp.empty() ? "" : DecodeQp(qp + "\r\n");
      if (!qp.empty()) p.text.resize(p.text.size() - 2);
    }
    m.parts.push_back(std::move(p));
    at = next;
  }
  ADD_FAILURE() << "no close delimiter";
  return m;
}

std::string Crlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(MultipartTest, TextOnlyMessageIgnoresTheBoundary) {
  auto from = ParseMailbox("xerod@example.test");
  ASSERT_TRUE(from.has_value());
  MailMessage m{.to = {"a@b.test"}, .subject = "Hi", .body = "x\n"};
  std::string text = FormatMessage(m, *from, "D", "<id@example.test>", "=_given");
  EXPECT_EQ(text, FormatMessage(m, *from, "D", "<id@example.test>"));
  EXPECT_EQ(text.find("multipart"), std::string::npos) << text;
  EXPECT_EQ(text.find("=_given"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\nContent-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
}

TEST(MultipartTest, WholeMessageWithHtml) {
  auto from = ParseMailbox("xerod <xerod@example.test>");
  ASSERT_TRUE(from.has_value());
  std::string text = FormatMessage(
      {.to = {"a@b.test"}, .subject = "Hi", .body = "x\n", .html = "<p>x &amp; y</p>\n"}, *from,
      "Mon, 01 Jan 2024 00:00:00 +0000", "<id@example.test>", "=_b");
  EXPECT_EQ(text,
            "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
            "From: \"xerod\" <xerod@example.test>\r\n"
            "To: a@b.test\r\n"
            "Subject: Hi\r\n"
            "Message-ID: <id@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative;\r\n"
            " boundary=\"=_b\"\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "\r\n"
            "--=_b\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "x\r\n"
            "\r\n"
            "--=_b\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "\r\n"
            "<p>x &amp; y</p>\r\n"
            "\r\n"
            "--=_b--\r\n");
}

TEST(MultipartTest, PartsDecodeToTheTextsAndLinesStayShort) {
  auto from = ParseMailbox("Zoë <zoe@example.test>");
  ASSERT_TRUE(from.has_value());
  const std::string long_line(300, 'w');
  const std::string subject = "Xero connection lost: café (Café Zoë Ltd)";
  struct Case {
    std::string body, html;
  } cases[] = {
      {"Hello\n", "<p>Hello</p>\n"},
      {"Grüße ☃ 請求書\n.dot\n" + long_line + "\n",
       "<p>Grüße &lt;☃&gt;</p>\n<p>" + long_line + "</p>\n"},
      {"no final newline", "<b>no final newline</b>"},
      {"a=b =_ --=_x\n\n\n", "<p style=\"a=b\">=_</p>\n"},
      {"", "<p>html only</p>\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    std::string text =
        FormatMessage({.to = {"a@b.test"}, .subject = subject, .body = c.body, .html = c.html},
                      *from, "Mon, 01 Jan 2024 00:00:00 +0000", "<id@example.test>");
    for (const std::string& line : Lines(text)) {
      EXPECT_LE(line.size(), 78u) << line;
      for (char ch : line) ASSERT_LT(static_cast<unsigned char>(ch), 0x80) << line;
    }
    ParsedMessage m = ParseMultipart(text);
    EXPECT_TRUE(std::regex_match(m.boundary, std::regex("=_xerod_[0-9A-F]{32}"))) << m.boundary;
    auto has = [&](const std::string& header) {
      return std::find(m.headers.begin(), m.headers.end(), header) != m.headers.end();
    };
    EXPECT_TRUE(has("MIME-Version: 1.0"));
    EXPECT_TRUE(has("Auto-Submitted: auto-generated"));
    EXPECT_TRUE(has("Message-ID: <id@example.test>"));
    EXPECT_TRUE(has("Date: Mon, 01 Jan 2024 00:00:00 +0000"));
    EXPECT_TRUE(has("From: =?UTF-8?B?Wm/Dqw==?= <zoe@example.test>"));
    EXPECT_TRUE(has("To: a@b.test"));
    std::size_t subject_at = text.find("\r\nSubject: ");
    ASSERT_NE(subject_at, std::string::npos);
    std::size_t subject_end = text.find("\r\nM", subject_at + 2);  // Message-ID follows
    EXPECT_EQ(DecodeHeaderValue(text.substr(subject_at + 2, subject_end - subject_at)), subject);
    EXPECT_EQ(std::count_if(m.headers.begin(), m.headers.end(),
                            [](const std::string& h) { return h.starts_with("Content-Type:"); }),
              1);
    EXPECT_EQ(m.preamble, "");
    EXPECT_EQ(m.epilogue, "\r\n");
    ASSERT_EQ(m.parts.size(), 2u);
    EXPECT_EQ(m.parts[0].headers,
              (std::vector<std::string>{"Content-Type: text/plain; charset=utf-8",
                                        "Content-Transfer-Encoding: quoted-printable"}));
    EXPECT_EQ(m.parts[1].headers,
              (std::vector<std::string>{"Content-Type: text/html; charset=utf-8",
                                        "Content-Transfer-Encoding: quoted-printable"}));
    EXPECT_EQ(m.parts[0].text, Crlf(c.body));
    EXPECT_EQ(m.parts[1].text, Crlf(c.html));
  }
}

TEST(MultipartTest, BoundaryIsRandomAndCannotOccurInTheParts) {
  std::string a = NewBoundary();
  EXPECT_TRUE(std::regex_match(a, std::regex("=_xerod_[0-9A-F]{32}"))) << a;
  EXPECT_NE(a, NewBoundary());
  // Even a body that spells out the boundary: quoted-printable writes '=' as "=3D".
  auto from = ParseMailbox("xerod@example.test");
  ASSERT_TRUE(from.has_value());
  const std::string hostile = "--" + a + "\n--" + a + "--\n";
  std::string text =
      FormatMessage({.to = {"a@b.test"}, .subject = "s", .body = hostile, .html = hostile}, *from,
                    "D", "<id@example.test>", a);
  std::size_t count = 0;
  for (std::size_t at = text.find(a); at != std::string::npos; at = text.find(a, at + 1)) ++count;
  EXPECT_EQ(count, 4u) << text;  // the header and three delimiter lines
  ParsedMessage m = ParseMultipart(text);
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0].text, Crlf(hostile));
  EXPECT_EQ(m.parts[1].text, Crlf(hostile));
}

TEST(MapSmtpErrorTest, CodesByResultAndReply) {
  EXPECT_EQ(MapSmtpError(CURLE_COULDNT_CONNECT, "", 0, "").code(), Code::kUnavailable);
  EXPECT_EQ(MapSmtpError(CURLE_OPERATION_TIMEDOUT, "", 220, "").code(), Code::kUnavailable);
  EXPECT_EQ(MapSmtpError(CURLE_LOGIN_DENIED, "Login denied", 535, "535 no").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(MapSmtpError(CURLE_LOGIN_DENIED, "Login denied", 454, "454 later").code(),
            Code::kUnavailable);
  EXPECT_EQ(MapSmtpError(CURLE_SEND_ERROR, "RCPT failed: 550", 550, "550 unknown").code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(MapSmtpError(CURLE_SEND_ERROR, "RCPT failed: 451", 451, "451 later").code(),
            Code::kUnavailable);
  EXPECT_EQ(MapSmtpError(CURLE_WEIRD_SERVER_REPLY, "", 554, "554 spam").code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(MapSmtpError(CURLE_SEND_ERROR, "", 250, "").code(), Code::kUnavailable);
  EXPECT_EQ(MapSmtpError(CURLE_USE_SSL_FAILED, "", 250, "").code(), Code::kFailedPrecondition);
  EXPECT_EQ(MapSmtpError(CURLE_PEER_FAILED_VERIFICATION, "", 220, "").code(),
            Code::kFailedPrecondition);
  Error e = MapSmtpError(CURLE_SEND_ERROR, "RCPT failed: 550", 550, "550 5.1.1 User unknown");
  EXPECT_NE(e.message().find("550 5.1.1 User unknown"), std::string::npos) << e.message();
}

}  // namespace
}  // namespace xerod::mail
