// SPDX-License-Identifier: MIT
// Xero's JSON conventions for xero-sim: MS-JSON dates, response envelopes and
// the 400 bodies (ValidationException, PostDataInvalidException).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sim/accounting/decimal.h"
#include "sim/accounting/http_types.h"

namespace xero_sim {

using TimePoint = std::chrono::system_clock::time_point;

// Milliseconds since the Unix epoch.
std::int64_t UnixMillis(TimePoint t);
// Days since 1970-01-01 of a UTC time.
std::int64_t DayOf(TimePoint t);

// "/Date(1539993600000+0000)/" for a calendar day or an instant.
std::string MsDateForDay(std::int64_t day);
std::string MsDateForMillis(std::int64_t ms);
// "2019-03-07T00:00:00" (Xero's DateString).
std::string DateStringForDay(std::int64_t day);
// "2019-03-07T17:59:28Z" (UpdatedDateUTCString).
std::string IsoUtcForMillis(std::int64_t ms);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDThh:mm:ss[...]" and "/Date(ms[+zzzz])/";
// returns days since the epoch, nullopt if malformed or not a real date.
std::optional<std::int64_t> ParseXeroDate(std::string_view text);

// An If-Modified-Since value as Unix millis: ISO-8601 ("2020-02-06T12:17:43.202-08:00";
// without an offset: UTC; a date alone: midnight UTC) or an RFC 7231 HTTP-date
// (IMF-fixdate, RFC 850 or asctime). nullopt when malformed.
std::optional<std::int64_t> ParseTimestampMillis(std::string_view text);

// Money and quantities in responses (see Decimal::ToDouble for exactness).
nlohmann::json Money(Decimal d);

// A random RFC 4122 version-4 GUID, lower case.
std::string NewGuid(std::mt19937_64& rng);
// Whether `s` looks like a GUID (8-4-4-4-12 hex digits).
bool IsGuid(std::string_view s);
std::string Lower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// {"Id":…, "Status":"OK", "ProviderName":"xero-sim", "DateTimeUTC":…, key: items}.
nlohmann::json Envelope(std::mt19937_64& rng, TimePoint now, const std::string& key,
                        nlohmann::json items);
Response JsonResponse(int status, const nlohmann::json& body);
// 400 {"ErrorNumber":10,"Type":"ValidationException","Message":"A validation
// exception occurred","Elements":[…]} — each element already carries its
// ValidationErrors.
Response ValidationException(const std::vector<nlohmann::json>& elements);
// 400 {"ErrorNumber":14,"Type":"PostDataInvalidException","Message":"JSON for
// post data was invalid,<detail>"} — malformed JSON or a schema violation.
Response PostDataInvalid(const std::string& detail);
// Xero's plain 404 "The resource you're looking for cannot be found".
Response NotFound();
// [{"Message": m}, …]
nlohmann::json MessagesJson(const std::vector<std::string>& messages);

}  // namespace xero_sim
