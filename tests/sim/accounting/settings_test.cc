// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "sim/accounting/accounting.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using testing::Reply;
using testing::SimOrg;

const nlohmann::json* FindBy(const nlohmann::json& arr, const char* key, const std::string& value) {
  for (const auto& e : arr)
    if (e.value(key, "") == value) return &e;
  return nullptr;
}

TEST(Settings, OrganisationReportsOptions) {
  SimOrg sim(testing::Options("Acme Ltd"));
  Reply r = sim.Get("/api.xro/2.0/Organisation");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& o = r.json["Organisations"][0];
  EXPECT_EQ(o["Name"], "Acme Ltd");
  EXPECT_EQ(o["BaseCurrency"], "NZD");
  EXPECT_EQ(o["CountryCode"], "NZ");
  EXPECT_EQ(o["OrganisationStatus"], "ACTIVE");
  EXPECT_EQ(r.json["Status"], "OK");
  EXPECT_TRUE(r.json["DateTimeUTC"].get<std::string>().starts_with("/Date("));
  Reply actions = sim.Get("/api.xro/2.0/Organisation/Actions");
  ASSERT_EQ(actions.status, 200);
  const auto* approve = FindBy(actions.json["Actions"], "Name", "CreateApprovedInvoice");
  ASSERT_NE(approve, nullptr);
  EXPECT_EQ((*approve)["Status"], "ALLOWED");
  EXPECT_EQ(sim.Get("/api.xro/2.0/Organisation/Other").status, 404);
}

TEST(Settings, OrganisationIdIsTheTenantIdAndTheShortCodeIsXeroShaped) {
  SimOrg sim;
  const auto o = sim.Get("/api.xro/2.0/Organisation").json["Organisations"][0];
  EXPECT_EQ(o["OrganisationID"], "tenant-1");  // xero-node relies on this
  EXPECT_FALSE(o.contains("TenantID"));        // not a Xero field
  const std::string code = o["ShortCode"];
  ASSERT_EQ(code.size(), 6u) << code;
  EXPECT_EQ(code[0], '!');
  EXPECT_TRUE(std::all_of(code.begin() + 1, code.end(), [](char c) { return std::isalnum(c); }));
  EXPECT_EQ(code, ShortCode(sim.org()));
  OrgOptions fixed;
  fixed.short_code = "!Ab3dE";
  EXPECT_EQ(SimOrg(fixed).Get("/api.xro/2.0/Organisation").json["Organisations"][0]["ShortCode"],
            "!Ab3dE");
}

TEST(Settings, BankAccountsCarryTheBaseCurrency) {
  SimOrg sim(testing::Options("Pound Ltd", "GBP", "GB"));
  int banks = 0;
  const Reply accounts = sim.Get("/api.xro/2.0/Accounts");
  for (const auto& a : accounts.json["Accounts"]) {
    if (a["Type"] != "BANK") continue;
    ++banks;
    EXPECT_EQ(a["CurrencyCode"], "GBP") << a.dump();
  }
  EXPECT_EQ(banks, 2);
}

TEST(Settings, NzDemoChartTaxRatesCurrenciesAndItems) {
  SimOrg sim;
  Reply accounts = sim.Get("/api.xro/2.0/Accounts");
  ASSERT_EQ(accounts.status, 200);
  const auto* bank = FindBy(accounts.json["Accounts"], "Code", "090");
  ASSERT_NE(bank, nullptr);
  EXPECT_EQ((*bank)["Type"], "BANK");
  EXPECT_EQ((*bank)["EnablePaymentsToAccount"], true);
  ASSERT_NE(FindBy(accounts.json["Accounts"], "Code", "200"), nullptr);
  EXPECT_EQ((*FindBy(accounts.json["Accounts"], "Code", "200"))["TaxType"], "OUTPUT2");
  EXPECT_EQ((*FindBy(accounts.json["Accounts"], "Code", "610"))["SystemAccount"], "DEBTORS");
  ASSERT_NE(FindBy(accounts.json["Accounts"], "Code", "260"), nullptr);

  Reply taxes = sim.Get("/api.xro/2.0/TaxRates");
  const auto* gst = FindBy(taxes.json["TaxRates"], "TaxType", "OUTPUT2");
  ASSERT_NE(gst, nullptr);
  EXPECT_EQ((*gst)["Name"], "GST on Income");
  EXPECT_DOUBLE_EQ((*gst)["EffectiveRate"].get<double>(), 15.0);
  for (const char* t : {"NONE", "INPUT2", "EXEMPTOUTPUT", "ZERORATEDOUTPUT"})
    EXPECT_NE(FindBy(taxes.json["TaxRates"], "TaxType", t), nullptr) << t;

  Reply currencies = sim.Get("/api.xro/2.0/Currencies");
  EXPECT_EQ(currencies.json["Currencies"][0]["Code"], "NZD");
  EXPECT_NE(FindBy(currencies.json["Currencies"], "Code", "USD"), nullptr);
  EXPECT_EQ(FindBy(currencies.json["Currencies"], "Code", "EUR"), nullptr);

  Reply items = sim.Get("/api.xro/2.0/Items");
  const auto* book = FindBy(items.json["Items"], "Code", "BOOK");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ((*book)["SalesDetails"]["AccountCode"], "200");
  EXPECT_EQ(sim.Get("/api.xro/2.0/Items/BOOK").json["Items"][0]["Code"], "BOOK");
  EXPECT_EQ(sim.Get("/api.xro/2.0/Items/NOPE").status, 404);
}

