// SPDX-License-Identifier: MIT
#include "config/validators.h"

#include <gtest/gtest.h>

namespace xerod::config {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, SingleUnits) {
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("15m"), milliseconds(15 * 60'000));
  EXPECT_EQ(ParseDuration("6h"), milliseconds(6 * 3'600'000));
  EXPECT_EQ(ParseDuration("30d"), milliseconds(30LL * 86'400'000));
  EXPECT_EQ(ParseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, CombinationsLargestFirst) {
  EXPECT_EQ(ParseDuration("1h30m"), milliseconds(90 * 60'000));
  EXPECT_EQ(ParseDuration("1d2h3m4s5ms"),
            milliseconds(86'400'000 + 2 * 3'600'000 + 3 * 60'000 + 4'000 + 5));
  EXPECT_EQ(ParseDuration("2m30s"), milliseconds(150'000));
}

TEST(ParseDurationTest, RefusesBadSyntax) {
  for (const char* bad : {"", "30", "s", "-5s", "+5s", "1.5h", "30 s", " 30s", "30S", "1m1h",
                          "1s1s", "5x", "ms", "1h 30m", "5sec", "1e3ms"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(ParseDurationTest, RefusesOverflow) {
  EXPECT_FALSE(ParseDuration("99999999999999999999ms").has_value());
  EXPECT_FALSE(ParseDuration("999999999999999d").has_value());
  EXPECT_TRUE(ParseDuration("9223372036854775000ms").has_value());
}

TEST(FormatDurationTest, ShortestForm) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(90 * 60'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(30LL * 86'400'000)), "30d");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1s500ms");
  for (const char* text : {"1d2h3m4s5ms", "6h", "15m", "1s500ms"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(ParseUrlTest, SplitsParts) {
  auto u = ParseUrl("HTTPS://Api.Xero.com:8443/api.xro/2.0?x=1");
  ASSERT_TRUE(u.has_value()) << u.error().message();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "api.xero.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->rest, "/api.xro/2.0?x=1");
  auto v6 = ParseUrl("http://[::1]:8080/cb");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->ipv6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
}

TEST(ParseUrlTest, RefusesBadUrls) {
  struct Case {
    const char* url;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"api.xero.com", "is not an absolute URL (scheme://host...)"},
           {"https://", "has no valid host name"},
           {"https://a b.com", "must not contain spaces or control characters"},
           {"https://user:pw@host/", "must not contain a user name or password"},
           {"https://host/#frag", "must not contain a fragment (#...)"},
           {"https://host:0/", "has a port outside 1..65535"},
           {"https://host:65536/", "has a port outside 1..65535"},
           {"https://host:/", "has an invalid port"},
           {"https://host:8x/", "has an invalid port"},
           {"http://[::1/", "has an unclosed [IPv6] host"},
           {"http://[zz::1]/", "has an invalid IPv6 address"},
           {"ht tp://host/", "must not contain spaces or control characters"},
           {"h*p://host/", "has an invalid scheme"},
       }) {
    auto u = ParseUrl(c.url);
    ASSERT_FALSE(u.has_value()) << c.url;
    EXPECT_EQ(u.error().message(), c.message) << c.url;
  }
}

TEST(IsLoopbackHostTest, LoopbackOnly) {
  for (const char* yes : {"http://127.0.0.1/", "http://127.255.3.4:80/", "http://[::1]/",
                          "http://LOCALHOST:9/", "http://[0:0:0:0:0:0:0:1]/"}) {
    EXPECT_TRUE(IsLoopbackHost(*ParseUrl(yes))) << yes;
  }
  for (const char* no :
       {"http://128.0.0.1/", "http://10.0.0.1/", "http://[::2]/", "http://localhost.example.com/",
        "http://127.0.0.1.nip.io/", "http://0127.0.0.1/", "http://[::ffff:127.0.0.1]/"}) {
    EXPECT_FALSE(IsLoopbackHost(*ParseUrl(no))) << no;
  }
}

TEST(EmailTest, BareAddresses) {
  for (const char* yes :
       {"ops@example.com", "a.b+c@x.y.example", "root@localhost", "O'Neil@ex.ie"}) {
    EXPECT_TRUE(IsEmailAddress(yes)) << yes;
  }
  for (const char* no : {"", "ops", "@example.com", "ops@", "a..b@x.com", ".a@x.com", "a.@x.com",
                         "a b@x.com", "a@-x.com", "a@x..com", "a@x_y.com", "Ops <ops@x.com>"}) {
    EXPECT_FALSE(IsEmailAddress(no)) << no;
  }
}

TEST(EmailTest, Mailboxes) {
  for (const char* yes : {"xerod@example.com", "xerod <xerod@example.com>",
                          "\"Xero Daemon\" <x@example.com>", "Büro Ops <ops@example.com>"}) {
    EXPECT_TRUE(IsMailbox(yes)) << yes;
  }
  for (const char* no : {"xerod <xerod@example.com", "<x@example.com>", "a <b> <x@example.com>",
                         "xerod <not an address>", "xe\"rod <x@example.com>"}) {
    EXPECT_FALSE(IsMailbox(no)) << no;
  }
}

TEST(NamesTest, ConnectionTaxAccountGroupScope) {
  EXPECT_TRUE(IsConnectionName("acme"));
  EXPECT_TRUE(IsConnectionName("0acme_2-b"));
  EXPECT_TRUE(IsConnectionName(std::string(64, 'a')));
  EXPECT_FALSE(IsConnectionName(std::string(65, 'a')));
  EXPECT_FALSE(IsConnectionName("Acme"));
  EXPECT_FALSE(IsConnectionName("_acme"));
  EXPECT_FALSE(IsConnectionName("-acme"));
  EXPECT_FALSE(IsConnectionName("ac.me"));
  EXPECT_TRUE(IsTaxType("OUTPUT2"));
  EXPECT_TRUE(IsTaxType("TAX_001"));
  EXPECT_FALSE(IsTaxType("output2"));
  EXPECT_FALSE(IsTaxType("2OUTPUT"));
  EXPECT_FALSE(IsTaxType("GST ON INCOME"));
  EXPECT_TRUE(IsAccountCode("090"));
  EXPECT_TRUE(IsAccountCode("SALES12345"));
  EXPECT_FALSE(IsAccountCode("SALES123456"));
  EXPECT_FALSE(IsAccountCode("20-0"));
  EXPECT_FALSE(IsAccountCode(""));
  EXPECT_TRUE(IsGroupName("xerod-admin"));
  EXPECT_FALSE(IsGroupName("Admins"));
  EXPECT_TRUE(IsScope("accounting.settings.read"));
  EXPECT_FALSE(IsScope("a b"));
}

}  // namespace
}  // namespace xerod::config
