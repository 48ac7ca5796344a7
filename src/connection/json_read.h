// SPDX-License-Identifier: MIT
//
// Checked reads of the identity server's and /connections' JSON answers.
// Xero's answer is input like any other: a field may be missing, null, or of
// another type than documented, and a read must then yield "absent", never
// throw (nlohmann's value(), get<>() and at() throw on a type mismatch, and
// nothing catches exceptions on the daemon's loop). Private to src/connection
// (src/copy has its own: modules stay independent).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace xerod::connection {

// The member `key` of an object, or null when `j` is not an object or lacks it.
inline const nlohmann::json* Member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A string member, or nullopt when absent or not a string.
inline std::optional<std::string> Text(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}

// An integer member that fits an int64, or nullopt (absent, not an integer,
// or out of range; a float such as 1800.5 counts as absent).
inline std::optional<std::int64_t> Integer(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  if (m == nullptr || !m->is_number_integer()) return std::nullopt;
  if (m->is_number_unsigned()) {
    auto u = m->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  return m->get<std::int64_t>();
}

// What a value is, for error messages ("absent", "a number", "an array", ...).
// Never the value itself: it may be a secret.
inline std::string Describe(const nlohmann::json* m) {
  if (m == nullptr) return "absent";
  if (m->is_discarded()) return "not JSON";
  if (m->is_null()) return "null";
  if (m->is_object()) return "an object";
  if (m->is_array()) return "an array";
  if (m->is_string()) return "a string";
  if (m->is_boolean()) return "a boolean";
  return "a number";
}

// Parses an answer body without throwing: discarded (is_discarded()) when it
// is not JSON.
inline nlohmann::json ParseAnswer(std::string_view body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace xerod::connection
