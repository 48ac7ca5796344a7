// SPDX-License-Identifier: MIT
// Identity endpoints of a real xero-sim process over HTTP.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <signal.h>

#include <memory>

#include "sim/http_util.h"
#include "sim/oauth.h"
#include "sim/sim_harness.h"
#include "sim/tokens.h"

namespace xero_sim::testing {
namespace {

constexpr char kVerifier[] = "dBjftJeZ4CVP-mJ92K9qkN0kO5oLqD1wHa5lPqlS7A6";
constexpr char kChallenge[] = "JS0yfc2S5so6Iq6hWUbcK59pdCipsZTvr15JIZMKfAo";
constexpr char kRedirect[] = "http://localhost:8765/callback";

// Query parameters of a redirect Location.
Params LocationQuery(const HttpResult& r) {
  std::string path;
  Params q;
  SplitTarget(r.Header("location"), &path, &q);
  return q;
}

class OAuthE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = client_.Json("POST", "/_sim/clients",
                          {{"client_id", "pkce-app"}, {"redirect_uris", {kRedirect}}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::string Authorize(const std::string& scope, const std::string& challenge = kChallenge) {
    std::string target = "/connect/authorize?response_type=code&client_id=pkce-app&redirect_uri=" +
                         PercentEncode(kRedirect) + "&scope=" + PercentEncode(scope) +
                         "&state=st%2F1&code_challenge=" + challenge +
                         "&code_challenge_method=S256";
    HttpResult r = client_.Request("GET", target);
    EXPECT_EQ(r.status, 302) << r.body;
    Params q = LocationQuery(r);
    EXPECT_EQ(Param(q, "state").value_or(""), "st/1");
    EXPECT_TRUE(r.Header("location").starts_with(std::string(kRedirect) + "?"));
    return Param(q, "code").value_or("");
  }
  HttpResult ExchangePkce(const std::string& code, const std::string& verifier) {
    return client_.Request("POST", "/connect/token",
                           "grant_type=authorization_code&client_id=pkce-app&code=" + code +
                               "&redirect_uri=" + PercentEncode(kRedirect) +
                               "&code_verifier=" + verifier,
                           {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  HttpResult Refresh(const std::string& refresh_token) {
    return TokenRequest(client_, "grant_type=refresh_token&refresh_token=" + refresh_token);
  }

  SimProcess sim_;
  TestClient client_ = sim_.Client();
};

TEST_F(OAuthE2E, PrintsItsAddressAndExitsCleanlyOnSigterm) {
  EXPECT_EQ(sim_.first_line(), "listening on http://127.0.0.1:" + std::to_string(sim_.port()));
  sim_.process().Signal(SIGTERM);
  EXPECT_EQ(sim_.process().Wait(std::chrono::seconds(10)), 0);
}

TEST_F(OAuthE2E, AuthorizeWithPkceIssuesTokensAndConnectsConsentedOrgs) {
  std::string tenant = sim_.CreateOrg("Acme NZ");
  std::string code = Authorize("openid email offline_access accounting.invoices");
  ASSERT_FALSE(code.empty());
  HttpResult r = ExchangePkce(code, kVerifier);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.Json();
  EXPECT_EQ(j["expires_in"], 1800);
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_TRUE(j.contains("refresh_token"));
  EXPECT_TRUE(j.contains("id_token"));
  EXPECT_EQ(j["scope"], "openid email offline_access accounting.invoices");
  std::string at = j["access_token"];
  auto conns = client_.Request("GET", "/connections", "", ApiHeaders(at, "")).Json();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0]["tenantId"], tenant);
  EXPECT_EQ(conns[0]["tenantName"], "Acme NZ");
  EXPECT_EQ(conns[0]["tenantType"], "ORGANISATION");
  for (const char* key : {"id", "authEventId", "createdDateUtc", "updatedDateUtc"}) {
    EXPECT_TRUE(conns[0].contains(key)) << key;
  }
  // The code is single-use.
  HttpResult again = ExchangePkce(code, kVerifier);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.Json()["error"], "invalid_grant");
}

// Verifies an RS256 JWT against a JWK the way an OpenID client does, with OpenSSL only.
bool VerifiesWithJwk(const std::string& token, const nlohmann::json& jwk) {
  auto bn = [](const nlohmann::json& v) {
    std::string bytes = Base64UrlDecode(v.get<std::string>()).value_or("");
    return std::unique_ptr<BIGNUM, decltype(&BN_free)>(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                  static_cast<int>(bytes.size()), nullptr),
        &BN_free);
  };
  auto n = bn(jwk["n"]), e = bn(jwk["e"]);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      &OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, &EVP_PKEY_free);
  std::size_t dot = token.rfind('.');
  std::string signature = Base64UrlDecode(token.substr(dot + 1)).value_or("");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(token.data()),
                          dot) == 1;
}

