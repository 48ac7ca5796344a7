// SPDX-License-Identifier: MIT
//
// What xerod does to itself before it reads a secret: no core dump and no
// ptrace attach by other processes of its user (PR_SET_DUMPABLE 0: a crash
// leaves no file holding refresh tokens, the client secret or the SMTP
// password, and /proc/PID/mem is root's only), and a core size limit of 0 for
// good measure. The unit adds LimitCORE=0 (systemd/xerod.service.in).
#pragma once

#include "xerod/status.h"

namespace xerod::daemon {

// kIo naming the call that failed.
Status HardenProcess();

}  // namespace xerod::daemon
