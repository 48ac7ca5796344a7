// SPDX-License-Identifier: MIT
#include "store/instance_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "support/test_support.h"

namespace xerod::store {
namespace {

TEST(InstanceLockTest, ASecondHolderIsRefusedWithTheFirstOnesPidUntilItLetsGo) {
  testing::TempDir dir;
  const std::string db = dir.File("xerod.db");
  std::optional<InstanceLock> first;
  {
    auto lock = InstanceLock::Acquire(db);
    ASSERT_TRUE(lock.has_value()) << lock.error().ToString();
    first.emplace(std::move(*lock));
  }
  EXPECT_EQ(first->path(), db + ".lock");
  struct stat st {};
  ASSERT_EQ(::stat(first->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto second = InstanceLock::Acquire(db);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), Code::kUnavailable);
  EXPECT_NE(second.error().message().find("another xerod (pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << second.error().message();
  EXPECT_NE(second.error().message().find(db), std::string::npos);

  first.reset();  // the holder goes (or dies): the lock is free at once
  auto third = InstanceLock::Acquire(db);
  EXPECT_TRUE(third.has_value()) << third.error().ToString();
}

TEST(InstanceLockTest, AnUnwritableDirectoryIsAnIoError) {
  auto lock = InstanceLock::Acquire("/proc/xerod-no-such-dir/xerod.db");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().code(), Code::kIo);
  EXPECT_NE(lock.error().message().find("/proc/xerod-no-such-dir/xerod.db.lock"),
            std::string::npos);
}

}  // namespace
}  // namespace xerod::store