nlohmann::json JwtPart(const std::string& token, int part) {
  std::size_t a = token.find('.'), b = token.rfind('.');
  std::string text = part == 0 ? token.substr(0, a) : token.substr(a + 1, b - a - 1);
  return nlohmann::json::parse(Base64UrlDecode(text).value_or("null"));
}

TEST_F(OAuthE2E, OpenIdClientsVerifyTokensWithThePublishedKeySet) {
  sim_.CreateOrg();
  HttpResult tokens =
      ExchangePkce(Authorize("openid profile email accounting.invoices"), kVerifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  const std::string id_token = tokens.Json()["id_token"];
  const std::string access_token = tokens.Json()["access_token"];
  // Discovery names the key set, at Xero's path.
  auto discovery = client_.Request("GET", "/.well-known/openid-configuration").Json();
  const std::string base = "http://127.0.0.1:" + std::to_string(sim_.port());
  EXPECT_EQ(discovery["jwks_uri"], base + "/.well-known/openid-configuration/jwks");
  EXPECT_EQ(discovery["id_token_signing_alg_values_supported"], nlohmann::json({"RS256"}));
  HttpResult jwks = client_.Request("GET", "/.well-known/openid-configuration/jwks");
  ASSERT_EQ(jwks.status, 200) << jwks.body;
  ASSERT_EQ(jwks.Json()["keys"].size(), 1u);
  const nlohmann::json jwk = jwks.Json()["keys"][0];
  for (const char* member : {"kty", "use", "kid", "alg", "n", "e"})
    EXPECT_TRUE(jwk.contains(member)) << member;
  // Both tokens are RS256 under that key; a changed payload is not.
  for (const std::string& token : {id_token, access_token}) {
    EXPECT_EQ(JwtPart(token, 0)["alg"], "RS256");
    EXPECT_EQ(JwtPart(token, 0)["kid"], jwk["kid"]);
    EXPECT_TRUE(VerifiesWithJwk(token, jwk));
    std::string forged = token;
    forged[forged.find('.') + 5] ^= 1;
    EXPECT_FALSE(VerifiesWithJwk(forged, jwk));
  }
  // The id_token's claims an OpenID client checks.
  const nlohmann::json claims = JwtPart(id_token, 1);
  EXPECT_EQ(claims["iss"], discovery["issuer"]);
  EXPECT_EQ(claims["aud"], "pkce-app");
  EXPECT_EQ(claims["at_hash"], Base64UrlEncode(Sha256(access_token).substr(0, 16)));
  EXPECT_EQ(claims["email"], "user@xero-sim.test");
}

TEST_F(OAuthE2E, WrongPkceVerifierIsRefused) {
  sim_.CreateOrg();
  std::string code = Authorize("offline_access accounting.invoices");
  HttpResult r = ExchangePkce(code, std::string(kVerifier) + "x");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_grant");
}

TEST_F(OAuthE2E, AuthorizeValidatesClientRedirectAndScopes) {
  HttpResult unknown = client_.Request(
      "GET", "/connect/authorize?response_type=code&client_id=nobody&redirect_uri=" +
                 PercentEncode(kRedirect) + "&scope=openid");
  EXPECT_EQ(unknown.status, 400);
  HttpResult bad_redirect = client_.Request(
      "GET", "/connect/authorize?response_type=code&client_id=pkce-app&redirect_uri=" +
                 PercentEncode("http://evil.test/cb") + "&scope=openid");
  EXPECT_EQ(bad_redirect.status, 400);
  // A new app cannot ask for the legacy broad scope.
  HttpResult legacy = client_.Request(
      "GET", "/connect/authorize?response_type=code&client_id=pkce-app&redirect_uri=" +
                 PercentEncode(kRedirect) + "&scope=accounting.transactions&state=s" +
                 "&code_challenge=" + kChallenge + "&code_challenge_method=S256");
  EXPECT_EQ(legacy.status, 302);
  EXPECT_EQ(Param(LocationQuery(legacy), "error").value_or(""), "invalid_scope");
  EXPECT_EQ(Param(LocationQuery(legacy), "state").value_or(""), "s");
}

TEST_F(OAuthE2E, ConsentPresetChoosesTheConnectedTenants) {
  sim_.CreateOrg("One");
  std::string two = sim_.CreateOrg("Two");
  ASSERT_EQ(client_.Json("POST", "/_sim/consent", {{"tenant_ids", {two}}}).status, 200);
  std::string at = ExchangePkce(Authorize("accounting.invoices"), kVerifier).Json()["access_token"];
  auto conns = client_.Request("GET", "/connections", "", ApiHeaders(at, "")).Json();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0]["tenantId"], two);
}

