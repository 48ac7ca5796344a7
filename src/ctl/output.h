// SPDX-License-Identifier: MIT
//
// Output helpers of xerod-ctl: D-Bus values to JSON (for --json), aligned
// tables and time formatting for people.
#pragma once

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace xerod::ctl {

using VariantMap = std::map<std::string, sdbus::Variant>;

// Converts the value types xerod's API uses (s b i u x t, as, a{st}, a{ss},
// a{s(bbs)}, a{sv}, a{sa{sv}}) to
// JSON; anything else becomes its signature as a string.
nlohmann::json VariantToJson(const sdbus::Variant& value);
nlohmann::json MapToJson(const VariantMap& map);

// Field accessors with defaults for absent keys or other types.
std::string GetString(const VariantMap& map, const std::string& key);
std::int64_t GetInt(const VariantMap& map, const std::string& key);

// "2026-11-24 17:20:05" (UTC) from Unix milliseconds; "-" for 0.
std::string FormatUnixMillis(std::int64_t ms);
// "3d 4h", "5m 10s", "42s".
std::string FormatDuration(std::int64_t seconds);

// Prints rows as columns separated by two spaces; the first row is the header
// (left out with `no_legend`). The last column is not padded.
void PrintTable(const std::vector<std::vector<std::string>>& rows, bool no_legend);

// Prints JSON on stdout, one line.
void PrintJson(const nlohmann::json& value);

}  // namespace xerod::ctl
