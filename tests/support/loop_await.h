// SPDX-License-Identifier: MIT
//
// For tests that run a loop by hand (io.poll()) over modules whose store
// writes complete on that loop (LoopExecutor): DrainLoop() runs the loop until
// nothing is left to do, including completions of writes still on the store's
// writer thread; AwaitOnLoop() calls an async API and drains until its
// callback has run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <optional>
#include <utility>

#include "xerod/status.h"
#include "xerod/store.h"

namespace xerod::testing {

inline void DrainLoop(boost::asio::io_context& io, Store& store) {
  for (int round = 0; round < 1000; ++round) {
    // The writer serves requests in order: once this one is committed, every
    // earlier write's completion has been posted to `io`.
    (void)store.WriteAndWait([](store::Db&) { return Ok(); });
    io.restart();
    if (io.poll() == 0) return;
  }
}

// `start(callback)` starts the call; gives what the callback got, or
// kDeadlineExceeded if it never ran while the loop had work.
template <typename T, typename Start>
Result<T> AwaitOnLoop(boost::asio::io_context& io, Store& store, Start&& start) {
  std::optional<Result<T>> out;
  std::forward<Start>(start)([&out](Result<T> r) { out.emplace(std::move(r)); });
  DrainLoop(io, store);
  if (!out) return Fail(Code::kInternal, "the callback never ran");
  return std::move(*out);
}

}  // namespace xerod::testing
