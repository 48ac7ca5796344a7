// SPDX-License-Identifier: MIT
//
// `xerod-ctl email test` through the real xerod to a real SMTP server
// (aiosmtpd on loopback): to an address, to notify.admins, with the server
// refusing the login, and after a reload that changes the smtp section.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dbus/bus_fixture.h"
#include "mail/smtp_sink.h"

namespace xerod::testing {
namespace {

using nlohmann::json;

class EmailE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sink_.ok()) << sink_.Output();
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
           "smtp: {url: \"" +
           sink_.Url() + "\", tls: none, username: xerod, password_file: " + password_file +
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
  SmtpSink sink_{{"--user", "xerod", "--password", "sink-password"}};
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
  ASSERT_TRUE(sink_.WaitForMessages(1));
  json m = sink_.Message(1);
  EXPECT_EQ(m["rcpt_tos"], json::array({"someone@example.test"}));
  EXPECT_EQ(m["mail_from"], "xerod@example.test");
  EXPECT_EQ(m["auth_user"], "xerod");
  EXPECT_NE(m["subject"].get<std::string>().find("xerod test email"), std::string::npos);
  EXPECT_NE(m["body"].get<std::string>().find("xerod-ctl email test"), std::string::npos);
  EXPECT_NE(sink_.Raw(1).find(sent["message_id"].get<std::string>()), std::string::npos);

  // No address: notify.admins.
  ASSERT_EQ(Ctl("email test", &out), 0) << out;
  EXPECT_NE(out.find("ops@example.test, oncall@example.test"), std::string::npos) << out;
  ASSERT_TRUE(sink_.WaitForMessages(2));
  EXPECT_EQ(sink_.Message(2)["rcpt_tos"], json::array({"ops@example.test", "oncall@example.test"}));

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
  EXPECT_EQ(sink_.Count(), 2);
}

}  // namespace
}  // namespace xerod::testing
