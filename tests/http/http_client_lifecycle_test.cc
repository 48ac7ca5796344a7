// SPDX-License-Identifier: MIT
// Shutdown with transfers in flight, and secrets kept out of logs.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <sstream>

#include "http/http_test_util.h"
#include "http/test_server.h"
#include "support/test_support.h"
#include "xerod/http_client.h"

namespace xerod {
namespace {
using testing::Fetch;
using testing::RecordedRequest;
using testing::RunUntil;
using testing::ScriptedReply;
using testing::TestHttpServer;

ScriptedReply SlowReply(const RecordedRequest&) {
  ScriptedReply r;
  r.delay = std::chrono::seconds(5);
  return r;
}

TEST(HttpClientLifecycleTest, ShutdownAbortsTransfersInFlight) {
  TestHttpServer server(&SlowReply);
  boost::asio::io_context io;
  auto client = *MakeCurlHttpClient(io, {});
  std::vector<HttpResponse> done;
  for (int i = 0; i < 10; ++i) {
    client->Send(HttpRequest{.url = server.Url("/slow")},
                 [&done](HttpResponse r) { done.push_back(std::move(r)); });
  }
  // Let the requests reach the server first.
  ASSERT_TRUE(RunUntil(io, [&] { return server.requests() >= 1; }));
  client->Shutdown();
  EXPECT_EQ(client->InFlight(), 0u);
  EXPECT_TRUE(done.empty());  // callbacks are posted, never run inside Shutdown()
  ASSERT_TRUE(RunUntil(io, [&] { return done.size() == 10; }));
  for (const HttpResponse& r : done) {
    EXPECT_EQ(r.error, HttpError::kAborted);
    EXPECT_TRUE(MaybeSent(r.error));
  }
  // New requests are refused the same way.
  auto after = Fetch(io, *client, HttpRequest{.url = server.Url("/late")});
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->error, HttpError::kAborted);
  client.reset();
  io.restart();
  io.poll();  // handlers of the destroyed client's waits must not touch it
}

TEST(HttpClientLifecycleTest, DestroyingTheClientAbortsTransfersInFlight) {
  TestHttpServer server(&SlowReply);
  boost::asio::io_context io;
  auto client = *MakeCurlHttpClient(io, {});
  int aborted = 0;
  for (int i = 0; i < 5; ++i) {
    client->Send(HttpRequest{.method = HttpMethod::kPost, .url = server.Url("/slow"), .body = "x"},
                 [&aborted](HttpResponse r) { aborted += r.error == HttpError::kAborted ? 1 : 0; });
  }
  ASSERT_TRUE(RunUntil(io, [&] { return server.requests() >= 5; }));
  client.reset();
  ASSERT_TRUE(RunUntil(io, [&] { return aborted == 5; }));
}

TEST(HttpClientLifecycleTest, CallbackMayDestroyClientAndSendAgain) {
  TestHttpServer server(nullptr);
  boost::asio::io_context io;
  std::unique_ptr<HttpClient> client = *MakeCurlHttpClient(io, {});
  int count = 0;
  std::function<void(HttpResponse)> next = [&](HttpResponse r) {
    ASSERT_TRUE(r.ok()) << r.error_message;
    if (++count < 5) {
      client->Send(HttpRequest{.url = server.Url("/again")}, next);
    } else {
      client.reset();
    }
  };
  client->Send(HttpRequest{.url = server.Url("/again")}, next);
  ASSERT_TRUE(RunUntil(io, [&] { return client == nullptr; }));
  EXPECT_EQ(count, 5);
}

// Captures everything spdlog's default logger writes, at trace level.
class CaptureLogs {
 public:
  CaptureLogs() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("capture", sink);
    logger->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);
  }
  ~CaptureLogs() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST(HttpClientLoggingTest, SecretsNeverReachLogsOrErrors) {
  const std::string kToken = "eyJhbGciOiJSUzI1NiJ9.SECRET-ACCESS-TOKEN";
  const std::string kRefresh = "SECRET-REFRESH-TOKEN-0123";
  const std::string kClientSecret = "SECRET-CLIENT-SECRET-xyz";
  const std::string kVerifier = "SECRET-CODE-VERIFIER-abc";
  const std::string kApiKey = "SECRET-SIM-ADMIN-KEY";
  CaptureLogs logs;
  TestHttpServer server(nullptr);
  boost::asio::io_context io;
  auto client = *MakeCurlHttpClient(io, {});
  std::string form = "grant_type=refresh_token&refresh_token=" + kRefresh +
                     "&client_secret=" + kClientSecret + "&code_verifier=" + kVerifier;
  std::vector<HttpResponse> responses;
  auto send = [&](std::string url) {
    HttpRequest req{.method = HttpMethod::kPost, .url = std::move(url), .body = form};
    req.Header("Authorization", "Bearer " + kToken)
        .Header("X-Admin-Key", kApiKey, /*sensitive=*/true)
        .Header("Content-Type", "application/x-www-form-urlencoded");
    auto r = Fetch(io, *client, req);
    ASSERT_TRUE(r.has_value());
    responses.push_back(*r);
  };
  send(server.Url("/connect/token?code=" + kVerifier));
  send("http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/connect/token");
  client->Shutdown();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_TRUE(responses[0].ok());
  EXPECT_EQ(responses[1].error, HttpError::kConnectFailed);
  // The server did get the secrets: they were sent, just not logged.
  EXPECT_EQ(server.Requests().at(0).Header("Authorization"), "Bearer " + kToken);

  std::string text = logs.text();
  EXPECT_NE(text.find("/connect/token"), std::string::npos) << "nothing was logged:\n" << text;
  EXPECT_NE(text.find("<redacted>"), std::string::npos) << text;
  for (const std::string& secret : {kToken, kRefresh, kClientSecret, kVerifier, kApiKey}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " leaked into:\n" << text;
    for (const HttpResponse& r : responses) {
      EXPECT_EQ(r.error_message.find(secret), std::string::npos) << r.error_message;
    }
  }
}

}  // namespace
}  // namespace xerod
