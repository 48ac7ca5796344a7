// SPDX-License-Identifier: MIT
// TokenManager and ConnectionStore against a fake HTTP client and a FakeClock.
#include "xerod/token_manager.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "connection/token_endpoint.h"
#include "store/sqlite.h"
#include "support/fake_http.h"
#include "support/loop_await.h"
#include "support/test_support.h"
#include "xerod/connection_manager.h"
#include "xerod/sha256.h"
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
    config_.api_url = "http://api.test";
    Open();
    auto id =
        Create(ConnectionKind::kOAuth, "rt-1", "offline_access",
               {{"acme", "tenant-a", "Acme", "conn-a"}, {"beta", "tenant-b", "Beta", "conn-b"}});
    ASSERT_TRUE(id.has_value()) << id.error().ToString();
    set_id_ = *id;
  }
  void Open() {
    manager_.reset();
    store_.reset();
    db_.reset();
    auto db = Store::Open(dir_.File("x.db"));
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    db_ = std::move(*db);
    store_ = std::make_unique<ConnectionStore>(*db_, clock_, LoopExecutor(io_));
    manager_ = std::make_unique<TokenManager>(io_, http_, *store_, clock_, config_,
                                              Secret("s3cret"), options_);
    manager_->SetUnusableHook(
        [this](const std::string& name, ConnectionState s, const std::string& reason) {
          unusable_.push_back(name + "=" + std::string(ToString(s)) + ":" + reason);
        });
  }
  void Drain() { testing::DrainLoop(io_, *db_); }
  Result<std::int64_t> Create(ConnectionKind kind, const std::string& refresh_token,
                              const std::string& scopes, std::vector<NewConnection> connections) {
    return testing::AwaitOnLoop<std::int64_t>(io_, *db_, [&](auto done) {
      store_->CreateTokenSet(kind, refresh_token, scopes, std::move(connections), done);
    });
  }
  // Token writes fail (a full disk, say) while `on`.
  void RefuseTokenWrites(bool on) {
    ASSERT_TRUE(db_->WriteAndWait([on](store::Db& db) {
      // abs() of the smallest integer fails at run time ("integer overflow"),
      // an error that is neither a constraint nor "gone": like a full disk.
      return db.Exec(on ? "CREATE TEMP TRIGGER refuse BEFORE UPDATE ON token_sets "
                          "BEGIN SELECT abs(-9223372036854775807 - 1); END"
                        : "DROP TRIGGER temp.refuse");
    }));
  }
  std::string SentForm(std::size_t i) { return http_.sent().at(i).body; }

  testing::TempDir dir_;
  FakeClock clock_;
  FakeHttpClient http_;
  boost::asio::io_context io_;
  XeroConfig config_;
  TokenManagerOptions options_;
  std::unique_ptr<Store> db_;
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

