// SPDX-License-Identifier: MIT
// A one-shot loopback HTTP listener for the OAuth redirect (RFC 8252 §7.3):
// listens on the redirect URI's host:port, answers requests for other paths
// with 404, and hands the query string of the first GET of the redirect path
// to the callback, answering it with a short HTML page. Closes itself after
// that, on timeout, or on Close(). Plain Asio on the daemon's io_context.
// Private to src/connection. Thread-safety: io_context thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/status.h"

namespace xerod::connection {

struct LoopbackAddress {
  std::string host;  // literal IPv4/IPv6 address or "localhost"
  int port = 0;
  std::string path;  // "/callback"
};
// Parses an http:// redirect URI on a loopback host with an explicit port.
Result<LoopbackAddress> ParseLoopbackUri(const std::string& uri);

// The callback gets the raw query string of the redirect, or kUnavailable on timeout.
// The returned text is shown in the browser.
using RedirectHandler = std::function<std::string(Result<std::string> query)>;
// Whether a redirect's query is the one awaited (its `state`). Any local
// process can reach the port: a request refused here is answered 400 and
// ignored, and the listener goes on waiting.
using RedirectFilter = std::function<bool(std::string_view query)>;

class LoopbackListener {
 public:
  // Binds now (errors: kUnavailable when the port is taken, kInvalidArgument).
  static Result<std::shared_ptr<LoopbackListener>> Start(boost::asio::io_context& io,
                                                         const LoopbackAddress& address,
                                                         Duration timeout, RedirectHandler handler,
                                                         RedirectFilter accepts = nullptr);
  virtual ~LoopbackListener() = default;
  // Stops listening without calling the handler. Idempotent.
  virtual void Close() = 0;
  // The port bound (the address's, or the one the system chose for port 0).
  virtual int port() const = 0;
};

}  // namespace xerod::connection
