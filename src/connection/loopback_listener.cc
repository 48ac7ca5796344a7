// SPDX-License-Identifier: MIT
#include "connection/loopback_listener.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <optional>

#include "xerod/html.h"

namespace xerod::connection {

namespace asio = boost::asio;
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

// What one browser request needs: at most this much head (the redirect's query
// carries a code and a state, well under 2 KiB), and this long to send it.
constexpr std::size_t kMaxRequestHead = 16 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(30);

// The request line of an HTTP/1.x request head: "GET /path?query HTTP/1.1".
struct RequestLine {
  std::string_view method;
  std::string_view target;
};
std::optional<RequestLine> ParseRequestLine(std::string_view head) {
  std::string_view line = head.substr(0, head.find("\r\n"));
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    return std::nullopt;
  }
  return RequestLine{line.substr(0, sp1), line.substr(sp1 + 1, sp2 - sp1 - 1)};
}

std::string Page(std::string_view status, std::string_view text) {
  std::string body = fmt::format("<!doctype html><title>xerod</title><p>{}</p>", HtmlEscaped(text));
  return fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
      "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
      status, body.size(), body);
}

// Plain Asio: the listener answers one kind of GET with a fixed page, which
// does not need an HTTP library (Beast cost this file 9 s of compile time).
class Listener final : public LoopbackListener, public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, LoopbackAddress address, RedirectHandler handler,
           RedirectFilter accepts)
      : io_(io),
        acceptor_(io),
        timer_(io),
        address_(std::move(address)),
        handler_(std::move(handler)),
        accepts_(std::move(accepts)) {}

  Status Open(Duration timeout) {
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(address_.host),
                     static_cast<unsigned short>(address_.port));
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
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

  int port() const override { return port_; }

  void Close() override {
    done_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    timer_.cancel();
  }

 private:
  struct Session {
    Session(tcp::socket s, asio::io_context& io)
        : socket(std::move(s)), buffer(kMaxRequestHead), deadline(io) {}
    tcp::socket socket;
    asio::streambuf buffer;
    asio::steady_timer deadline;
    std::string response;
  };

  void Accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (ec || self->done_) return;
          auto session = std::make_shared<Session>(std::move(socket), self->io_);
          session->deadline.expires_after(kRequestTimeout);
          session->deadline.async_wait([session](boost::system::error_code e) {
            if (e) return;  // answered first
            boost::system::error_code ignored;
            session->socket.close(ignored);
          });
          asio::async_read_until(session->socket, session->buffer, "\r\n\r\n",
                                 [self, session](boost::system::error_code e, std::size_t n) {
                                   if (e) {  // closed, timed out, or a head over the limit
                                     session->deadline.cancel();
                                     return;
                                   }
                                   self->OnRequest(session, n);
                                 });
          self->Accept();
        });
  }

  void OnRequest(const std::shared_ptr<Session>& s, std::size_t head_size) {
    std::string_view head(static_cast<const char*>(s->buffer.data().data()), head_size);
    auto line = ParseRequestLine(head);
    std::string_view target = line ? line->target : std::string_view();
    std::size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    if (!line) {
      s->response = Page("400 Bad Request", "Bad request.");
    } else if (done_ || line->method != "GET" || path != address_.path) {
      s->response = Page("404 Not Found", "Not found.");
    } else {
      std::string query = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
      if (accepts_ && !accepts_(query)) {
        spdlog::warn("OAuth redirect listener: ignored a request that is not the awaited sign-in");
        s->response = Page("400 Bad Request", "This is not the sign-in xerod is waiting for.");
      } else {
        s->response = Page("200 OK", Finish(std::move(query)));
      }
    }
    asio::async_write(s->socket, asio::buffer(s->response),
                      [s](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        s->socket.shutdown(tcp::socket::shutdown_both, ignored);
                        s->deadline.cancel();
                      });
  }

  std::string Finish(Result<std::string> query) {
    if (done_) return "This sign-in has already been handled.";
    RedirectHandler handler = std::move(handler_);
    Close();
    return handler ? handler(std::move(query)) : std::string();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer timer_;
  LoopbackAddress address_;
  RedirectHandler handler_;
  RedirectFilter accepts_;
  int port_ = 0;
  bool done_ = false;
};

}  // namespace

Result<std::shared_ptr<LoopbackListener>> LoopbackListener::Start(asio::io_context& io,
                                                                  const LoopbackAddress& address,
                                                                  Duration timeout,
                                                                  RedirectHandler handler,
                                                                  RedirectFilter accepts) {
  auto l = std::make_shared<Listener>(io, address, std::move(handler), std::move(accepts));
  if (auto s = l->Open(timeout); !s) return Fail(s.error());
  return std::shared_ptr<LoopbackListener>(l);
}

}  // namespace xerod::connection
