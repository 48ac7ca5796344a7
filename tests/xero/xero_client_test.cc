// SPDX-License-Identifier: MIT
// XeroClient: classification (pure), then against a real xero-sim over HTTP(S).
#include "xerod/xero_client.h"

#include <gtest/gtest.h>

#include "connection/xero_world.h"
#include "http/test_server.h"

namespace xerod {
namespace {

using testing::SimServer;
using testing::XeroWorld;

using testing::kOrganisationPath;

HttpResponse Json(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("Xero-Correlation-Id", "corr-1");
  return r;
}

TEST(ClassifyTest, ValidationExceptionIsPermanentWithXerosMessages) {
  auto r = ClassifyResponse(
      HttpMethod::kPut,
      Json(
          400,
          R"({"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred",
        "Elements":[{"InvoiceNumber":"INV-1","ValidationErrors":[{"Message":"Invoice # must be unique."},
        {"Description":"Account code must be specified"}]}]})"));
  EXPECT_EQ(r.result_class, XeroResultClass::kPermanent);
  EXPECT_EQ(r.messages, (std::vector<std::string>{"Invoice # must be unique.",
                                                  "Account code must be specified"}));
  EXPECT_EQ(r.request_id, "corr-1");
  EXPECT_EQ(r.body["ErrorNumber"], 10);
}

TEST(ClassifyTest, AuthFailuresAreConnectionLevelWithTheRightCause) {
  auto scope = ClassifyResponse(
      HttpMethod::kGet,
      Json(401, R"({"Title":"Unauthorized","Detail":"AuthorizationUnsuccessful"})"));
  EXPECT_EQ(scope.result_class, XeroResultClass::kConnection);
  EXPECT_EQ(scope.failure, XeroFailure::kMissingScope) << scope.reason;
  HttpResponse insufficient = Json(401, R"({"Detail":"AuthenticationUnsuccessful"})");
  insufficient.headers.Add("WWW-Authenticate", R"(Bearer error="insufficient_scope")");
  EXPECT_EQ(ClassifyResponse(HttpMethod::kGet, insufficient).failure, XeroFailure::kMissingScope);
  auto expired = ClassifyResponse(
      HttpMethod::kGet, Json(401, R"({"Detail":"TokenExpired: token expired at 2026-11-24"})"));
  EXPECT_EQ(expired.failure, XeroFailure::kTokenExpired) << expired.reason;
  auto garbled = ClassifyResponse(HttpMethod::kGet, Json(401, R"({"Detail":"Nope"})"));
  EXPECT_EQ(garbled.failure, XeroFailure::kTokenRejected) << garbled.reason;
  auto gone =
      ClassifyResponse(HttpMethod::kGet,
                       Json(403, R"({"Title":"Forbidden","Detail":"AuthenticationUnsuccessful"})"));
  EXPECT_EQ(gone.result_class, XeroResultClass::kConnection);
  EXPECT_EQ(gone.failure, XeroFailure::kForbidden) << gone.reason;
}

TEST(ClassifyTest, TransientAndUnknown) {
  HttpResponse limited = Json(429, "{}");
  limited.headers.Add("Retry-After", "17");
  limited.headers.Add("X-Rate-Limit-Problem", "minute");
  auto r = ClassifyResponse(HttpMethod::kPost, limited);
  EXPECT_EQ(r.result_class, XeroResultClass::kTransient);
  EXPECT_EQ(r.failure, XeroFailure::kRateLimited);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(17));
  HttpResponse plain;
  plain.status = 503;
  plain.body = "Organisation offline";
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPost, plain).result_class, XeroResultClass::kTransient);
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPost, plain).failure, XeroFailure::kServerError);
  HttpResponse lost;
  lost.error = HttpError::kTimeout;
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPost, lost).result_class, XeroResultClass::kUnknown);
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPost, lost).failure, XeroFailure::kNoAnswer);
  EXPECT_EQ(ClassifyResponse(HttpMethod::kGet, lost).result_class, XeroResultClass::kTransient);
  HttpResponse refused;
  refused.error = HttpError::kConnectFailed;
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPut, refused).result_class, XeroResultClass::kTransient);
  EXPECT_EQ(ClassifyResponse(HttpMethod::kPut, refused).failure, XeroFailure::kNotSent);
}

