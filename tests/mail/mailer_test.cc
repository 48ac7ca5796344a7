// SPDX-License-Identifier: MIT
// Mailer against a real SMTP server (aiosmtpd, tests/support/smtp_sink.py) on loopback.
#include "xerod/mailer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "http/test_server.h"  // MakeTestPki
#include "mail/smtp_sink.h"
#include "support/test_support.h"

namespace xerod {
namespace {
using namespace std::chrono_literals;
using testing::SmtpSink;

constexpr char kUser[] = "xerod-test";
constexpr char kPassword[] = "s3cret-Pa55word";

// A TCP listener that never accepts: connects succeed (the kernel completes the
// handshake) but no SMTP greeting ever comes.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(fd_, sa, len) != 0 || ::listen(fd_, 16) != 0 || ::getsockname(fd_, sa, &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class MailerTest : public ::testing::Test {
 protected:
  SmtpConfig Config(const std::string& url, SmtpTls tls = SmtpTls::kNone) {
    SmtpConfig c;
    c.enabled = true;
    c.url = url;
    c.tls = tls;
    c.from = "xerod <xerod@example.test>";
    c.timeout = 10s;
    return c;
  }
  SmtpConfig WithAuth(SmtpConfig c, const std::string& password = kPassword) {
    std::string file = dir_.File("smtp-password");
    testing::WriteFile(file, password + "\n", 0600);
    c.username = kUser;
    c.password_file = file;
    return c;
  }
  std::unique_ptr<Mailer> Make(const SmtpConfig& c) {
    auto m = Mailer::Create(io_, c);
    EXPECT_TRUE(m.has_value()) << m.error().ToString();
    return m ? std::move(*m) : nullptr;
  }
  // Sends and runs the io_context until the callback ran (the Mailer keeps io_
  // busy while a send is pending, so run_for returns once it is delivered).
  Result<MailReceipt> SendAndWait(Mailer& mailer, MailMessage message) {
    std::optional<Result<MailReceipt>> got;
    bool in_send = true;
    std::thread::id thread;
    mailer.Send(std::move(message), [&](Result<MailReceipt> r) {
      EXPECT_FALSE(in_send) << "callback ran inside Send()";
      thread = std::this_thread::get_id();
      got = std::move(r);
    });
    in_send = false;
    io_.restart();
    io_.run_for(30s);
    EXPECT_TRUE(got.has_value()) << "no callback";
    EXPECT_EQ(thread, std::this_thread::get_id()) << "callback not on the io_context thread";
    if (!got) return Fail(Code::kInternal, "no callback");
    return std::move(*got);
  }
  static MailMessage Simple(std::string subject = "hello",
                            std::vector<std::string> to = {"admin@example.test"}) {
    return MailMessage{.to = std::move(to), .subject = std::move(subject), .body = "body\n"};
  }
  static std::string Header(const nlohmann::json& msg, const std::string& name) {
    for (const auto& h : msg["headers"]) {
      if (h[0] == name) return h[1];
    }
    return "<missing " + name + ">";
  }
  static std::string Lf(std::string s) {
    for (std::size_t p; (p = s.find("\r\n")) != std::string::npos;) s.erase(p, 1);
    return s;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
};

TEST_F(MailerTest, PlainSendArrivesWithHeadersAndBody) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  const std::string long_line = "long: " + std::string(1500, 'x') + " " + std::string(600, 'y');
  const std::string body = "Hello,\n.leading dot\n..two dots\n.\nGrüße ☃ 請求書\n" + long_line +
                           "\ntrailing spaces   \nFrom the start\n=?not a word?=\nend\n";
  const std::string subject = "Prüfung ✓ — Rechnung 請求書 fehlgeschlagen für Verbindung «acme»";
  auto r = SendAndWait(*mailer, {.to = {"admin@example.test"}, .subject = subject, .body = body});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(sink.WaitForMessages(1));
  nlohmann::json msg = sink.Message(1);
  EXPECT_EQ(msg["mail_from"], "xerod@example.test");
  EXPECT_EQ(msg["rcpt_tos"], nlohmann::json::array({"admin@example.test"}));
  EXPECT_EQ(msg["auth_user"], nullptr);
  EXPECT_EQ(msg["defects"], nlohmann::json::array());
  EXPECT_EQ(msg["subject"], subject);
  EXPECT_EQ(Lf(msg["body"]), body);

