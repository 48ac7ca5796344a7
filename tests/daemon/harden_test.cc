// SPDX-License-Identifier: MIT
// HardenProcess: a process that ran it cannot dump core (checked in a child,
// so the test runner keeps its own settings) and neither can the real xerod.
#include "daemon/harden.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace xerod::daemon {
namespace {

TEST(HardenTest, AfterItTheProcessIsNotDumpableAndHasNoCoreLimit) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (prctl(PR_GET_DUMPABLE) != 1) _exit(10);  // the starting point is dumpable
    if (!HardenProcess()) _exit(11);
    rlimit core{};
    getrlimit(RLIMIT_CORE, &core);
    _exit(prctl(PR_GET_DUMPABLE) == 0 && core.rlim_cur == 0 && core.rlim_max == 0 ? 0 : 12);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace xerod::daemon
