// SPDX-License-Identifier: MIT
#include "sim/server.h"

#include <algorithm>
#include <array>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <chrono>
#include <iostream>

#include "sim/http_util.h"

namespace xero_sim {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr auto kIoTimeout = std::chrono::seconds(30);
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr std::uint64_t kBodyLimit = 10 * 1024 * 1024;
// The admin API takes larger bodies: a fault may carry a body of tens of MB.
constexpr std::uint64_t kAdminBodyLimit = 256 * 1024 * 1024;

// Logs unexpected errors; the ones that just mean "the peer went away" are silent.
void fail(beast::error_code ec, const char* what) {
  if (ec == net::error::operation_aborted || ec == beast::error::timeout ||
      ec == http::error::end_of_stream || ec == net::error::eof ||
      ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated) {
    return;
  }
  std::cerr << "xero-sim: " << what << ": " << ec.message() << "\n";
}

Request ToRequest(const http::request<http::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  SplitTarget(target, &r.path, &r.query);
  if (std::size_t q = target.find('?'); q != std::string_view::npos)
    r.raw_query = std::string(target.substr(q + 1));
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.headers[name] = std::string(field.value());
  }
  r.body = req.body();
  return r;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Router& router)
      : stream_(std::move(stream)), router_(router), timer_(stream_.get_executor()) {}

  void Run() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      DoRead();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, self()));
    }
  }

 private:
  std::shared_ptr<Session> self() { return this->shared_from_this(); }

  void OnHandshake(beast::error_code ec) {
    if (ec) return fail(ec, "tls handshake");
    DoRead();
  }

  void DoRead() {
    parser_.emplace();
    // Beast checks Content-Length against this when the header completes; the
    // per-route limit is set in OnHeader.
    parser_->body_limit(kAdminBodyLimit);
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, self()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return DoClose();
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) return fail(ec, "read");
    auto target = parser_->get().target();
    if (!std::string_view(target.data(), target.size()).starts_with("/_sim/")) {
      auto length = parser_->content_length();
      if (length && *length > kBodyLimit) return TooLarge();
      parser_->body_limit(kBodyLimit);  // chunked bodies are counted as they arrive
    }
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, self()));
  }

  // 413, then close: the rest of the body is not read.
  void TooLarge() {
    keep_alive_ = false;
    version_ = parser_->get().version() == 10 ? 10 : 11;
    plan_ = Plan{};
    Response r;
    r.status = 413;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Request Entity Too Large";
    plan_.response = std::move(r);
    Respond();
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return TooLarge();
    if (ec) return fail(ec, "read");
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    plan_ = router_.Route(ToRequest(req));
    if (plan_.delay.count() > 0) {
      timer_.expires_after(plan_.delay);
      timer_.async_wait(beast::bind_front_handler(&Session::OnDelay, self()));
      return;
    }
    Respond();
  }

  void OnDelay(beast::error_code ec) {
    if (ec) return fail(ec, "delay");
    Respond();
  }

  void Respond() {
    if (plan_.drop) {
      plan_ = Plan{};
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(stream_).socket().close(ignored);
      return;
    }
    Response r = plan_.response ? std::move(*plan_.response) : plan_.execute();
    if (!plan_.response && plan_.amend) r = plan_.amend(std::move(r));
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, "xero-sim");
    if (!r.content_type.empty()) res_.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res_.insert(name, value);
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
    if (plan_.truncate_bytes) return WriteTruncated(*plan_.truncate_bytes);
    http::async_write(stream_, res_, beast::bind_front_handler(&Session::OnWrite, self()));
  }

  // The full header (Content-Length of the whole body), the first `n` body bytes, then close.
  void WriteTruncated(std::size_t n) {
    n = std::min(n, res_.body().size());
    serializer_.emplace(res_);
    http::async_write_header(
        stream_, *serializer_, [s = self(), n](beast::error_code ec, std::size_t) {
          if (ec) return s->CloseNow(ec, "write");
          net::async_write(s->stream_, net::buffer(s->res_.body().data(), n),
                           [s](beast::error_code ec2, std::size_t) { s->CloseNow(ec2, "write"); });
        });
  }

  void CloseNow(beast::error_code ec, const char* what) {
    if (ec) fail(ec, what);
    serializer_.reset();
    plan_ = Plan{};
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    plan_ = Plan{};  // releases the tenant's concurrency slot
    if (ec) return fail(ec, "write");
    if (!keep_alive_) return DoClose();
    DoRead();
  }

  void DoClose() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      // Lingering close: read and discard what the client still sends (the rest of a
      // refused body) until it closes, so the kernel does not reset the connection
      // and destroy the answer before the client has read it.
      stream_.expires_after(kLingerTimeout);
      Drain();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kIoTimeout);
      stream_.async_shutdown([s = self()](beast::error_code) {});
    }
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_), [s = self()](beast::error_code ec, std::size_t) {
      if (!ec) s->Drain();
    });
  }

  Stream stream_;
  std::array<char, 16384> drain_{};
  Router& router_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  Plan plan_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

}  // namespace

Server::Server(net::io_context& ioc, Router& router) : ioc_(ioc), router_(router), acceptor_(ioc) {}

Server::~Server() = default;

std::optional<std::string> Server::Listen(const ServerOptions& options) {
  std::size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) return "--listen must be HOST:PORT";
  host_ = options.listen.substr(0, colon);
  unsigned long port_number = 0;
  try {
    port_number = std::stoul(options.listen.substr(colon + 1));
  } catch (const std::exception&) {
    return "bad port in --listen";
  }
  if (port_number > 65535) return "bad port in --listen";
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  beast::error_code ec;
  if (!options.tls_cert.empty()) {
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) return "cannot load --tls-cert: " + ec.message();
    tls_->use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) return "cannot load --tls-key: " + ec.message();
  }
  auto address = net::ip::make_address(host_, ec);
  if (ec) return "bad address in --listen: " + host_;
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port_number));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + options.listen + ": " + ec.message();
  return std::nullopt;
}

void Server::Start() { DoAccept(); }

void Server::Stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

unsigned short Server::port() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

std::string Server::url() const {
  return std::string(tls_ ? "https://" : "http://") + host_ + ":" + std::to_string(port());
}

void Server::DoAccept() {
  acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
      fail(ec, "accept");
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      if (tls_) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_),
            router_)
            ->Run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), router_)
            ->Run();
      }
    }
    if (acceptor_.is_open()) DoAccept();
  });
}

}  // namespace xero_sim
