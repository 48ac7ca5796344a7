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

#include "xerod/job_queue.h"
#include "xerod/status.h"

namespace xerod::dbus {

using VariantMap = std::map<std::string, sdbus::Variant>;

// org.xerod.Xerod1.Error.<Name> for a code, with the error's message.
sdbus::Error ToDbusError(const Error& error);

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

}  // namespace xerod::dbus
