// SPDX-License-Identifier: MIT
#include "copy/org_data.h"

#include <algorithm>

#include "xerod/json_read.h"

namespace xerod::copy {

using json_read::Collection;
using json_read::Flag;
using json_read::Member;
using json_read::Text;

std::string FoldKey(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  auto end = text.find_last_not_of(" \t");
  std::string out(text.substr(begin, end - begin + 1));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool OrgData::HasCurrency(std::string_view code) const {
  if (FoldKey(code) == FoldKey(organisation.base_currency)) return true;
  return std::any_of(currencies.begin(), currencies.end(),
                     [&](const std::string& c) { return FoldKey(c) == FoldKey(code); });
}

const Account* OrgData::FindAccount(std::string_view code) const {
  auto it = accounts.find(FoldKey(code));
  return it == accounts.end() ? nullptr : &it->second;
}

const Item* OrgData::FindItem(std::string_view code) const {
  auto it = items.find(FoldKey(code));
  return it == items.end() ? nullptr : &it->second;
}

const Contact* ContactBook::Find(std::string_view name) const {
  auto it = by_name_.find(FoldKey(name));
  return it == by_name_.end() ? nullptr : &it->second;
}

void ContactBook::Put(Contact contact) {
  // A contact renamed in Xero: forget its old name.
  if (auto old = name_of_id_.find(contact.id); old != name_of_id_.end()) {
    auto named = by_name_.find(old->second);
    if (named != by_name_.end() && named->second.id == contact.id) by_name_.erase(named);
    name_of_id_.erase(old);
  }
  if (!contact.active || contact.id.empty()) return;
  std::string key = FoldKey(contact.name);
  if (key.empty()) return;
  name_of_id_[contact.id] = key;
  by_name_[key] = std::move(contact);
}

namespace {

using nlohmann::json;

template <typename T, typename F>
Result<std::vector<T>> ParseEach(const json& body, std::string_view key, F parse) {
  auto list = Collection(body, key);
  if (!list) return Fail(list.error());
  std::vector<T> out;
  out.reserve((*list)->size());
  for (const json& e : **list) {
    if (auto v = parse(e)) out.push_back(std::move(*v));
  }
  return out;
}

// "ACTIVE" unless Xero says otherwise.
bool IsActive(const json& e, std::string_view key) {
  std::string status = Text(e, key);
  return status.empty() || status == "ACTIVE";
}

}  // namespace

Result<Organisation> ParseOrganisation(const json& body) {
  auto list = Collection(body, "Organisations");
  if (!list) return Fail(list.error());
  if ((*list)->empty() || !(*list)->front().is_object()) {
    return Fail(Code::kUnavailable, "Xero's answer lists no organisation");
  }
  const json& o = (*list)->front();
  Organisation org;
  org.id = Text(o, "OrganisationID");
  org.name = Text(o, "Name");
  org.short_code = Text(o, "ShortCode");
  org.base_currency = Text(o, "BaseCurrency");
  if (org.base_currency.empty()) {
    return Fail(Code::kUnavailable, "Xero's organisation has no BaseCurrency");
  }
  return org;
}

Result<std::vector<std::string>> ParseCurrencies(const json& body) {
  return ParseEach<std::string>(body, "Currencies",
                                [](const json& e) -> std::optional<std::string> {
                                  std::string code = Text(e, "Code");
                                  if (code.empty()) return std::nullopt;
                                  return code;
                                });
}

Result<std::vector<TaxRate>> ParseTaxRates(const json& body) {
  return ParseEach<TaxRate>(body, "TaxRates", [](const json& e) -> std::optional<TaxRate> {
    TaxRate t;
    t.name = Text(e, "Name");
    t.tax_type = Text(e, "TaxType");
    t.status = Text(e, "Status");
    t.revenue = Flag(e, "CanApplyToRevenue").value_or(false);
    if (t.tax_type.empty()) return std::nullopt;
    return t;
  });
}

Result<std::vector<Account>> ParseAccounts(const json& body) {
  return ParseEach<Account>(body, "Accounts", [](const json& e) -> std::optional<Account> {
    Account a;
    a.id = Text(e, "AccountID");
    a.code = Text(e, "Code");
    a.name = Text(e, "Name");
    a.type = Text(e, "Type");
    a.status = Text(e, "Status");
    a.payments_allowed = a.type == "BANK" || Flag(e, "EnablePaymentsToAccount").value_or(false);
    if (a.code.empty()) return std::nullopt;  // xerod names accounts by code only
    return a;
  });
}

Result<std::vector<Item>> ParseItems(const json& body) {
  return ParseEach<Item>(body, "Items", [](const json& e) -> std::optional<Item> {
    Item i;
    i.code = Text(e, "Code");
    i.name = Text(e, "Name");
    if (const json* sales = Member(e, "SalesDetails"))
      i.sales_account = Text(*sales, "AccountCode");
    if (i.code.empty()) return std::nullopt;
    return i;
  });
}

Result<std::vector<TrackingCategory>> ParseTrackingCategories(const json& body) {
  return ParseEach<TrackingCategory>(
      body, "TrackingCategories", [](const json& e) -> std::optional<TrackingCategory> {
        TrackingCategory c;
        c.name = Text(e, "Name");
        c.active = IsActive(e, "Status");
        if (c.name.empty()) return std::nullopt;
        if (const json* options = Member(e, "Options"); options && options->is_array()) {
          for (const json& o : *options) {
            std::string name = Text(o, "Name");
            if (!name.empty()) c.options.push_back({name, IsActive(o, "Status")});
          }
        }
        return c;
      });
}

Result<std::vector<Contact>> ParseContacts(const json& body) {
  return ParseEach<Contact>(body, "Contacts", [](const json& e) -> std::optional<Contact> {
    if (Flag(e, "HasValidationErrors").value_or(false)) return std::nullopt;
    Contact c;
    c.id = Text(e, "ContactID");
    c.name = Text(e, "Name");
    c.active = IsActive(e, "ContactStatus");
    c.sales_account = Text(e, "SalesDefaultAccountCode");
    if (const json* tracking = Member(e, "SalesTrackingCategories");
        tracking && tracking->is_array()) {
      for (const json& t : *tracking) {
        std::string category = Text(t, "TrackingCategoryName");
        std::string option = Text(t, "TrackingOptionName");
        if (!category.empty() && !option.empty()) c.sales_tracking.emplace_back(category, option);
      }
    }
    if (c.id.empty()) return std::nullopt;
    return c;
  });
}

}  // namespace xerod::copy