  EXPECT_EQ(Header(msg, "From"), "\"xerod\" <xerod@example.test>");
  EXPECT_EQ(Header(msg, "To"), "admin@example.test");
  EXPECT_EQ(Header(msg, "Message-ID"), r->message_id);
  EXPECT_TRUE(std::regex_match(r->message_id, std::regex(R"(<[0-9A-F]{32}@example\.test>)")))
      << r->message_id;
  EXPECT_TRUE(std::regex_match(
      Header(msg, "Date"),
      std::regex(
          R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000)")))
      << Header(msg, "Date");
  EXPECT_EQ(Header(msg, "MIME-Version"), "1.0");
  EXPECT_EQ(Header(msg, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(msg, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(r->accepted, std::vector<std::string>{"admin@example.test"});

  // On the wire: CRLF only, short 7-bit lines, dots not doubled by us.
  std::string raw = sink.Raw(1);
  for (std::size_t start = 0; start < raw.size();) {
    std::size_t end = raw.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "line without CRLF at " << start;
    std::string line = raw.substr(start, end - start);
    EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF in " << line;
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << line;
    start = end + 2;
  }
  EXPECT_NE(raw.find("\r\n.leading dot\r\n..two dots\r\n.\r\n"), std::string::npos) << raw;
}

TEST_F(MailerTest, HtmlAlternativeArrivesAsMultipart) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  const std::string long_line = std::string(200, 'x');
  const std::string body = "Hello,\n.leading dot\nGrüße ☃ 請求書\n" + long_line + "\n=_ --\nend\n";
  const std::string html = "<!DOCTYPE html>\n<p>Hello, <b>Café Zoë Ltd</b> &amp; &lt;x&gt;</p>\n" +
                           std::string("<p>") + long_line + "</p>\n<p style=\"a=b\">.</p>\n";
  const std::string subject = "Xero connection lost: acme (Café Zoë Ltd)";
  auto r = SendAndWait(
      *mailer, {.to = {"admin@example.test"}, .subject = subject, .body = body, .html = html});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(sink.WaitForMessages(1));
  nlohmann::json msg = sink.Message(1);
  EXPECT_EQ(msg["defects"], nlohmann::json::array());
  EXPECT_EQ(msg["content_types"],
            nlohmann::json::array({"multipart/alternative", "text/plain", "text/html"}));
  EXPECT_EQ(msg["subject"], subject);
  EXPECT_EQ(Lf(msg["body"]), body);
  EXPECT_EQ(Lf(msg["html"]), html);
  EXPECT_EQ(Header(msg, "MIME-Version"), "1.0");
  EXPECT_EQ(Header(msg, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(Header(msg, "Message-ID"), r->message_id);
  EXPECT_EQ(Header(msg, "From"), "\"xerod\" <xerod@example.test>");
  EXPECT_TRUE(
      std::regex_match(Lf(Header(msg, "Content-Type")),
                       std::regex(R"(multipart/alternative;\s+boundary="=_xerod_[0-9A-F]{32}")")))
      << Header(msg, "Content-Type");

  std::string raw = sink.Raw(1);
  for (std::size_t start = 0; start < raw.size();) {
    std::size_t end = raw.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "line without CRLF at " << start;
    std::string line = raw.substr(start, end - start);
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line) ASSERT_LT(static_cast<unsigned char>(c), 0x80) << line;
    start = end + 2;
  }

  // A message without html is still single-part text/plain.
  ASSERT_TRUE(SendAndWait(*mailer, Simple("plain")).has_value());
  ASSERT_TRUE(sink.WaitForMessages(2));
  nlohmann::json plain = sink.Message(2);
  EXPECT_EQ(plain["content_types"], nlohmann::json::array({"text/plain"}));
  EXPECT_EQ(plain["html"], nullptr);
  EXPECT_EQ(Lf(plain["body"]), "body\n");
}

TEST_F(MailerTest, MultipleRecipients) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  std::vector<std::string> to = {"one@example.test", "two@example.test", "three@other.test"};
  auto r = SendAndWait(*mailer, Simple("to three", to));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->accepted, to);
  ASSERT_TRUE(sink.WaitForMessages(1));
  nlohmann::json msg = sink.Message(1);
  EXPECT_EQ(msg["rcpt_tos"], nlohmann::json(to));
  EXPECT_EQ(Header(msg, "To"), "one@example.test, two@example.test, three@other.test");
}

TEST_F(MailerTest, SendsQueueUpInOrder) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  std::vector<std::string> done;
  for (int i = 1; i <= 4; ++i) {
    mailer->Send(Simple("message " + std::to_string(i)), [&done, i](Result<MailReceipt> r) {
      EXPECT_TRUE(r.has_value()) << r.error().ToString();
      done.push_back("message " + std::to_string(i));
    });
  }
  EXPECT_TRUE(done.empty());
  io_.run_for(30s);
  EXPECT_EQ(done, (std::vector<std::string>{"message 1", "message 2", "message 3", "message 4"}));
  ASSERT_TRUE(sink.WaitForMessages(4));
  for (int i = 1; i <= 4; ++i)
    EXPECT_EQ(sink.Message(i)["subject"], "message " + std::to_string(i));
}

TEST_F(MailerTest, AuthSucceeds) {
  SmtpSink sink({"--user", kUser, "--password", kPassword, "--auth-required"});
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(WithAuth(Config(sink.Url())));  // tls: none is fine on loopback
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(sink.WaitForMessages(1));
  EXPECT_EQ(sink.Message(1)["auth_user"], kUser);
  EXPECT_EQ(sink.AuthFailures(), 0);
}

TEST_F(MailerTest, WrongPasswordIsPermissionDeniedWithoutThePassword) {
  SmtpSink sink({"--user", kUser, "--password", kPassword, "--auth-required"});
  ASSERT_TRUE(sink.ok()) << sink.Output();
  const std::string wrong = "wrong-Pa55word-xyz";
  auto mailer = Make(WithAuth(Config(sink.Url()), wrong));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied) << r.error().ToString();
  EXPECT_NE(r.error().message().find("535"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find(wrong), std::string::npos) << r.error().message();
  EXPECT_EQ(sink.AuthFailures(), 1);
  EXPECT_EQ(sink.Count(), 0);
}

TEST_F(MailerTest, PasswordEchoedByServerIsScrubbed) {
  SmtpSink sink({"--user", kUser, "--password", kPassword, "--echo-password"});
  ASSERT_TRUE(sink.ok()) << sink.Output();
  const std::string wrong = "wrong-Pa55word-xyz";
  auto mailer = Make(WithAuth(Config(sink.Url()), wrong));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied) << r.error().ToString();
  EXPECT_NE(r.error().message().find("535 5.7.8 wrong password ***"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find(wrong), std::string::npos) << r.error().message();
}

TEST_F(MailerTest, RejectedRecipientIsPermanent) {
  SmtpSink sink({"--reject", "gone@example.test"});
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple("x", {"admin@example.test", "gone@example.test"}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition) << r.error().ToString();
  // The server's reply line, not just the code.
  EXPECT_NE(r.error().message().find("550 5.1.1 <gone@example.test>: Recipient address rejected"),
            std::string::npos)
      << r.error().message();
  // Nothing was delivered: the next message is the sink's first.
  ASSERT_TRUE(SendAndWait(*mailer, Simple("after")).has_value());
  ASSERT_TRUE(sink.WaitForMessages(1));
  EXPECT_EQ(sink.Count(), 1);
  EXPECT_EQ(sink.Message(1)["subject"], "after");
}

TEST_F(MailerTest, TemporaryRecipientFailureIsUnavailable) {
  SmtpSink sink({"--tempfail", "busy@example.test"});
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple("x", {"busy@example.test"}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable) << r.error().ToString();
  EXPECT_NE(r.error().message().find("451"), std::string::npos) << r.error().message();
}

TEST_F(MailerTest, ConnectionRefusedIsUnavailable) {
  auto mailer = Make(Config("smtp://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort())));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable) << r.error().ToString();
}

TEST_F(MailerTest, SilentServerTimesOut) {
  SilentListener silent;
  SmtpConfig c = Config(silent.Url());
  c.timeout = 500ms;
  auto mailer = Make(c);
  ASSERT_TRUE(mailer);
  auto start = std::chrono::steady_clock::now();
  auto r = SendAndWait(*mailer, Simple());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable) << r.error().ToString();
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
}

class MailerTlsTest : public MailerTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeTestPki(pki_.path().string())) << "openssl CLI failed";
  }
  std::vector<std::string> TlsArgs(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--cert", pki_.File("server.pem"), "--key",
                                     pki_.File("server.key")};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  // smtp.ca_file: the test CA, trusted besides the system store.
  SmtpConfig TrustTestCa(SmtpConfig c) {
    c.ca_file = pki_.File("ca.pem");
    return c;
  }
  testing::TempDir pki_;
};

TEST_F(MailerTlsTest, StartTlsWithTestCaSucceeds) {
  SmtpSink sink(TlsArgs({"--require-starttls", "--auth-require-tls", "--user", kUser, "--password",
                         kPassword, "--auth-required"}));
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(TrustTestCa(WithAuth(Config(sink.Url(), SmtpTls::kStartTls))));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple("over tls"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(sink.WaitForMessages(1));
  EXPECT_EQ(sink.Message(1)["tls"], true);
  EXPECT_EQ(sink.Message(1)["auth_user"], kUser);
}

TEST_F(MailerTlsTest, StartTlsWithoutTrustingTheCaFails) {
  SmtpSink sink(TlsArgs({"--require-starttls"}));
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url(), SmtpTls::kStartTls));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition) << r.error().ToString();
  EXPECT_NE(r.error().message().find("certificate"), std::string::npos) << r.error().message();
  EXPECT_EQ(sink.Count(), 0);
}

