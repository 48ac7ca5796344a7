// SPDX-License-Identifier: MIT
#include "sim/identity.h"

#include <gtest/gtest.h>

namespace xero_sim {
namespace {

using std::chrono::minutes;

class IdentityTest : public ::testing::Test {
 protected:
  std::string Refresh(const std::string& token, bool expect_ok = true) {
    auto r = identity_.Refresh("xero-sim-client", token, nullptr);
    EXPECT_EQ(r.has_value(), expect_ok);
    if (!r) {
      EXPECT_EQ(r.error().error, "invalid_grant");
      return {};
    }
    EXPECT_EQ((*r)["expires_in"], 1800);
    EXPECT_EQ((*r)["token_type"], "Bearer");
    return (*r)["refresh_token"].get<std::string>();
  }

  SimClock clock_;
  Identity identity_{clock_, JwtSigner::Generate()};
};

TEST_F(IdentityTest, RefreshRotatesAndThePreviousTokenHasAThirtyMinuteGrace) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"offline_access"}, {"t1"});
  std::string first = g.refresh_token;
  std::string second = Refresh(first);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  clock_.Advance(minutes(29));
  std::string third = Refresh(first);  // lost response: retry with the previous token
  ASSERT_FALSE(third.empty());
  Refresh(second, false);  // the token nobody received is gone
  clock_.Advance(minutes(2));
  Refresh(first, false);  // grace over
  EXPECT_FALSE(Refresh(third).empty());
}

TEST_F(IdentityTest, IdleExpiryAfterSixtyDays) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"offline_access"}, {});
  std::string token = g.refresh_token;
  clock_.Advance(std::chrono::hours(24 * 59));
  token = Refresh(token);
  clock_.Advance(std::chrono::hours(24 * 60) + minutes(1));
  Refresh(token, false);
}

TEST_F(IdentityTest, NoOfflineAccessMeansNoRefreshToken) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"accounting.invoices"}, {});
  EXPECT_TRUE(g.refresh_token.empty());
  EXPECT_FALSE(identity_.TokenResponse(g, "").contains("refresh_token"));
}

TEST_F(IdentityTest, AccessTokensExpireAfterThirtyMinutes) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"accounting.invoices"}, {"t"});
  std::string token = identity_.IssueAccessToken(g);
  auto ok = identity_.CheckAccessToken(token);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->user_id, "user");
  clock_.Advance(minutes(30));
  auto expired = identity_.CheckAccessToken(token);
  ASSERT_FALSE(expired.has_value());
  EXPECT_TRUE(expired.error().expired);
  EXPECT_FALSE(identity_.CheckAccessToken("garbage").error().expired);
}

TEST_F(IdentityTest, RevokeKillsTheGrantAndTheUsersConnections) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"offline_access"}, {"t1", "t2"});
  std::string token = g.refresh_token;
  EXPECT_EQ(identity_.ConnectionsOf("user", "xero-sim-client").size(), 2u);
  identity_.Revoke("xero-sim-client", token);
  EXPECT_TRUE(identity_.ConnectionsOf("user", "xero-sim-client").empty());
  Refresh(token, false);
}

TEST_F(IdentityTest, StateRoundTripKeepsTokensUsable) {
  Grant& g = identity_.CreateGrant("xero-sim-client", "user", {"offline_access"}, {"t1"});
  std::string token = g.refresh_token;
  std::string access = identity_.IssueAccessToken(g);
  Identity other(clock_, JwtSigner::Generate());
  ASSERT_TRUE(other.LoadJson(identity_.ToJson()));
  EXPECT_TRUE(other.CheckAccessToken(access).has_value());
  EXPECT_TRUE(other.IsConnected("user", "xero-sim-client", "t1"));
  EXPECT_TRUE(other.Refresh("xero-sim-client", token, nullptr).has_value());
  EXPECT_FALSE(other.LoadJson({{"clients", 3}}));
}

}  // namespace
}  // namespace xero_sim
