// SPDX-License-Identifier: MIT
#include "http/request_log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace xerod::http
