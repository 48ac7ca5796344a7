// SPDX-License-Identifier: MIT
// The one-shot OAuth redirect listener: what a browser (and anything else on
// the machine) can send it, and what each gets back.
#include "connection/loopback_listener.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "support/test_support.h"

namespace xerod::connection {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using testing::WaitFor;

TEST(ParseLoopbackUriTest, AcceptsLoopbackHostsWithAPortOnly) {
  auto a = ParseLoopbackUri("http://127.0.0.1:8765/callback?x=1");
  ASSERT_TRUE(a.has_value()) << a.error().ToString();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8765);
  EXPECT_EQ(a->path, "/callback");
  auto v6 = ParseLoopbackUri("http://[::1]:9000");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->path, "/");
  EXPECT_EQ(ParseLoopbackUri("http://localhost:80/cb")->host, "127.0.0.1");
  for (const char* bad : {"https://127.0.0.1:1/cb", "http://127.0.0.1/cb", "http://10.0.0.1:80/",
                          "http://example.com:80/", "http://127.0.0.1:0/", "http://127.0.0.1:x/",
                          "http://127.0.0.1:70000/"}) {
    EXPECT_FALSE(ParseLoopbackUri(bad).has_value()) << bad;
  }
}

class LoopbackListenerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (listener_) {
      asio::post(io_, [l = listener_] { l->Close(); });
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

  // Starts a listener on 127.0.0.1 (a port of the system's choosing) whose
  // handler records the query and answers `reply`.
  void Start(std::string reply, Duration timeout = std::chrono::seconds(30),
             RedirectFilter accepts = nullptr) {
    std::promise<Result<std::shared_ptr<LoopbackListener>>> started;
    asio::post(io_, [&] {
      started.set_value(LoopbackListener::Start(
          io_, LoopbackAddress{"127.0.0.1", 0, "/callback"}, timeout,
          [this, reply](Result<std::string> query) {
            std::lock_guard lock(mu_);
            queries_.push_back(query ? *query : "error: " + query.error().message());
            return reply;
          },
          std::move(accepts)));
    });
    thread_ = std::thread([this] { io_.run(); });
    auto l = started.get_future().get();
    ASSERT_TRUE(l.has_value()) << l.error().ToString();
    listener_ = *l;
    ASSERT_GT(listener_->port(), 0);
  }

  // Sends `request` on a new connection and returns everything sent back.
  std::string Send(const std::string& request) {
    asio::io_context client;
    tcp::socket socket(client);
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(listener_->port())),
                   ec);
    if (ec) return "connect: " + ec.message();
    asio::write(socket, asio::buffer(request), ec);
    std::string answer;
    char buf[4096];
    while (true) {
      std::size_t n = socket.read_some(asio::buffer(buf), ec);
      answer.append(buf, n);
      if (ec) break;
    }
    return answer;
  }

  std::vector<std::string> Queries() {
    std::lock_guard lock(mu_);
    return queries_;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::thread thread_;
  std::shared_ptr<LoopbackListener> listener_;
  std::mutex mu_;
  std::vector<std::string> queries_;
};

TEST_F(LoopbackListenerTest, TheRedirectIsHandedOverOnceAndAnsweredWithAnEscapedPage) {
  ASSERT_NO_FATAL_FAILURE(Start("Connected <Acme & Co>"));
  // Other paths, other methods and garbage are not the redirect.
  std::string other = Send("GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 404 Not Found\r\n")) << other;
  std::string post = Send("POST /callback?code=x HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 404 Not Found\r\n")) << post;
  std::string garbage = Send("hello\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400 Bad Request\r\n")) << garbage;
  EXPECT_TRUE(Queries().empty());

  std::string page = Send("GET /callback?code=abc&state=s1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200 OK\r\n")) << page;
  EXPECT_NE(page.find("Cache-Control: no-store\r\n"), std::string::npos) << page;
  EXPECT_NE(page.find("Connected &lt;Acme &amp; Co&gt;"), std::string::npos) << page;
  EXPECT_EQ(page.find("<Acme"), std::string::npos) << page;
  std::size_t body = page.find("\r\n\r\n") + 4;
  EXPECT_NE(page.find("Content-Length: " + std::to_string(page.size() - body) + "\r\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(Queries(), std::vector<std::string>{"code=abc&state=s1"});
  // One-shot: the listener is closed now.
  EXPECT_TRUE(Send("GET /callback?code=again HTTP/1.1\r\n\r\n").starts_with("connect: "));
  EXPECT_EQ(Queries().size(), 1u);
}

// Any local user can reach the port: a request that is not the awaited
// sign-in (its state differs) is refused and does not end the connect.
TEST_F(LoopbackListenerTest, ARedirectThatIsNotTheAwaitedOneIsIgnored) {
  ASSERT_NO_FATAL_FAILURE(Start("ok", std::chrono::seconds(30), [](std::string_view query) {
    return query.find("state=s1") != std::string_view::npos;
  }));
  std::string forged = Send("GET /callback?error=access_denied&state=x HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(forged.starts_with("HTTP/1.1 400 Bad Request\r\n")) << forged;
  EXPECT_TRUE(Queries().empty());
  std::string page = Send("GET /callback?code=abc&state=s1 HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200 OK\r\n")) << page;
  EXPECT_EQ(Queries(), std::vector<std::string>{"code=abc&state=s1"});
}

TEST_F(LoopbackListenerTest, AHeadThatNeverEndsOrIsHugeIsDroppedWithoutAnAnswer) {
  ASSERT_NO_FATAL_FAILURE(Start("ok"));
  std::string huge = "GET /callback?" + std::string(64 * 1024, 'a') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(Send(huge), "");
  EXPECT_TRUE(Queries().empty());
  // The listener still serves the real redirect afterwards.
  EXPECT_TRUE(Send("GET /callback?code=1 HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 OK"));
}

TEST_F(LoopbackListenerTest, NoRedirectInTimeTellsTheHandlerAndStopsListening) {
  ASSERT_NO_FATAL_FAILURE(Start("unused", std::chrono::milliseconds(200)));
  ASSERT_TRUE(WaitFor([&] { return !Queries().empty(); }));
  EXPECT_EQ(Queries(), std::vector<std::string>{"error: timed out waiting for the OAuth redirect"});
  EXPECT_TRUE(Send("GET /callback?code=1 HTTP/1.1\r\n\r\n").starts_with("connect: "));
}

TEST_F(LoopbackListenerTest, APortInUseIsAClearError) {
  ASSERT_NO_FATAL_FAILURE(Start("ok"));
  std::promise<Result<std::shared_ptr<LoopbackListener>>> second;
  asio::post(io_, [&] {
    second.set_value(LoopbackListener::Start(
        io_, LoopbackAddress{"127.0.0.1", listener_->port(), "/callback"}, std::chrono::seconds(1),
        [](Result<std::string>) { return std::string(); }));
  });
  auto r = second.get_future().get();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_NE(r.error().message().find("cannot listen on 127.0.0.1:"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace xerod::connection
