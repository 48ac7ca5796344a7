// SPDX-License-Identifier: MIT
// xero-sim accounting: the organisation data model and every /api.xro/2.0
// handler with Xero's validation (see docs/xero-sim-accounting.md).
//
// Thread-safety: an Organisation is not thread-safe; sim-core serialises all
// calls that touch one Organisation. Free functions keep no other state.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/accounting/http_types.h"

namespace xero_sim {

// A tracking category to seed: its name and its options' names.
struct TrackingSeed {
  std::string name;
  std::vector<std::string> options;
};

struct OrgOptions {
  std::string name = "Demo Company (NZ)";
  std::string base_currency = "NZD";
  // "NZ" (GST 15%), "AU" (GST 10%) or "GB" (VAT 20%) tax rates; any other
  // country gets the NZ set.
  std::string country = "NZ";
  // Currencies the organisation is subscribed to besides the base currency;
  // empty means the demo set (NZD, AUD, USD, GBP minus the base).
  std::vector<std::string> extra_currencies;
  // Seed the demo contacts (accounts, tax rates, currencies and items are
  // always seeded).
  bool seed_contacts = true;
  // Xero's organisation short code ("!" and 5 letters or digits); empty: a
  // random one. sim-core makes it unique among its organisations.
  std::string short_code;
  // Tracking categories (Xero allows at most 2 active ones); nullopt: Region
  // (North, South, East, West) and Department (Sales, Consulting).
  std::optional<std::vector<TrackingSeed>> tracking_categories;
};

// Why `seeds` cannot be an organisation's tracking categories (more than 2,
// empty or duplicate names, a category without options), or nullopt.
std::optional<std::string> CheckTrackingSeeds(const std::vector<TrackingSeed>& seeds);

class Organisation;  // all accounting data of one tenant

}  // namespace xero_sim

// Lets std::unique_ptr<Organisation> be destroyed where Organisation is
// incomplete (sim-core only sees this header); defined in organisation.cc.
template <>
struct std::default_delete<xero_sim::Organisation> {
  void operator()(xero_sim::Organisation* org) const noexcept;
};

namespace xero_sim {

// A new organisation seeded with the demo data for `options`, created at
// `now` (the simulator's clock: the seeds' UpdatedDateUTC). Its OrganisationID
// is `tenant_id` (as in Xero, where the tenant id of an organisation
// connection is the OrganisationID).
std::unique_ptr<Organisation> NewOrganisation(const std::string& tenant_id,
                                              const OrgOptions& options,
                                              std::chrono::system_clock::time_point now);

// A random short code in Xero's format: "!" followed by 5 letters or digits.
std::string NewShortCode();
// The organisation's short code (Organisation.ShortCode).
const std::string& ShortCode(const Organisation& org);

// Handles a request whose path starts with "/api.xro/2.0/". Authentication,
// tenant lookup, scope checks, rate limits and idempotency were already done
// by sim-core. `now` gives default dates and UpdatedDateUTC. Never throws:
// malformed input yields Xero's 400 bodies, unknown paths a 404.
Response HandleAccounting(Organisation& org, const Request& request,
                          std::chrono::system_clock::time_point now);

// The scopes that allow this request (any one suffices): the granular scope
// (accounting.invoices, accounting.payments, ...), the legacy broad one
// (accounting.transactions) and the ".read" variants for GET. Empty for a
// path the simulator does not serve.
std::vector<std::string> AllowedScopes(const Request& request);

struct OrgStats {
  long invoices = 0;
  long payments = 0;
  long contacts = 0;
  long duplicate_numbers_attempted = 0;
};
OrgStats Stats(const Organisation& org);

// {"Invoices":[...]}: every invoice as GET /Invoices/{id} shows it (with its
// Payments), for GET /_sim/orgs/{tenant}/invoices.
nlohmann::json InvoicesJson(const Organisation& org);

// The full state (own format, money as decimal strings) for --state FILE.
nlohmann::json ToJson(const Organisation& org);
// Inverse of ToJson. Returns nullptr (never throws) when `j` is not a state
// written by ToJson.
std::unique_ptr<Organisation> OrganisationFromJson(const nlohmann::json& j);

}  // namespace xero_sim
