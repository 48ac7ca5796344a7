// SPDX-License-Identifier: MIT
#include "daemon/harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace xerod::daemon {

Status HardenProcess() {
  rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return Fail(Code::kIo, std::string("setrlimit(RLIMIT_CORE, 0): ") + std::strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Fail(Code::kIo, std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno));
  }
  return Ok();
}

}  // namespace xerod::daemon
