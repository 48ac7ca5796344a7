// SPDX-License-Identifier: MIT
#include "http/request_log.h"

#include <gtest/gtest.h>

#include "xerod/secret.h"

namespace xerod::http {
namespace {

TEST(RequestLogTest, RedactUrlDropsQueryAndUserInfo) {
  EXPECT_EQ(RedactUrl("https://api.xero.com/api.xro/2.0/Invoices?where=x&code=abc"),
            "https://api.xero.com/api.xro/2.0/Invoices?...");
  EXPECT_EQ(RedactUrl("https://user:pa55@host:8443/p#frag"), "https://host:8443/p?...");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:80/plain"), "http://127.0.0.1:80/plain");
}

TEST(RequestLogTest, DescribeRequestRedactsSensitiveHeadersAndOmitsBody) {
  HttpRequest req{.method = HttpMethod::kPost,
                  .url = "https://id/connect/token",
                  .body = "refresh_token=r3fr3sh"};
  req.Header("authorization", "Basic c2VjcmV0")
      .Header("Cookie", "session=c00kie")
      .Header("X-Secret", "hidden", true)
      .Header("Accept", "application/json");
  std::string s = DescribeRequest(req);
  EXPECT_EQ(s,
            "POST https://id/connect/token headers={authorization: <redacted>, Cookie: "
            "<redacted>, X-Secret: <redacted>, Accept: application/json} body=21 bytes");
}

TEST(RequestSecretsTest, WipeSecretsOverwritesCredentialsAndASecretBodyOnly) {
  HttpRequest req{.method = HttpMethod::kPost,
                  .url = "https://id/connect/token",
                  .body = "grant_type=refresh_token&refresh_token=r3fr3sh"};
  req.Header("Authorization", "Basic c2VjcmV0")
      .Header("X-Api-Key", "k3y", /*sensitive=*/true)
      .Header("Accept", "application/json");
  req.WipeSecrets();
  EXPECT_EQ(req.headers[0].value, "");
  EXPECT_EQ(req.headers[1].value, "");
  EXPECT_EQ(req.headers[2].value, "application/json");
  EXPECT_NE(req.body, "") << "a body not marked secret is kept";
  req.secret_body = true;
  req.WipeSecrets();
  EXPECT_EQ(req.body, "");
}

TEST(RequestSecretsTest, WipeStringOverwritesTheBytesInPlace) {
  std::string s = "client-secret-value";
  const char* data = s.data();
  const std::size_t n = s.size();
  WipeString(s);
  EXPECT_TRUE(s.empty());
  // The buffer is the same (clear() keeps the capacity): its bytes are zero.
  ASSERT_EQ(s.data(), data);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(data[i], '\0') << i;
}

}  // namespace
}  // namespace xerod::http