TEST_F(MailerTlsTest, StartTlsRequiredButNotOfferedFails) {
  SmtpSink sink;  // no --cert: no STARTTLS in EHLO
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(TrustTestCa(Config(sink.Url(), SmtpTls::kStartTls)));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition) << r.error().ToString();
  EXPECT_NE(r.error().message().find("STARTTLS"), std::string::npos) << r.error().message();
  EXPECT_EQ(sink.Count(), 0);
}

TEST_F(MailerTlsTest, ImplicitTlsWithTestCaSucceeds) {
  SmtpSink sink(TlsArgs({"--smtps", "--user", kUser, "--password", kPassword}));
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(TrustTestCa(WithAuth(Config(sink.Url("smtps"), SmtpTls::kImplicit))));
  ASSERT_TRUE(mailer);
  auto r = SendAndWait(*mailer, Simple("implicit"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_TRUE(sink.WaitForMessages(1));
  EXPECT_EQ(sink.Message(1)["auth_user"], kUser);
}

// What a reload compares: the settings and the files' contents (password, CA).
TEST_F(MailerTlsTest, SendsLikeComparesPasswordAndCaContents) {
  const SmtpConfig c = TrustTestCa(WithAuth(Config("smtp://127.0.0.1:587", SmtpTls::kStartTls)));
  auto running = Make(c);
  ASSERT_TRUE(running);
  EXPECT_TRUE(running->SendsLike(*Make(c)));
  SmtpConfig other_timeout = c;
  other_timeout.timeout = 11s;
  EXPECT_FALSE(running->SendsLike(*Make(other_timeout)));
  // The same password file, rotated in place.
  testing::WriteFile(c.password_file, "rotated\n", 0600);
  EXPECT_FALSE(running->SendsLike(*Make(c)));
  testing::WriteFile(c.password_file, std::string(kPassword) + "\n", 0600);
  EXPECT_TRUE(running->SendsLike(*Make(c)));
  // The same CA file holding another CA.
  testing::TempDir other_pki;
  ASSERT_TRUE(testing::MakeTestPki(other_pki.path().string()));
  testing::WriteFile(c.ca_file, testing::ReadFile(other_pki.File("ca.pem")));
  EXPECT_FALSE(running->SendsLike(*Make(c)));
  SmtpConfig no_ca = c;
  no_ca.ca_file.clear();
  EXPECT_FALSE(running->SendsLike(*Make(no_ca)));
}

TEST_F(MailerTest, PasswordOverPlainTextToRemoteHostIsRefused) {
  SmtpConfig c = WithAuth(Config("smtp://mail.example.test:25", SmtpTls::kNone));
  auto m = Mailer::Create(io_, c);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), Code::kInvalidArgument);
  EXPECT_NE(m.error().message().find("clear text"), std::string::npos) << m.error().message();
  EXPECT_EQ(m.error().message().find(kPassword), std::string::npos);
  // Clear text to a remote relay needs saying so; a password never goes that way.
  c.allow_cleartext = true;
  auto with_password = Mailer::Create(io_, c);
  ASSERT_FALSE(with_password.has_value());
  EXPECT_NE(with_password.error().message().find("refusing to send the password"),
            std::string::npos)
      << with_password.error().message();
  c.username.clear();
  c.password_file.clear();
  EXPECT_TRUE(Mailer::Create(io_, c).has_value());
  c.allow_cleartext = false;
  auto unsaid = Mailer::Create(io_, c);
  ASSERT_FALSE(unsaid.has_value());
  EXPECT_NE(unsaid.error().message().find("smtp.allow_cleartext: true"), std::string::npos)
      << unsaid.error().message();
  // With TLS the password is protected.
  c = WithAuth(Config("smtp://mail.example.test:587", SmtpTls::kStartTls));
  EXPECT_TRUE(Mailer::Create(io_, c).has_value());
}

