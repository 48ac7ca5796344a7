// SPDX-License-Identifier: MIT
// Runs an HttpClient's io_context in the test thread until callbacks arrive.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "xerod/http_client.h"

namespace xerod::testing {

// Runs `io` until `done()` is true or `timeout` passes. Returns done().
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
    io.restart();
  }
  return done();
}

// Sends one request and waits for its response (nullopt on test timeout).
inline std::optional<HttpResponse> Fetch(
    boost::asio::io_context& io, HttpClient& client, HttpRequest request,
    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto result = std::make_shared<std::optional<HttpResponse>>();
  client.Send(std::move(request), [result](HttpResponse r) { *result = std::move(r); });
  RunUntil(
      io, [&] { return result->has_value(); }, timeout);
  return *result;
}

}  // namespace xerod::testing
