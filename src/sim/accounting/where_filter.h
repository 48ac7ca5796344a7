// SPDX-License-Identifier: MIT
// Xero's `where` query filter, the part xero-sim supports:
//   Name=="ABC" AND (EmailAddress=="a@b.c" OR ContactID==guid("…"))
//   Status!="DELETED" && AmountDue>=10.5   Name.Contains("abc")
// Operators == != < <= > >=, AND/&&, OR/||, NOT/!, parentheses, literals
// "string", guid("…"), numbers, true/false, null, and the methods Contains,
// StartsWith, EndsWith. String equality is exact; guid() equality ignores
// case. Field names are matched case-insensitively against a list given by
// the endpoint.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xero_sim {

class WhereFilter {
 public:
  // Returns the value of a field (canonical name from `fields`) for the row
  // being tested, or nullopt when the row has no value for it.
  using Getter = std::function<std::optional<std::string>(const std::string& field)>;
  struct Node;

  // Parses `text`; `fields` are the field names the endpoint allows.
  // The error is a human-readable reason (for Xero's QueryParseException).
  static std::expected<WhereFilter, std::string> Parse(std::string_view text,
                                                       const std::vector<std::string>& fields);
  bool Matches(const Getter& get) const;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace xero_sim