TEST_F(MailerTest, HeaderInjectionAndBadAddressesAreRefused) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  auto mailer = Make(Config(sink.Url()));
  ASSERT_TRUE(mailer);
  const MailMessage bad[] = {
      {.to = {"admin@example.test"}, .subject = "hi\r\nBcc: victim@example.test", .body = "x"},
      {.to = {"admin@example.test"}, .subject = "hi\nBcc: victim@example.test", .body = "x"},
      {.to = {"admin@example.test\r\nBcc: victim@example.test"}, .subject = "hi", .body = "x"},
      {.to = {"not-an-address"}, .subject = "hi", .body = "x"},
      {.to = {}, .subject = "hi", .body = "x"},
  };
  for (const MailMessage& m : bad) {
    auto r = SendAndWait(*mailer, m);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << r.error().ToString();
  }
  // Nothing reached the server: the next good message is its first.
  ASSERT_TRUE(SendAndWait(*mailer, Simple("good")).has_value());
  ASSERT_TRUE(sink.WaitForMessages(1));
  EXPECT_EQ(sink.Count(), 1);
  EXPECT_EQ(sink.Message(1)["rcpt_tos"], nlohmann::json::array({"admin@example.test"}));
}

TEST_F(MailerTest, DestroyWithPendingSendsCallsNothing) {
  SilentListener silent;  // the first send hangs until the 30 s timeout
  SmtpConfig c = Config(silent.Url());
  c.timeout = 30s;
  auto mailer = Make(c);
  ASSERT_TRUE(mailer);
  int called = 0;
  for (int i = 0; i < 3; ++i) mailer->Send(Simple(), [&](Result<MailReceipt>) { ++called; });
  // Let the worker get into the first transfer.
  io_.run_for(200ms);
  EXPECT_EQ(called, 0);
  mailer->Send({.to = {}, .subject = "invalid", .body = ""},
               [&](Result<MailReceipt>) { ++called; });  // failed, result posted, not yet run
  auto start = std::chrono::steady_clock::now();
  mailer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "destruction waited for the timeout";
  io_.restart();
  io_.run_for(500ms);
  EXPECT_EQ(called, 0);
}

