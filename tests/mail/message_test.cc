// SPDX-License-Identifier: MIT
// Message formatting (src/mail/message.h) and error mapping, without a server.
#include "mail/message.h"

#include <gtest/gtest.h>

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