TEST_F(OAuthE2E, RefreshRotatesWithThirtyMinuteGraceOnTheSimClock) {
  std::string tenant = sim_.CreateOrg();
  std::string first = sim_.CreateGrant({tenant})["refresh_token"];
  HttpResult r1 = Refresh(first);
  ASSERT_EQ(r1.status, 200) << r1.body;
  std::string second = r1.Json()["refresh_token"];
  EXPECT_NE(second, first);
  sim_.AdvanceClock(29 * 60);
  HttpResult grace = Refresh(first);  // the response to r1 "was lost"
  ASSERT_EQ(grace.status, 200) << grace.body;
  std::string third = grace.Json()["refresh_token"];
  sim_.AdvanceClock(2 * 60);
  HttpResult late = Refresh(first);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(late.body, R"({"error":"invalid_grant"})");
  EXPECT_EQ(Refresh(third).status, 200);
  EXPECT_EQ(sim_.Stats()["token_refreshes"], 3);
}

TEST_F(OAuthE2E, RefreshTokenDiesAfterSixtyIdleDaysOrWhenExpired) {
  std::string tenant = sim_.CreateOrg();
  auto idle = sim_.CreateGrant({tenant});
  auto expired = sim_.CreateGrant({tenant});
  ASSERT_EQ(
      client_.Request("POST", "/_sim/grants/" + expired["grant_id"].get<std::string>() + "/expire")
          .status,
      200);
  EXPECT_EQ(Refresh(expired["refresh_token"]).Json()["error"], "invalid_grant");
  sim_.AdvanceClock(61L * 24 * 3600);
  EXPECT_EQ(Refresh(idle["refresh_token"]).Json()["error"], "invalid_grant");
}

TEST_F(OAuthE2E, ClientAuthenticationIsChecked) {
  std::string tenant = sim_.CreateOrg();
  std::string rt = sim_.CreateGrant({tenant})["refresh_token"];
  HttpResult r = TokenRequest(client_, "grant_type=refresh_token&refresh_token=" + rt,
                              "xero-sim-client", "wrong");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json()["error"], "invalid_client");
  // Credentials in the body work as well as HTTP Basic.
  HttpResult body = client_.Request(
      "POST", "/connect/token",
      "grant_type=refresh_token&client_id=xero-sim-client&client_secret=xero-sim-secret&"
      "refresh_token=" +
          rt,
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(body.status, 200) << body.body;
  EXPECT_EQ(TokenRequest(client_, "grant_type=password").Json()["error"], "unsupported_grant_type");
}

TEST_F(OAuthE2E, RevocationRemovesAllTheUsersConnections) {
  std::string a = sim_.CreateOrg(), b = sim_.CreateOrg();
  auto grant = sim_.CreateGrant({a, b});
  std::string at = grant["access_token"], rt = grant["refresh_token"];
  EXPECT_EQ(client_.Request("GET", "/connections", "", ApiHeaders(at, "")).Json().size(), 2u);
  HttpResult rev =
      client_.Request("POST", "/connect/revocation", "token=" + rt,
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Authorization", "Basic eGVyby1zaW0tY2xpZW50Onhlcm8tc2ltLXNlY3JldA=="}});
  EXPECT_EQ(rev.status, 200) << rev.body;
  HttpResult conns = client_.Request("GET", "/connections", "", ApiHeaders(at, ""));
  EXPECT_EQ(conns.status, 200);
  EXPECT_EQ(conns.body, "[]");
  EXPECT_EQ(Refresh(rt).Json()["error"], "invalid_grant");
  HttpResult api = client_.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(at, a));
  EXPECT_EQ(api.status, 403);
  EXPECT_EQ(api.Json()["Detail"], "AuthenticationUnsuccessful");
}

