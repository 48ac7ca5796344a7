// SPDX-License-Identifier: MIT
// The mapper's rules, one table per rule (src/copy/mapper.h): each case is a
// document (as a patch of a base invoice), the connection's settings and the
// client's contact, and either the fields the Xero element must have or the
// words its refusal must contain.
#include "copy/mapper.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "xerod/document.h"

namespace xerod::copy {
namespace {

using nlohmann::json;

OrgData DemoOrg() {
  OrgData org;
  org.organisation = {"tenant-1", "Acme NZ", "!aB3dE", "NZD"};
  org.currencies = {"NZD", "AUD", "USD"};
  org.tax_rates = {{"GST on Income", "OUTPUT2", "ACTIVE", true},
                   {"GST on Expenses", "INPUT2", "ACTIVE", false},
                   {"Zero Rated", "ZERORATEDOUTPUT", "ACTIVE", true},
                   {"Old GST", "OUTPUT", "DELETED", true}};
  for (Account a : {Account{"a090", "090", "Business Bank", "BANK", "ACTIVE", true},
                    Account{"a200", "200", "Sales", "REVENUE", "ACTIVE", false},
                    Account{"a260", "260", "Other Revenue", "REVENUE", "ACTIVE", false},
                    Account{"a270", "270", "Interest Income", "REVENUE", "ARCHIVED", false},
                    Account{"a970", "970", "Owner Funds", "EQUITY", "ACTIVE", true}}) {
    org.accounts[FoldKey(a.code)] = a;
  }
  for (Item i : {Item{"DevFee", "Development", "200"}, Item{"Support", "Support", "260"},
                 Item{"Plain", "No sales account", ""},
                 Item{"Consulting-services-for-client", "Thirty characters", "260"}}) {
    org.items[FoldKey(i.code)] = i;
  }
  org.tracking[FoldKey("Region")] = {
      "Region", true, {{"North", true}, {"South", true}, {"West", false}}};
  org.tracking[FoldKey("Old")] = {"Old", false, {{"Any", true}}};
  return org;
}

json BaseInvoice() {
  return json::parse(R"({"id":"inv-1001","number":"INV-1001","kind":"invoice","status":"sent",
    "client":{"name":"Acme Ltd","email":"ap@acme.test"},"issue_date":"2026-11-02",
    "due_date":"2026-12-02","currency":"NZD","reference":"PO 7781",
    "lines":[{"description":"Design work","quantity":"10","unit_price":"120"}]})");
}

struct Case {
  std::string name;
  json patch = json::object();  // merged into the base invoice
  ConnectionSettings settings = Fallback();
  std::optional<Contact> contact = std::nullopt;
  json expect = json::object();          // fields the element must have (subset)
  std::vector<std::string> absent = {};  // paths that must not be there ("LineItems/0/TaxType")
  std::string refused = {};              // non-empty: the refusal must contain this

