// SPDX-License-Identifier: MIT
//
// A connection's health after one check, as a pure function: the monitor runs
// the check, asks Decide() and then stores, logs, parks and notifies as the
// Decision says. The rules live (and are table-tested,
// tests/monitor/health_test.cc) here only.
//
// Broken states and what each result means (xero-facts.md §1, §2):
//   kInvalidGrant       -> kExpired       the refresh token is dead; reconnect
//   kTenantMissing      -> kDisconnected  not in GET /connections; reconnect it
//   kForbidden          -> kDisconnected  403 AuthenticationUnsuccessful on the
//       tenant although the grant works and the tenant is listed: the
//       organisation is no longer reachable through this grant (deleted,
//       trial ended, demo company reset, the user's role removed). That is the
//       organisation's access, not the grant, so not kRevoked: kRevoked would
//       condemn a token set other organisations may still use.
//   kMissingScope       -> kMissingScope  401 AuthorizationUnsuccessful; reconnect
//                                         granting the scopes
//   kUnauthorizedClient -> kRevoked       the app's or custom connection's
//                                         credentials are refused
// "Unreachable" (transient failures reaching the threshold) is a flag on an
// active connection: xerod waits, nobody has anything to do.
//
// Notifications follow what the user must DO, not every state change:
//   none (active) | wait (unreachable) | reconnect (expired, disconnected,
//   missing scope: the connect flow again) | fix credentials (revoked: the
//   app's or custom connection's secret, an administrator's job).
// A decision notifies kLost when that action becomes a different one that is
// not "none", kRestored when it becomes "none". So active->expired and
// unreachable->expired notify kLost; disconnected->expired is stored (changed)
// without a second kLost, since the user was already asked to reconnect;
// expired->revoked notifies kLost again (reconnecting would not help).
//
// Parking: jobs are parked while the connection is broken or unreachable.
// `park` is set only on entering that condition, `unpark` only on leaving it.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

#include "xerod/connection.h"

namespace xerod::monitor {

// The outcome of one check of a connection.
enum class CheckResult {
  // Token refreshed/valid, tenant in /connections, GET /Organisation 200.
  kOk,
  // Token endpoint: invalid_grant (refresh token unused 60 days, superseded or revoked).
  kInvalidGrant,
  // The grant works but the tenant is not in GET /connections (disconnected in Xero).
  kTenantMissing,
  // 403 AuthenticationUnsuccessful on /Organisation for this tenant.
  kForbidden,
  // 401 AuthorizationUnsuccessful: the granted scopes lack what xerod needs.
  kMissingScope,
  // The app's or custom connection's credentials are refused (invalid_client).
  kUnauthorizedClient,
  // Timeout, connection refused, 5xx, 429 after retries.
  kTransient,
};
std::string_view ToString(CheckResult result);  // "ok", "invalid_grant", ...

// What is stored per connection. Invariant: `unreachable` only with kActive
// (until ConnectionState gains a kUnreachable that this flag maps onto).
struct Health {
  ConnectionState state = ConnectionState::kActive;
  bool unreachable = false;
  int consecutive_failures = 0;  // transient failures in a row

  bool operator==(const Health&) const = default;
};

struct Decision {
  Health next;
  bool changed = false;  // state (incl. unreachable) changed: store event, log, D-Bus signal
  bool park = false;     // park this connection's jobs (no attempts used)
  bool unpark = false;
  enum class Notify { kNone, kLost, kRestored } notify = Notify::kNone;
  // One line for the event/log, e.g. "the refresh token was refused (invalid_grant)".
  std::string reason;

  bool operator==(const Decision&) const = default;
};

// The health after a check that returned `result`. `detail` (what the check
// saw, e.g. "HTTP 503"; never a secret) is appended to the reason, on one
// line. A definitive result (anything but kTransient) resets
// consecutive_failures; kTransient adds one (saturating), and makes an active
// connection unreachable when the count reaches `failure_threshold` (values
// below 1 count as 1). A transient failure leaves a broken state as it is: it
// says nothing about the grant.
Decision Decide(const Health& current, CheckResult result, std::string_view detail,
                int failure_threshold);

}  // namespace xerod::monitor
