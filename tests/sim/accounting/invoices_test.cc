// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "sim/accounting/accounting.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using nlohmann::json;
using testing::Messages;
using testing::Reply;
using testing::SimOrg;
using testing::SimpleInvoice;

const char kInvoices[] = "/api.xro/2.0/Invoices";

json Line(const char* desc, double qty, double unit, const char* account = "200") {
  return {{"Description", desc}, {"Quantity", qty}, {"UnitAmount", unit}, {"AccountCode", account}};
}

json WithLines(json inv, json lines) {
  inv["LineItems"] = std::move(lines);
  return inv;
}

TEST(InvoiceTotals, ExclusiveRoundsTaxPerLine) {
  SimOrg sim;
  auto inv =
      sim.CreateInvoice(WithLines(SimpleInvoice("T-1"), {Line("a", 1, 0.10), Line("b", 1, 0.10)}));
  EXPECT_DOUBLE_EQ(inv["SubTotal"].get<double>(), 0.20);
  // 0.015 per line rounds to 0.02 each: 0.04, not round(0.03).
  EXPECT_DOUBLE_EQ(inv["TotalTax"].get<double>(), 0.04);
  EXPECT_DOUBLE_EQ(inv["Total"].get<double>(), 0.24);
  EXPECT_DOUBLE_EQ(inv["LineItems"][0]["TaxAmount"].get<double>(), 0.02);
  EXPECT_EQ(inv["LineItems"][0]["TaxType"], "OUTPUT2");

  auto inv2 =
      sim.CreateInvoice(WithLines(SimpleInvoice("T-2"), {Line("a", 3, 19.95), Line("b", 1, 0.05)}));
  EXPECT_DOUBLE_EQ(inv2["LineItems"][0]["LineAmount"].get<double>(), 59.85);
  EXPECT_DOUBLE_EQ(inv2["LineItems"][0]["TaxAmount"].get<double>(), 8.98);
  EXPECT_DOUBLE_EQ(inv2["LineItems"][1]["TaxAmount"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(inv2["Total"].get<double>(), 68.89);
  EXPECT_DOUBLE_EQ(inv2["AmountDue"].get<double>(), 68.89);
  EXPECT_DOUBLE_EQ(inv2["AmountPaid"].get<double>(), 0.0);
}

TEST(InvoiceTotals, InclusiveAndNoTax) {
  SimOrg sim;
  json in = WithLines(SimpleInvoice("T-3"), {Line("a", 1, 115.00), Line("b", 1, 10.00)});
  in["LineAmountTypes"] = "Inclusive";
  auto inv = sim.CreateInvoice(in);
  EXPECT_DOUBLE_EQ(inv["LineItems"][0]["TaxAmount"].get<double>(), 15.00);
  EXPECT_DOUBLE_EQ(inv["LineItems"][1]["TaxAmount"].get<double>(), 1.30);  // 10*15/115 = 1.3043
  EXPECT_DOUBLE_EQ(inv["SubTotal"].get<double>(), 108.70);
  EXPECT_DOUBLE_EQ(inv["Total"].get<double>(), 125.00);
  EXPECT_EQ(inv["LineAmountTypes"], "Inclusive");

  json nt = SimpleInvoice("T-4");
  nt["LineAmountTypes"] = "NoTax";
  auto inv2 = sim.CreateInvoice(nt);
  EXPECT_DOUBLE_EQ(inv2["TotalTax"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(inv2["Total"].get<double>(), 100.0);
  EXPECT_EQ(inv2["LineItems"][0]["TaxType"], "NONE");
}

TEST(InvoiceTotals, DiscountRateAndLineAmountCheck) {
  SimOrg sim;
  json line = Line("disc", 3, 33.33);
  line["DiscountRate"] = 10;
  auto inv = sim.CreateInvoice(WithLines(SimpleInvoice("T-5"), {line}));
  EXPECT_DOUBLE_EQ(inv["LineItems"][0]["LineAmount"].get<double>(), 89.99);  // 99.99 * 0.9 = 89.991
  EXPECT_DOUBLE_EQ(inv["LineItems"][0]["TaxAmount"].get<double>(), 13.50);   // 13.4985
  EXPECT_DOUBLE_EQ(inv["TotalDiscount"].get<double>(), 10.00);
  EXPECT_EQ(inv["IsDiscounted"], true);

  json bad = Line("mismatch", 2, 10);
  bad["LineAmount"] = 25;
  Reply r = sim.Call("PUT", kInvoices, WithLines(SimpleInvoice("T-6"), {bad}));
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{
                "The line total 25.00 does not match the expected line total 20.00"});
}

TEST(InvoiceTotals, UnitDecimalPlaces) {
  SimOrg sim;
  json in = WithLines(SimpleInvoice("T-8"), {Line("four dp", 3, 1.23456)});
  Reply two = sim.Call("PUT", kInvoices, in);
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_DOUBLE_EQ(two.json["Invoices"][0]["LineItems"][0]["UnitAmount"].get<double>(), 1.23);
  EXPECT_DOUBLE_EQ(two.json["Invoices"][0]["LineItems"][0]["LineAmount"].get<double>(), 3.69);
  in["InvoiceNumber"] = "T-9";
  Reply four = sim.Call("PUT", kInvoices, in, {{"unitdp", "4"}});
  ASSERT_EQ(four.status, 200) << four.body;
  EXPECT_DOUBLE_EQ(four.json["Invoices"][0]["LineItems"][0]["UnitAmount"].get<double>(), 1.2346);
  EXPECT_DOUBLE_EQ(four.json["Invoices"][0]["LineItems"][0]["LineAmount"].get<double>(),
                   3.70);  // 3.7038
}

TEST(InvoiceShape, IdsDatesAndAutoNumber) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice(""));
  EXPECT_EQ(inv["InvoiceNumber"], "INV-0001");
  std::string id = inv["InvoiceID"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(inv["Date"], "/Date(1793491200000+0000)/");  // 2026-11-01
  EXPECT_EQ(inv["DateString"], "2026-11-01T00:00:00");
  EXPECT_EQ(inv["DueDateString"], "2026-11-30T00:00:00");
  EXPECT_EQ(inv["UpdatedDateUTC"], "/Date(1795478400000+0000)/");
  EXPECT_EQ(inv["UpdatedDateUTCString"], "2026-11-24T00:00:00Z");
  EXPECT_EQ(inv["CurrencyCode"], "NZD");
  EXPECT_EQ(inv["Status"], "AUTHORISED");
  EXPECT_EQ(sim.CreateInvoice(SimpleInvoice(""))["InvoiceNumber"], "INV-0002");
  // A missing Date defaults to today; Status defaults to DRAFT.
  json d = SimpleInvoice("T-7");
  d.erase("Date");
  d.erase("Status");
  auto draft = sim.CreateInvoice(d);
  EXPECT_EQ(draft["DateString"], "2026-11-24T00:00:00");
  EXPECT_EQ(draft["Status"], "DRAFT");
}

TEST(InvoiceBatch, SummarizeErrorsFalseGivesPerElementResults) {
  SimOrg sim;
  json bad = SimpleInvoice("B-2");
  bad["LineItems"][0]["AccountCode"] = "999";
  Reply r =
      sim.Call("PUT", kInvoices, {{"Invoices", {SimpleInvoice("B-1"), bad, SimpleInvoice("B-3")}}},
               {{"summarizeErrors", "false"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& out = r.json["Invoices"];
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["StatusAttributeString"], "OK");
  EXPECT_EQ(out[1]["StatusAttributeString"], "ERROR");
  EXPECT_EQ(out[1]["HasErrors"], true);
  EXPECT_EQ(Messages(out[1]),
            std::vector<std::string>{"Account code '999' is not a valid code for this document."});
  EXPECT_EQ(out[2]["StatusAttributeString"], "OK");
  EXPECT_EQ(out[0]["InvoiceNumber"], "B-1");
  EXPECT_FALSE(out[1].contains("InvoiceID"));
  EXPECT_EQ(Stats(sim.org()).invoices, 2);
}

TEST(InvoiceBatch, WarningWhenSuppliedTotalIsIgnored) {
  SimOrg sim;
  json in = SimpleInvoice("W-1");
  in["Total"] = 99.0;
  Reply r = sim.Call("PUT", kInvoices, {{"Invoices", {in}}}, {{"summarizeErrors", "false"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["Invoices"][0]["StatusAttributeString"], "WARNING");
  EXPECT_DOUBLE_EQ(r.json["Invoices"][0]["Total"].get<double>(), 115.0);
  EXPECT_EQ(r.json["Invoices"][0]["Warnings"].size(), 1u);
}

TEST(InvoiceBatch, DefaultModeReturns400ButStillCreatesValidElements) {
  SimOrg sim;
  json bad = SimpleInvoice("D-2");
  bad["LineItems"][0].erase("Description");
  Reply r = sim.Call("PUT", kInvoices, {{"Invoices", {SimpleInvoice("D-1"), bad}}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json["ErrorNumber"], 10);
  EXPECT_EQ(r.json["Type"], "ValidationException");
  EXPECT_EQ(r.json["Message"], "A validation exception occurred");
  ASSERT_EQ(r.json["Elements"].size(), 1u);  // only the failed element, no IDs of the created one
  EXPECT_EQ(r.json["Elements"][0]["InvoiceNumber"], "D-2");
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{"The description field is mandatory for each line item"});
  Reply found = sim.Get(kInvoices, {{"InvoiceNumbers", "D-1,D-2"}});
  ASSERT_EQ(found.json["Invoices"].size(), 1u);
  EXPECT_EQ(found.json["Invoices"][0]["InvoiceNumber"], "D-1");
}

TEST(InvoiceValidation, DuplicateAccrecNumberIsRejectedAndCounted) {
  SimOrg sim;
  sim.CreateInvoice(SimpleInvoice("DUP-1"));
  Reply r = sim.Call("PUT", kInvoices, SimpleInvoice("DUP-1"));
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]), std::vector<std::string>{"Invoice # must be unique."});
  EXPECT_EQ(Stats(sim.org()).duplicate_numbers_attempted, 1);
  EXPECT_EQ(Stats(sim.org()).invoices, 1);
  json bill = SimpleInvoice("DUP-1");
  bill["Type"] = "ACCPAY";
  bill["LineItems"][0]["AccountCode"] = "429";
  auto created = sim.CreateInvoice(bill);  // ACCPAY numbers need not be unique
  EXPECT_EQ(created["Type"], "ACCPAY");
  EXPECT_EQ(created["LineItems"][0]["TaxType"], "INPUT2");
  EXPECT_EQ(Stats(sim.org()).duplicate_numbers_attempted, 1);
}

TEST(InvoiceValidation, XeroMessagesForBadLines) {
  SimOrg sim;
  auto one = [&](json inv) {
    Reply r = sim.Call("PUT", kInvoices, inv);
    EXPECT_EQ(r.status, 400) << r.body;
    return Messages(r.json["Elements"][0]);
  };
  json tax = SimpleInvoice("V-1");
  tax["LineItems"][0]["TaxType"] = "BOGUS";
  EXPECT_EQ(
      one(tax),
      std::vector<std::string>{
          "The TaxType code BOGUS does not exist or cannot be used for this type of transaction"});
  json expense_tax = SimpleInvoice("V-2");
  expense_tax["LineItems"][0]["TaxType"] = "INPUT2";  // an expense rate on a sales invoice
  EXPECT_EQ(one(expense_tax).size(), 1u);
  json eur = SimpleInvoice("V-3");
  eur["CurrencyCode"] = "EUR";
  EXPECT_EQ(one(eur), std::vector<std::string>{"Organisation is not subscribed to currency EUR"});
  json disc = SimpleInvoice("V-4");
  disc["Type"] = "ACCPAY";
  disc["LineItems"][0]["DiscountRate"] = 5;
  EXPECT_EQ(one(disc), std::vector<std::string>{"Discounts may not be applied to ACCPAY invoices"});
  json no_account = SimpleInvoice("V-5");
  no_account["LineItems"][0].erase("AccountCode");
  EXPECT_EQ(one(no_account), std::vector<std::string>{"Account code must be specified"});
  json no_contact = SimpleInvoice("V-6");
  no_contact.erase("Contact");
  EXPECT_EQ(one(no_contact),
            std::vector<std::string>{"A Contact must be specified for this type of transaction"});
  json empty_contact = SimpleInvoice("V-7");
  empty_contact["Contact"] = json::object();
  EXPECT_EQ(one(empty_contact).at(0).rfind("The Contact must contain at least 1 of", 0), 0u);
  json item = SimpleInvoice("V-8");
  item["LineItems"][0] = {{"ItemCode", "NOPE"}, {"Quantity", 1}};
  EXPECT_EQ(one(item), std::vector<std::string>{"Item code 'NOPE' is not valid"});
  json huge = SimpleInvoice("V-10");
  huge["LineItems"][0]["Quantity"] = 1e12;
  huge["LineItems"][0]["UnitAmount"] = 1e12;
  EXPECT_EQ(one(huge),
            std::vector<std::string>{"A line item amount is outside the range Xero accepts"});
  json rate = SimpleInvoice("V-11");
  rate["LineItems"][0]["DiscountRate"] = 150;
  EXPECT_EQ(one(rate), std::vector<std::string>{"The discount rate must be between 0 and 100"});
  EXPECT_EQ(Stats(sim.org()).invoices, 0);
  // A draft may omit the account; a description-only line is fine.
  json draft = SimpleInvoice("V-9", "DRAFT");
  draft["LineItems"] = {{{"Description", "Note only"}}};
  EXPECT_EQ(sim.CreateInvoice(draft)["Total"], 0.0);
}

TEST(InvoiceValidation, ItemCodeSuppliesDescriptionPriceAndAccount) {
  SimOrg sim;
  json inv = SimpleInvoice("I-1");
  inv["LineItems"] = {{{"ItemCode", "BOOK"}, {"Quantity", 2}}};
  auto out = sim.CreateInvoice(inv);
  EXPECT_EQ(out["LineItems"][0]["Description"], "Fish out of Water: Finding Your Brand");
  EXPECT_EQ(out["LineItems"][0]["AccountCode"], "200");
  EXPECT_DOUBLE_EQ(out["LineItems"][0]["LineAmount"].get<double>(), 39.90);
}

TEST(InvoiceContacts, UnknownNameCreatesContactThenReusesIt) {
  SimOrg sim;
  const long before = Stats(sim.org()).contacts;
  json a = SimpleInvoice("C-1");
  a["Contact"] = {{"Name", "Brand New Ltd"}, {"EmailAddress", "ap@brandnew.nz"}};
  auto first = sim.CreateInvoice(a);
  EXPECT_EQ(Stats(sim.org()).contacts, before + 1);
  std::string contact_id = first["Contact"]["ContactID"];
  json b = SimpleInvoice("C-2");
  b["Contact"] = {{"Name", "Brand New Ltd"}};
  EXPECT_EQ(sim.CreateInvoice(b)["Contact"]["ContactID"], contact_id);
  json c = SimpleInvoice("C-3");
  c["Contact"] = {{"ContactID", contact_id}};
  EXPECT_EQ(sim.CreateInvoice(c)["Contact"]["Name"], "Brand New Ltd");
  EXPECT_EQ(Stats(sim.org()).contacts, before + 1);
  Reply contact = sim.Get("/api.xro/2.0/Contacts/" + contact_id);
  EXPECT_EQ(contact.json["Contacts"][0]["EmailAddress"], "ap@brandnew.nz");
  EXPECT_EQ(contact.json["Contacts"][0]["IsCustomer"], true);
  // Other fields sent with a known contact update it.
  json e = SimpleInvoice("C-5");
  e["Contact"] = {{"ContactID", contact_id}, {"EmailAddress", "new@brandnew.nz"}};
  EXPECT_EQ(sim.CreateInvoice(e)["Contact"]["EmailAddress"], "new@brandnew.nz");
  EXPECT_EQ(sim.Get("/api.xro/2.0/Contacts/" + contact_id).json["Contacts"][0]["EmailAddress"],
            "new@brandnew.nz");
  json d = SimpleInvoice("C-4");
  d["Contact"] = {{"ContactID", "00000000-0000-4000-8000-000000000000"}};
  Reply r = sim.Call("PUT", kInvoices, d);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Stats(sim.org()).contacts, before + 1);
}

TEST(InvoiceLookup, ByNumbersIdsReferenceStatusAndPath) {
  SimOrg sim;
  json a = SimpleInvoice("L-1");
  a["Reference"] = "PO-77";
  auto ia = sim.CreateInvoice(a);
  auto ib = sim.CreateInvoice(SimpleInvoice("L-2", "DRAFT"));
  sim.CreateInvoice(SimpleInvoice("L-3"));
  auto numbers = [](const Reply& r) {
    std::vector<std::string> out;
    for (const auto& i : r.json["Invoices"]) out.push_back(i["InvoiceNumber"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"InvoiceNumbers", "L-1, L-3"}})), (V{"L-1", "L-3"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"IDs", ib["InvoiceID"].get<std::string>()}})), (V{"L-2"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"where", R"(Reference=="PO-77")"}})), (V{"L-1"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"where", R"(InvoiceNumber=="L-3")"}})), (V{"L-3"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"Statuses", "DRAFT"}})), (V{"L-2"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"searchTerm", "po-7"}})), (V{"L-1"}));
  EXPECT_EQ(
      numbers(sim.Get(kInvoices, {{"where", R"(Status=="AUTHORISED" AND Reference!="PO-77")"}})),
      (V{"L-3"}));
  EXPECT_EQ(numbers(sim.Get(std::string(kInvoices) + "/" + ia["InvoiceID"].get<std::string>())),
            (V{"L-1"}));
  EXPECT_EQ(numbers(sim.Get(std::string(kInvoices) + "/L-2")), (V{"L-2"}));
  EXPECT_EQ(sim.Get(std::string(kInvoices) + "/L-404").status, 404);
  EXPECT_EQ(sim.Get(kInvoices, {{"where", "Reference=="}}).json["Type"], "QueryParseException");
  const std::string contact_id = ia["Contact"]["ContactID"];
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"ContactIDs", contact_id}})), (V{"L-1", "L-2", "L-3"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"where", "Contact.ContactID==guid(\"" + contact_id +
                                                      "\") AND Status==\"DRAFT\""}})),
            (V{"L-2"}));
  EXPECT_EQ(
      numbers(sim.Get(
          kInvoices,
          {{"where",
            R"(Contact.Name=="ABC Furniture" AND AmountDue>=115 AND Status=="AUTHORISED")"}})),
      (V{"L-1", "L-3"}));
  Reply page = sim.Get(kInvoices, {{"page", "2"}, {"pageSize", "2"}});
  EXPECT_EQ(numbers(page), (V{"L-3"}));
  EXPECT_EQ(page.json["pagination"]["pageCount"], 2);
  EXPECT_EQ(page.json["pagination"]["itemCount"], 3);
}