TEST(ClassifyTest, ASuccessThatIsNotJsonIsUnknownForAWriteAndTransientForARead) {
  for (const char* body :
       {"<html>gateway</html>", R"({"Invoices":[{"InvoiceID":)", "\x01\x02 binary"}) {
    auto write = ClassifyResponse(HttpMethod::kPut, Json(200, body));
    EXPECT_EQ(write.result_class, XeroResultClass::kUnknown) << body;
    EXPECT_EQ(write.failure, XeroFailure::kBadAnswer) << body;
    auto read = ClassifyResponse(HttpMethod::kGet, Json(200, body));
    EXPECT_EQ(read.result_class, XeroResultClass::kTransient) << body;
  }
  // An empty 2xx (204 No Content) is a plain success.
  EXPECT_TRUE(ClassifyResponse(HttpMethod::kDelete, Json(204, "")).ok());
}

TEST(ClassifyTest, EveryElementOfABatchKeepsItsOwnResult) {
  auto r = ClassifyResponse(HttpMethod::kPut, Json(200, R"({"Id":"x","Status":"OK",
    "Invoices":[
      {"InvoiceID":"a","StatusAttributeString":"OK"},
      {"InvoiceNumber":"INV-2","HasErrors":true,"StatusAttributeString":"ERROR",
       "ValidationErrors":[{"Message":"Invoice # must be unique."}]},
      {"InvoiceID":"c","StatusAttributeString":"WARNING","Warnings":[{"Message":"Total ignored"}]},
      {"InvoiceNumber":"INV-4","ValidationErrors":[{"Description":"Account code must be specified"}]}
    ]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.collection, "Invoices");
  ASSERT_EQ(r.elements.size(), 4u);
  EXPECT_TRUE(r.elements[0].ok);
  EXPECT_FALSE(r.elements[1].ok);
  EXPECT_EQ(r.elements[1].errors, std::vector<std::string>{"Invoice # must be unique."});
  EXPECT_TRUE(r.elements[2].ok);
  EXPECT_EQ(r.elements[2].warnings, std::vector<std::string>{"Total ignored"});
  EXPECT_FALSE(r.elements[3].ok);
  EXPECT_EQ(r.elements[3].errors, std::vector<std::string>{"Account code must be specified"});
  EXPECT_EQ(r.elements[3].index, 3u);
  EXPECT_EQ(r.messages, (std::vector<std::string>{"Invoice # must be unique.",
                                                  "Account code must be specified"}));
}

TEST(ClassifyTest, WrongTypesInsideABatchAnswerAreNotACrash) {
  auto r = ClassifyResponse(HttpMethod::kPut, Json(200, R"({"Invoices":[
      {"StatusAttributeString":7,"ValidationErrors":"nope"},
      {"HasErrors":"yes","ValidationErrors":[{"Message":3},{"Description":["x"]},5]},
      "not an object", null]})"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.elements.size(), 4u);
  EXPECT_TRUE(r.elements[0].ok);  // nothing it says is an error in a form Xero uses
  EXPECT_TRUE(r.elements[1].ok);
  EXPECT_FALSE(r.elements[2].ok);
  EXPECT_FALSE(r.elements[3].ok);
}

class XeroClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<XeroWorld>(sim_.url(), dir_.File("x.db"), Options());
    tenant_ = world_->CreateOrg("Acme");
    ASSERT_TRUE(world_->Add("acme", tenant_, world_->CreateGrant({tenant_})["refresh_token"]));
  }
  static testing::WorldOptions Options() {
    testing::WorldOptions o;
    o.request_timeout = std::chrono::milliseconds(800);
    return o;
  }
  void Fault(const nlohmann::json& f) { world_->Admin(HttpMethod::kPost, "/_sim/faults", f); }

  testing::TempDir dir_;
  SimServer sim_;
  std::unique_ptr<XeroWorld> world_;
  std::string tenant_;
};

