// SPDX-License-Identifier: MIT
#include "monitor/health.h"

#include <algorithm>
#include <limits>

namespace xerod::monitor {
namespace {

// What the user has to do about a health (see the header).
enum class UserAction { kNone, kWait, kReconnect, kFixCredentials };

UserAction ActionFor(const Health& h) {
  switch (h.state) {
    case ConnectionState::kActive:
      return h.unreachable ? UserAction::kWait : UserAction::kNone;
    case ConnectionState::kExpired:
    case ConnectionState::kDisconnected:
    case ConnectionState::kMissingScope:
      return UserAction::kReconnect;
    case ConnectionState::kRevoked:
      return UserAction::kFixCredentials;
    case ConnectionState::kUnreachable:  // stored form of {kActive, unreachable}
      return UserAction::kWait;
  }
  return UserAction::kReconnect;
}

// The broken state a definitive failure means; kActive for kOk and kTransient.
ConnectionState StateFor(CheckResult result) {
  switch (result) {
    case CheckResult::kInvalidGrant:
      return ConnectionState::kExpired;
    case CheckResult::kTenantMissing:
    case CheckResult::kForbidden:
      return ConnectionState::kDisconnected;
    case CheckResult::kMissingScope:
      return ConnectionState::kMissingScope;
    case CheckResult::kUnauthorizedClient:
      return ConnectionState::kRevoked;
    case CheckResult::kOk:
    case CheckResult::kTransient:
      break;
  }
  return ConnectionState::kActive;
}

std::string_view Explain(CheckResult result) {
  switch (result) {
    case CheckResult::kOk:
      return "the connection works";
    case CheckResult::kInvalidGrant:
      return "the refresh token was refused (invalid_grant)";
    case CheckResult::kTenantMissing:
      return "the organisation is no longer connected (missing from Xero's /connections)";
    case CheckResult::kForbidden:
      return "Xero refused access to the organisation (403 AuthenticationUnsuccessful)";
    case CheckResult::kMissingScope:
      return "the grant lacks a scope xerod needs (401 AuthorizationUnsuccessful)";
    case CheckResult::kUnauthorizedClient:
      return "Xero refused the app's credentials (invalid_client)";
    case CheckResult::kTransient:
      return "Xero could not be reached";
  }
  return "unknown check result";
}

std::string Reason(CheckResult result, std::string_view detail, int failures, bool restored) {
  std::string reason(Explain(result));
  if (restored) reason += " again";
  if (result == CheckResult::kTransient && failures > 1) {
    reason += " (" + std::to_string(failures) + " failures in a row)";
  }
  if (!detail.empty()) {
    reason += ": ";
    reason += detail;
  }
  std::replace_if(
      reason.begin(), reason.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return reason;
}

int PlusOne(int n) { return n < std::numeric_limits<int>::max() ? n + 1 : n; }

}  // namespace

std::string_view ToString(CheckResult result) {
  switch (result) {
    case CheckResult::kOk:
      return "ok";
    case CheckResult::kInvalidGrant:
      return "invalid_grant";
    case CheckResult::kTenantMissing:
      return "tenant_missing";
    case CheckResult::kForbidden:
      return "forbidden";
    case CheckResult::kMissingScope:
      return "missing_scope";
    case CheckResult::kUnauthorizedClient:
      return "unauthorized_client";
    case CheckResult::kTransient:
      return "transient";
  }
  return "unknown";
}

Decision Decide(const Health& current, CheckResult result, std::string_view detail,
                int failure_threshold) {
  const int threshold = std::max(failure_threshold, 1);
  Decision d;
  d.next = current;
  switch (result) {
    case CheckResult::kOk:
      d.next = Health{};
      break;
    case CheckResult::kTransient:
      d.next.consecutive_failures = PlusOne(current.consecutive_failures);
      if (current.state == ConnectionState::kActive && d.next.consecutive_failures >= threshold) {
        d.next.unreachable = true;
      }
      break;
    case CheckResult::kInvalidGrant:
    case CheckResult::kTenantMissing:
    case CheckResult::kForbidden:
    case CheckResult::kMissingScope:
    case CheckResult::kUnauthorizedClient:
      d.next = Health{};
      d.next.state = StateFor(result);
      break;
  }
  d.changed = d.next.state != current.state || d.next.unreachable != current.unreachable;

  const UserAction before = ActionFor(current);
  const UserAction after = ActionFor(d.next);
  d.park = before == UserAction::kNone && after != UserAction::kNone;
  d.unpark = before != UserAction::kNone && after == UserAction::kNone;
  if (after != before) {
    d.notify = after == UserAction::kNone ? Decision::Notify::kRestored : Decision::Notify::kLost;
  }
  d.reason =
      Reason(result, detail, d.next.consecutive_failures, d.notify == Decision::Notify::kRestored);
  return d;
}

}  // namespace xerod::monitor
