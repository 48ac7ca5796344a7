// SPDX-License-Identifier: MIT
#include "xerod/executor.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace xerod {

Executor LoopExecutor(boost::asio::io_context& io) {
  return [&io](std::function<void()> task) { boost::asio::post(io, std::move(task)); };
}

}  // namespace xerod
