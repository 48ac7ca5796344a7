// SPDX-License-Identifier: MIT
// Small HTTP helpers shared by the simulator's handlers: percent-decoding,
// form/query parsing, and the exact error bodies Xero sends.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sim/accounting/http_types.h"
#include "sim/sim_clock.h"

namespace xero_sim {

using Params = std::multimap<std::string, std::string>;

// Decodes %XX escapes (and '+' as space when `plus_is_space`). Bad escapes are kept as is.
std::string PercentDecode(std::string_view s, bool plus_is_space);
std::string PercentEncode(std::string_view s);
// Parses "a=1&b=2" (application/x-www-form-urlencoded or a query string).
Params ParseForm(std::string_view s);
// First value of `name`, if present.
std::optional<std::string> Param(const Params& params, const std::string& name);

// Splits a request target into a decoded path and decoded query parameters.
void SplitTarget(std::string_view target, std::string* path, Params* query);

Response JsonReply(int status, const nlohmann::json& body);
// Token-endpoint style error: {"error":"invalid_grant"}.
Response OAuthError(int status, std::string_view error);
// api.xero.com 401/403 body:
// {"Type":null,"Title":..,"Status":..,"Detail":..,"Instance":uuid,"Extensions":{}}.
Response Problem(int status, std::string_view title, std::string_view detail);
// Parses a JSON request body; nullopt when it is not valid JSON.
std::optional<nlohmann::json> ParseJsonBody(const std::string& body);

// "2019-12-07T18:46:19.5165400" as in Xero's /connections.
std::string FormatXeroUtc(TimePoint t);
// ISO-8601 "2026-11-24T17:20:00Z".
std::string FormatIso(TimePoint t);
// Parses "2026-11-24T17:20:00Z" (fraction and trailing Z optional).
std::optional<TimePoint> ParseIso(std::string_view s);
std::int64_t UnixSeconds(TimePoint t);

}  // namespace xero_sim
