// SPDX-License-Identifier: MIT
#include "xerod/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "http/curl_transfer.h"
#include "http/http_test_util.h"
#include "http/test_server.h"
#include "support/test_support.h"
#include "xerod/version.h"

namespace xerod {
namespace {
using testing::Fetch;
using testing::RecordedRequest;
using testing::RunUntil;
using testing::ScriptedReply;
using testing::TestHttpServer;

class HttpClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpClient> MakeClient(HttpClientOptions options = {}) {
    auto client = MakeCurlHttpClient(io_, std::move(options));
    EXPECT_TRUE(client.has_value()) << client.error().ToString();
    return std::move(*client);
  }
  boost::asio::io_context io_;
};

TEST(HttpHeadersTest, LookupIsCaseInsensitiveAndKeepsOrder) {
  HttpHeaders h;
  h.Add("Content-Type", "application/json");
  h.Add("X-MinLimit-Remaining", "59");
  h.Add("x-minlimit-remaining", "12");
  EXPECT_EQ(h.Get("content-type"), "application/json");
  EXPECT_EQ(h.Get("X-MINLIMIT-REMAINING"), "59");
  EXPECT_FALSE(h.Get("Retry-After").has_value());
  EXPECT_EQ(h.size(), 3u);
}

TEST_F(HttpClientTest, MethodsBodiesAndHeadersRoundTrip) {
  TestHttpServer server(nullptr);
  auto client = MakeClient();
  const HttpMethod methods[] = {HttpMethod::kGet, HttpMethod::kPost, HttpMethod::kPut,
                                HttpMethod::kDelete};
  for (HttpMethod m : methods) {
    HttpRequest req = HttpRequest::Make(m, server.Url("/api.xro/2.0/Invoices?page=2"));
    req.Header("Xero-Tenant-Id", "tenant-1").Header("Content-Type", "application/json");
    if (m != HttpMethod::kGet) req.body = "{\"method\":\"" + std::string(ToString(m)) + "\"}";
    auto r = Fetch(io_, *client, req);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->ok()) << r->error_message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, req.body);
    EXPECT_EQ(r->headers.Get("x-echo-method"), ToString(m));
    EXPECT_EQ(r->headers.Get("X-ECHO-TARGET"), "/api.xro/2.0/Invoices?page=2");
  }
  std::vector<RecordedRequest> seen = server.Requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[2].method, "PUT");
  EXPECT_EQ(seen[3].method, "DELETE");
  EXPECT_EQ(seen[2].body, "{\"method\":\"PUT\"}");
  for (const RecordedRequest& r : seen) {
    EXPECT_EQ(r.Header("xero-tenant-id"), "tenant-1");
    EXPECT_EQ(r.Header("User-Agent"), std::string("xerod/") + kVersion);
    EXPECT_EQ(r.Header("Expect"), "");
  }
}

TEST_F(HttpClientTest, StatusAndResponseHeadersArePassedThrough) {
  TestHttpServer server([](const RecordedRequest&) {
    ScriptedReply r;
    r.status = 429;
    r.headers = {
        {"Retry-After", "17"}, {"X-Rate-Limit-Problem", "minute"}, {"X-MinLimit-Remaining", "0"}};
    r.body = "{\"Title\":\"Too Many Requests\"}";
    return r;
  });
  auto client = MakeClient();
  auto r = Fetch(io_, *client, HttpRequest{.url = server.Url("/x")});
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->ok()) << r->error_message;
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->headers.Get("retry-after"), "17");
  EXPECT_EQ(r->headers.Get("x-rate-limit-problem"), "minute");
  EXPECT_EQ(r->body, "{\"Title\":\"Too Many Requests\"}");
}

TEST_F(HttpClientTest, LargeBodiesBothWays) {
  TestHttpServer server(nullptr);
  auto client = MakeClient();
  std::string big(3'000'000, 'x');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  HttpRequest req{.method = HttpMethod::kPost, .url = server.Url("/big"), .body = big};
  auto r = Fetch(io_, *client, req);
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ(r->body, big);
}

