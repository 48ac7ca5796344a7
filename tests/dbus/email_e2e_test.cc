// SPDX-License-Identifier: MIT
//
// `xerod-ctl email test` through the real xerod to a real SMTP server
// (aiosmtpd on loopback): to an address, to notify.admins, with the server
// refusing the login, after a reload that changes the smtp section, after a
// reload that changes only the password file's content, and over STARTTLS to
// a relay whose certificate comes from a private CA (smtp.ca_file).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dbus/bus_fixture.h"
#include "http/test_server.h"
#include "mail/smtp_sink.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

class EmailE2eTest : public ::testing::Test {
 protected:
  // The sink's arguments; a fixture for TLS adds its certificate.
  virtual std::vector<std::string> SinkArgs() {
    return {"--user", "xerod", "--password", "sink-password"};
  }
  // The smtp section's keys besides username, password_file and from.
  virtual std::string SmtpKeys() { return "url: \"" + sink_->Url() + "\", tls: none"; }

  void SetUp() override {
    sink_ = std::make_unique<SmtpSink>(SinkArgs());
    ASSERT_TRUE(sink_->ok()) << sink_->Output();
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty());
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
    WriteFile(dir_.File("smtp-password"), "sink-password\n", 0600);
  }
  void TearDown() override {
    if (xerod_) {
      xerod_->Signal(SIGTERM);
      EXPECT_EQ(xerod_->Wait(std::chrono::seconds(20)), 0) << xerod_->Output();
    }
  }
  std::string Config(const std::string& password_file) {
    return "database: " + dir_.File("xerod.db") +
           "\n"
           "dbus: {bus: session}\n"
           "smtp: {" +
           SmtpKeys() + ", username: xerod, password_file: " + password_file +
           ",\n"
           "       from: \"xerod <xerod@example.test>\"}\n"
           "notify: {admins: [ops@example.test, oncall@example.test]}\n";
  }
  void Start() {
    config_ = dir_.File("xerod.yaml");
    WriteFile(config_, Config(dir_.File("smtp-password")));
    std::string why;
    xerod_ = StartXerod(dir_, config_, &why);
    ASSERT_TRUE(xerod_) << why;
  }
  int Ctl(const std::string& args, std::string* out) { return RunCtl(dir_, args, out); }

  TempDir dir_;
  std::unique_ptr<SmtpSink> sink_;
  std::unique_ptr<PrivateBus> bus_;
  std::string config_;
  std::unique_ptr<Subprocess> xerod_;
};

TEST_F(EmailE2eTest, TestMessagesReachTheServer) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::string out;
  ASSERT_EQ(Ctl("--json email test someone@example.test", &out), 0) << out;
  json sent = json::parse(out);
  EXPECT_EQ(sent["recipients"], json::array({"someone@example.test"}));
  ASSERT_TRUE(sink_->WaitForMessages(1));
  json m = sink_->Message(1);
  EXPECT_EQ(m["rcpt_tos"], json::array({"someone@example.test"}));
  EXPECT_EQ(m["mail_from"], "xerod@example.test");
  EXPECT_EQ(m["auth_user"], "xerod");
  EXPECT_NE(m["subject"].get<std::string>().find("xerod test email"), std::string::npos);
  EXPECT_NE(m["body"].get<std::string>().find("xerod-ctl email test"), std::string::npos);
  EXPECT_NE(sink_->Raw(1).find(sent["message_id"].get<std::string>()), std::string::npos);

  // No address: notify.admins.
  ASSERT_EQ(Ctl("email test", &out), 0) << out;
  EXPECT_NE(out.find("ops@example.test, oncall@example.test"), std::string::npos) << out;
  ASSERT_TRUE(sink_->WaitForMessages(2));
  EXPECT_EQ(sink_->Message(2)["rcpt_tos"],
            json::array({"ops@example.test", "oncall@example.test"}));

  // A wrong password, applied by a reload: the server's refusal is reported
  // (FailedPrecondition: PermissionDenied is kept for callers xerod refuses),
  // the password never shown.
  WriteFile(dir_.File("wrong-password"), "not-the-password\n", 0600);
  WriteFile(config_, Config(dir_.File("wrong-password")));
  ASSERT_EQ(Ctl("reload", &out), 0) << out;
  EXPECT_EQ(Ctl("email test someone@example.test", &out), 1) << out;
  EXPECT_NE(out.find("FailedPrecondition"), std::string::npos) << out;
  EXPECT_NE(out.find("535"), std::string::npos) << out;
  EXPECT_EQ(out.find("xerod-admin"), std::string::npos) << out;
  EXPECT_EQ(out.find("not-the-password"), std::string::npos) << out;
  EXPECT_EQ(xerod_->Output().find("not-the-password"), std::string::npos);
  EXPECT_EQ(sink_->Count(), 2);
}

