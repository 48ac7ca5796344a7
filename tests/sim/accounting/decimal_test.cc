// SPDX-License-Identifier: MIT
#include "sim/accounting/decimal.h"

#include <gtest/gtest.h>

#include <limits>

namespace xero_sim {
namespace {

Decimal D(const char* s) {
  auto d = Decimal::Parse(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(Decimal());
}

TEST(Decimal, ParsesAndPrints) {
  EXPECT_EQ(D("12.3456").units(), 123456);
  EXPECT_EQ(D("-0.5").ToString(2), "-0.50");
  EXPECT_EQ(D("1e2").ToString(0), "100");
  EXPECT_EQ(D("+7").ToString(4), "7.0000");
  EXPECT_FALSE(Decimal::Parse("").has_value());
  EXPECT_FALSE(Decimal::Parse("1.2.3").has_value());
  EXPECT_FALSE(Decimal::Parse("abc").has_value());
  EXPECT_FALSE(Decimal::Parse("99999999999999999999").has_value());
}

TEST(Decimal, RoundsHalfAwayFromZeroToTwoPlaces) {
  EXPECT_EQ(D("2.345").Round(2).ToString(2), "2.35");
  EXPECT_EQ(D("2.344").Round(2).ToString(2), "2.34");
  EXPECT_EQ(D("-2.345").Round(2).ToString(2), "-2.35");
  EXPECT_EQ(D("0.125").Round(2).ToString(2), "0.13");
  EXPECT_EQ(D("0.00005").units(), 1);  // fifth decimal rounds into the fourth
}

TEST(Decimal, ExactArithmeticWhereDoublesDrift) {
  EXPECT_EQ((D("0.1") + D("0.2")).ToString(2), "0.30");
  EXPECT_EQ(D("0.1") + D("0.2"), D("0.3"));
  EXPECT_EQ((D("19.95") * D("3")).ToString(2), "59.85");
  EXPECT_EQ((D("100") / D("3")).ToString(4), "33.3333");
  EXPECT_EQ((D("115") * D("15") / D("115")).ToString(2), "15.00");
  EXPECT_EQ((D("1") / D("0")).ToString(2), "0.00");
}

TEST(Decimal, FromDoubleUsesShortestText) {
  EXPECT_EQ(Decimal::FromDouble(0.1)->units(), 1000);
  EXPECT_EQ(Decimal::FromDouble(148062.76)->ToString(2), "148062.76");
  EXPECT_EQ(Decimal::FromDouble(1e-7)->units(), 0);
  EXPECT_FALSE(Decimal::FromDouble(std::numeric_limits<double>::infinity()).has_value());
  EXPECT_FALSE(Decimal::FromDouble(1e300).has_value());
  EXPECT_DOUBLE_EQ(D("230.05").ToDouble(), 230.05);
}

}  // namespace
}  // namespace xero_sim
