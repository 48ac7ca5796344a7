// SPDX-License-Identifier: MIT
// A scriptable HTTP/1.1 (and HTTPS) server on 127.0.0.1 for the HTTP client
// tests and benchmark: Boost.Beast on its own io_context thread, ephemeral port,
// counts TCP connections and records requests.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xerod::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // First value of a header (case-insensitive), "" when absent.
  std::string Header(std::string_view name) const;
};

struct ScriptedReply {
  enum class Action {
    kRespond,               // send the response below
    kCloseWithoutResponse,  // read the request, then close the connection
    kCloseMidBody,          // send headers announcing `body`, half of it, then close
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool gzip = false;                   // send `body` gzip-compressed with Content-Encoding: gzip
  std::chrono::milliseconds delay{0};  // wait this long before answering
  Action action = Action::kRespond;
};

struct TlsFiles {
  std::string cert_file;  // PEM chain of the server
  std::string key_file;
};

class TestHttpServer {
 public:
  // Called on the server thread for every request.
  using Handler = std::function<ScriptedReply(const RecordedRequest&)>;

  // Starts listening at once (plain HTTP, or HTTPS when `tls` is given).
  explicit TestHttpServer(Handler handler, std::optional<TlsFiles> tls = std::nullopt);
  // Stops the thread and closes every connection.
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const;
  // "http://127.0.0.1:PORT" + path (https when serving TLS).
  std::string Url(std::string_view path) const;
  int connections() const;  // TCP connections accepted so far
  int requests() const;     // requests read so far
  std::vector<RecordedRequest> Requests() const;
  // Whether requests are kept for Requests() (on by default; benchmarks turn it off).
  void SetRecording(bool on);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The reply the default handler gives: 200 with the request body echoed and
// X-Echo-Method / X-Echo-Target headers.
ScriptedReply EchoReply(const RecordedRequest& request);

// gzip (RFC 1952) encoding of `data`.
std::string Gzip(std::string_view data);

// Writes a test CA and a server certificate for IP 127.0.0.1 signed by it into
// `dir` (ca.pem, server.pem, server.key) with the openssl CLI. Returns false
// (and prints why) when openssl fails.
bool MakeTestPki(const std::string& dir);

}  // namespace xerod::testing
