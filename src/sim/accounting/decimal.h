// SPDX-License-Identifier: MIT
// Exact decimal money for xero-sim: a signed 64-bit count of 1/10000 units
// (four decimal places, the most Xero keeps: unit amounts with unitdp=4,
// quantities). Never binary floating point for arithmetic.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xero_sim {

class Decimal {
 public:
  static constexpr std::int64_t kScale = 10000;

  constexpr Decimal() = default;
  static constexpr Decimal FromUnits(std::int64_t units) {
    Decimal d;
    d.units_ = units;
    return d;
  }
  static constexpr Decimal FromInt(std::int64_t whole) { return FromUnits(whole * kScale); }
  // Parses "-12.3456", "12", "1e2", "0.125". More than four decimals are
  // rounded half away from zero. Returns nullopt on malformed text or overflow.
  static std::optional<Decimal> Parse(std::string_view text);
  // A JSON number as parsed by nlohmann (a double): converted through its
  // shortest round-trip text, which is exact for every value with at most 15
  // significant digits (all amounts Xero accepts). nullopt if not finite.
  static std::optional<Decimal> FromDouble(double value);

  std::int64_t units() const { return units_; }
  // Rounded to `places` (0..4) decimals, half away from zero (see docs).
  Decimal Round(int places) const;
  // Text with exactly `places` decimals (0..4), e.g. "230.00".
  std::string ToString(int places = 2) const;
  // For the JSON edge only: the nearest double (exact text round trip).
  double ToDouble() const;

  Decimal operator+(Decimal o) const { return FromUnits(units_ + o.units_); }
  Decimal operator-(Decimal o) const { return FromUnits(units_ - o.units_); }
  Decimal operator-() const { return FromUnits(-units_); }
  Decimal& operator+=(Decimal o) {
    units_ += o.units_;
    return *this;
  }
  Decimal& operator-=(Decimal o) {
    units_ -= o.units_;
    return *this;
  }
  // Product and quotient, rounded half away from zero to four decimals.
  Decimal operator*(Decimal o) const;
  // The product, or nullopt when it does not fit.
  std::optional<Decimal> CheckedMul(Decimal o) const;
  // Division by zero yields zero (callers check the divisor first).
  Decimal operator/(Decimal o) const;
  auto operator<=>(const Decimal&) const = default;
  bool IsZero() const { return units_ == 0; }

 private:
  std::int64_t units_ = 0;
};

}  // namespace xero_sim
