// SPDX-License-Identifier: MIT
//
// ParseExactJson: nlohmann's SAX parser feeding a small DOM builder that keeps
// every number as its exact text. A number is stored as a JSON string whose
// first byte is NUL followed by the lexeme; ordinary strings containing NUL are
// refused, so the marker cannot be forged by input.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "xerod/document.h"

namespace xerod {
namespace {

constexpr char kNumberMark = '\0';
constexpr std::size_t kMaxDepth = 32;

using nlohmann::json;

class ExactBuilder {
 public:
  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(Number(std::to_string(v))); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(Number(std::to_string(v))); }
  bool number_float(json::number_float_t /*approx*/, const json::string_t& text) {
    return Put(Number(text));
  }
  bool string(json::string_t& v) {
    if (v.find('\0') != std::string::npos) return Fail("a string contains a NUL character");
    return Put(json(std::move(v)));
  }
  bool binary(json::binary_t& /*v*/) { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t /*n*/) { return Open(json::object()); }
  bool key(json::string_t& k) {
    json& obj = *stack_.back();
    if (obj.contains(k)) return Fail(fmt::format("duplicate key \"{}\"", k));
    key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) { return Open(json::array()); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) {
    if (error_.empty()) error_ = fmt::format("not valid JSON (at byte {})", position);
    return false;
  }

  json& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  static json Number(std::string text) { return json(kNumberMark + std::move(text)); }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  // Places a value at the current position; returns it.
  json* Place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    json& slot = top[key_];
    slot = std::move(value);
    return &slot;
  }

  bool Put(json value) {
    Place(std::move(value));
    return true;
  }

  bool Open(json container) {
    if (stack_.size() >= kMaxDepth) {
      return Fail(fmt::format("nested deeper than {} levels", kMaxDepth));
    }
    stack_.push_back(Place(std::move(container)));
    return true;
  }

  json root_;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
};

}  // namespace

Result<json> ParseExactJson(std::string_view text) {
  ExactBuilder builder;
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception& e) {
    return Fail(Code::kInvalidArgument, fmt::format("not valid JSON: {}", e.what()));
  }
  if (!ok) {
    return Fail(Code::kInvalidArgument,
                builder.error().empty() ? std::string("not valid JSON") : builder.error());
  }
  return std::move(builder.root());
}

bool IsExactNumber(const json& value) {
  if (!value.is_string()) return false;
  const auto& s = value.get_ref<const std::string&>();
  return !s.empty() && s[0] == kNumberMark;
}

json ExactNumber(std::string_view decimal) {
  std::string text(1, kNumberMark);
  text += decimal;
  return json(std::move(text));
}

std::string ExactNumberText(const json& value) {
  return IsExactNumber(value) ? value.get_ref<const std::string&>().substr(1) : std::string();
}

namespace {

void DumpTo(const json& value, std::string& out) {
  if (IsExactNumber(value)) {
    out += value.get_ref<const std::string&>().substr(1);
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, member] : value.items()) {
      if (!first) out += ',';
      first = false;
      out += json(key).dump();
      out += ':';
      DumpTo(member, out);
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& element : value) {
      if (!first) out += ',';
      first = false;
      DumpTo(element, out);
    }
    out += ']';
  } else {
    out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace

std::string DumpExactJson(const json& value) {
  std::string out;
  DumpTo(value, out);
  return out;
}

}  // namespace xerod
