// SPDX-License-Identifier: MIT
// /Items writes (PUT create, POST create-or-update) and items on invoice lines;
// contacts' SalesDefaultAccountCode.
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

constexpr char kItems[] = "/api.xro/2.0/Items";

json ItemLine(const std::string& code) { return {{"ItemCode", code}, {"Quantity", 2}}; }

TEST(Items, PutCreatesAnItemWithoutASalesAccount) {
  SimOrg sim;
  Reply r = sim.Call("PUT", kItems,
                     {{"Items",
                       {{{"Code", "NOACC"},
                         {"Name", "No account"},
                         {"Description", "Widget without a sales account"},
                         {"SalesDetails", {{"UnitPrice", 12.5}}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json item = r.json["Items"][0];
  EXPECT_EQ(item["ItemID"].get<std::string>().size(), 36u);
  EXPECT_EQ(item["SalesDetails"], (json{{"UnitPrice", 12.5}}));
  EXPECT_EQ(item["IsSold"], true);
  EXPECT_EQ(sim.Get(std::string(kItems) + "/NOACC").json["Items"][0]["ItemID"], item["ItemID"]);
  EXPECT_EQ(sim.Get(kItems).json["Items"].size(), 4u);
  // An authorised invoice with that item has no account: Xero's error.
  json inv = SimpleInvoice("I-1");
  inv["LineItems"] = {ItemLine("NOACC")};
  Reply bad = sim.Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {inv}}},
                       {{"summarizeErrors", "false"}});
  EXPECT_EQ(Messages(bad.json["Invoices"][0]),
            std::vector<std::string>{"Account code must be specified"});
  // As a draft it is fine, with the item's price and description.
  inv["Status"] = "DRAFT";
  json draft = sim.CreateInvoice(inv);
  EXPECT_EQ(draft["LineItems"][0]["Description"], "Widget without a sales account");
  EXPECT_DOUBLE_EQ(draft["LineItems"][0]["LineAmount"].get<double>(), 25.0);
  EXPECT_FALSE(draft["LineItems"][0].contains("AccountCode"));
}

TEST(Items, CodesAreRequiredUniqueAndShort) {
  SimOrg sim;
  auto errors = [&](const std::string& method, const json& item) {
    Reply r = sim.Call(method, kItems, {{"Items", {item}}}, {{"summarizeErrors", "false"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return Messages(r.json["Items"][0]);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(errors("PUT", {{"Name", "x"}}), (V{"An item Code must be specified"}));
  EXPECT_EQ(errors("PUT", {{"Code", std::string(31, 'C')}}),
            (V{"The item Code must not be longer than 30 characters"}));
  EXPECT_TRUE(errors("PUT", {{"Code", std::string(30, 'C')}}).empty());
  EXPECT_EQ(errors("PUT", {{"Code", "book"}}), (V{"Item code 'book' already exists"}));
  EXPECT_EQ(errors("PUT", {{"Code", "X1"}, {"SalesDetails", {{"AccountCode", "999"}}}}),
            (V{"Account code '999' is not a valid code for this document."}));
  EXPECT_EQ(errors("PUT", {{"Code", "X2"}, {"SalesDetails", {{"TaxType", "INPUT2"}}}}),
            (V{"The TaxType code INPUT2 does not exist or cannot be used for this type of "
               "transaction"}));
  EXPECT_EQ(errors("POST", {{"ItemID", "00000000-0000-4000-8000-000000000000"}, {"Code", "Z"}}),
            (V{"The document with the supplied id was not found for this endpoint."}));
  // Unknown members are refused by the schema; read-only ones are ignored.
  Reply unknown = sim.Call("PUT", kItems, {{"Code", "U"}, {"Colour", "red"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(sim.Call("PUT", kItems, {{"Code", "U"}, {"QuantityOnHand", 3}}).status, 200);
}

TEST(Items, PostUpdatesByIdOrCodeAndCreatesOtherwise) {
  SimOrg sim;
  const json book = sim.Get(std::string(kItems) + "/BOOK").json["Items"][0];
  sim.Advance(std::chrono::minutes(1));
  Reply by_code = sim.Call("POST", kItems, {{"Code", "BOOK"}, {"Name", "Renamed"}});
  ASSERT_EQ(by_code.status, 200) << by_code.body;
  EXPECT_EQ(by_code.json["Items"][0]["ItemID"], book["ItemID"]);
  EXPECT_EQ(by_code.json["Items"][0]["Name"], "Renamed");
  EXPECT_EQ(by_code.json["Items"][0]["SalesDetails"], book["SalesDetails"]);  // untouched
  EXPECT_NE(by_code.json["Items"][0]["UpdatedDateUTC"], book["UpdatedDateUTC"]);
  const std::string id = book["ItemID"];
  Reply by_path = sim.Call("POST", std::string(kItems) + "/" + id,
                           {{"Items", {{{"SalesDetails", {{"UnitPrice", 25}}}}}}});
  ASSERT_EQ(by_path.status, 200) << by_path.body;
  EXPECT_DOUBLE_EQ(by_path.json["Items"][0]["SalesDetails"]["UnitPrice"].get<double>(), 25.0);
  EXPECT_EQ(by_path.json["Items"][0]["SalesDetails"]["AccountCode"], "200");
  Reply created = sim.Call("POST", kItems, {{"Code", "NEW"}, {"Name", "New"}});
  ASSERT_EQ(created.status, 200);
  EXPECT_NE(created.json["Items"][0]["ItemID"], book["ItemID"]);
  EXPECT_EQ(sim.Get(kItems).json["Items"].size(), 4u);
  // IsSold false nulls the sales side, as Xero documents.
  Reply unsold = sim.Call("POST", kItems, {{"Code", "BOOK"}, {"IsSold", false}});
  EXPECT_EQ(unsold.json["Items"][0]["SalesDetails"], json::object());
  EXPECT_EQ(unsold.json["Items"][0]["Description"], "");
  EXPECT_EQ(sim.Call("PUT", std::string(kItems) + "/" + id, {{"Code", "X"}}).status, 404);
}

TEST(Items, BillsUseThePurchaseDetails) {
  SimOrg sim;
  ASSERT_EQ(sim.Call("PUT", kItems,
                     {{"Code", "PART"},
                      {"PurchaseDescription", "Spare part"},
                      {"PurchaseDetails",
                       {{"UnitPrice", 7}, {"AccountCode", "400"}, {"TaxType", "INPUT2"}}}})
                .status,
            200);
  json bill = SimpleInvoice("");
  bill["Type"] = "ACCPAY";
  bill["InvoiceNumber"] = "SUP-1";
  bill["LineItems"] = {{{"ItemCode", "PART"}, {"Description", "Spare part"}, {"Quantity", 2}}};
  json created = sim.CreateInvoice(bill);
  ASSERT_FALSE(created.is_null());
  const json& line = created["LineItems"][0];
  EXPECT_DOUBLE_EQ(line["LineAmount"].get<double>(), 14.0);
  EXPECT_EQ(line["AccountCode"], "400");
  EXPECT_EQ(line["TaxType"], "INPUT2");
}

TEST(Items, KeptWithTheState) {
  SimOrg sim;
  ASSERT_EQ(sim.Call("PUT", kItems, {{"Code", "KEEP"}, {"PurchaseDetails", {{"UnitPrice", 1.25}}}})
                .status,
            200);
  const json before = sim.Get(kItems).json["Items"];
  auto restored = OrganisationFromJson(ToJson(sim.org()));
  ASSERT_NE(restored, nullptr);
  sim.owned() = std::move(restored);
  EXPECT_EQ(sim.Get(kItems).json["Items"], before);
}

TEST(Contacts, SalesDefaultAccountCodeIsStoredAndReturned) {
  SimOrg sim;
  Reply put =
      sim.Call("PUT", "/api.xro/2.0/Contacts",
               {{"Contacts", {{{"Name", "Defaults Ltd"}, {"SalesDefaultAccountCode", "260"}}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  const std::string id = put.json["Contacts"][0]["ContactID"];
  EXPECT_EQ(put.json["Contacts"][0]["SalesDefaultAccountCode"], "260");
  EXPECT_EQ(sim.Get("/api.xro/2.0/Contacts/" + id).json["Contacts"][0]["SalesDefaultAccountCode"],
            "260");
  ASSERT_EQ(sim.Call("POST", "/api.xro/2.0/Contacts/" + id,
                     {{"SalesDefaultAccountCode", "200"}, {"PurchasesDefaultAccountCode", "400"}})
                .status,
            200);
  const json got = sim.Get("/api.xro/2.0/Contacts", {{"IDs", id}}).json["Contacts"][0];
  EXPECT_EQ(got["SalesDefaultAccountCode"], "200");
  EXPECT_EQ(got["PurchasesDefaultAccountCode"], "400");
}

}  // namespace
}  // namespace xero_sim