TEST_F(OAuthE2E, DisconnectInXeroAndDeleteConnection) {
  std::string a = sim_.CreateOrg(), b = sim_.CreateOrg();
  auto grant = sim_.CreateGrant({a, b});
  std::string at = grant["access_token"];
  ASSERT_EQ(client_.Request("POST", "/_sim/orgs/" + a + "/disconnect").status, 200);
  auto conns = client_.Request("GET", "/connections", "", ApiHeaders(at, "")).Json();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0]["tenantId"], b);
  HttpResult gone = client_.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(at, a));
  EXPECT_EQ(gone.status, 403);
  EXPECT_EQ(gone.Json()["Title"], "Forbidden");
  // Refresh still works after a Xero-side disconnect.
  EXPECT_EQ(Refresh(grant["refresh_token"]).status, 200);
  // DELETE /connections/{id}: the tenant id is the wrong id (403), the connection id works.
  EXPECT_EQ(client_.Request("DELETE", "/connections/" + b, "", ApiHeaders(at, "")).status, 403);
  std::string id = conns[0]["id"];
  EXPECT_EQ(client_.Request("DELETE", "/connections/" + id, "", ApiHeaders(at, "")).status, 204);
  EXPECT_EQ(client_.Request("DELETE", "/connections/" + id, "", ApiHeaders(at, "")).status, 404);
  EXPECT_EQ(client_.Request("GET", "/connections", "", ApiHeaders(at, "")).body, "[]");
}

TEST_F(OAuthE2E, ClientCredentialsForACustomConnection) {
  std::string tenant = sim_.CreateOrg("Custom Org");
  ASSERT_EQ(client_
                .Json("POST", "/_sim/clients",
                      {{"client_id", "custom-app"},
                       {"client_secret", "s3cret"},
                       {"custom_tenant_id", tenant},
                       {"custom_scopes", {"accounting.invoices", "accounting.settings.read"}}})
                .status,
            201);
  HttpResult r = TokenRequest(client_, "grant_type=client_credentials", "custom-app", "s3cret");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.Json();
  EXPECT_FALSE(j.contains("refresh_token"));
  EXPECT_EQ(j["expires_in"], 1800);
  std::string at = j["access_token"];
  // No tenant header needed for a custom connection.
  EXPECT_EQ(client_.Request("GET", "/api.xro/2.0/Organisation", "", ApiHeaders(at, "")).status,
            200);
  auto conns = client_.Request("GET", "/connections", "", ApiHeaders(at, "")).Json();
  ASSERT_EQ(conns.size(), 1u);
  EXPECT_EQ(conns[0]["tenantId"], tenant);
  // A normal app has no custom connection.
  EXPECT_EQ(TokenRequest(client_, "grant_type=client_credentials").Json()["error"],
            "unauthorized_client");
  EXPECT_EQ(TokenRequest(client_, "grant_type=client_credentials&scope=accounting.payments",
                         "custom-app", "s3cret")
                .Json()["error"],
            "invalid_scope");
}

TEST_F(OAuthE2E, ApiAuthErrorsLookLikeXeros) {
  std::string tenant = sim_.CreateOrg();
  auto grant = sim_.CreateGrant({tenant}, {"offline_access", "accounting.contacts"});
  std::string at = grant["access_token"];
  HttpResult scope = client_.Request("GET", "/api.xro/2.0/Invoices", "", ApiHeaders(at, tenant));
  EXPECT_EQ(scope.status, 401);
  EXPECT_EQ(scope.Json()["Detail"], "AuthorizationUnsuccessful");
  EXPECT_NE(scope.Header("www-authenticate").find("insufficient_scope"), std::string::npos);
  HttpResult no_tenant = client_.Request("GET", "/api.xro/2.0/Contacts", "", ApiHeaders(at, ""));
  EXPECT_EQ(no_tenant.status, 403);
  EXPECT_EQ(no_tenant.Json()["Detail"], "AuthenticationUnsuccessful");
  HttpResult garbage =
      client_.Request("GET", "/api.xro/2.0/Contacts", "", ApiHeaders("abc", tenant));
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.Json()["Detail"], "AuthenticationUnsuccessful");
  EXPECT_EQ(client_.Request("GET", "/api.xro/2.0/Contacts", "", ApiHeaders(at, tenant)).status,
            200);
  sim_.AdvanceClock(30 * 60 + 1);
  HttpResult expired = client_.Request("GET", "/api.xro/2.0/Contacts", "", ApiHeaders(at, tenant));
  EXPECT_EQ(expired.status, 401);
  auto body = expired.Json();
  EXPECT_TRUE(body["Detail"].get<std::string>().starts_with("TokenExpired: token expired at "));
  EXPECT_TRUE(body["Type"].is_null());
  EXPECT_EQ(body["Status"], 401);
  EXPECT_NE(expired.Header("www-authenticate").find("invalid_token"), std::string::npos);
}

}  // namespace
}  // namespace xero_sim::testing
