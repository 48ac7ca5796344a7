// SPDX-License-Identifier: MIT
//
// Where a completion runs. Modules that finish work on a thread of their own
// (the store's writer, the mailer's worker) hand the result to the caller's
// executor, so callers never post results back by hand: on the daemon's loop,
// a completion runs on the loop thread. An empty executor runs the completion
// where the work finished (tests, benchmarks, the CLI's blocking calls).
#pragma once

#include <functional>
#include <utility>

#include "xerod/asio_fwd.h"

namespace xerod {

using Executor = std::function<void(std::function<void()>)>;

// Runs `task` on `executor`, or right here when it is empty.
inline void Dispatch(const Executor& executor, std::function<void()> task) {
  if (executor) {
    executor(std::move(task));
  } else {
    task();
  }
}

// Posts each task to `io` (never runs it inside the call). `io` must outlive
// every use of the executor.
Executor LoopExecutor(boost::asio::io_context& io);

}  // namespace xerod
