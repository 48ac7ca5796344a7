// SPDX-License-Identifier: MIT
#include "connection/loopback_listener.h"

#include <fmt/format.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>

namespace xerod::connection {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Result<LoopbackAddress> ParseLoopbackUri(const std::string& uri) {
  constexpr std::string_view kScheme = "http://";
  if (!uri.starts_with(kScheme)) {
    return Fail(Code::kInvalidArgument, "redirect_uri must be http:// on a loopback address");
  }
  std::string_view rest = std::string_view(uri).substr(kScheme.size());
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  LoopbackAddress a;
  a.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (auto q = a.path.find('?'); q != std::string::npos) a.path.resize(q);
  std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    return Fail(Code::kInvalidArgument, "redirect_uri needs an explicit port");
  }
  a.host = std::string(authority.substr(0, colon));
  if (a.host.size() > 2 && a.host.front() == '[') a.host = a.host.substr(1, a.host.size() - 2);
  std::string_view port = authority.substr(colon + 1);
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (ec != std::errc() || p != port.data() + port.size() || a.port <= 0 || a.port > 65535) {
    return Fail(Code::kInvalidArgument, "redirect_uri has a bad port");
  }
  if (a.host == "localhost") a.host = "127.0.0.1";
  boost::system::error_code bad;
  auto addr = asio::ip::make_address(a.host, bad);
  if (bad || !addr.is_loopback()) {
    return Fail(Code::kInvalidArgument, "redirect_uri host must be a loopback address");
  }
  return a;
}

namespace {

class Listener final : public LoopbackListener, public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, LoopbackAddress address, RedirectHandler handler)
      : acceptor_(io), timer_(io), address_(std::move(address)), handler_(std::move(handler)) {}

  Status Open(Duration timeout) {
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(address_.host),
                     static_cast<unsigned short>(address_.port));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Fail(Code::kUnavailable,
                  fmt::format("cannot listen on {}:{} for the OAuth redirect: {}", address_.host,
                              address_.port, ec.message()));
    }
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (e || self->done_) return;
      self->Finish(Fail(Code::kUnavailable, "timed out waiting for the OAuth redirect"));
    });
    Accept();
    return Ok();
  }

  void Close() override {
    done_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    timer_.cancel();
  }

 private:
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void Accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec || self->done_) return;
          auto session = std::make_shared<Session>(std::move(socket));
          session->stream.expires_after(std::chrono::seconds(30));
          http::async_read(session->stream, session->buffer, session->request,
                           [self, session](boost::system::error_code e, std::size_t) {
                             if (!e) self->OnRequest(session);
                           });
          self->Accept();
        });
  }

  void OnRequest(const std::shared_ptr<Session>& s) {
    std::string_view target(s->request.target().data(), s->request.target().size());
    std::size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    auto& res = s->response;
    res.version(s->request.version());
    res.keep_alive(false);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    if (done_ || s->request.method() != http::verb::get || path != address_.path) {
      res.result(http::status::not_found);
      res.body() = "<!doctype html><title>xerod</title><p>Not found.</p>";
    } else {
      std::string query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
      res.result(http::status::ok);
      std::string text = Finish(std::move(query));
      res.body() = "<!doctype html><title>xerod</title><p>" + text + "</p>";
    }
    res.prepare_payload();
    http::async_write(s->stream, res, [s](boost::system::error_code, std::size_t) {
      boost::system::error_code ignored;
      s->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  std::string Finish(Result<std::string> query) {
    if (done_) return "This sign-in has already been handled.";
    RedirectHandler handler = std::move(handler_);
    Close();
    return handler ? handler(std::move(query)) : std::string();
  }

  tcp::acceptor acceptor_;
  asio::steady_timer timer_;
  LoopbackAddress address_;
  RedirectHandler handler_;
  bool done_ = false;
};

}  // namespace

Result<std::shared_ptr<LoopbackListener>> LoopbackListener::Start(asio::io_context& io,
                                                                  const LoopbackAddress& address,
                                                                  Duration timeout,
                                                                  RedirectHandler handler) {
  auto l = std::make_shared<Listener>(io, address, std::move(handler));
  if (auto s = l->Open(timeout); !s) return Fail(s.error());
  return std::shared_ptr<LoopbackListener>(l);
}

}  // namespace xerod::connection