// The store refuses the rotated token (a full disk, say): the token is not
// dropped. The access token is served, the next refresh sends the rotated
// token, and the write is tried again until the store takes it.
TEST_F(TokenManagerTest, ARotatedRefreshTokenTheStoreRefusedIsKeptAndWrittenLater) {
  options_.save_retry_delay = std::chrono::milliseconds(5);
  options_.save_retry_max = std::chrono::milliseconds(20);
  Open();
  RefuseTokenWrites(true);
  bool served = false;
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) {
    ASSERT_TRUE(g.has_value()) << g.error().ToString();
    served = g->access_token == "at-1";
  });
  Drain();
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  EXPECT_TRUE(served);
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-1");  // not written yet
  // The next refresh sends the rotated token, not the stored one.
  clock_.Advance(std::chrono::seconds(1800 - 60));
  manager_->GetAccessToken("acme", [](Result<AccessGrant>) {});
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_NE(SentForm(1).find("refresh_token=rt-2"), std::string::npos) << SentForm(1);
  http_.AnswerJson(200, TokenJson("at-2", "rt-3"));
  Drain();
  // The store takes writes again: the newest token is written by a retry.
  RefuseTokenWrites(false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store_->GetTokenSet(set_id_)->refresh_token != "rt-3" &&
         std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-3");
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
  auto other =
      Create(ConnectionKind::kOAuth, "other-rt", "", {{"gamma", "tenant-c", "Gamma", "conn-c"}});
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
  auto id = Create(ConnectionKind::kCustom, "", "", {{"solo", "tenant-s", "", ""}});
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

// ---- Bad answers from the token endpoint and /connections -----------------
// Xero's answers are input: none of these may throw, and each must leave the
// connection usable for the next good answer.

HttpResponse Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// 20 MB of valid JSON in the shape of a token answer.
std::string HugeTokenJson() {
  return nlohmann::json{{"access_token", std::string(20 << 20, 'a')}, {"expires_in", 1800}}.dump();
}

struct BadTokenAnswer {
  std::string body;
  std::string detail;  // expected in the error message
};

std::vector<BadTokenAnswer> BadTokenAnswers() {
  return {
      {"this is not JSON", "the answer is not JSON (HTTP 200)"},
      {"", "the answer is not JSON (HTTP 200)"},
      {R"({"access_token":"at-x","expires_in":18)", "the answer is not JSON (HTTP 200)"},
      {"[]", "the answer is an array, not a JSON object (HTTP 200)"},
      {R"([{"access_token":"at-x"}])", "the answer is an array, not a JSON object"},
      {"null", "the answer is null, not a JSON object"},
      {R"("at-x")", "the answer is a string, not a JSON object"},
      {"{}", "the answer has no access_token (HTTP 200)"},
      {R"({"access_token":"","refresh_token":"rt-x"})", "the answer has no access_token"},
      {R"({"access_token":null})", "the answer's access_token is null, not a string"},
      {R"({"access_token":5,"refresh_token":"rt-x","expires_in":1800})",
       "the answer's access_token is a number, not a string (HTTP 200)"},
      {R"({"access_token":["at-x"]})", "the answer's access_token is an array, not a string"},
      {R"({"access_token":{"value":"at-x"}})", "the answer's access_token is an object"},
      {R"({"expires_in":"soon","token_type":"Bearer"})", "the answer has no access_token"},
      {std::string(400'000, '[') + std::string(400'000, ']'),
       "the answer is an array, not a JSON object"},
      {HugeTokenJson(), "the answer is too large (20971"},
  };
}

TEST(TokenEndpointTest, UnusableSuccessAnswersAreTransientAndNameTheProblem) {
  for (const auto& bad : BadTokenAnswers()) {
    SCOPED_TRACE(bad.body.substr(0, 80));
    auto out = connection::ReadTokenResponse(Answer(200, bad.body));
    EXPECT_EQ(out.kind, connection::TokenOutcome::Kind::kServer);
    EXPECT_EQ(out.status, 200);
    EXPECT_TRUE(out.token.access_token.empty());
    EXPECT_TRUE(out.token.refresh_token.empty());
    Error e = out.ToError();
    EXPECT_EQ(e.code(), Code::kUnavailable);
    EXPECT_NE(e.message().find("token endpoint: " + bad.detail), std::string::npos) << e.message();
    EXPECT_LT(e.message().size(), 200u);
  }
}

TEST(TokenEndpointTest, WrongTypedOptionalFieldsAreAbsent) {
  struct Case {
    std::string body;
    std::int64_t expires_in;
    std::string refresh_token;
    std::string scope;
  };
  const Case cases[] = {
      {R"({"access_token":"at","expires_in":"soon"})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":null,"refresh_token":7,"scope":["a"]})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":1e300})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":1800.5})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":-5})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":0})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":9223372036854775807})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":18446744073709551615})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":99999999999999999999999})", 1800, "", ""},
      {R"({"access_token":"at","expires_in":600,"refresh_token":"rt","scope":"s"})", 600, "rt",
       "s"},
      {R"({"access_token":"at","expires_in":3600,"refresh_token":{},"scope":5})", 3600, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    auto out = connection::ReadTokenResponse(Answer(200, c.body));
    ASSERT_EQ(out.kind, connection::TokenOutcome::Kind::kOk) << out.detail;
    EXPECT_EQ(out.token.access_token, "at");
    EXPECT_EQ(out.token.expires_in, std::chrono::seconds(c.expires_in));
    EXPECT_EQ(out.token.refresh_token, c.refresh_token);
    EXPECT_EQ(out.token.scope, c.scope);
  }
}