// A password rotated in the same file (the config unchanged) takes effect at the
// reload; without one, the running settings keep sending.
TEST_F(EmailE2eTest, PasswordChangedInPlaceTakesEffectAtReload) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::string out;
  ASSERT_EQ(Ctl("email test someone@example.test", &out), 0) << out;
  WriteFile(dir_.File("smtp-password"), "rotated-wrong\n", 0600);
  // Not reloaded yet: the password loaded at start still works.
  ASSERT_EQ(Ctl("email test someone@example.test", &out), 0) << out;
  ASSERT_EQ(Ctl("reload", &out), 0) << out;
  EXPECT_EQ(Ctl("email test someone@example.test", &out), 1) << out;
  EXPECT_NE(out.find("535"), std::string::npos) << out;
  EXPECT_EQ(out.find("rotated-wrong"), std::string::npos) << out;
  WriteFile(dir_.File("smtp-password"), "sink-password\n", 0600);
  ASSERT_EQ(Ctl("reload", &out), 0) << out;
  EXPECT_EQ(Ctl("email test someone@example.test", &out), 0) << out;
  EXPECT_TRUE(sink_->WaitForMessages(3));
  EXPECT_EQ(xerod_->Output().find("rotated-wrong"), std::string::npos);
}

// STARTTLS to a relay whose certificate comes from a private CA: trusted through
// smtp.ca_file; without it the certificate is refused and nothing (not even the
// password) is sent.
class EmailTlsE2eTest : public EmailE2eTest {
 protected:
  std::vector<std::string> SinkArgs() override {
    EXPECT_TRUE(MakeTestPki(pki_.path().string())) << "openssl CLI failed";
    return {"--user",
            "xerod",
            "--password",
            "sink-password",
            "--cert",
            pki_.File("server.pem"),
            "--key",
            pki_.File("server.key"),
            "--require-starttls",
            "--auth-require-tls"};
  }
  std::string SmtpKeys() override {
    return "url: \"" + sink_->Url() + "\", tls: starttls" +
           (trust_ ? ", ca_file: " + pki_.File("ca.pem") : std::string());
  }
  TempDir pki_;
  bool trust_ = true;
};

TEST_F(EmailTlsE2eTest, StartTlsToARelayWithAPrivateCa) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::string out;
  ASSERT_EQ(Ctl("--json email test someone@example.test", &out), 0) << out;
  ASSERT_TRUE(sink_->WaitForMessages(1));
  json m = sink_->Message(1);
  EXPECT_EQ(m["tls"], true);
  EXPECT_EQ(m["auth_user"], "xerod");

  // Without the CA the relay's certificate is not trusted.
  trust_ = false;
  WriteFile(config_, Config(dir_.File("smtp-password")));
  ASSERT_EQ(Ctl("reload", &out), 0) << out;
  EXPECT_EQ(Ctl("email test someone@example.test", &out), 1) << out;
  EXPECT_NE(out.find("certificate"), std::string::npos) << out;
  EXPECT_EQ(sink_->Count(), 1);
  EXPECT_EQ(sink_->AuthFailures(), 0);
}

}  // namespace
}  // namespace xerod::testing
