// SPDX-License-Identifier: MIT
//
// NormalizeDecimal: exact decimal text handling without any floating point.
#include <fmt/format.h>

#include <cctype>
#include <string>

#include "xerod/document.h"

namespace xerod {
namespace {

constexpr std::size_t kMaxDigits = 28;  // significant digits kept
constexpr int kMaxExponent = 30;        // |exponent| accepted in JSON numbers

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::string> NormalizeDecimal(std::string_view text, bool from_number) {
  auto bad = [&] {
    return Fail(Code::kInvalidArgument, fmt::format("not a decimal number (got \"{}\")", text));
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  int exponent = 0;
  if (auto e = s.find_first_of("eE"); e != std::string_view::npos) {
    if (!from_number) return bad();
    std::string_view exp = s.substr(e + 1);
    s = s.substr(0, e);
    bool exp_negative = false;
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) {
      exp_negative = exp[0] == '-';
      exp.remove_prefix(1);
    }
    if (!AllDigits(exp) || exp.size() > 3) return bad();
    exponent = std::stoi(std::string(exp));
    if (exponent > kMaxExponent) return bad();
    if (exp_negative) exponent = -exponent;
  }
  std::string int_part(s.substr(0, s.find('.')));
  std::string frac_part;
  if (auto dot = s.find('.'); dot != std::string_view::npos) {
    frac_part = std::string(s.substr(dot + 1));
    if (!AllDigits(frac_part)) return bad();
  }
  if (!AllDigits(int_part)) return bad();
  // Shift the decimal point by the exponent.
  std::string digits = int_part + frac_part;
  long shifted = static_cast<long>(int_part.size()) + exponent;  // digits before the point
  if (shifted < 0) {
    digits = std::string(static_cast<std::size_t>(-shifted), '0') + digits;
    shifted = 0;
  }
  auto point = static_cast<std::size_t>(shifted);
  if (point > digits.size()) digits.append(point - digits.size(), '0');
  std::string whole = digits.substr(0, point);
  std::string fraction = digits.substr(point);
  whole.erase(0, whole.find_first_not_of('0'));
  if (whole.empty()) whole = "0";
  fraction.erase(fraction.find_last_not_of('0') + 1);
  if (whole.size() + fraction.size() > kMaxDigits + (whole == "0" ? 1 : 0)) {
    return Fail(Code::kInvalidArgument,
                fmt::format("more than {} significant digits (got \"{}\")", kMaxDigits, text));
  }
  std::string out = whole;
  if (!fraction.empty()) out += "." + fraction;
  if (negative && out != "0") out.insert(0, 1, '-');
  return out;
}

}  // namespace xerod
