// SPDX-License-Identifier: MIT
//
// Conversions between queue types and D-Bus values (a{sv} dictionaries), and
// between xerod::Error and D-Bus error replies. The dictionary keys are the
// documented API (docs/dbus.md); keys are only ever added.
#pragma once

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>

#include <map>
#include <string>
#include <vector>

#include "xerod/config.h"
#include "xerod/connection.h"
#include "xerod/connection_manager.h"
#include "xerod/job_queue.h"
#include "xerod/status.h"

namespace xerod::dbus {

using VariantMap = std::map<std::string, sdbus::Variant>;

// org.xerod.Xerod1.Error.<Name> for a code, with the error's message.
sdbus::Error ToDbusError(const Error& error);
// For errors that come from Xero or the SMTP server: PermissionDenied on this
// API means "the caller may not call this method", so a refusal by the remote
// side (user denied access, login refused) becomes FailedPrecondition.
sdbus::Error ToDbusRemoteError(const Error& error);

// A job as a dictionary: id (x), connection, kind, source_id, operation, state (s),
// attempts, max_attempts (i), needs_reconcile, has_newer_content (b),
// created_at, updated_at, next_run_at (x, Unix ms), and when set: finished_at (x),
// last_error, xero_id, xero_link, warning, previous_xero_id (s); with_payload adds
// payload and content_hash (s).
VariantMap JobToVariants(const Job& job, bool with_payload);
// number (i), reconcile (b), started_at (x), and when set finished_at (x),
// outcome (s), http_status (i), messages (s), request_id (s).
VariantMap AttemptToVariants(const JobAttempt& attempt);
// state name -> count, every state present (0 when none).
std::map<std::string, std::uint64_t> CountsToMap(const StateCounts& counts);

// The ListJobs filter: state (s), connection (s), kind (s), after (x), limit (u).
// Errors: kInvalidArgument for unknown keys, wrong types, bad values.
Result<JobFilter> ParseJobFilter(const VariantMap& filter);

// A connection: name, tenant_id, tenant_name, xero_connection_id, kind, state,
// reason, scopes (s), token_set (x), created_at, updated_at, state_changed_at
// (x, Unix ms), and when set last_refresh_at, last_success_at (x). Never a token.
VariantMap ConnectionToVariants(const ConnectionInfo& info);
// Adds paused, parked (b) and hold_reason (s) from the connection's queue hold.
void AddHold(VariantMap& out, const Hold* hold);
// at (x, Unix ms), state (s), reason (s).
VariantMap ConnectionEventToVariants(const ConnectionEvent& event);
// configured (b), notify (as), revenue_account, payment_account, invoice_status (s),
// copy_payments (b), tax_map (a{ss}).
VariantMap SettingsToVariants(const ConnectionSettings& settings, bool configured);

// BeginConnect options: tenant_id (s), listen (b), timeout_sec (u, 10..3600).
// Errors: kInvalidArgument for unknown keys, wrong types, bad values.
Result<ConnectOptions> ParseConnectOptions(const VariantMap& options);

// A connection name as the API accepts it: 1..100 bytes, no control characters.
// Errors: kInvalidArgument naming `field`.
Status CheckName(const std::string& name, const char* field);

}  // namespace xerod::dbus
