// SPDX-License-Identifier: MIT
#include "http/test_server.h"

#include <unistd.h>
#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include "xerod/http_client.h"

namespace xerod::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

std::string RecordedRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (HeaderNameEquals(n, name)) return v;
  }
  return "";
}

ScriptedReply EchoReply(const RecordedRequest& request) {
  ScriptedReply r;
  r.body = request.body;
  r.headers = {{"X-Echo-Method", request.method}, {"X-Echo-Target", request.target}};
  return r;
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

bool MakeTestPki(const std::string& dir) {
  const std::string d = "'" + dir + "'";
  // A distinct CA name per call: two test CAs with one name would make OpenSSL
  // try the wrong CA's key instead of reporting an unknown issuer.
  static std::atomic<int> serial{0};
  const std::string ca_name =
      "/CN=xerod-test-ca-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string cmds[] = {
      "openssl req -x509 " + key + " -days 2 -subj " + ca_name + " -keyout " + d + "/ca.key -out " +
          d + "/ca.pem",
      "openssl req " + key + " -subj /CN=127.0.0.1 -keyout " + d + "/server.key -out " + d +
          "/server.csr",
      "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > " + d + "/ext.cnf",
      "openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
          "/ca.key -CAcreateserial -days 2 -extfile " + d + "/ext.cnf -out " + d + "/server.pem",
  };
  for (const std::string& c : cmds) {
    std::string quiet = c + " >" + d + "/openssl.log 2>&1";
    if (std::system(quiet.c_str()) != 0) {
      std::fprintf(stderr, "MakeTestPki: failed: %s\n", c.c_str());
      return false;
    }
  }
  return true;
}

struct TestHttpServer::Impl {
  Handler handler;
  asio::io_context io;
  std::optional<asio::ssl::context> ssl;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<int> connections{0};
  std::atomic<int> requests{0};
  std::atomic<bool> recording{true};
  int port = 0;
  mutable std::mutex mu;
  std::vector<RecordedRequest> recorded;

  template <typename Stream>
  asio::awaitable<void> Serve(Stream& stream, tcp::socket& raw) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64u << 20);
      co_await bhttp::async_read(stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      req = parser.release();
      RecordedRequest rec;
      rec.method = std::string(req.method_string());
      rec.target = std::string(req.target());
      for (const auto& f : req) rec.headers.emplace_back(f.name_string(), f.value());
      rec.body = req.body();
      ++requests;
      if (recording) {
        std::lock_guard lock(mu);
        recorded.push_back(rec);
      }
      ScriptedReply reply = handler(rec);
      if (reply.delay.count() > 0) {
        asio::steady_timer timer(io, reply.delay);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (reply.action == ScriptedReply::Action::kCloseWithoutResponse) {
        raw.close(ec);
        co_return;
      }
      std::string body = reply.gzip ? Gzip(reply.body) : reply.body;
      if (reply.action == ScriptedReply::Action::kCloseMidBody) {
        std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body.substr(0, body.size() / 2);
        co_await asio::async_write(stream, asio::buffer(head),
                                   asio::redirect_error(asio::use_awaitable, ec));
        raw.close(ec);
        co_return;
      }
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status),
                                              req.version()};
      for (const auto& [n, v] : reply.headers) res.set(n, v);
      if (reply.gzip) res.set(bhttp::field::content_encoding, "gzip");
      res.body() = std::move(body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    if (!ssl) {
      co_await Serve(socket, socket);
    } else {
      beast::ssl_stream<tcp::socket&> stream(socket, *ssl);
      boost::system::error_code ec;
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await Serve(stream, socket);
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections;
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }
};

TestHttpServer::TestHttpServer(Handler handler, std::optional<TlsFiles> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = handler ? std::move(handler) : Handler(&EchoReply);
  if (tls) {
    impl_->ssl.emplace(asio::ssl::context::tls_server);
    impl_->ssl->use_certificate_chain_file(tls->cert_file);
    impl_->ssl->use_private_key_file(tls->key_file, asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(1024);
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();
  impl_->thread.join();
}

int TestHttpServer::port() const { return impl_->port; }

void TestHttpServer::SetRecording(bool on) { impl_->recording = on; }

std::string TestHttpServer::Url(std::string_view path) const {
  return std::string(impl_->ssl ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) +
         std::string(path);
}

int TestHttpServer::connections() const { return impl_->connections.load(); }
int TestHttpServer::requests() const { return impl_->requests.load(); }

std::vector<RecordedRequest> TestHttpServer::Requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->recorded;
}

}  // namespace xerod::testing