TEST(Settings, AustralianOrganisationGetsAuGst) {
  SimOrg sim(testing::Options("Demo Company (AU)", "AUD", "AU"));
  Reply taxes = sim.Get("/api.xro/2.0/TaxRates");
  const auto* gst = FindBy(taxes.json["TaxRates"], "TaxType", "OUTPUT");
  ASSERT_NE(gst, nullptr);
  EXPECT_DOUBLE_EQ((*gst)["EffectiveRate"].get<double>(), 10.0);
  EXPECT_EQ(sim.Get("/api.xro/2.0/Currencies").json["Currencies"][0]["Code"], "AUD");
  auto inv = sim.CreateInvoice(testing::SimpleInvoice("AU-1"));
  EXPECT_EQ(inv["CurrencyCode"], "AUD");
  EXPECT_DOUBLE_EQ(inv["TotalTax"].get<double>(), 10.0);
}

TEST(Settings, UnknownResourceIs404AndWritesAre405) {
  SimOrg sim;
  EXPECT_EQ(sim.Get("/api.xro/2.0/Journals").status, 404);
  EXPECT_EQ(sim.Call("PUT", "/api.xro/2.0/Accounts", nlohmann::json::object()).status, 405);
  EXPECT_EQ(sim.Call("DELETE", "/api.xro/2.0/Items/BOOK").status, 404);
}

std::vector<std::string> Scopes(const std::string& method, const std::string& path) {
  Request r;
  r.method = method;
  r.path = path;
  auto s = AllowedScopes(r);
  std::sort(s.begin(), s.end());
  return s;
}

TEST(Scopes, GranularAndLegacyScopesPerEndpoint) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Scopes("PUT", "/api.xro/2.0/Invoices"),
            (V{"accounting.invoices", "accounting.transactions"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/Invoices/abc"),
            (V{"accounting.invoices", "accounting.invoices.read", "accounting.transactions",
               "accounting.transactions.read"}));
  EXPECT_EQ(Scopes("POST", "/api.xro/2.0/Payments"),
            (V{"accounting.payments", "accounting.transactions"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/Payments"),
            (V{"accounting.payments", "accounting.payments.read", "accounting.transactions",
               "accounting.transactions.read"}));
  EXPECT_EQ(Scopes("POST", "/api.xro/2.0/Contacts"), (V{"accounting.contacts"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/Contacts"),
            (V{"accounting.contacts", "accounting.contacts.read"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/TaxRates"),
            (V{"accounting.settings", "accounting.settings.read"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/Organisation"),
            (V{"accounting.settings", "accounting.settings.read"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/TrackingCategories/x"),
            (V{"accounting.settings", "accounting.settings.read"}));
  EXPECT_EQ(Scopes("GET", "/api.xro/2.0/Items"),
            (V{"accounting.invoices", "accounting.invoices.read", "accounting.settings",
               "accounting.settings.read"}));
  EXPECT_EQ(Scopes("PUT", "/api.xro/2.0/Items"), (V{"accounting.invoices", "accounting.settings"}));
  EXPECT_TRUE(Scopes("GET", "/api.xro/2.0/Journals").empty());
  EXPECT_TRUE(Scopes("GET", "/connections").empty());
}

}  // namespace
}  // namespace xero_sim
