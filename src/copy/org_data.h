// SPDX-License-Identifier: MIT
//
// What xerod needs to know about a Xero organisation to map a document onto
// it (src/copy/mapper.h): the organisation itself, its currencies, tax rates,
// accounts, items, tracking categories and contacts. Plain data plus the
// parsers that read it from Xero's answers.
//
// Every parser type-checks what it reads: Xero's answer is input like any
// other. A collection that is missing or of the wrong type is an error (the
// answer is unusable); an element without what xerod needs (an account
// without a code, a contact without an id) is left out; unknown fields are
// ignored. Nothing here throws.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/status.h"

namespace xerod::copy {

// A key that compares as Xero compares codes and names: ASCII case-insensitive,
// surrounding blanks ignored.
std::string FoldKey(std::string_view text);

struct Account {
  std::string id;
  std::string code;
  std::string name;
  std::string type;               // REVENUE, SALES, BANK, ...
  std::string status;             // ACTIVE, ARCHIVED
  bool payments_allowed = false;  // a BANK account, or EnablePaymentsToAccount
  bool active() const { return status.empty() || status == "ACTIVE"; }
};

struct TaxRate {
  std::string name;
  std::string tax_type;  // OUTPUT2, ...
  std::string status;    // ACTIVE, DELETED, ARCHIVED
  bool revenue = false;  // CanApplyToRevenue
  bool active() const { return status.empty() || status == "ACTIVE"; }
};

struct Item {
  std::string code;
  std::string name;
  std::string sales_account;  // SalesDetails.AccountCode; empty: none
};

struct TrackingOption {
  std::string name;
  bool active = true;
};

struct TrackingCategory {
  std::string name;
  bool active = true;
  std::vector<TrackingOption> options;
};

struct Contact {
  std::string id;
  std::string name;
  bool active = true;         // ContactStatus ACTIVE (ARCHIVED/GDPRREQUEST are not)
  std::string sales_account;  // SalesDefaultAccountCode; empty: none
  // SalesTrackingCategories: the client's default tracking (category, option).
  std::vector<std::pair<std::string, std::string>> sales_tracking;
};

struct Organisation {
  std::string id;
  std::string name;
  std::string short_code;  // for "View on Xero" links
  std::string base_currency;
};

// Everything but contacts (which are many and looked up by name; see
// ContactBook). Maps are keyed by FoldKey(code or name).
struct OrgData {
  Organisation organisation;
  std::vector<std::string> currencies;  // codes the organisation uses
  std::vector<TaxRate> tax_rates;
  std::map<std::string, Account> accounts;  // by FoldKey(Code); accounts without a code left out
  std::map<std::string, Item> items;        // by FoldKey(Code)
  std::map<std::string, TrackingCategory> tracking;  // by FoldKey(Name)

  bool HasCurrency(std::string_view code) const;
  const Account* FindAccount(std::string_view code) const;
  const Item* FindItem(std::string_view code) const;
};

// Contacts by name. Xero creates a NEW contact for an invoice that names an
// unknown contact, so xerod resolves every client to a ContactID first.
class ContactBook {
 public:
  // The active contact with this name (FoldKey), or null.
  const Contact* Find(std::string_view name) const;
  // Adds or replaces by ContactID; an inactive contact is removed from the names.
  void Put(Contact contact);
  std::size_t size() const { return by_name_.size(); }

 private:
  std::map<std::string, Contact> by_name_;  // FoldKey(name) -> active contact
  std::map<std::string, std::string> name_of_id_;
};

// Parsers: `body` is a whole Xero answer ({"Organisations":[...]}, ...).
Result<Organisation> ParseOrganisation(const nlohmann::json& body);
Result<std::vector<std::string>> ParseCurrencies(const nlohmann::json& body);
Result<std::vector<TaxRate>> ParseTaxRates(const nlohmann::json& body);
Result<std::vector<Account>> ParseAccounts(const nlohmann::json& body);
Result<std::vector<Item>> ParseItems(const nlohmann::json& body);
Result<std::vector<TrackingCategory>> ParseTrackingCategories(const nlohmann::json& body);
// {"Contacts":[...]} from GET /Contacts or PUT /Contacts; elements that failed
// (HasValidationErrors) or lack an id are left out.
Result<std::vector<Contact>> ParseContacts(const nlohmann::json& body);

}  // namespace xerod::copy
