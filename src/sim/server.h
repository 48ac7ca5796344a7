// SPDX-License-Identifier: MIT
// The simulator's HTTP/1.1 server (Boost.Beast): plain TCP or TLS on one
// address, keep-alive, a 30-second timeout on every read and write, 10 MB
// request bodies. Each request is routed through a Router and its Plan carried
// out (delay, drop, respond). Single-threaded: everything runs on the one
// io_context thread, so no strands are needed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "sim/router.h"

namespace xero_sim {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string tls_cert;                // PEM certificate chain; set with tls_key for HTTPS
  std::string tls_key;
};

class Server {
 public:
  // `router` must outlive the server and every session it starts.
  Server(boost::asio::io_context& ioc, Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads TLS material, binds and listens. Error text on failure.
  std::optional<std::string> Listen(const ServerOptions& options);
  // Starts accepting (call after Listen).
  void Start();
  // Stops accepting; open sessions end when the io_context stops.
  void Stop();
  unsigned short port() const;
  // "http://127.0.0.1:43121" (or https://).
  std::string url() const;

 private:
  void DoAccept();

  boost::asio::io_context& ioc_;
  Router& router_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::string host_;
};

}  // namespace xero_sim