TEST_F(XeroClientSimTest, OrganisationAndHeaders) {
  auto r = world_->Call("acme", HttpMethod::kGet, kOrganisationPath);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.body["Organisations"][0]["Name"], "Acme");
  EXPECT_TRUE(r.headers.Has("X-MinLimit-Remaining"));
  // Informational, written after the answer is handed out.
  EXPECT_TRUE(
      testing::WaitFor([&] { return world_->store->Get("acme")->last_success_at.has_value(); }));
}

TEST_F(XeroClientSimTest, DisconnectedTenantVersusMissingScope) {
  std::string t2 = world_->CreateOrg("Narrow");
  ASSERT_TRUE(world_->Add(
      "narrow", t2,
      world_->CreateGrant({t2}, {"offline_access", "accounting.contacts"})["refresh_token"]));
  auto scope = world_->Call("narrow", HttpMethod::kGet, kOrganisationPath);
  EXPECT_EQ(scope.result_class, XeroResultClass::kConnection);
  EXPECT_EQ(scope.status, 401);
  EXPECT_EQ(scope.connection_state, ConnectionState::kMissingScope);
  EXPECT_EQ(world_->store->Get("narrow")->state, ConnectionState::kMissingScope);

  world_->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant_ + "/disconnect");
  auto gone = world_->Call("acme", HttpMethod::kGet, kOrganisationPath);
  EXPECT_EQ(gone.result_class, XeroResultClass::kConnection);
  EXPECT_EQ(gone.status, 403);
  EXPECT_EQ(gone.connection_state, ConnectionState::kDisconnected);
  EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kDisconnected);
  EXPECT_EQ(world_->unusable,
            (std::vector<std::string>{"narrow=missing_scope", "acme=disconnected"}));
  // Further calls fail at once without touching Xero.
  EXPECT_EQ(world_->Call("acme", HttpMethod::kGet, kOrganisationPath).result_class,
            XeroResultClass::kConnection);
}

TEST_F(XeroClientSimTest, ARefusalOfAGrantReplacedMeanwhileIsTransient) {
  // The call is refused (403), slowly; while it is on the wire the platform
  // reconnects the organisation (a new grant). The refusal speaks of the old
  // grant: the connection stays active and the caller retries.
  Fault({{"path", kOrganisationPath}, {"status", 403}, {"delay_ms", 500}, {"count", 1}});
  std::optional<XeroResult> out;
  world_->client->Call("acme", HttpMethod::kGet, kOrganisationPath, "", std::nullopt,
                       [&](XeroResult r) { out = std::move(r); });
  ASSERT_TRUE(world_->Add("acme", tenant_, world_->CreateGrant({tenant_})["refresh_token"]));
  ASSERT_TRUE(world_->RunUntil([&] { return out.has_value(); }));
  EXPECT_EQ(out->result_class, XeroResultClass::kTransient) << out->reason;
  EXPECT_NE(out->reason.find("reconnected"), std::string::npos) << out->reason;
  EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kActive);
  EXPECT_TRUE(world_->unusable.empty());
  // Without a new grant the same refusal marks the connection.
  Fault({{"path", kOrganisationPath}, {"status", 403}, {"count", 1}});
  EXPECT_EQ(world_->Call("acme", HttpMethod::kGet, kOrganisationPath).result_class,
            XeroResultClass::kConnection);
  EXPECT_EQ(world_->store->Get("acme")->state, ConnectionState::kDisconnected);
}