TEST_F(HttpClientTest, AnAnswerOverTheCapIsAnErrorNotAMemoryBlowUp) {
  const std::string huge(http::kMaxResponseBytes + 1, 'x');
  TestHttpServer server([&huge](const RecordedRequest&) {
    ScriptedReply r;
    r.body = huge;
    return r;
  });
  auto client = MakeClient();
  auto r = Fetch(io_, *client, HttpRequest{.url = server.Url("/huge")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kOther);
  EXPECT_NE(r->error_message.find("larger than"), std::string::npos) << r->error_message;
  EXPECT_TRUE(r->body.empty());
}

TEST_F(HttpClientTest, GzipBodiesAreDecoded) {
  std::string json = "{\"Invoices\":[";
  for (int i = 0; i < 500; ++i) json += "{\"InvoiceNumber\":\"INV-" + std::to_string(i) + "\"},";
  json += "{}]}";
  TestHttpServer server([&json](const RecordedRequest&) {
    ScriptedReply r;
    r.body = json;
    r.gzip = true;
    return r;
  });
  auto client = MakeClient();
  auto r = Fetch(io_, *client, HttpRequest{.url = server.Url("/gz")});
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ(r->body, json);
  EXPECT_EQ(r->headers.Get("Content-Encoding"), "gzip");
  EXPECT_NE(server.Requests().at(0).Header("Accept-Encoding").find("gzip"), std::string::npos);
}

TEST_F(HttpClientTest, SequentialRequestsReuseOneConnection) {
  TestHttpServer server(nullptr);
  auto client = MakeClient();
  for (int i = 0; i < 100; ++i) {
    auto r = Fetch(io_, *client, HttpRequest{.url = server.Url("/seq/" + std::to_string(i))});
    ASSERT_TRUE(r.has_value() && r->ok() && r->status == 200) << i;
  }
  EXPECT_EQ(server.requests(), 100);
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClientTest, HundredConcurrentTransfersAllComplete) {
  TestHttpServer server([](const RecordedRequest& req) {
    ScriptedReply r = testing::EchoReply(req);
    r.delay = std::chrono::milliseconds(20);
    return r;
  });
  HttpClientOptions options;
  options.max_host_connections = 0;
  options.max_total_connections = 0;
  auto client = MakeClient(options);
  constexpr int kN = 100;
  std::vector<std::optional<HttpResponse>> results(kN);
  for (int i = 0; i < kN; ++i) {
    HttpRequest req{
        .method = HttpMethod::kPost, .url = server.Url("/c"), .body = "body-" + std::to_string(i)};
    client->Send(std::move(req), [&results, i](HttpResponse r) {
      results[static_cast<std::size_t>(i)] = std::move(r);
    });
  }
  EXPECT_EQ(client->InFlight(), static_cast<std::size_t>(kN));
  int completed = 0;
  ASSERT_TRUE(RunUntil(io_, [&] {
    completed = 0;
    for (auto& r : results) completed += r.has_value() ? 1 : 0;
    return completed == kN;
  })) << completed;
  for (int i = 0; i < kN; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(r->ok()) << r->error_message;
    EXPECT_EQ(r->body, "body-" + std::to_string(i));
  }
  EXPECT_EQ(client->InFlight(), 0u);
  EXPECT_EQ(server.requests(), kN);
  EXPECT_GT(server.connections(), 1);  // they really ran in parallel
}

TEST_F(HttpClientTest, MaxHostConnectionsCapsParallelConnections) {
  TestHttpServer server([](const RecordedRequest& req) {
    ScriptedReply r = testing::EchoReply(req);
    r.delay = std::chrono::milliseconds(30);
    return r;
  });
  HttpClientOptions options;
  options.max_host_connections = 2;
  auto client = MakeClient(options);
  int ok = 0;
  for (int i = 0; i < 12; ++i) {
    client->Send(HttpRequest::Make(HttpMethod::kGet, server.Url("/capped")),
                 [&ok](HttpResponse r) { ok += r.ok() && r.status == 200 ? 1 : 0; });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return ok == 12; })) << ok;
  EXPECT_EQ(server.connections(), 2);  // the other transfers queued inside libcurl
}

