// SPDX-License-Identifier: MIT
#include "document/field_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "xerod/document.h"

namespace xerod::document {
namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int y = std::stoi(s.substr(0, 4));
  int m = std::stoi(s.substr(5, 2));
  int d = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  int max_day = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  return d <= max_day;
}

// Quote a value for an error message, shortened.
std::string Shown(const std::string& s) {
  constexpr std::size_t kShow = 40;
  std::string out = s.size() > kShow ? s.substr(0, kShow) + "..." : s;
  return nlohmann::json(out).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string TypeName(const nlohmann::json& value) {
  if (IsExactNumber(value)) return "a number";
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

std::unexpected<Error> FieldError(const std::string& path, const std::string& message) {
  return Fail(Code::kInvalidArgument, fmt::format("{}: {}", path, message));
}

FieldReader::FieldReader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

// A plain name (every known field) joins the path with '.'; any other key (only an
// unknown one can be, and it may hold '.', '[', spaces or control characters) is
// quoted in brackets, `["lines[0]"]`, so a path never reads as another field's.
std::string FieldReader::PathOf(const std::string& key) const {
  bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!plain) return path_ + "[" + Shown(key) + "]";
  return path_.empty() ? key : path_ + "." + key;
}

Result<const nlohmann::json*> FieldReader::Member(const std::string& key, bool required) {
  read_.insert(key);
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) return FieldError(PathOf(key), "required");
    return nullptr;
  }
  return &*it;
}

Result<std::optional<std::string>> FieldReader::Text(const std::string& key, bool required,
                                                     std::size_t max_len) {
  auto member = Member(key, required);
  if (!member) return std::unexpected(member.error());
  if (*member == nullptr) return std::nullopt;
  const nlohmann::json& v = **member;
  if (!v.is_string() || IsExactNumber(v)) {
    return FieldError(PathOf(key), fmt::format("must be a string (got {})", TypeName(v)));
  }
  const auto& s = v.get_ref<const std::string&>();
  if (s.find_first_not_of(" \t") == std::string::npos) {
    return FieldError(PathOf(key), "must not be empty");
  }
  if (s.size() > max_len) {
    return FieldError(PathOf(key),
                      fmt::format("longer than {} bytes (got {} bytes)", max_len, s.size()));
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return FieldError(PathOf(key), "contains a control character");
    }
  }
  return std::optional<std::string>(s);
}

Result<std::optional<std::string>> FieldReader::Decimal(const std::string& key, bool required,
                                                        int max_scale) {
  auto member = Member(key, required);
  if (!member) return std::unexpected(member.error());
  if (*member == nullptr) return std::nullopt;
  const nlohmann::json& v = **member;
  Result<std::string> normal = Fail(Code::kInvalidArgument, "");
  if (IsExactNumber(v)) {
    normal = NormalizeDecimal(ExactNumberText(v), /*from_number=*/true);
  } else if (v.is_string()) {
    normal = NormalizeDecimal(v.get_ref<const std::string&>(), /*from_number=*/false);
  } else {
    return FieldError(PathOf(key),
                      fmt::format("must be a decimal string or number (got {})", TypeName(v)));
  }
  if (!normal) return FieldError(PathOf(key), normal.error().message());
  auto dot = normal->find('.');
  if (dot != std::string::npos && static_cast<int>(normal->size() - dot - 1) > max_scale) {
    return FieldError(PathOf(key),
                      fmt::format("more than {} decimal places (got \"{}\")", max_scale, *normal));
  }
  return std::optional<std::string>(std::move(*normal));
}

Result<std::optional<std::string>> FieldReader::Date(const std::string& key, bool required) {
  auto member = Member(key, required);
  if (!member) return std::unexpected(member.error());
  if (*member == nullptr) return std::nullopt;
  const nlohmann::json& v = **member;
  if (!v.is_string() || IsExactNumber(v)) {
    return FieldError(PathOf(key), fmt::format("must be a date string (got {})", TypeName(v)));
  }
  const auto& s = v.get_ref<const std::string&>();
  if (!ValidDate(s)) {
    return FieldError(PathOf(key), fmt::format("not a date YYYY-MM-DD (got {})", Shown(s)));
  }
  return std::optional<std::string>(s);
}

Status FieldReader::NoUnknownFields() const {
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) return FieldError(PathOf(key), "unknown field");
  }
  return Ok();
}

}  // namespace xerod::document
