// SPDX-License-Identifier: MIT
// TokenManager and ConnectionStore against a fake HTTP client and a FakeClock.
#include "xerod/token_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "connection/fake_http.h"
#include "connection/token_endpoint.h"
#include "support/test_support.h"
#include "xerod/store.h"

namespace xerod {
namespace {

using testing::FakeClock;
using testing::FakeHttpClient;

std::string TokenJson(const std::string& access, const std::string& refresh, int expires = 1800) {
  nlohmann::json j = {{"access_token", access},
                      {"expires_in", expires},
                      {"token_type", "Bearer"},
                      {"scope", "offline_access accounting.invoices"}};
  if (!refresh.empty()) j["refresh_token"] = refresh;
  return j.dump();
}

class TokenManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.client_id = "app";
    config_.identity_url = "http://identity.test";
    Open();
    auto id = store_->CreateTokenSet(
        ConnectionKind::kOAuth, "rt-1", "offline_access",
        {{"acme", "tenant-a", "Acme", "conn-a"}, {"beta", "tenant-b", "Beta", "conn-b"}});
    ASSERT_TRUE(id.has_value()) << id.error().ToString();
    set_id_ = *id;
  }
  void Open() {
    manager_.reset();
    store_.reset();
    db_.reset();
    auto db = Database::Open(dir_.File("x.db"));
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    store_ = std::make_unique<ConnectionStore>(db_->handle(), clock_);
    manager_ = std::make_unique<TokenManager>(io_, http_, *store_, clock_, config_,
                                              Secret("s3cret"), TokenManagerOptions{});
    manager_->SetUnusableHook(
        [this](const std::string& name, ConnectionState s, const std::string& reason) {
          unusable_.push_back(name + "=" + std::string(ToString(s)) + ":" + reason);
        });
  }
  void Drain() {
    io_.restart();
    io_.poll();
  }
  std::string SentForm(std::size_t i) { return http_.sent().at(i).body; }

  testing::TempDir dir_;
  FakeClock clock_;
  FakeHttpClient http_;
  boost::asio::io_context io_;
  XeroConfig config_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ConnectionStore> store_;
  std::unique_ptr<TokenManager> manager_;
  std::int64_t set_id_ = 0;
  std::vector<std::string> unusable_;
};

TEST_F(TokenManagerTest, ManyCallersShareOneRefreshAndRotationIsCommittedFirst) {
  int ok = 0;
  std::vector<std::string> stored_at_delivery;
  for (int i = 0; i < 100; ++i) {
    manager_->GetAccessToken(i % 2 ? "acme" : "beta", [&](Result<AccessGrant> g) {
      ASSERT_TRUE(g.has_value()) << g.error().ToString();
      EXPECT_EQ(g->access_token, "at-1");
      ++ok;
      stored_at_delivery.push_back(store_->GetTokenSet(set_id_)->refresh_token);
    });
  }
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  const HttpRequest& req = http_.sent()[0];
  EXPECT_EQ(req.url, "http://identity.test/connect/token");
  EXPECT_NE(req.body.find("grant_type=refresh_token"), std::string::npos);
  EXPECT_NE(req.body.find("refresh_token=rt-1"), std::string::npos);
  bool basic = false;
  for (const auto& h : req.headers) {
    if (h.name == "Authorization") {
      basic = h.sensitive && h.value == "Basic " + connection::Base64("app:s3cret");
    }
  }
  EXPECT_TRUE(basic);
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  EXPECT_EQ(ok, 100);
  for (const auto& rt : stored_at_delivery) EXPECT_EQ(rt, "rt-2");
  EXPECT_EQ(manager_->token_requests(), 1);
  // Cached: no new request.
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { ok += g.has_value(); });
  Drain();
  EXPECT_EQ(ok, 101);
  EXPECT_TRUE(http_.pending().empty());
}

TEST_F(TokenManagerTest, RefreshesShortlyBeforeExpiryAndAfterRestartUsesRotatedToken) {
  manager_->GetAccessToken("acme", [](Result<AccessGrant>) {});
  Drain();
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  clock_.Advance(std::chrono::seconds(1800 - 60));  // inside the 90 s margin
  std::string got;
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_NE(SentForm(1).find("refresh_token=rt-2"), std::string::npos);
  http_.AnswerJson(200, TokenJson("at-2", "rt-3"));
  Drain();
  EXPECT_EQ(got, "at-2");
  // A new manager over a re-opened database uses the rotated token.
  Open();
  manager_->GetAccessToken("beta", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_NE(SentForm(2).find("refresh_token=rt-3"), std::string::npos);
  http_.AnswerJson(200, TokenJson("at-3", "rt-4"));
  Drain();
  EXPECT_EQ(got, "at-3");
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-4");
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refreshes, 3);
}