TEST(TokenEndpointTest, ErrorAnswersOfTheWrongShapeAreTransient) {
  using Kind = connection::TokenOutcome::Kind;
  struct Case {
    int status;
    std::string body;
    Kind kind;
    std::string oauth_error;
  };
  const Case cases[] = {
      {400, R"({"error":"invalid_grant"})", Kind::kRejected, "invalid_grant"},
      {400, R"({"error":5})", Kind::kServer, ""},
      {400, R"({"error":null})", Kind::kServer, ""},
      {400, R"({"error":""})", Kind::kServer, ""},
      {400, R"(["invalid_grant"])", Kind::kServer, ""},
      {400, "invalid_grant", Kind::kServer, ""},
      {401, std::string(100, '{'), Kind::kServer, ""},
      {400, HugeTokenJson(), Kind::kServer, ""},
      {503, R"({"error":"invalid_grant"})", Kind::kServer, ""},
      {429, R"({"error":"invalid_grant"})", Kind::kServer, ""},
      {500, "[]", Kind::kServer, ""},
      {400, nlohmann::json{{"error", "bad\x01\n" + std::string(500, 'x') + "\xc3\xa9"}}.dump(),
       Kind::kRejected, "bad??" + std::string(59, 'x')},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.status) + " " + c.body.substr(0, 80));
    auto out = connection::ReadTokenResponse(Answer(c.status, c.body));
    EXPECT_EQ(out.kind, c.kind);
    EXPECT_EQ(out.oauth_error, c.oauth_error);
    EXPECT_EQ(out.status, c.status);
    EXPECT_LT(out.ToError().message().size(), 200u);
    if (c.kind == Kind::kServer) {
      EXPECT_EQ(out.ToError().code(), Code::kUnavailable);
    }
  }
}

TEST(TokenEndpointTest, TruncatedAnswerIsPossiblyLost) {
  HttpResponse r;
  r.error = HttpError::kOther;
  r.error_message = "transfer closed with 100 bytes remaining to read";
  EXPECT_EQ(connection::ReadTokenResponse(r).kind, connection::TokenOutcome::Kind::kLost);
}

TEST_F(TokenManagerTest, UnusableTokenAnswerFailsTransientlyAndTheNextGoodOneWorks) {
  int n = 0;
  for (const auto& bad : BadTokenAnswers()) {
    SCOPED_TRACE(bad.body.substr(0, 80));
    Result<AccessGrant> result = AccessGrant{};
    manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { result = std::move(g); });
    Drain();
    ASSERT_EQ(http_.pending().size(), 1u);
    http_.AnswerJson(200, bad.body);
    Drain();
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code(), Code::kUnavailable);
    EXPECT_NE(result.error().message().find(bad.detail), std::string::npos)
        << result.error().message();
    // Not a lost answer: no retry of its own; nothing recorded; still active.
    EXPECT_TRUE(http_.pending().empty());
    EXPECT_EQ(manager_->token_requests(), ++n);
    EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-1");
    EXPECT_EQ(store_->GetTokenSet(set_id_)->refreshes, 0);
    EXPECT_EQ(store_->Get("acme")->state, ConnectionState::kActive);
    EXPECT_TRUE(unusable_.empty());
  }
  // The next good answer works, asked for with the same (stored) refresh token.
  std::string got;
  manager_->GetAccessToken("beta", [&](Result<AccessGrant> g) {
    ASSERT_TRUE(g.has_value()) << g.error().ToString();
    got = g->access_token;
  });
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_NE(http_.pending().front().request.body.find("refresh_token=rt-1"), std::string::npos);
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  EXPECT_EQ(got, "at-1");
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-2");
}

TEST_F(TokenManagerTest, WrongTypedRefreshTokenAndExpiryKeepTheStoredTokenAndThirtyMinutes) {
  std::string got;
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) {
    ASSERT_TRUE(g.has_value()) << g.error().ToString();
    got = g->access_token;
  });
  Drain();
  http_.AnswerJson(200, R"({"access_token":"at-1","refresh_token":7,"expires_in":"soon"})");
  Drain();
  EXPECT_EQ(got, "at-1");
  EXPECT_EQ(store_->GetTokenSet(set_id_)->refresh_token, "rt-1");  // not replaced by ""
  // Cached for the default 30 minutes.
  clock_.Advance(std::chrono::minutes(28));
  manager_->GetAccessToken("acme", [&](Result<AccessGrant> g) { got = g->access_token + "!"; });
  Drain();
  EXPECT_EQ(got, "at-1!");
  EXPECT_TRUE(http_.pending().empty());
  clock_.Advance(std::chrono::seconds(60));  // inside the refresh margin
  manager_->GetAccessToken("acme", [](Result<AccessGrant>) {});
  Drain();
  ASSERT_EQ(http_.pending().size(), 1u);
  EXPECT_NE(http_.pending().front().request.body.find("refresh_token=rt-1"), std::string::npos);
}

// ConnectionManager over the same fake: the /connections answer.
class ConnectionsAnswerTest : public TokenManagerTest {
 protected:
  void SetUp() override {
    TokenManagerTest::SetUp();
    connections_ = std::make_unique<ConnectionManager>(io_, http_, *store_, *manager_, config_);
  }
  void TearDown() override { connections_.reset(); }