TEST_F(MailerTest, DestroyRightAfterSendAgainstRealServer) {
  SmtpSink sink;
  ASSERT_TRUE(sink.ok()) << sink.Output();
  for (int round = 0; round < 5; ++round) {
    auto mailer = Make(Config(sink.Url()));
    ASSERT_TRUE(mailer);
    bool called = false;
    mailer->Send(Simple(), [&](Result<MailReceipt>) { called = true; });
    mailer.reset();
    io_.restart();
    io_.run_for(100ms);
    EXPECT_FALSE(called);
  }
}

TEST_F(MailerTest, CreateValidatesConfig) {
  SmtpConfig disabled;
  auto r = Mailer::Create(io_, disabled);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(r.error().message(), "smtp is not configured");

  auto code = [&](const SmtpConfig& c) {
    auto m = Mailer::Create(io_, c);
    return m ? std::optional<Code>() : std::optional<Code>(m.error().code());
  };
  EXPECT_EQ(code(Config("http://127.0.0.1:25")), Code::kInvalidArgument);
  EXPECT_EQ(code(Config("not a url")), Code::kInvalidArgument);
  EXPECT_EQ(code(Config("smtp://127.0.0.1:25/path")), Code::kInvalidArgument);
  EXPECT_EQ(code(Config("smtps://127.0.0.1:465", SmtpTls::kStartTls)), Code::kInvalidArgument);
  EXPECT_EQ(code(Config("smtp://127.0.0.1:25", SmtpTls::kImplicit)), Code::kInvalidArgument);
  SmtpConfig bad_from = Config("smtp://127.0.0.1:25");
  bad_from.from = "nobody";
  EXPECT_EQ(code(bad_from), Code::kInvalidArgument);
  SmtpConfig missing_password = Config("smtp://127.0.0.1:25");
  missing_password.username = kUser;
  missing_password.password_file = dir_.File("does-not-exist");
  EXPECT_EQ(code(missing_password), Code::kNotFound);
  SmtpConfig open_password = Config("smtp://127.0.0.1:25");
  open_password.username = kUser;
  open_password.password_file = dir_.File("world-readable");
  testing::WriteFile(open_password.password_file, kPassword, 0644);
  EXPECT_EQ(code(open_password), Code::kPermissionDenied);
  SmtpConfig no_ca = Config("smtp://127.0.0.1:25");
  no_ca.ca_file = dir_.File("no-ca.pem");
  auto bad_ca = Mailer::Create(io_, no_ca);
  ASSERT_FALSE(bad_ca.has_value());
  EXPECT_EQ(bad_ca.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(code(Config("smtp://127.0.0.1:25")), std::nullopt);
  EXPECT_EQ(code(Config("smtp://localhost:25/")), std::nullopt);
}

}  // namespace
}  // namespace xerod
