// SPDX-License-Identifier: MIT
//
// Asynchronous HTTP client used by the Xero client (token endpoint, /connections,
// the Accounting API). The interface is abstract so higher layers can be tested
// with a fake; MakeCurlHttpClient() returns the real one, which drives libcurl's
// multi interface from a boost::asio::io_context (no thread per request).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/http_message.h"
#include "xerod/status.h"

namespace xerod {

struct HttpClientOptions {
  Duration connect_timeout = std::chrono::seconds(10);
  Duration request_timeout = std::chrono::seconds(60);  // total, per request
  std::string ca_file;              // extra trusted CA(s), PEM; added to the system store
  long max_host_connections = 8;    // CURLMOPT_MAX_HOST_CONNECTIONS (0 = unlimited)
  long max_total_connections = 64;  // CURLMOPT_MAX_TOTAL_CONNECTIONS (0 = unlimited)
  std::string user_agent;           // empty: "xerod/<version>"

  static HttpClientOptions FromConfig(const XeroConfig& xero);
};

using HttpCallback = std::function<void(HttpResponse)>;

// Thread-safety: an HttpClient belongs to one io_context; call all methods on
// the thread running it. Callbacks run on that thread, never inside Send(),
// Shutdown() or the destructor (they are posted to the io_context).
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Starts the transfer; `done` is called exactly once with the response or a
  // transport error, as long as the io_context keeps running. Pending transfers
  // complete with HttpError::kAborted on Shutdown() or destruction.
  virtual void Send(HttpRequest request, HttpCallback done) = 0;

  // Aborts every transfer in flight (each completes with kAborted) and refuses
  // new ones (they complete with kAborted too). Idempotent.
  virtual void Shutdown() = 0;

  // Transfers started and not yet completed.
  virtual std::size_t InFlight() const = 0;
};

// The libcurl-based client. Fails with kInvalidArgument when options.ca_file is
// set but cannot be read as PEM certificates. `io` must outlive the client; the
// client may be destroyed while `io` is running or stopped.
Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(boost::asio::io_context& io,
                                                       HttpClientOptions options);

}  // namespace xerod
