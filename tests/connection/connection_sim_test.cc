// SPDX-License-Identifier: MIT
// Connections and tokens against a real xero-sim over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>

#include "connection/token_endpoint.h"
#include "connection/xero_world.h"
#include "xerod/connection_manager.h"

namespace xerod {
namespace {

using testing::SimServer;
using testing::XeroWorld;

const std::string kOrg = std::string(kAccountingPath) + "/Organisation";

class ConnectionSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<XeroWorld>(sim_.url(), dir_.File("x.db"));
    world_->Admin(HttpMethod::kPost, "/_sim/limits", {{"enabled", false}});
  }
  // A second stack over the same database file, as after a restart.
  std::unique_ptr<XeroWorld> Restart(testing::WorldOptions o = {}) {
    world_.reset();
    return std::make_unique<XeroWorld>(sim_.url(), dir_.File("x.db"), o);
  }

  testing::TempDir dir_;
  SimServer sim_;
  std::unique_ptr<XeroWorld> world_;
};

TEST_F(ConnectionSimTest, PkceConnectFlowBindsTheChosenTenant) {
  XeroWorld& w = *world_;
  std::string a = w.CreateOrg("Alpha Ltd");
  std::string b = w.CreateOrg("Beta Ltd");
  std::optional<Result<ConnectionInfo>> done;
  ConnectOptions opts;
  opts.tenant_id = b;
  opts.timeout = std::chrono::seconds(20);
  auto url = w.connections->BeginConnect("beta", opts, [&](Result<ConnectionInfo> r) { done = r; });
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_NE(url->find("code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(url->find("state="), std::string::npos);
  // The test plays the browser: the sim consents and redirects; we follow by hand.
  auto consent = w.Fetch(HttpRequest{.url = *url});
  ASSERT_TRUE(consent && consent->ok());
  ASSERT_EQ(consent->status, 302) << consent->body;
  std::string location(consent->headers.Get("Location").value_or(""));
  ASSERT_TRUE(location.starts_with(w.config.redirect_uri)) << location;
  // Another local process reaches the port first with a redirect of its own:
  // refused, and the admin's connect goes on.
  auto forged =
      w.Fetch(HttpRequest{.url = w.config.redirect_uri + "?error=access_denied&state=guess"});
  ASSERT_TRUE(forged && forged->ok());
  EXPECT_EQ(forged->status, 400);
  EXPECT_FALSE(done.has_value());
  auto page = w.Fetch(HttpRequest{.url = location});
  ASSERT_TRUE(page && page->ok());
  EXPECT_EQ(page->status, 200);
  ASSERT_TRUE(w.RunUntil([&] { return done.has_value(); }));
  ASSERT_TRUE(done->has_value()) << done->error().ToString();
  EXPECT_EQ((*done)->tenant_id, b);
  EXPECT_EQ((*done)->tenant_name, "Beta Ltd");
  EXPECT_EQ((*done)->state, ConnectionState::kActive);
  auto org = w.Call("beta", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(org.ok()) << org.reason;
  EXPECT_EQ(org.body["Organisations"][0]["Name"], "Beta Ltd");
  (void)a;
}

TEST_F(ConnectionSimTest, ConnectWithSeveralTenantsAndNoChoiceIsRefusedClearly) {
  XeroWorld& w = *world_;
  w.CreateOrg("One");
  w.CreateOrg("Two");
  std::optional<Result<ConnectionInfo>> done;
  auto url = w.connections->BeginConnect("x", {}, [&](Result<ConnectionInfo> r) { done = r; });
  ASSERT_TRUE(url.has_value());
  auto consent = w.Fetch(HttpRequest{.url = *url});
  ASSERT_TRUE(consent && consent->status == 302);
  w.Fetch(HttpRequest{.url = std::string(consent->headers.Get("Location").value_or(""))});
  ASSERT_TRUE(w.RunUntil([&] { return done.has_value(); }));
  ASSERT_FALSE(done->has_value());
  EXPECT_EQ(done->error().code(), Code::kInvalidArgument);
  EXPECT_NE(done->error().message().find("One"), std::string::npos);
}

TEST_F(ConnectionSimTest, AccessDeniedAndWrongStateAreRefused) {
  XeroWorld& w = *world_;
  std::optional<Result<ConnectionInfo>> done;
  ConnectOptions opts;
  opts.listen = false;
  auto url = w.connections->BeginConnect("d", opts, [&](Result<ConnectionInfo> r) { done = r; });
  ASSERT_TRUE(url.has_value());
  auto q = connection::ParseQuery(url->substr(url->find('?') + 1));
  ASSERT_TRUE(w.connections->CompleteConnect(
      "d",
      w.config.redirect_uri + "?error=access_denied&state=" + connection::UrlEncode(q["state"])));
  ASSERT_TRUE(w.RunUntil([&] { return done.has_value(); }));
  ASSERT_FALSE(done->has_value());
  EXPECT_EQ(done->error().code(), Code::kPermissionDenied);
  EXPECT_NE(done->error().message().find("access_denied"), std::string::npos);

  done.reset();
  url = w.connections->BeginConnect("d", opts, [&](Result<ConnectionInfo> r) { done = r; });
  ASSERT_TRUE(w.connections->CompleteConnect("d", "code=abc&state=forged"));
  ASSERT_TRUE(w.RunUntil([&] { return done.has_value(); }));
  ASSERT_FALSE(done->has_value());
  EXPECT_NE(done->error().message().find("state"), std::string::npos);
}

TEST_F(ConnectionSimTest, ImportedTokenIsVerifiedRotatedAndSurvivesRestart) {
  std::string t = world_->CreateOrg("Acme");
  auto grant = world_->CreateGrant({t});
  std::string imported = grant["refresh_token"];
  auto bad = world_->Add("acme", world_->CreateOrg("Not granted"), imported);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Code::kNotFound);
  // (the refresh above rotated it; the imported token is in its grace period)
  auto c = world_->Add("acme", t, imported);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  std::string stored = world_->store->GetTokenSet(c->token_set_id)->refresh_token;
  EXPECT_NE(stored, imported);
  EXPECT_TRUE(world_->Call("acme", HttpMethod::kGet, kOrg).ok());
  int refreshes = world_->TokenRefreshes();
  world_ = Restart();
  auto r = world_->Call("acme", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(world_->TokenRefreshes(), refreshes + 1);
  EXPECT_NE(world_->store->GetTokenSet(c->token_set_id)->refresh_token, stored);
}

TEST_F(ConnectionSimTest, HundredConcurrentCallsCauseExactlyOneRefresh) {
  std::string t = world_->CreateOrg("Acme");
  ASSERT_TRUE(world_->Add("acme", t, world_->CreateGrant({t})["refresh_token"]).has_value());
  world_ = Restart();  // empty access-token cache: every call needs the refresh
  int before = world_->TokenRefreshes();
  int ok = 0, done = 0;
  for (int i = 0; i < 100; ++i) {
    world_->client->Call("acme", HttpMethod::kGet, kOrg, "", std::nullopt, [&](XeroResult r) {
      ++done;
      ok += r.ok();
    });
  }
  ASSERT_TRUE(world_->RunUntil([&] { return done == 100; }, std::chrono::seconds(30)));
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(world_->TokenRefreshes(), before + 1);
}

TEST_F(ConnectionSimTest, DroppedRefreshAnswerIsRecoveredWithThePreviousToken) {
  std::string t = world_->CreateOrg("Acme");
  auto grant = world_->CreateGrant({t});
  ASSERT_TRUE(world_->Add("acme", t, grant["refresh_token"]).has_value());
  testing::WorldOptions o;
  o.request_timeout = std::chrono::milliseconds(700);
  o.token.lost_retry_delay = std::chrono::milliseconds(100);
  world_ = Restart(o);
  // 1) Connection dropped without an answer.
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/connect/token"}, {"drop", true}, {"count", 1}});
  auto r = world_->Call("acme", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(r.ok()) << r.reason;
  // 2) The sim rotates the token but the answer comes after our timeout: the
  //    retry presents the token Xero already rotated away (30-minute grace).
  world_ = Restart(o);
  int before = world_->TokenRefreshes();
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/connect/token"}, {"delay_ms", 1500}, {"count", 1}});
  r = world_->Call("acme", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(world_->TokenRefreshes(), before + 2);  // the lost one and the grace retry
  EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kActive);
  // The stored token is the one from the retry and works after another restart.
  world_ = Restart();
  EXPECT_TRUE(world_->Call("acme", HttpMethod::kGet, kOrg).ok());
}

TEST_F(ConnectionSimTest, InvalidGrantExpiresEveryConnectionOfTheGrant) {
  std::string a = world_->CreateOrg("A");
  std::string b = world_->CreateOrg("B");
  std::string c = world_->CreateOrg("C");
  auto grant = world_->CreateGrant({a, b});
  ASSERT_TRUE(world_->Add("a", a, grant["refresh_token"]).has_value());
  std::optional<Result<ConnectionInfo>> shared;
  world_->connections->Share("a", "b", b, [&](Result<ConnectionInfo> r) { shared = r; });
  ASSERT_TRUE(world_->RunUntil([&] { return shared.has_value(); }));
  ASSERT_TRUE(shared->has_value()) << shared->error().ToString();
  EXPECT_EQ((*shared)->token_set_id, world_->store->Get("a")->token_set_id);
  ASSERT_TRUE(world_->Add("c", c, world_->CreateGrant({c})["refresh_token"]).has_value());
  world_->Admin(HttpMethod::kPost,
                "/_sim/grants/" + grant["grant_id"].get<std::string>() + "/expire");
  world_ = Restart();
  auto r = world_->Call("b", HttpMethod::kGet, kOrg);
  EXPECT_EQ(r.result_class, XeroResultClass::kConnection);
  EXPECT_NE(r.reason.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(r.connection_state, ConnectionState::kExpired);
  EXPECT_EQ(world_->store->Get("a")->state, ConnectionState::kExpired);
  EXPECT_EQ(world_->store->Get("b")->state, ConnectionState::kExpired);
  EXPECT_EQ(world_->store->Get("c")->state, ConnectionState::kActive);
  EXPECT_EQ(world_->unusable, (std::vector<std::string>{"a=expired", "b=expired"}));
  EXPECT_TRUE(world_->Call("c", HttpMethod::kGet, kOrg).ok());
}

TEST_F(ConnectionSimTest, CustomConnectionUsesClientCredentials) {
  std::string t = world_->CreateOrg("Solo");
  world_->Admin(HttpMethod::kPost, "/_sim/clients",
                {{"client_id", "custom-app"},
                 {"client_secret", "custom-secret"},
                 {"custom_tenant_id", t},
                 {"custom_scopes", {"accounting.settings.read", "accounting.invoices"}}});
  testing::WorldOptions o;
  o.client_id = "custom-app";
  o.client_secret = "custom-secret";
  world_ = Restart(o);
  std::optional<Result<ConnectionInfo>> done;
  world_->connections->AddCustom("solo", t, [&](Result<ConnectionInfo> r) { done = r; });
  ASSERT_TRUE(world_->RunUntil([&] { return done.has_value(); }));
  ASSERT_TRUE(done->has_value()) << done->error().ToString();
  EXPECT_EQ((*done)->kind, ConnectionKind::kCustom);
  EXPECT_EQ(world_->store->GetTokenSet((*done)->token_set_id)->refresh_token, "");
  world_ = Restart(o);  // no cached token: a new client_credentials token is requested
  auto r = world_->Call("solo", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.body["Organisations"][0]["Name"], "Solo");
}

TEST_F(ConnectionSimTest, DisconnectRevokesOnlyWhenTheGrantIsNoLongerUsed) {
  std::string a = world_->CreateOrg("A");
  std::string b = world_->CreateOrg("B");
  auto grant = world_->CreateGrant({a, b});
  std::string grant_path = "/_sim/grants/" + grant["grant_id"].get<std::string>();
  ASSERT_TRUE(world_->Add("a", a, grant["refresh_token"]).has_value());
  std::optional<Result<ConnectionInfo>> shared;
  world_->connections->Share("a", "b", b, [&](Result<ConnectionInfo> r) { shared = r; });
  ASSERT_TRUE(world_->RunUntil([&] { return shared.has_value(); }));
  ASSERT_TRUE(shared->has_value());
  std::optional<Status> st;
  world_->connections->Disconnect("a", [&](Status s) { st = s; });
  ASSERT_TRUE(world_->RunUntil([&] { return st.has_value(); }));
  ASSERT_TRUE(st->has_value()) << st->error().ToString();
  EXPECT_EQ(world_->store->Get("a")->state, ConnectionState::kDisconnected);
  EXPECT_EQ(world_->Admin(HttpMethod::kGet, grant_path)["dead"], false);
  EXPECT_TRUE(world_->Call("b", HttpMethod::kGet, kOrg).ok());
  auto ra = world_->Call("a", HttpMethod::kGet, kOrg);
  EXPECT_EQ(ra.result_class, XeroResultClass::kConnection);
  st.reset();
  world_->connections->Disconnect("b", [&](Status s) { st = s; });
  ASSERT_TRUE(world_->RunUntil([&] { return st.has_value(); }));
  ASSERT_TRUE(st->has_value()) << st->error().ToString();
  EXPECT_EQ(world_->Admin(HttpMethod::kGet, grant_path)["dead"], true);
  EXPECT_EQ(world_->unusable, (std::vector<std::string>{"a=disconnected", "b=disconnected"}));
  auto history = world_->store->History("a");
  ASSERT_TRUE(history.has_value());
  EXPECT_EQ(history->back().state, ConnectionState::kDisconnected);
}

// Bad answers from the token endpoint never crash xerod: each is a transient
// failure naming what was wrong, and the next good answer works. Without a
// `status` the sim processes the refresh (rotating the token) and replaces
// only the answer: the stored token is then used again in Xero's grace period.
TEST_F(ConnectionSimTest, BadTokenAnswersAreTransientAndTheNextGoodOneWorks) {
  std::string t = world_->CreateOrg("Acme");
  auto c = world_->Add("acme", t, world_->CreateGrant({t})["refresh_token"]);
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  std::vector<std::pair<nlohmann::json, std::string>> cases;
  nlohmann::json f = nlohmann::json::object();
  f["body"] = "this is not JSON";
  cases.emplace_back(f, "token endpoint: the answer is not JSON (HTTP 200)");
  f["body"] = nlohmann::json::array({1, 2});
  cases.emplace_back(f, "the answer is an array, not a JSON object");
  f["body"] = nlohmann::json::object();
  f["body"]["access_token"] = 5;
  f["body"]["expires_in"] = "soon";
  cases.emplace_back(f, "the answer's access_token is a number, not a string");
  f["body"] = nlohmann::json::object();
  f["body"]["token_type"] = "Bearer";
  cases.emplace_back(f, "the answer has no access_token");
  f["status"] = 200;  // answered before processing: nothing rotated
  f["body"] = nlohmann::json::object();
  f["body"]["access_token"] = std::string(8 << 20, 'a');
  cases.emplace_back(f, "the answer is too large");
  for (auto& [fault, reason] : cases) {
    SCOPED_TRACE(reason);
    world_->tokens->Forget(c->token_set_id);  // the next call needs a token request
    fault["path"] = "/connect/token";
    fault["count"] = 1;
    world_->Admin(HttpMethod::kPost, "/_sim/faults", fault);
    auto r = world_->Call("acme", HttpMethod::kGet, kOrg);
    EXPECT_EQ(r.result_class, XeroResultClass::kTransient);
    EXPECT_EQ(r.failure, XeroFailure::kTokenUnavailable);
    EXPECT_NE(r.reason.find(reason), std::string::npos) << r.reason;
    EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kActive);
    auto ok = world_->Call("acme", HttpMethod::kGet, kOrg);
    EXPECT_TRUE(ok.ok()) << ok.reason;
  }
  EXPECT_TRUE(world_->unusable.empty());
  // A truncated answer (cut after sending) is a possibly-lost one: retried at
  // once with the same token.
  testing::WorldOptions o;
  o.token.lost_retry_delay = std::chrono::milliseconds(50);
  world_ = Restart(o);
  int before = world_->TokenRefreshes();
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/connect/token"}, {"truncate_bytes", 20}, {"count", 1}});
  auto r = world_->Call("acme", HttpMethod::kGet, kOrg);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(world_->TokenRefreshes(), before + 2);  // the truncated one and the grace retry
  // And the token it stored works after a restart.
  world_ = Restart();
  EXPECT_TRUE(world_->Call("acme", HttpMethod::kGet, kOrg).ok());
}

// Bad /connections answers: Check() and Add() report a clear transient error;
// a bad answer never marks a connection disconnected.
TEST_F(ConnectionSimTest, BadConnectionsAnswersFailCheckAndAddClearly) {
  std::string t = world_->CreateOrg("Acme");
  ASSERT_TRUE(world_->Add("acme", t, world_->CreateGrant({t})["refresh_token"]).has_value());
  auto check = [&] {
    std::optional<Result<ConnectionInfo>> done;
    world_->connections->Check("acme", [&](Result<ConnectionInfo> r) { done = std::move(r); });
    EXPECT_TRUE(world_->RunUntil([&] { return done.has_value(); }));
    return done.value_or(Fail(Code::kInternal, "test timeout"));
  };
  std::vector<std::pair<nlohmann::json, std::string>> cases;
  nlohmann::json f = nlohmann::json::object();
  f["body"] = "<html>not JSON</html>";
  cases.emplace_back(f, "GET /connections: the answer is not JSON");
  f["body"] = {{"id", "c-1"}, {"tenantId", t}, {"tenantName", "Acme"}};
  cases.emplace_back(f, "GET /connections: the answer is an object, not a list");
  f["body"] = nlohmann::json::array({t});
  cases.emplace_back(f, "GET /connections: element 0 is a string, not an object");
  f["body"] = nlohmann::json::array();
  f["body"].push_back({{"id", "c-1"}, {"tenantName", "Acme"}});
  cases.emplace_back(f, "GET /connections: element 0 has no tenantId");
  f["body"] = nlohmann::json::array();
  f["body"].push_back({{"id", 7}, {"tenantId", t}, {"tenantName", "Acme"}});
  cases.emplace_back(f, "GET /connections: element 0's id is a number, not a string");
  f["body"] = nlohmann::json::array();
  f["body"].push_back({{"id", "c-1"}, {"tenantId", std::string(8 << 20, 't')}});
  cases.emplace_back(f, "GET /connections: the answer is too large");
  f = {{"truncate_bytes", 5}};
  cases.emplace_back(f, "GET /connections: ");
  for (auto& [fault, reason] : cases) {
    SCOPED_TRACE(reason);
    fault["path"] = "/connections";
    fault["method"] = "GET";
    fault["count"] = 1;
    world_->Admin(HttpMethod::kPost, "/_sim/faults", fault);
    auto r = check();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Code::kUnavailable);
    EXPECT_NE(r.error().message().find(reason), std::string::npos) << r.error().message();
    EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kActive);
  }
  EXPECT_TRUE(world_->unusable.empty());
  auto good = check();
  ASSERT_TRUE(good.has_value()) << good.error().ToString();
  EXPECT_EQ(good->state, ConnectionState::kActive);
  EXPECT_EQ(good->tenant_name, "Acme");

  // Add: a wrong-typed answer creates nothing; the same imported token then works.
  std::string b = world_->CreateOrg("Beta");
  std::string imported = world_->CreateGrant({b})["refresh_token"];
  nlohmann::json bad = nlohmann::json::array();
  bad.push_back({{"id", "c-2"}, {"tenantId", 42}, {"tenantName", "Beta"}});
  world_->Admin(HttpMethod::kPost, "/_sim/faults",
                {{"path", "/connections"}, {"method", "GET"}, {"body", bad}, {"count", 1}});
  auto added = world_->Add("beta", b, imported);
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code(), Code::kUnavailable);
  EXPECT_NE(added.error().message().find("element 0's tenantId is a number"), std::string::npos)
      << added.error().message();
  EXPECT_EQ(world_->store->Get("beta").error().code(), Code::kNotFound);
  added = world_->Add("beta", b, imported);
  ASSERT_TRUE(added.has_value()) << added.error().ToString();
  EXPECT_EQ(added->tenant_name, "Beta");
  EXPECT_TRUE(world_->Call("beta", HttpMethod::kGet, kOrg).ok());
}

}  // namespace
}  // namespace xerod
