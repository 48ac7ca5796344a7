// SPDX-License-Identifier: MIT
#include "daemon/sd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "daemon/notify_listener.h"
#include "support/test_support.h"

namespace xerod {
namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      ::unsetenv(name_);
    } else {
      ::setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

TEST(SdNotifierTest, WithoutSocketEverythingIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  SdNotifier n;
  EXPECT_FALSE(n.enabled());
  EXPECT_FALSE(n.Ready("x"));
}

TEST(SdNotifierTest, SendsDatagramsToThePathSocket) {
  testing::TempDir dir;
  testing::NotifyListener listener(dir.File("n.sock"));
  ScopedEnv env("NOTIFY_SOCKET", listener.path());
  SdNotifier n;
  ASSERT_TRUE(n.enabled());
  EXPECT_TRUE(n.Ready("all good"));
  EXPECT_TRUE(n.Reloading());
  ASSERT_GE(listener.WaitFor("RELOADING=1"), 0);
  auto messages = listener.Messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], "READY=1\nSTATUS=all good");
  EXPECT_EQ(messages[1].rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u);
}

TEST(SdNotifierTest, WatchdogIntervalIsHalfAndHonoursPid) {
  {
    ScopedEnv usec("WATCHDOG_USEC", "3000000");
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid()));
    auto interval = SdNotifier::WatchdogPingInterval();
    ASSERT_TRUE(interval.has_value());
    EXPECT_EQ(interval->count(), 1500000);
  }
  {
    ScopedEnv usec("WATCHDOG_USEC", "3000000");
    ScopedEnv pid("WATCHDOG_PID", std::to_string(::getpid() + 1));
    EXPECT_FALSE(SdNotifier::WatchdogPingInterval().has_value());
  }
  {
    ScopedEnv usec("WATCHDOG_USEC", "abc");
    EXPECT_FALSE(SdNotifier::WatchdogPingInterval().has_value());
  }
}

}  // namespace
}  // namespace xerod