TEST(InvoiceLookup, CreatedByMyAppListsOnlyTheCallersInvoices) {
  SimOrg sim;
  sim.set_client_id("app-a");
  sim.CreateInvoice(SimpleInvoice("A-1"));
  sim.set_client_id("app-b");
  sim.CreateInvoice(SimpleInvoice("B-1"));
  sim.CreateInvoice(SimpleInvoice("B-2"));
  auto numbers = [](const Reply& r) {
    std::vector<std::string> out;
    for (const auto& i : r.json["Invoices"]) out.push_back(i["InvoiceNumber"]);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"createdByMyApp", "true"}})), (V{"B-1", "B-2"}));
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"createdByMyApp", "false"}})), (V{"A-1", "B-1", "B-2"}));
  // An update by another app does not change the creator.
  sim.set_client_id("app-a");
  ASSERT_EQ(sim.Call("POST", std::string(kInvoices) + "/B-1", {{"Reference", "by a"}}).status, 200);
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"CreatedByMyApp", "TRUE"}})), (V{"A-1"}));
  // Kept with the state.
  auto restored = OrganisationFromJson(ToJson(sim.org()));
  ASSERT_NE(restored, nullptr);
  sim.owned() = std::move(restored);
  EXPECT_EQ(numbers(sim.Get(kInvoices, {{"createdByMyApp", "true"}})), (V{"A-1"}));
}

}  // namespace
}  // namespace xero_sim
