// SPDX-License-Identifier: MIT
#include "monitor/health.h"

#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <utility>

namespace xerod::monitor {

// Failure messages name the fields (found by ADL).
std::ostream& operator<<(std::ostream& os, const Health& h) {
  return os << "{" << ToString(h.state) << (h.unreachable ? ", unreachable" : "")
            << ", failures=" << h.consecutive_failures << "}";
}

std::ostream& operator<<(std::ostream& os, const Decision& d) {
  static constexpr std::string_view kNotify[] = {"none", "lost", "restored"};
  return os << "{" << d.next << ", changed=" << d.changed << ", park=" << d.park
            << ", unpark=" << d.unpark << ", notify=" << kNotify[static_cast<int>(d.notify)]
            << ", reason=\"" << d.reason << "\"}";
}

namespace {

using Notify = Decision::Notify;
using S = ConnectionState;
using R = CheckResult;

constexpr int kThreshold = 3;

Health Active(int failures = 0) { return {.consecutive_failures = failures}; }
Health Unreachable(int failures = kThreshold) {
  return {.unreachable = true, .consecutive_failures = failures};
}
Health Broken(ConnectionState state, int failures = 0) {
  return {.state = state, .consecutive_failures = failures};
}

struct Row {
  Health current;
  CheckResult result;
  Health next;
  bool changed;
  bool park;
  bool unpark;
  Notify notify;
};

// Every (health x result) pair, threshold 3. Unreachable starts at the
// threshold; the others at 0 failures.
const Row kRows[] = {
    // Active.
    {Active(), R::kOk, Active(), false, false, false, Notify::kNone},
    {Active(), R::kInvalidGrant, Broken(S::kExpired), true, true, false, Notify::kLost},
    {Active(), R::kTenantMissing, Broken(S::kDisconnected), true, true, false, Notify::kLost},
    {Active(), R::kForbidden, Broken(S::kDisconnected), true, true, false, Notify::kLost},
    {Active(), R::kMissingScope, Broken(S::kMissingScope), true, true, false, Notify::kLost},
    {Active(), R::kUnauthorizedClient, Broken(S::kRevoked), true, true, false, Notify::kLost},
    {Active(), R::kTransient, Active(1), false, false, false, Notify::kNone},
    // Unreachable: already parked; a definitive failure asks the user for
    // something new (kLost), success restores.
    {Unreachable(), R::kOk, Active(), true, false, true, Notify::kRestored},
    {Unreachable(), R::kInvalidGrant, Broken(S::kExpired), true, false, false, Notify::kLost},
    {Unreachable(), R::kTenantMissing, Broken(S::kDisconnected), true, false, false, Notify::kLost},
    {Unreachable(), R::kForbidden, Broken(S::kDisconnected), true, false, false, Notify::kLost},
    {Unreachable(), R::kMissingScope, Broken(S::kMissingScope), true, false, false, Notify::kLost},
    {Unreachable(), R::kUnauthorizedClient, Broken(S::kRevoked), true, false, false, Notify::kLost},
    {Unreachable(), R::kTransient, Unreachable(4), false, false, false, Notify::kNone},
    // Expired: "reconnect". Other reconnect states are stored, not notified.
    {Broken(S::kExpired), R::kOk, Active(), true, false, true, Notify::kRestored},
    {Broken(S::kExpired), R::kInvalidGrant, Broken(S::kExpired), false, false, false,
     Notify::kNone},
    {Broken(S::kExpired), R::kTenantMissing, Broken(S::kDisconnected), true, false, false,
     Notify::kNone},
    {Broken(S::kExpired), R::kForbidden, Broken(S::kDisconnected), true, false, false,
     Notify::kNone},
    {Broken(S::kExpired), R::kMissingScope, Broken(S::kMissingScope), true, false, false,
     Notify::kNone},
    {Broken(S::kExpired), R::kUnauthorizedClient, Broken(S::kRevoked), true, false, false,
     Notify::kLost},
    {Broken(S::kExpired), R::kTransient, Broken(S::kExpired, 1), false, false, false,
     Notify::kNone},
    // Revoked: "fix the credentials". Any reconnect state is a new request.
    {Broken(S::kRevoked), R::kOk, Active(), true, false, true, Notify::kRestored},
    {Broken(S::kRevoked), R::kInvalidGrant, Broken(S::kExpired), true, false, false, Notify::kLost},
    {Broken(S::kRevoked), R::kTenantMissing, Broken(S::kDisconnected), true, false, false,
     Notify::kLost},
    {Broken(S::kRevoked), R::kForbidden, Broken(S::kDisconnected), true, false, false,
     Notify::kLost},
    {Broken(S::kRevoked), R::kMissingScope, Broken(S::kMissingScope), true, false, false,
     Notify::kLost},
    {Broken(S::kRevoked), R::kUnauthorizedClient, Broken(S::kRevoked), false, false, false,
     Notify::kNone},
    {Broken(S::kRevoked), R::kTransient, Broken(S::kRevoked, 1), false, false, false,
     Notify::kNone},
    // Disconnected: "reconnect".
    {Broken(S::kDisconnected), R::kOk, Active(), true, false, true, Notify::kRestored},
    {Broken(S::kDisconnected), R::kInvalidGrant, Broken(S::kExpired), true, false, false,
     Notify::kNone},
    {Broken(S::kDisconnected), R::kTenantMissing, Broken(S::kDisconnected), false, false, false,
     Notify::kNone},
    {Broken(S::kDisconnected), R::kForbidden, Broken(S::kDisconnected), false, false, false,
     Notify::kNone},
    {Broken(S::kDisconnected), R::kMissingScope, Broken(S::kMissingScope), true, false, false,
     Notify::kNone},
    {Broken(S::kDisconnected), R::kUnauthorizedClient, Broken(S::kRevoked), true, false, false,
     Notify::kLost},
    {Broken(S::kDisconnected), R::kTransient, Broken(S::kDisconnected, 1), false, false, false,
     Notify::kNone},
    // Missing scope: "reconnect".
    {Broken(S::kMissingScope), R::kOk, Active(), true, false, true, Notify::kRestored},
    {Broken(S::kMissingScope), R::kInvalidGrant, Broken(S::kExpired), true, false, false,
     Notify::kNone},
    {Broken(S::kMissingScope), R::kTenantMissing, Broken(S::kDisconnected), true, false, false,
     Notify::kNone},
    {Broken(S::kMissingScope), R::kForbidden, Broken(S::kDisconnected), true, false, false,
     Notify::kNone},
    {Broken(S::kMissingScope), R::kMissingScope, Broken(S::kMissingScope), false, false, false,
     Notify::kNone},
    {Broken(S::kMissingScope), R::kUnauthorizedClient, Broken(S::kRevoked), true, false, false,
     Notify::kLost},
    {Broken(S::kMissingScope), R::kTransient, Broken(S::kMissingScope, 1), false, false, false,
     Notify::kNone},
};

TEST(HealthTest, EveryStateAndResult) {
  std::set<std::pair<std::pair<S, bool>, R>> seen;
  for (const Row& row : kRows) {
    SCOPED_TRACE(::testing::Message() << row.current << " + " << ToString(row.result));
    seen.insert({{row.current.state, row.current.unreachable}, row.result});
    const Decision d = Decide(row.current, row.result, "", kThreshold);
    EXPECT_EQ(d.next, row.next) << d;
    EXPECT_EQ(d.changed, row.changed) << d;
    EXPECT_EQ(d.park, row.park) << d;
    EXPECT_EQ(d.unpark, row.unpark) << d;
    EXPECT_EQ(d.notify, row.notify) << d;
    EXPECT_FALSE(d.reason.empty()) << d;
  }
  EXPECT_EQ(seen.size(), 6u * 7u);  // each pair once
}

TEST(HealthTest, DefinitiveResultsResetTheTransientCount) {
  EXPECT_EQ(Decide(Active(2), R::kOk, "", kThreshold).next, Active());
  EXPECT_EQ(Decide(Broken(S::kExpired, 5), R::kInvalidGrant, "", kThreshold).next,
            Broken(S::kExpired));
}

TEST(HealthTest, ThresholdThree) {
  Decision d = Decide(Active(), R::kTransient, "HTTP 503", 3);
  EXPECT_EQ(d.next, Active(1));
  EXPECT_FALSE(d.changed);
  d = Decide(d.next, R::kTransient, "HTTP 503", 3);
  EXPECT_EQ(d.next, Active(2));
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.notify, Notify::kNone);
  d = Decide(d.next, R::kTransient, "HTTP 503", 3);
  EXPECT_EQ(d.next, Unreachable(3));
  EXPECT_TRUE(d.changed);
  EXPECT_TRUE(d.park);
  EXPECT_EQ(d.notify, Notify::kLost);
  EXPECT_EQ(d.reason, "Xero could not be reached (3 failures in a row): HTTP 503");
  d = Decide(d.next, R::kTransient, "timeout", 3);  // still unreachable: nothing new
  EXPECT_EQ(d.next, Unreachable(4));
  EXPECT_FALSE(d.changed);
  EXPECT_FALSE(d.park);
  EXPECT_EQ(d.notify, Notify::kNone);
  d = Decide(d.next, R::kOk, "", 3);
  EXPECT_EQ(d.next, Active());
  EXPECT_TRUE(d.unpark);
  EXPECT_EQ(d.notify, Notify::kRestored);
  EXPECT_EQ(d.reason, "the connection works again");
}

TEST(HealthTest, ThresholdOneAndBelow) {
  for (int threshold : {1, 0, -5}) {
    SCOPED_TRACE(threshold);
    const Decision d = Decide(Active(), R::kTransient, "connection refused", threshold);
    EXPECT_EQ(d.next, Unreachable(1));
    EXPECT_TRUE(d.changed);
    EXPECT_TRUE(d.park);
    EXPECT_EQ(d.notify, Notify::kLost);
    EXPECT_EQ(d.reason, "Xero could not be reached: connection refused");
  }
}

TEST(HealthTest, TransientFailuresNeverChangeABrokenState) {
  for (S state : {S::kExpired, S::kRevoked, S::kDisconnected, S::kMissingScope}) {
    SCOPED_TRACE(ToString(state));
    Health h = Broken(state);
    for (int i = 1; i <= 5; ++i) {
      const Decision d = Decide(h, R::kTransient, "", 1);
      EXPECT_EQ(d.next, Broken(state, i));
      EXPECT_FALSE(d.changed || d.park || d.unpark);
      EXPECT_EQ(d.notify, Notify::kNone);
      h = d.next;
    }
  }
}

TEST(HealthTest, FailureCountSaturates) {
  const int max = std::numeric_limits<int>::max();
  EXPECT_EQ(Decide(Unreachable(max), R::kTransient, "", kThreshold).next, Unreachable(max));
}

TEST(HealthTest, ReasonIsOneLineWithTheDetail) {
  const Decision d = Decide(Active(), R::kInvalidGrant, "token endpoint said\r\nno", kThreshold);
  EXPECT_EQ(d.reason, "the refresh token was refused (invalid_grant): token endpoint said  no");
  EXPECT_EQ(Decide(Active(), R::kForbidden, "", kThreshold).reason,
            "Xero refused access to the organisation (403 AuthenticationUnsuccessful)");
  EXPECT_EQ(Decide(Broken(S::kExpired), R::kOk, "tenant Acme", kThreshold).reason,
            "the connection works again: tenant Acme");
  EXPECT_EQ(Decide(Active(), R::kOk, "", kThreshold).reason, "the connection works");
}

TEST(HealthTest, ResultNames) {
  EXPECT_EQ(ToString(R::kOk), "ok");
  EXPECT_EQ(ToString(R::kInvalidGrant), "invalid_grant");
  EXPECT_EQ(ToString(R::kTenantMissing), "tenant_missing");
  EXPECT_EQ(ToString(R::kForbidden), "forbidden");
  EXPECT_EQ(ToString(R::kMissingScope), "missing_scope");
  EXPECT_EQ(ToString(R::kUnauthorizedClient), "unauthorized_client");
  EXPECT_EQ(ToString(R::kTransient), "transient");
}

}  // namespace
}  // namespace xerod::monitor
