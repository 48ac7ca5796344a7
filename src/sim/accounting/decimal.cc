// SPDX-License-Identifier: MIT
#include "sim/accounting/decimal.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace xero_sim {
namespace {

__extension__ typedef __int128 Int128;

constexpr std::int64_t kPow10[] = {1, 10, 100, 1000, 10000};

// a / b rounded half away from zero (b > 0), using 128-bit intermediates.
std::int64_t DivRound(Int128 a, Int128 b) {
  if (b < 0) {
    a = -a;
    b = -b;
  }
  Int128 q = a / b;
  Int128 r = a % b;
  if (r < 0) r = -r;
  if (2 * r >= b) q += (a < 0) ? -1 : 1;
  return static_cast<std::int64_t>(q);
}

}  // namespace

std::optional<Decimal> Decimal::Parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') {
    negative = text[i] == '-';
    ++i;
  }
  Int128 digits = 0;
  int frac_digits = 0;
  bool any = false;
  bool dot = false;
  int exponent = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (digits > (Int128{1} << 100)) return std::nullopt;
      digits = digits * 10 + (c - '0');
      if (dot) ++frac_digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && any) {
      std::string rest(text.substr(i + 1));
      if (rest.empty()) return std::nullopt;
      char* end = nullptr;
      long e = std::strtol(rest.c_str(), &end, 10);
      if (*end != '\0' || e > 30 || e < -30) return std::nullopt;
      exponent = static_cast<int>(e);
      i = text.size();
      break;
    } else {
      return std::nullopt;
    }
  }
  if (!any) return std::nullopt;
  // value = digits * 10^(exponent - frac_digits); want units = value * 10^4.
  int shift = 4 + exponent - frac_digits;
  Int128 units = digits;
  if (shift >= 0) {
    for (int k = 0; k < shift; ++k) {
      units *= 10;
      if (units > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    }
  } else {
    Int128 div = 1;
    for (int k = 0; k < -shift; ++k) {
      div *= 10;
      if (div > (Int128{1} << 100)) return FromUnits(0);
    }
    units = DivRound(units, div);
  }
  if (units > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
  auto u = static_cast<std::int64_t>(units);
  return FromUnits(negative ? -u : u);
}

std::optional<Decimal> Decimal::FromDouble(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  return Parse(fmt::format("{}", value));
}

Decimal Decimal::Round(int places) const {
  if (places >= 4) return *this;
  if (places < 0) places = 0;
  std::int64_t step = kPow10[4 - places];
  return FromUnits(DivRound(units_, step) * step);
}

std::string Decimal::ToString(int places) const {
  if (places < 0) places = 0;
  if (places > 4) places = 4;
  Decimal r = Round(places);
  std::int64_t u = r.units_;
  bool negative = u < 0;
  std::uint64_t abs =
      negative ? static_cast<std::uint64_t>(-(u + 1)) + 1 : static_cast<std::uint64_t>(u);
  std::uint64_t whole = abs / kScale;
  std::uint64_t frac = (abs % kScale) / static_cast<std::uint64_t>(kPow10[4 - places]);
  std::string out = negative ? "-" : "";
  out += std::to_string(whole);
  if (places > 0) out += fmt::format(".{:0{}}", frac, places);
  return out;
}

double Decimal::ToDouble() const { return std::strtod(ToString(4).c_str(), nullptr); }

Decimal Decimal::operator*(Decimal o) const {
  return FromUnits(DivRound(static_cast<Int128>(units_) * o.units_, kScale));
}

std::optional<Decimal> Decimal::CheckedMul(Decimal o) const {
  const Int128 product = static_cast<Int128>(units_) * o.units_;
  const Int128 limit = static_cast<Int128>(std::numeric_limits<std::int64_t>::max()) * kScale;
  if (product > limit || product < -limit) return std::nullopt;
  return *this * o;
}

Decimal Decimal::operator/(Decimal o) const {
  if (o.units_ == 0) return FromUnits(0);
  return FromUnits(DivRound(static_cast<Int128>(units_) * kScale, o.units_));
}

}  // namespace xero_sim
