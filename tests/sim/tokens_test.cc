// SPDX-License-Identifier: MIT
#include "sim/tokens.h"

#include <gtest/gtest.h>

namespace xero_sim {
namespace {

TEST(Tokens, Base64UrlRoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto back = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<char>(i * 37 + 200));
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("a$b").has_value());
}

TEST(Tokens, PkceS256MatchesOpensslCli) {
  // echo -n VERIFIER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
  EXPECT_EQ(Base64UrlEncode(Sha256("dBjftJeZ4CVP-mJ92K9qkN0kO5oLqD1wHa5lPqlS7A6")),
            "JS0yfc2S5so6Iq6hWUbcK59pdCipsZTvr15JIZMKfAo");
}

TEST(Tokens, UuidsAreVersion4AndDistinct) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
}

TEST(Tokens, Rs256VerifiesOnlyUntamperedTokensFromTheSameKey) {
  JwtSigner signer = JwtSigner::Generate();
  std::string token = signer.Sign({{"sub", "u1"}, {"exp", 123}});
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  auto header = nlohmann::json::parse(*Base64UrlDecode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header, (nlohmann::json{{"alg", "RS256"}, {"kid", signer.kid()}, {"typ", "JWT"}}));
  auto payload = signer.Verify(token);
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ((*payload)["sub"], "u1");
  EXPECT_FALSE(JwtSigner::Generate().Verify(token).has_value());
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_FALSE(signer.Verify(tampered).has_value());
  EXPECT_FALSE(signer.Verify("not-a-token").has_value());
  // The algorithm is not the token's choice: an "alg":"none" copy of the payload is refused.
  std::string none = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") +
                     token.substr(token.find('.'), token.rfind('.') - token.find('.')) + ".";
  EXPECT_FALSE(signer.Verify(none).has_value());
}

TEST(Tokens, SigningKeyRoundTripsThroughPemAndIsPublishedAsAJwk) {
  JwtSigner signer = JwtSigner::Generate();
  auto again = JwtSigner::FromPem(signer.PrivateKeyPem());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->kid(), signer.kid());
  EXPECT_TRUE(again->Verify(signer.Sign({{"a", 1}})).has_value());
  EXPECT_FALSE(JwtSigner::FromPem("-----BEGIN PRIVATE KEY-----\nxx\n").has_value());
  nlohmann::json jwk = signer.Jwk();
  EXPECT_EQ(jwk["kty"], "RSA");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "RS256");
  EXPECT_EQ(jwk["kid"], signer.kid());
  EXPECT_EQ(jwk["e"], "AQAB");                                            // 65537
  EXPECT_EQ(Base64UrlDecode(jwk["n"].get<std::string>())->size(), 256u);  // 2048 bits
  // RFC 7638 thumbprint.
  std::string members = R"({"e":"AQAB","kty":"RSA","n":")" + jwk["n"].get<std::string>() + "\"}";
  EXPECT_EQ(signer.kid(), Base64UrlEncode(Sha256(members)));
}

}  // namespace
}  // namespace xero_sim
