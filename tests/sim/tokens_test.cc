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

TEST(Tokens, JwtVerifiesOnlyUntamperedTokensFromTheSameSecret) {
  JwtSigner signer("secret-1");
  std::string token = signer.Sign({{"sub", "u1"}, {"exp", 123}});
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  auto payload = signer.Verify(token);
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ((*payload)["sub"], "u1");
  EXPECT_FALSE(JwtSigner("secret-2").Verify(token).has_value());
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_FALSE(signer.Verify(tampered).has_value());
  EXPECT_FALSE(signer.Verify("not-a-token").has_value());
}

}  // namespace
}  // namespace xero_sim