  // Answers the pending /connections request (after checking that it is one).
  void AnswerConnections(HttpResponse response) {
    ASSERT_EQ(http_.pending().size(), 1u);
    ASSERT_EQ(http_.pending().front().request.url, "http://api.test/connections");
    http_.Answer(std::move(response));
    Drain();
  }

  std::unique_ptr<ConnectionManager> connections_;
};

struct BadConnections {
  std::string body;
  std::string detail;
};

std::vector<BadConnections> BadConnectionsAnswers() {
  // 20 MB of valid JSON in the shape of a /connections answer.
  std::string huge =
      R"([{"id":"conn-a","tenantId":")" + std::string(20 << 20, 't') + R"(","tenantName":"A"}])";
  return {
      {"<html>Service Unavailable</html>", "GET /connections: the answer is not JSON"},
      {"", "GET /connections: the answer is not JSON"},
      {R"([{"id":"conn-a","tenantId":"tenant-a")", "GET /connections: the answer is not JSON"},
      {R"({"id":"conn-a","tenantId":"tenant-a"})",
       "GET /connections: the answer is an object, not a list"},
      {"null", "GET /connections: the answer is null, not a list"},
      {"7", "GET /connections: the answer is a number, not a list"},
      {R"(["tenant-a"])", "GET /connections: element 0 is a string, not an object"},
      {R"([{"id":"conn-a","tenantId":"tenant-a","tenantName":"Acme"},null])",
       "GET /connections: element 1 is null, not an object"},
      {R"([{"id":"conn-b","tenantName":"Beta"},{"id":"conn-a","tenantId":"tenant-a"}])",
       "GET /connections: element 0 has no tenantId"},
      {R"([{"id":"conn-a","tenantId":"","tenantName":"Acme"}])",
       "GET /connections: element 0 has no tenantId"},
      {R"([{"id":"conn-a","tenantId":42,"tenantName":"Acme"}])",
       "GET /connections: element 0's tenantId is a number, not a string"},
      {R"([{"id":7,"tenantId":"tenant-a","tenantName":"Acme"}])",
       "GET /connections: element 0's id is a number, not a string"},
      {R"([{"tenantId":"tenant-a","tenantName":"Acme"}])", "GET /connections: element 0 has no id"},
      {huge, "GET /connections: the answer is too large (20971"},
  };
}

