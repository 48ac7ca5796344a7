// SPDX-License-Identifier: MIT
#include "sim/accounting/where_filter.h"

#include <gtest/gtest.h>

#include <map>

namespace xero_sim {
namespace {

const std::vector<std::string> kFields = {"Name", "EmailAddress", "ContactID", "Amount",
                                          "Contact.Name"};

bool Match(const std::string& where, const std::map<std::string, std::string>& row) {
  auto f = WhereFilter::Parse(where, kFields);
  EXPECT_TRUE(f.has_value()) << where << ": " << (f ? "" : f.error());
  if (!f) return false;
  return f->Matches([&](const std::string& field) -> std::optional<std::string> {
    auto it = row.find(field);
    if (it == row.end()) return std::nullopt;
    return it->second;
  });
}

TEST(WhereFilter, EqualityAndBooleanOperators) {
  std::map<std::string, std::string> row = {
      {"Name", "ABC Ltd"}, {"EmailAddress", "a@b.nz"}, {"Amount", "10.50"}};
  EXPECT_TRUE(Match(R"(Name=="ABC Ltd")", row));
  EXPECT_FALSE(Match(R"(Name=="abc ltd")", row));  // exact
  EXPECT_TRUE(Match(R"(Name=="ABC Ltd" AND EmailAddress=="a@b.nz")", row));
  EXPECT_FALSE(Match(R"(Name=="ABC Ltd" && EmailAddress=="x@b.nz")", row));
  EXPECT_TRUE(Match(R"(Name=="Other" OR EmailAddress=="a@b.nz")", row));
  EXPECT_TRUE(Match(R"(Name=="Other" || (Name!="X" and Amount>=10.5))", row));
  EXPECT_FALSE(Match(R"(NOT (Name=="ABC Ltd"))", row));
  EXPECT_TRUE(Match(R"(name=="ABC Ltd")", row));  // field names ignore case
  EXPECT_TRUE(Match(R"(Amount>10 AND Amount<11)", row));
  EXPECT_TRUE(
      Match(R"(Name.Contains("BC") AND Name.StartsWith("AB") AND Name.EndsWith("Ltd"))", row));
  EXPECT_TRUE(Match(R"(ContactID==null)", row));
}

TEST(WhereFilter, GuidComparisonIgnoresCase) {
  std::map<std::string, std::string> row = {{"ContactID", "0a1b2c3d-0000-4000-8000-00000000abcd"}};
  EXPECT_TRUE(Match(R"(ContactID==guid("0A1B2C3D-0000-4000-8000-00000000ABCD"))", row));
  EXPECT_FALSE(Match(R"(ContactID==guid("0a1b2c3d-0000-4000-8000-00000000abce"))", row));
}

TEST(WhereFilter, RejectsMalformedAndUnknownFields) {
  EXPECT_FALSE(WhereFilter::Parse(R"(Name=="x)", kFields).has_value());
  EXPECT_FALSE(WhereFilter::Parse(R"(Colour=="red")", kFields).has_value());
  EXPECT_FALSE(WhereFilter::Parse(R"(Name "x")", kFields).has_value());
  EXPECT_FALSE(WhereFilter::Parse(R"((Name=="x")", kFields).has_value());
  EXPECT_FALSE(WhereFilter::Parse(R"(ContactID==guid("nope"))", kFields).has_value());
  EXPECT_FALSE(WhereFilter::Parse(R"(Name=="x" garbage)", kFields).has_value());
}

}  // namespace
}  // namespace xero_sim
