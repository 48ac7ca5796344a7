// SPDX-License-Identifier: MIT
#include "copy/batch_util.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "copy/org_data.h"

namespace xerod::copy {

using nlohmann::json;

std::string InvoicesPath(std::string_view query) {
  return fmt::format("{}/Invoices{}", kAccountingPath, query);
}

std::string QueryEscape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Joined(const std::vector<std::string>& messages) {
  return fmt::format("{}", fmt::join(messages, "; "));
}

bool AnyContains(const std::vector<std::string>& messages, std::string_view needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
    return FoldKey(m).find(FoldKey(needle)) != std::string::npos;
  });
}

bool SuggestsStaleData(const std::vector<std::string>& errors) {
  for (std::string_view word : {"account code", "taxtype", "tax type", "tax rate", "currency",
                                "tracking", "item code", "contact"}) {
    if (AnyContains(errors, word)) return true;
  }
  return false;
}

bool SuggestsLocked(const std::vector<std::string>& errors) {
  return AnyContains(errors, "not of valid status for modification") ||
         AnyContains(errors, "cannot be edited as it has a payment");
}

std::string DayOf(const std::string& xero_date) {
  if (xero_date.starts_with("/Date(")) {
    std::size_t end = 6;
    while (end < xero_date.size() && (std::isdigit(static_cast<unsigned char>(xero_date[end])) ||
                                      (end == 6 && xero_date[end] == '-'))) {
      ++end;
    }
    if (end == 6) return "";
    long long ms = std::strtoll(xero_date.c_str() + 6, nullptr, 10);
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }
  if (xero_date.size() >= 10 && xero_date[4] == '-' && xero_date[7] == '-') {
    return xero_date.substr(0, 10);
  }
  return "";
}

std::optional<long long> Cents(const json& value) {
  double d = 0;
  if (value.is_number()) {
    d = value.get<double>();
  } else if (value.is_string()) {
    try {
      d = std::stod(value.get<std::string>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return std::llround(d * 100.0);
}

JobOutcome WithCall(JobOutcome o, const XeroResult& r) {
  o.request_id = r.request_id;
  if (r.status != 0) o.http_status = r.status;
  return o;
}

}  // namespace xerod::copy