TEST_F(HttpClientTest, ConnectionRefusedIsConnectFailed) {
  auto client = MakeClient();
  int port = testing::FreeLoopbackPort();
  auto r =
      Fetch(io_, *client, HttpRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kConnectFailed) << r->error_message;
  EXPECT_FALSE(MaybeSent(r->error));
  EXPECT_EQ(r->status, 0);
  EXPECT_FALSE(r->error_message.empty());
}

// A listening socket whose accept queue is full drops further SYNs, so a
// connect to it hangs until the connect timeout: a blackhole on loopback.
class FullBacklogListener {
 public:
  FullBacklogListener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    for (int i = 0; i < 4; ++i) {  // fill the accept queue; later SYNs are dropped
      int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(s);
    }
  }
  ~FullBacklogListener() {
    for (int s : fillers_) ::close(s);
    ::close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

TEST_F(HttpClientTest, ConnectTimeoutIsDistinguished) {
  FullBacklogListener blackhole;
  HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(300);
  auto client = MakeClient(options);
  auto start = std::chrono::steady_clock::now();
  auto r = Fetch(io_, *client,
                 HttpRequest{.url = "http://127.0.0.1:" + std::to_string(blackhole.port()) + "/"});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kConnectTimeout) << r->error_message;
  EXPECT_FALSE(MaybeSent(r->error));
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(HttpClientTest, TotalTimeoutIsDistinguished) {
  TestHttpServer server([](const RecordedRequest&) {
    ScriptedReply r;
    r.delay = std::chrono::seconds(3);
    return r;
  });
  auto client = MakeClient();
  HttpRequest req{.url = server.Url("/slow"), .total_timeout = std::chrono::milliseconds(300)};
  auto r = Fetch(io_, *client, req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kTimeout) << r->error_message;
  EXPECT_TRUE(MaybeSent(r->error));
  EXPECT_GE(r->total_time, std::chrono::milliseconds(250));
  EXPECT_LT(r->total_time, std::chrono::milliseconds(2500));
}

// On a reused keep-alive connection curl reports no connect time; a total timeout there
// must still count as "maybe sent", or a retried write could be duplicated.
TEST_F(HttpClientTest, TotalTimeoutOnAReusedConnectionIsMaybeSent) {
  TestHttpServer server([](const RecordedRequest& request) {
    ScriptedReply r;
    if (request.target == "/slow") r.delay = std::chrono::seconds(3);
    return r;
  });
  auto client = MakeClient();
  auto warm = Fetch(io_, *client, HttpRequest{.url = server.Url("/fast")});
  ASSERT_TRUE(warm.has_value() && warm->ok());
  HttpRequest req{.url = server.Url("/slow"), .total_timeout = std::chrono::milliseconds(300)};
  auto r = Fetch(io_, *client, req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(r->error, HttpError::kTimeout) << r->error_message;
  EXPECT_TRUE(MaybeSent(r->error));
}

TEST_F(HttpClientTest, ServerClosingMidResponseIsAnError) {
  TestHttpServer server([](const RecordedRequest& req) {
    ScriptedReply r;
    r.body = std::string(10'000, 'z');
    r.action = req.target == "/mid" ? ScriptedReply::Action::kCloseMidBody
                                    : ScriptedReply::Action::kCloseWithoutResponse;
    return r;
  });
  auto client = MakeClient();
  for (const char* path : {"/mid", "/nothing"}) {
    auto r = Fetch(io_, *client, HttpRequest{.url = server.Url(path)});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->error, HttpError::kOther) << path << ": " << r->error_message;
    EXPECT_TRUE(r->body.empty());
    EXPECT_FALSE(r->error_message.empty());
  }
}

TEST_F(HttpClientTest, BadUrlAndBadHeaderFailWithoutSending) {
  TestHttpServer server(nullptr);
  auto client = MakeClient();
  auto r1 = Fetch(io_, *client, HttpRequest{.url = "ftp://127.0.0.1/"});
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->error, HttpError::kOther);
  HttpRequest bad{.url = server.Url("/")};
  bad.Header("X-Injected", "a\r\nEvil: 1");
  auto r2 = Fetch(io_, *client, bad);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->error, HttpError::kOther);
  EXPECT_EQ(r2->error_message.find("Evil"), std::string::npos);
  EXPECT_EQ(server.requests(), 0);
}

}  // namespace
}  // namespace xerod