TEST_F(ConnectionsAnswerTest, CheckWithABadConnectionsAnswerFailsClearlyAndKeepsTheConnection) {
  // A token first, so that each Check below is only GET /connections.
  manager_->GetAccessToken("acme", [](Result<AccessGrant>) {});
  Drain();
  http_.AnswerJson(200, TokenJson("at-1", "rt-2"));
  Drain();
  for (const auto& bad : BadConnectionsAnswers()) {
    SCOPED_TRACE(bad.body.substr(0, 80));
    std::optional<Result<ConnectionInfo>> done;
    connections_->Check("acme", [&](Result<ConnectionInfo> r) { done = std::move(r); });
    Drain();
    AnswerConnections(Answer(200, bad.body));
    ASSERT_TRUE(done.has_value());
    ASSERT_FALSE(done->has_value());
    EXPECT_EQ(done->error().code(), Code::kUnavailable);
    EXPECT_NE(done->error().message().find(bad.detail), std::string::npos)
        << done->error().message();
    EXPECT_LT(done->error().message().size(), 200u);
    // A bad answer is not "the organisation is gone".
    EXPECT_EQ(store_->Get("acme")->state, ConnectionState::kActive);
    EXPECT_EQ(store_->Get("acme")->xero_connection_id, "conn-a");
    EXPECT_TRUE(unusable_.empty());
  }
  // The next good answer works (and an absent or wrong-typed name is just "").
  std::optional<Result<ConnectionInfo>> done;
  connections_->Check("acme", [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  AnswerConnections(
      Answer(200, R"([{"id":"conn-b","tenantId":"tenant-b"},{"id":"conn-a2","tenantId":"tenant-a",)"
                  R"("tenantName":5,"extra":{"x":[1]}}])"));
  ASSERT_TRUE(done.has_value() && done->has_value()) << done->error().ToString();
  EXPECT_EQ((*done)->state, ConnectionState::kActive);
  EXPECT_EQ((*done)->xero_connection_id, "conn-a2");
  // And a good answer without the tenant still disconnects.
  done.reset();
  connections_->Check("acme", [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  AnswerConnections(Answer(200, R"([{"id":"conn-b","tenantId":"tenant-b","tenantName":"B"}])"));
  ASSERT_TRUE(done.has_value() && done->has_value());
  EXPECT_EQ((*done)->state, ConnectionState::kDisconnected);
}

TEST_F(ConnectionsAnswerTest, CheckOfAConnectionAlreadyFoundGoneAnswersItsStateWithoutCallingXero) {
  // A copy found the organisation gone a moment before the administrator's
  // check: the check says "disconnected", it does not fail for want of a token.
  ASSERT_TRUE(testing::AwaitOnLoop<void>(io_, *db_, [&](auto done) {
    manager_->MarkUnusable("acme", ConnectionState::kDisconnected, "403 AuthenticationUnsuccessful",
                           done);
  }));
  std::optional<Result<ConnectionInfo>> done;
  connections_->Check("acme", [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  EXPECT_TRUE(http_.sent().empty());
  ASSERT_TRUE(done.has_value() && done->has_value()) << done->error().ToString();
  EXPECT_EQ((*done)->state, ConnectionState::kDisconnected);
  EXPECT_EQ((*done)->reason, "403 AuthenticationUnsuccessful");
  // An unknown name is still NotFound.
  done.reset();
  connections_->Check("nobody", [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  ASSERT_TRUE(done.has_value());
  ASSERT_FALSE(done->has_value());
  EXPECT_EQ(done->error().code(), Code::kNotFound);
}

TEST_F(ConnectionsAnswerTest, AddWithABadConnectionsAnswerFailsClearlyAndCreatesNothing) {
  for (const auto& bad : BadConnectionsAnswers()) {
    SCOPED_TRACE(bad.body.substr(0, 80));
    std::optional<Result<ConnectionInfo>> done;
    connections_->Add("gamma", "tenant-g", "imported",
                      [&](Result<ConnectionInfo> r) { done = std::move(r); });
    Drain();
    ASSERT_EQ(http_.pending().size(), 1u);
    http_.AnswerJson(200, TokenJson("at-g", "rt-g"));
    Drain();
    AnswerConnections(Answer(200, bad.body));
    ASSERT_TRUE(done.has_value());
    ASSERT_FALSE(done->has_value());
    EXPECT_EQ(done->error().code(), Code::kUnavailable);
    EXPECT_NE(done->error().message().find(bad.detail), std::string::npos)
        << done->error().message();
    EXPECT_EQ(store_->Get("gamma").error().code(), Code::kNotFound);
  }
  std::optional<Result<ConnectionInfo>> done;
  connections_->Add("gamma", "tenant-g", "imported",
                    [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  // No usable rotated token in the answer: the imported one is kept.
  http_.AnswerJson(200, R"({"access_token":"at-g","refresh_token":false})");
  Drain();
  AnswerConnections(Answer(200, R"([{"id":"conn-g","tenantId":"tenant-g","tenantName":null}])"));
  ASSERT_TRUE(done.has_value() && done->has_value()) << done->error().ToString();
  EXPECT_EQ((*done)->tenant_id, "tenant-g");
  EXPECT_EQ((*done)->xero_connection_id, "conn-g");
  EXPECT_EQ(store_->GetTokenSet((*done)->token_set_id)->refresh_token, "imported");
}

TEST_F(ConnectionsAnswerTest, AddWithAnUnusableTokenAnswerFailsClearly) {
  std::optional<Result<ConnectionInfo>> done;
  connections_->Add("gamma", "tenant-g", "imported",
                    [&](Result<ConnectionInfo> r) { done = std::move(r); });
  Drain();
  http_.AnswerJson(200, R"({"access_token":5,"expires_in":"soon"})");
  Drain();
  ASSERT_TRUE(done.has_value());
  ASSERT_FALSE(done->has_value());
  EXPECT_EQ(done->error().code(), Code::kUnavailable);
  EXPECT_NE(done->error().message().find("access_token is a number"), std::string::npos);
  EXPECT_TRUE(http_.pending().empty());
}

TEST(TokenEndpointTest, EncodingHelpers) {
  EXPECT_EQ(connection::UrlEncode("a b/c~"), "a%20b%2Fc~");
  auto q = connection::ParseQuery("code=x%2By&state=a+b&error");
  EXPECT_EQ(q["code"], "x+y");
  EXPECT_EQ(q["state"], "a b");
  EXPECT_TRUE(q.contains("error"));
  // RFC 7636 appendix B.
  EXPECT_EQ(connection::Base64Url(*Sha256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_EQ(connection::RandomToken(32).size(), 43u);
}

}  // namespace
}  // namespace xerod