TEST_F(TokenManagerTest, LostAnswerIsRetriedWithTheSameRefreshToken) {
  Result<AccessGrant> result = Fail(Code::kInternal, "not called");
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { result = std::move(g); });
  Drain();
  http_.AnswerError(HttpError::kTimeout);
  // The retry waits on a real (1 s) timer.
  ASSERT_TRUE(testing::WaitFor([&] {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(20));
    return !http_.pending().empty();
  }));
  EXPECT_NE(SentForm(1).find("refresh_token=rt-1"), std::string::npos);
  http_.AnswerJson(200, TokenJson("at-9", "rt-9"));
  Drain();
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->access_token, "at-9");
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-9");
}

TEST_F(TokenManagerTest, NotSentFailureIsTransientAndKeepsState) {
  Result<AccessGrant> result = AccessGrant{};
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { result = std::move(g); });
  Drain();
  http_.AnswerError(HttpError::kConnectFailed);
  Drain();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kUnavailable);
  EXPECT_EQ(store_->Get("acme")->state, ConnectionState::kActive);
  EXPECT_EQ(http_.sent().size(), 1u);
}

TEST_F(TokenManagerTest, InvalidGrantExpiresEveryConnectionOfTheTokenSet) {
  auto other = store_->CreateTokenSet(ConnectionKind::kOAuth, "other-rt", "",
                                      {{"gamma", "tenant-c", "Gamma", "conn-c"}});
  ASSERT_TRUE(other.has_value());
  Result<AccessGrant> result = AccessGrant{};
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { result = std::move(g); });
  Drain();
  http_.AnswerJson(400, R"({"error":"invalid_grant"})");
  Drain();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(result.error().message().find("rt-1"), std::string::npos);
  EXPECT_EQ(store_->Get("acme")->state, ConnectionState::kExpired);
  EXPECT_EQ(store_->Get("beta")->state, ConnectionState::kExpired);
  EXPECT_NE(store_->Get("beta")->reason.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(store_->Get("gamma")->state, ConnectionState::kActive);
  EXPECT_TRUE(store_->GetTokenSet(set_id_)->dead);
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "");
  ASSERT_EQ(unusable_.size(), 2u);
  EXPECT_EQ(unusable_[0].substr(0, 13), "acme=expired:");
  // Later calls fail at once, without a request.
  manager_->GetAccessToken("beta", [&](Result<AccessGrant> g) { result = std::move(g); });
  Drain();
  EXPECT_EQ(http_.sent().size(), 1u);
  EXPECT_NE(result.error().message().find("expired"), std::string::npos);
  auto history = store_->History("acme");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].state, ConnectionState::kExpired);
}

TEST_F(TokenManagerTest, InvalidateForcesOneNewRequest) {
  std::string got;
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  manager_->Invalidate(set_id_, "not-the-current-one");
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  EXPECT_TRUE(http_.pending().empty());
  manager_->Invalidate(set_id_, "at-1");
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  http_.AnswerJson(200, TokenJson("at-2", "rt-3"));
  Drain();
  EXPECT_EQ(got, "at-2");
}

TEST_F(TokenManagerTest, CustomConnectionUsesClientCredentials) {
  auto id = store_->CreateTokenSet(ConnectionKind::kCustom, "", "", {{"solo", "tenant-s", "", ""}});
  ASSERT_TRUE(id.has_value());
  std::string got;
  manager_->GetAccessToken("solo", [&](Result<AccessGrant> g) { got = g->access_token; });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_EQ(SentForm(0), "grant_type=client_credentials");
  http_.AnswerJson(200, TokenJson("cc-1", ""));
  Drain();
  EXPECT_EQ(got, "cc-1");
  clock_.Advance(std::chrono::minutes(29));
  Result<AccessGrant> again = AccessGrant{};
  manager_->GetAccessToken("solo", [&](Result<AccessGrant> g) { again = std::move(g); });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  http_.AnswerJson(400, R"({"error":"unauthorized_client"})");
  Drain();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->Get("solo")->state, ConnectionState::kRevoked);
}

TEST_F(TokenManagerTest, UnknownConnectionIsNotFound) {
  Result<AccessGrant> result = AccessGrant{};
  manager_->GetAccessToken("nope", [&](Result<AccessGrant> g) { result = std::move(g); });
  Drain();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), Code::kNotFound);
}

TEST(TokenEndpointTest, EncodingHelpers) {
  EXPECT_EQ(connection::UrlEncode("a b/c~"), "a%20b%2Fc~");
  auto q = connection::ParseQuery("code=x%2By&state=a+b&error");
  EXPECT_EQ(q["code"], "x+y");
  EXPECT_EQ(q["state"], "a b");
  EXPECT_TRUE(q.contains("error"));
  // RFC 7636 appendix B.
  EXPECT_EQ(
      connection::Base64Url(connection::Sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_EQ(connection::RandomToken(32).size(), 43u);
}

}  // namespace
}  // namespace xerod