TEST_F(XeroClientSimTest, ServerErrorsAndTimeouts) {
  Fault({{"path", kOrganisationPath}, {"status", 500}, {"count", 1}});
  auto r = world_->Call("acme", HttpMethod::kGet, kOrganisationPath);
  EXPECT_EQ(r.result_class, XeroResultClass::kTransient);
  EXPECT_EQ(r.status, 500);
  Fault({{"path", kOrganisationPath}, {"status", 503}, {"count", 1}});
  EXPECT_EQ(world_->Call("acme", HttpMethod::kGet, kOrganisationPath).result_class,
            XeroResultClass::kTransient);
  // Slower than our 800 ms timeout: a read is transient, a write unknown.
  Fault({{"path", kOrganisationPath}, {"delay_ms", 1500}, {"count", 1}});
  auto slow = world_->Call("acme", HttpMethod::kGet, kOrganisationPath);
  EXPECT_EQ(slow.result_class, XeroResultClass::kTransient) << slow.reason;
  const std::string contacts = std::string(kAccountingPath) + "/Contacts";
  Fault({{"path", contacts}, {"delay_ms", 1500}, {"count", 1}});
  auto write = world_->Call("acme", HttpMethod::kPut, contacts,
                            R"({"Contacts":[{"Name":"Slow Ltd"}]})", "key-slow-1");
  EXPECT_EQ(write.result_class, XeroResultClass::kUnknown) << write.reason;
  EXPECT_TRUE(world_->Call("acme", HttpMethod::kGet, kOrganisationPath).ok());
}

TEST_F(XeroClientSimTest, ValidationErrorIsPermanent) {
  auto r = world_->Call("acme", HttpMethod::kPut, std::string(kAccountingPath) + "/Invoices",
                        R"({"Invoices":[{"Type":"ACCREC","Contact":{"Name":"X"},
                            "LineItems":[{"Description":"a","Quantity":1,"UnitAmount":5,
                            "AccountCode":"999999"}],"Status":"AUTHORISED"}]})",
                        "key-invalid-1");
  EXPECT_EQ(r.result_class, XeroResultClass::kPermanent) << r.reason << " " << r.body.dump();
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.messages.empty());
}

TEST_F(XeroClientSimTest, ExpiredAccessTokenIsRefreshedOnceAndRetried) {
  ASSERT_TRUE(world_->Call("acme", HttpMethod::kGet, kOrganisationPath).ok());
  int before = world_->TokenRefreshes();
  // 31 minutes later on the sim's clock our cached token is dead (ours is not).
  world_->Admin(HttpMethod::kPost, "/_sim/clock", {{"advance_seconds", 31 * 60}});
  auto r = world_->Call("acme", HttpMethod::kGet, kOrganisationPath);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(world_->TokenRefreshes(), before + 1);
}

class XeroClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::MakeTestPki(pki_.path().string())); }
  testing::TempDir pki_;
  testing::TempDir dir_;
};

TEST_F(XeroClientTlsTest, WorksWithTheTestCaAndFailsClearlyWithoutIt) {
  SimServer sim({"--tls-cert", pki_.File("server.pem"), "--tls-key", pki_.File("server.key")},
                "https");
  testing::WorldOptions o;
  o.ca_file = pki_.File("ca.pem");
  std::string refresh;
  {
    XeroWorld w(sim.url(), dir_.File("tls.db"), o);
    std::string t = w.CreateOrg("Secure");
    auto c = w.Add("secure", t, w.CreateGrant({t})["refresh_token"]);
    ASSERT_TRUE(c.has_value()) << c.error().ToString();
    EXPECT_TRUE(w.Call("secure", HttpMethod::kGet, kOrganisationPath).ok());
  }
  XeroWorld plain(sim.url(), dir_.File("tls.db"));  // no ca_file: the system store only
  auto r = plain.Call("secure", HttpMethod::kGet, kOrganisationPath);
  EXPECT_EQ(r.result_class, XeroResultClass::kTransient);
  EXPECT_NE(r.reason.find("certificate"), std::string::npos) << r.reason;
  EXPECT_EQ(plain.store->Get("secure")->state, ConnectionState::kActive);
}

}  // namespace
}  // namespace xerod
