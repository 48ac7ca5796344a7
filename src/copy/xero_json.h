// SPDX-License-Identifier: MIT
//
// Checked reads of Xero's JSON answers. Xero's answer is input like any
// other: a field may be missing, null, or of another type than documented,
// and a read must then yield "absent", never throw (nlohmann's value() and
// get<>() throw on a type mismatch).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "xerod/status.h"

namespace xerod::copy {

// The member `key` of an object, or null when `j` is not an object or lacks it.
inline const nlohmann::json* Member(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// A string member, or "" when absent or not a string.
inline std::string Text(const nlohmann::json& j, std::string_view key) {
  const nlohmann::json* m = Member(j, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
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

// The array `key` of a whole answer ({"Invoices":[...]}); an error naming
// what is wrong when the answer has no such array.
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

}  // namespace xerod::copy
