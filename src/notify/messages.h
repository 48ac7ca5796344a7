// SPDX-License-Identifier: MIT
// What xerod tells people when a Xero connection breaks, is still broken, works
// again, or when copies finally failed: subject, plain text and HTML of each
// mail. Pure functions: no I/O, no clock (times are passed in); safe to call
// from any thread.
//
// The results have no recipients (`to` is empty: the caller fills it), a
// one-line subject (control characters in the inputs become spaces) that passes
// mail::CheckMessage once `to` is set, and both `body` and `html`. Every value
// from the inputs is HTML-escaped in `html`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xerod/clock.h"
#include "xerod/mailer.h"

namespace xerod::notify {

// Why a connection does not work (cf. ConnectionState, plus kUnreachable).
enum class Problem {
  kExpired,       // Xero refuses the refresh token: unused for 60 days, or revoked
  kRevoked,       // the grant (or custom connection) was revoked
  kDisconnected,  // the app was disconnected in Xero, or the organisation's subscription lapsed
  kMissingScope,  // the grant lacks a permission xerod needs
  kUnreachable,   // Xero has not answered xerod's checks; xerod keeps trying
};

struct ConnectionFacts {
  std::string connection;    // xerod's name for it, e.g. "acme"
  std::string organisation;  // Xero organisation name (may be empty)
  std::string tenant_id;     // Xero's id of the organisation (may be empty)
  Problem problem = Problem::kDisconnected;
  std::string reason;              // what Xero/xerod said, one line (may be empty)
  TimePoint since;                 // when it broke
  std::int64_t waiting = 0;        // invoices and payments waiting for this connection
  std::int64_t failed_checks = 0;  // kUnreachable: checks in a row Xero did not answer (0: unknown)
  std::string ctl = "xerod-ctl";   // command name used in instructions
};

// One job that finally failed (dead).
struct FailedCopy {
  std::int64_t job_id = 0;
  std::string kind;    // "invoice" | "payment"
  std::string number;  // invoice number (may be empty)
  std::string client;  // contact name (may be empty)
  std::string reason;  // Xero's validation message(s) or xerod's refusal, one line
  std::string hint;    // what to fix (may be empty)
};

struct DigestFacts {
  std::string connection, organisation;
  TimePoint window_start, window_end;
  // The mail lists the first kMaxListed of these, then "and N more" with the
  // command that lists them all.
  std::vector<FailedCopy> failed;
  std::int64_t total = 0;         // failed in the window (>= failed.size(); smaller counts as that)
  std::string ctl = "xerod-ctl";  // command name used in instructions
};

inline constexpr std::size_t kMaxListed = 200;

// "Xero connection lost: acme (Acme Ltd)" ("Xero not answering: ..." for
// kUnreachable): which connection, why, since when, what stops working, how many
// documents wait, and how to reconnect.
MailMessage Lost(const ConnectionFacts& facts);
// "Xero connection still broken: acme (Acme Ltd) since 03 Mar 2026": Lost's
// content, saying how long it has been broken at `now`.
MailMessage Reminder(const ConnectionFacts& facts, TimePoint now);
// "Xero connection restored: acme (Acme Ltd)": how long it was broken and how
// many waiting documents will now be copied.
MailMessage Restored(const ConnectionFacts& facts, TimePoint now);
// "3 invoices could not be copied to Xero: acme (Acme Ltd)": each failed copy
// with its invoice number, client, Xero's reason and what to fix, and how to retry.
MailMessage Digest(const DigestFacts& facts);

// "Tue, 03 Mar 2026 14:05 UTC".
std::string FormatUtc(TimePoint t);
// "3 days 4 hours", "2 hours 5 minutes", "45 minutes", "less than a minute"
// (negative durations count as zero).
std::string FormatDuration(Duration d);

}  // namespace xerod::notify
