// SPDX-License-Identifier: MIT
//
// Checked reads of JSON that came from elsewhere (Xero's answers above all).
// Such JSON is input like any other: a field may be missing, null, or of
// another type than documented, and a read must then yield "absent", never
// throw (nlohmann's value(), get<>() and at() throw on a type mismatch, and
// nothing catches exceptions on the daemon's loop). Used by src/connection
// (identity, /connections) and src/copy (the Accounting API).
//
// Thread-safety: free functions over values; safe from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "xerod/status.h"

namespace xerod::json_read {

// The member `key` of an object, or null when `j` is not an object or lacks it.
inline const nlohmann::json* Member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A string member, or nullopt when absent or not a string.
inline std::optional<std::string> String(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  if (m == nullptr || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}

// A string member, or "" when absent or not a string.
inline std::string Text(const nlohmann::json& j, std::string_view key) {
  return String(j, key).value_or("");
}

// A boolean member, or nullopt when absent or not a boolean.
inline std::optional<bool> Flag(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  if (m == nullptr || !m->is_boolean()) return std::nullopt;
  return m->get<bool>();
}

// A number member as a double (for comparisons only, never for money
// arithmetic), or nullopt.
inline std::optional<double> Number(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  if (m == nullptr || !m->is_number()) return std::nullopt;
  return m->get<double>();
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

// The array `key` of a whole answer ({"Invoices":[...]}); a kUnavailable error
// naming what is wrong when the answer has no such array.
inline Result<const nlohmann::json*> Collection(const nlohmann::json& body, std::string_view key) {
  const nlohmann::json* m = Member(body, key);
  if (m == nullptr) {
    return Fail(Code::kUnavailable, "Xero's answer has no " + std::string(key) +
                                        (body.is_object() ? "" : " (it is not a JSON object)"));
  }
  if (!m->is_array()) {
    return Fail(Code::kUnavailable, "Xero's answer has " + std::string(key) + " of type " +
                                        m->type_name() + ", not a list");
  }
  return m;
}

}  // namespace xerod::json_read