  static ConnectionSettings Fallback() {
    ConnectionSettings s;
    s.revenue_account = "200";
    s.payment_account = "090";
    return s;
  }
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// Whether every member of `want` is in `have` (recursively; arrays by position).
::testing::AssertionResult Has(const json& have, const json& want, const std::string& at = "") {
  if (want.is_object()) {
    if (!have.is_object()) return ::testing::AssertionFailure() << at << " is not an object";
    for (const auto& [k, v] : want.items()) {
      if (!have.contains(k)) return ::testing::AssertionFailure() << at << "/" << k << " missing";
      if (auto r = Has(have[k], v, at + "/" + k); !r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  if (want.is_array()) {
    if (!have.is_array() || have.size() < want.size()) {
      return ::testing::AssertionFailure() << at << " has fewer elements than expected";
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (auto r = Has(have[i], want[i], at + "/" + std::to_string(i)); !r) return r;
    }
    return ::testing::AssertionSuccess();
  }
  // Exact numbers compare by their text: write them as strings "#120" in `want`.
  if (want.is_string() && want.get<std::string>().starts_with("#")) {
    std::string text = want.get<std::string>().substr(1);
    if (IsExactNumber(have) && ExactNumberText(have) == text) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << at << " is " << DumpExactJson(have) << ", not " << text;
  }
  if (have == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << at << " is " << DumpExactJson(have) << ", not " << want.dump();
}

class MapInvoiceTest : public ::testing::TestWithParam<Case> {};

TEST_P(MapInvoiceTest, FollowsTheRule) {
  const Case& c = GetParam();
  OrgData org = DemoOrg();
  const std::string connection = "acme";
  json doc = BaseInvoice();
  doc.merge_patch(c.patch);
  MapContext ctx{org, c.settings, connection};
  auto mapped = MapInvoice(doc, ctx, c.contact ? &*c.contact : nullptr);
  if (!c.refused.empty()) {
    ASSERT_FALSE(mapped) << DumpExactJson(*mapped);
    EXPECT_NE(mapped.error().reason.find(c.refused), std::string::npos) << mapped.error().reason;
    return;
  }
  ASSERT_TRUE(mapped) << mapped.error().reason;
  EXPECT_TRUE(Has(*mapped, c.expect)) << DumpExactJson(*mapped);
  for (const std::string& path : c.absent) {
    EXPECT_FALSE(mapped->contains(json::json_pointer("/" + path))) << path;
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

ConnectionSettings With(std::function<void(ConnectionSettings&)> f) {
  ConnectionSettings s = Case::Fallback();
  f(s);
  return s;
}

Contact Client(std::string sales_account = "",
               std::vector<std::pair<std::string, std::string>> tracking = {}) {
  return Contact{"c-1", "Acme Ltd", true, std::move(sales_account), std::move(tracking)};
}

json Line(json patch) {
  json line = {{"description", "Design work"}, {"quantity", "1"}, {"unit_price", "100"}};
  line.merge_patch(patch);
  return line;
}

INSTANTIATE_TEST_SUITE_P(
    Status, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "DraftIsDraft",
             .patch = {{"status", "draft"}},
             .expect = {{"Status", "DRAFT"}, {"Type", "ACCREC"}}},
        Case{.name = "SentIsAuthorisedByDefault", .expect = {{"Status", "AUTHORISED"}}},
        Case{.name = "PaidIsAsSent",
             .patch = {{"status", "paid"}},
             .expect = {{"Status", "AUTHORISED"}}},
        Case{.name = "SentIsSubmittedWhenConfigured",
             .settings = With([](auto& s) { s.invoice_status = InvoiceStatus::kSubmitted; }),
             .expect = {{"Status", "SUBMITTED"}}},
        Case{.name = "DraftStaysDraftWhenSubmittedIsConfigured",
             .patch = {{"status", "draft"}},
             .settings = With([](auto& s) { s.invoice_status = InvoiceStatus::kSubmitted; }),
             .expect = {{"Status", "DRAFT"}}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    RevenueAccount, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "ItemWithSalesAccountWins",
             .patch = {{"lines", {Line({{"kind", "Support"}})}}},
             .contact = Client("200"),
             .expect = {{"LineItems", {{{"ItemCode", "Support"}, {"AccountCode", "260"}}}}}},
        Case{.name = "ItemCodeMatchesIgnoringCase",
             .patch = {{"lines", {Line({{"kind", "devfee"}})}}},
             .expect = {{"LineItems", {{{"ItemCode", "DevFee"}, {"AccountCode", "200"}}}}}},
        Case{.name = "ItemWithoutSalesAccountFallsToTheContactsDefault",
             .patch = {{"lines", {Line({{"kind", "Plain"}})}}},
             .contact = Client("260"),
             .expect = {{"LineItems", {{{"ItemCode", "Plain"}, {"AccountCode", "260"}}}}}},
        Case{.name = "NoItemUsesTheContactsDefault",
             .patch = {{"lines", {Line({{"kind", "Services"}})}}},
             .contact = Client("260"),
             .expect = {{"LineItems", {{{"AccountCode", "260"}}}}},
             .absent = {"LineItems/0/ItemCode"}},
        Case{.name = "ThenTheConnectionsFallback",
             .patch = {{"lines", {Line({{"kind", "Services"}})}}},
             .contact = Client(),
             .expect = {{"LineItems", {{{"AccountCode", "200"}}}}}},
        Case{.name = "ANewContactHasNoDefault",
             .patch = {{"lines", {Line({{"kind", "Services"}})}}},
             .expect = {{"LineItems", {{{"AccountCode", "200"}}}}}},
        Case{.name = "NoneAtAllIsRefusedForAnApprovedInvoice",
             .patch = {{"lines", {Line({{"kind", "Services"}})}}},
             .settings = With([](auto& s) { s.revenue_account.clear(); }),
             .contact = Client(),
             .refused = "line 1 (\"Design work\") has no revenue account: no Xero item has the "
                        "code \"Services\", contact \"Acme Ltd\" has no default sales account "
                        "and connections.acme.revenue_account is not set"},
        Case{.name = "ADraftMayGoWithoutOne",
             .patch = {{"status", "draft"}},
             .settings = With([](auto& s) { s.revenue_account.clear(); }),
             .expect = {{"Status", "DRAFT"}},
             .absent = {"LineItems/0/AccountCode"}},
        Case{.name = "AnArchivedFallbackIsRefused",
             .settings = With([](auto& s) { s.revenue_account = "270"; }),
             .refused = "revenue account 270 (connections.acme.revenue_account) is not an "
                        "active account in the Xero organisation Acme NZ"},
        Case{.name = "AnUnknownContactDefaultIsRefusedNamingItsSource",
             .contact = Client("999"),
             .refused = "the default sales account of contact \"Acme Ltd\""}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    DiscountAndItemCodes, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "DiscountOnEveryLine",
             .patch = {{"discount_percent", "12.5"},
                       {"lines", {Line(json::object()), Line({{"description", "More"}})}}},
             .expect = {{"LineItems", {{{"DiscountRate", "#12.5"}}, {{"DiscountRate", "#12.5"}}}}}},
        Case{.name = "ZeroDiscountIsLeftOut",
             .patch = {{"discount_percent", "0"}},
             .absent = {"LineItems/0/DiscountRate"}},
        Case{.name = "ItemCodesAreCutToThirtyCharacters",
             .patch = {{"lines", {Line({{"kind", "Consulting-services-for-client-work"}})}}},
             .expect = {{"LineItems",
                         {{{"ItemCode", "Consulting-services-for-client"},
                           {"AccountCode", "260"}}}}}},
        Case{.name = "AKindThatIsNoItemSendsNoItemCode",
             .patch = {{"lines", {Line({{"kind", "Services"}})}}},
             .absent = {"LineItems/0/ItemCode"}},
        Case{.name = "AmountsKeepTheirExactDecimalText",
             .patch = {{"lines", {Line({{"quantity", "0.1"}, {"unit_price", "1234567890.1234"}})}}},
             .expect = {{"LineItems",
                         {{{"Quantity", "#0.1"}, {"UnitAmount", "#1234567890.1234"}}}}}},
        Case{.name = "NegativeLinesStayNegative",
             .patch = {{"lines", {Line(json::object()), Line({{"unit_price", "-20"}})}}},
             .expect = {{"LineItems", {json::object(), {{"UnitAmount", "#-20"}}}}}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Tax, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "NoTaxIsNoTax",
             .expect = {{"LineAmountTypes", "NoTax"}},
             .absent = {"LineItems/0/TaxType"}},
        Case{.name = "ByNameAgainstTaxRates",
             .patch = {{"tax", "gst on income"}},
             .expect = {{"LineAmountTypes", "Exclusive"},
                        {"LineItems", {{{"TaxType", "OUTPUT2"}}}}}},
        Case{.name = "TaxMapWins",
             .patch = {{"tax", "GST on Income"}},
             .settings = With([](auto& s) {
               s.tax_map = {{"GST on Income", "ZERORATEDOUTPUT"}};
             }),
             .expect = {{"LineItems", {{{"TaxType", "ZERORATEDOUTPUT"}}}}}},
        Case{.name = "OneRateForEveryLine",
             .patch = {{"tax", "GST on Income"},
                       {"lines", {Line(json::object()), Line({{"description", "Two"}})}}},
             .expect = {{"LineItems", {{{"TaxType", "OUTPUT2"}}, {{"TaxType", "OUTPUT2"}}}}}},
        Case{.name = "UnmappedTaxIsRefused",
             .patch = {{"tax", "VAT 20%"}},
             .refused = "tax \"VAT 20%\" has no match in Xero: there is no active sales tax rate "
                        "of that name and connections.acme.tax_map has no entry for it"},
        Case{.name = "AnExpenseRateIsNoSalesRate",
             .patch = {{"tax", "GST on Expenses"}},
             .refused = "has no match in Xero"},
        Case{.name = "ADeletedRateIsNoMatch", .patch = {{"tax", "Old GST"}}, .refused = "no match"},
        Case{.name = "TaxMapToAnUnknownTypeIsRefused",
             .patch = {{"tax", "GST on Income"}},
             .settings = With([](auto& s) {
               s.tax_map = {{"GST on Income", "OUTPUT9"}};
             }),
             .refused = "connections.acme.tax_map maps tax \"GST on Income\" to OUTPUT9, which is "
                        "not an active sales tax rate in Xero"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Tracking, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "OnEveryLineInXerosSpelling",
             .patch = {{"tracking", {{{"name", "region"}, {"option", "NORTH"}}}},
                       {"lines", {Line(json::object()), Line({{"description", "Two"}})}}},
             .expect = {{"LineItems",
                         {{{"Tracking", {{{"Name", "Region"}, {"Option", "North"}}}}},
                          {{"Tracking", {{{"Name", "Region"}, {"Option", "North"}}}}}}}}},
        Case{.name = "UnknownCategoryIsRefused",
             .patch = {{"tracking", {{{"name", "Area"}, {"option", "North"}}}}},
             .refused = "Xero has no active tracking category \"Area\" (categories: Region)"},
        Case{.name = "ArchivedCategoryIsRefused",
             .patch = {{"tracking", {{{"name", "Old"}, {"option", "Any"}}}}},
             .refused = "no active tracking category \"Old\""},
        Case{.name = "UnknownOptionIsRefused",
             .patch = {{"tracking", {{{"name", "Region"}, {"option", "East"}}}}},
             .refused = "tracking category \"Region\" in Xero has no active option \"East\" "
                        "(options: North, South)"},
        Case{.name = "ArchivedOptionIsRefused",
             .patch = {{"tracking", {{{"name", "Region"}, {"option", "West"}}}}},
             .refused = "no active option \"West\""},
        Case{.name = "TheClientsDefaultWhenTheInvoiceHasNone",
             .contact = Client("", {{"Region", "South"}}),
             .expect = {{"LineItems",
                         {{{"Tracking", {{{"Name", "Region"}, {"Option", "South"}}}}}}}}},
        Case{.name = "AnInvalidDefaultIsDroppedNotRefused",
             .contact = Client("", {{"Region", "West"}}),
             .absent = {"LineItems/0/Tracking"}},
        Case{.name = "NoTrackingNoField", .absent = {"LineItems/0/Tracking"}}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    CurrencyContactAndFields, MapInvoiceTest,
    ::testing::Values(
        Case{.name = "BaseCurrency", .expect = {{"CurrencyCode", "NZD"}}},
        Case{.name = "AnotherCurrencyTheOrganisationUses",
             .patch = {{"currency", "USD"}},
             .expect = {{"CurrencyCode", "USD"}}},
        Case{.name = "ACurrencyTheOrganisationLacksIsRefused",
             .patch = {{"currency", "EUR"}},
             .refused = "the invoice is in EUR, which the Xero organisation Acme NZ does not use "
                        "(it has NZD, AUD, USD): add EUR in Xero under Settings > Currencies"},
        Case{.name = "AKnownClientByContactID",
             .contact = Client(),
             .expect = {{"Contact", {{"ContactID", "c-1"}}}},
             .absent = {"Contact/Name"}},
        Case{.name = "ANewClientByNameAndEmailOnly",
             .expect = {{"Contact", {{"Name", "Acme Ltd"}, {"EmailAddress", "ap@acme.test"}}}}},
        Case{.name = "DatesNumberAndReference",
             .expect = {{"Date", "2026-11-02"},
                        {"DueDate", "2026-12-02"},
                        {"InvoiceNumber", "INV-1001"},
                        {"Reference", "PO 7781"}}},
        Case{.name = "OptionalFieldsAreLeftOut",
             .patch = {{"due_date", nullptr}, {"number", nullptr}, {"reference", nullptr}},
             .absent = {"DueDate", "InvoiceNumber", "Reference", "InvoiceID"}},
        Case{.name = "RetainersAreRefused",
             .patch = {{"kind", "retainer"}},
             .refused = "retainer invoices are not copied to Xero"},
        Case{.name = "ALineWithoutDescriptionIsRefused",
             .patch = {{"lines", {Line(json::object()), Line({{"description", nullptr}})}}},
             .refused = "line 2 has no description, and Xero needs one on every line"}),
    CaseName);

TEST(MapperTest, AnUpdateNamesTheInvoice) {
  OrgData org = DemoOrg();
  ConnectionSettings s = Case::Fallback();
  const std::string name = "acme";
  auto mapped = MapInvoice(BaseInvoice(), MapContext{org, s, name}, nullptr, "X-42");
  ASSERT_TRUE(mapped) << mapped.error().reason;
  EXPECT_EQ((*mapped)["InvoiceID"], "X-42");
}

TEST(MapperTest, RefusalsSayWhetherFreshOrganisationDataCouldHelp) {
  OrgData org = DemoOrg();
  ConnectionSettings s = Case::Fallback();
  const std::string name = "acme";
  MapContext ctx{org, s, name};
  json eur = BaseInvoice();
  eur["currency"] = "EUR";
  EXPECT_TRUE(MapInvoice(eur, ctx, nullptr).error().org_data);
  json retainer = BaseInvoice();
  retainer["kind"] = "retainer";
  EXPECT_FALSE(MapInvoice(retainer, ctx, nullptr).error().org_data);
}

TEST(MapperTest, CutItemCodeNeverSplitsACharacter) {
  EXPECT_EQ(CutItemCode("Short"), "Short");
  EXPECT_EQ(CutItemCode(std::string(30, 'x')), std::string(30, 'x'));
  EXPECT_EQ(CutItemCode(std::string(31, 'x')), std::string(30, 'x'));
  // 29 ASCII bytes then a 2-byte character: the character does not fit whole.
  EXPECT_EQ(CutItemCode(std::string(29, 'x') + "\xC3\xA9" + "tail"), std::string(29, 'x'));
}

TEST(MapperTest, Payments) {
  OrgData org = DemoOrg();
  const std::string name = "acme";
  json doc = json::parse(
      R"({"id":"pay-77","invoice_id":"inv-1001","amount":"500.1","date":"2026-11-20",
          "reference":"Stripe ch_123"})");
  ConnectionSettings s = Case::Fallback();
  auto mapped = MapPayment(doc, MapContext{org, s, name}, "X-1");
  ASSERT_TRUE(mapped) << mapped.error().reason;
  EXPECT_EQ(DumpExactJson(*mapped),
            R"({"Account":{"Code":"090"},"Amount":500.1,"Date":"2026-11-20",)"
            R"("Invoice":{"InvoiceID":"X-1"},"Reference":"Stripe ch_123"})");
  // Without a reference the platform's id is the reference.
  doc.erase("reference");
  EXPECT_EQ((*MapPayment(doc, MapContext{org, s, name}, "X-1"))["Reference"], "pay-77");
  // An account that may receive payments though it is no bank account.
  s.payment_account = "970";
  EXPECT_TRUE(MapPayment(doc, MapContext{org, s, name}, "X-1"));

  s.payment_account = "";
  EXPECT_NE(MapPayment(doc, MapContext{org, s, name}, "X-1")
                .error()
                .reason.find("connections.acme.payment_account is not set"),
            std::string::npos);
  s.payment_account = "200";
  EXPECT_NE(MapPayment(doc, MapContext{org, s, name}, "X-1")
                .error()
                .reason.find("payment account 200 (Sales, connections.acme.payment_account) "
                             "cannot receive payments in Xero"),
            std::string::npos);
  s.payment_account = "555";
  EXPECT_NE(MapPayment(doc, MapContext{org, s, name}, "X-1")
                .error()
                .reason.find("is not an active account in the Xero organisation Acme NZ"),
            std::string::npos);
}

TEST(MapperTest, ViewOnXeroLink) {
  OrgData org = DemoOrg();
  EXPECT_EQ(InvoiceLink(org.organisation, "X-1"),
            "https://go.xero.com/app/!aB3dE/invoicing/view/X-1");
  org.organisation.short_code.clear();
  EXPECT_EQ(InvoiceLink(org.organisation, "X-1"), "");
}

}  // namespace
}  // namespace xerod::copy
