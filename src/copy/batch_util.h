// SPDX-License-Identifier: MIT
//
// Small helpers shared by the files of a Batch (batch.cc, batch_lookup.cc,
// batch_send.cc). Private to src/copy/.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/job.h"
#include "xerod/xero_client.h"

namespace xerod::copy {

// Xero's message for a reused ACCREC invoice number: "Invoice # must be unique."
inline constexpr std::string_view kDuplicateNumber = "must be unique";

// "/api.xro/2.0/Invoices" + `query` ("?IDs=...").
std::string InvoicesPath(std::string_view query);
// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string QueryEscape(std::string_view text);
// Xero's messages as one line.
std::string Joined(const std::vector<std::string>& messages);
// Whether a message contains `needle`, ignoring ASCII case.
bool AnyContains(const std::vector<std::string>& messages, std::string_view needle);
// Xero refused something that rests on the organisation's data: the data xerod
// holds may be out of date (an account archived, a tax rate renamed...).
bool SuggestsStaleData(const std::vector<std::string>& errors);
// Update refused because Xero has the invoice locked (paid, voided, part paid).
bool SuggestsLocked(const std::vector<std::string>& errors);
// "/Date(1793491200000+0000)/" or "2026-11-20T00:00:00" -> "2026-11-20"; "" otherwise.
std::string DayOf(const std::string& xero_date);
// A decimal text or JSON number in cents, for matching amounts only.
std::optional<long long> Cents(const nlohmann::json& value);
// `o` with the call's HTTP status and Xero correlation id.
JobOutcome WithCall(JobOutcome o, const XeroResult& r);

}  // namespace xerod::copy
