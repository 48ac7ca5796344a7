// SPDX-License-Identifier: MIT
// Building an RFC 5322 / MIME text message for Mailer: pure functions, no I/O,
// safe to call from any thread. Every line the functions produce ends in CRLF
// and is at most 78 octets, except a header holding a single word longer than that.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/mailer.h"
#include "xerod/status.h"

namespace xerod::mail {

// "Name <local@domain>" or "local@domain", as accepted by config's IsMailbox().
struct Mailbox {
  std::string display_name;  // without quotes; empty for a bare address
  std::string address;       // local@domain

  std::string domain() const { return address.substr(address.rfind('@') + 1); }
};

// kInvalidArgument when `text` is not a mailbox (or contains CR/LF).
Result<Mailbox> ParseMailbox(std::string_view text);

// Checks what Send() accepts: at least one recipient, every recipient a bare
// address, no CR or LF in the subject or an address. kInvalidArgument otherwise.
Status CheckMessage(const MailMessage& message);

// RFC 5322 date-time in UTC: "Tue, 03 Mar 2026 14:05:09 +0000". Locale-independent.
std::string FormatDate(std::chrono::system_clock::time_point t);

// "<32 random hex digits@domain>".
std::string NewMessageId(std::string_view domain);

// A header field "Name: value\r\n", folded at spaces to stay within 78 octets.
// Values that are not plain printable ASCII (or contain "=?") are written as
// RFC 2047 encoded-words (=?UTF-8?B?...?=), split between UTF-8 characters.
std::string UnstructuredHeader(std::string_view name, std::string_view value);

// The From/To value for a mailbox: `"Name" <addr>`, `=?UTF-8?B?...?= <addr>` or `addr`.
std::string MailboxHeader(std::string_view name, const Mailbox& mailbox);

// Quoted-printable (RFC 2045 6.7) of a text body: LF or CRLF line ends become
// CRLF, encoded lines are at most 76 octets. A body without a final line break
// ends in a soft line break, so decoding gives back exactly `text` (with CRLF).
std::string QuotedPrintable(std::string_view text);

// "=_xerod_" and 32 random hex digits: a MIME boundary. Quoted-printable never
// writes "=_" (a literal '=' is always "=3D"), so it cannot occur in a part.
std::string NewBoundary();

// The whole message, CRLF line ends. `message` must have passed CheckMessage().
// Without `message.html`: headers, blank line, quoted-printable body (text/plain).
// With it: a multipart/alternative body with two quoted-printable parts,
// text/plain (`body`) first and text/html (`html`) second, delimited by
// `boundary`, or by NewBoundary() when `boundary` is empty.
// REQUIRES: a non-empty `boundary` is at most 70 characters of [0-9A-Za-z=_.-]
// and contains "=_".
std::string FormatMessage(const MailMessage& message, const Mailbox& from, std::string_view date,
                          std::string_view message_id, std::string_view boundary = {});

}  // namespace xerod::mail
