// SPDX-License-Identifier: MIT
//
// FieldReader: reads the members of one JSON object (from ParseExactJson) with
// type checks, recording which keys were read so the rest can be reported as
// unknown. Every error message starts with the member's full path.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>

#include "xerod/status.h"

namespace xerod::document {

// Limits of plain text fields.
constexpr std::size_t kMaxText = 255;

class FieldReader {
 public:
  // `path` is the object's own path ("" for the document, "lines[2]", ...).
  FieldReader(const nlohmann::json& object, std::string path);

  // Path of a member: "lines[2].description".
  std::string PathOf(const std::string& key) const;

  // A string member, trimmed of nothing, 1..max_len characters, no control
  // characters. Absent: error when required, nullopt otherwise.
  Result<std::optional<std::string>> Text(const std::string& key, bool required,
                                          std::size_t max_len = kMaxText);
  // A decimal given as a JSON string or number, normalised; at most `max_scale`
  // fraction digits.
  Result<std::optional<std::string>> Decimal(const std::string& key, bool required, int max_scale);
  // A date "YYYY-MM-DD" that exists in the calendar.
  Result<std::optional<std::string>> Date(const std::string& key, bool required);
  // A member of any type, or nullptr when absent (marked as read).
  Result<const nlohmann::json*> Member(const std::string& key, bool required);

  // Error for the first member that was never read.
  Status NoUnknownFields() const;

 private:
  const nlohmann::json& object_;
  std::string path_;
  std::set<std::string> read_;
};

// The JSON type name of a value for messages ("a number", "an object", ...).
std::string TypeName(const nlohmann::json& value);

// An error at `path`: "path: message".
std::unexpected<Error> FieldError(const std::string& path, const std::string& message);

}  // namespace xerod::document
