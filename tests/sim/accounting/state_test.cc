// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "sim/accounting/accounting.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using nlohmann::json;
using testing::Reply;
using testing::SimOrg;
using testing::SimpleInvoice;

TEST(State, JsonRoundTripKeepsEverything) {
  SimOrg sim(testing::Options("Round Trip Ltd"));
  auto inv = sim.CreateInvoice(SimpleInvoice("R-1"));
  json line = {{"Description", "odd"},
               {"Quantity", 3},
               {"UnitAmount", 0.3333},
               {"AccountCode", "200"},
               {"DiscountRate", 2.5}};
  json second = SimpleInvoice("R-2");
  second["LineItems"] = {line};
  second["Contact"] = {{"Name", "Auto Created"},
                       {"Phones", {{{"PhoneType", "MOBILE"}, {"PhoneNumber", "021"}}}}};
  sim.CreateInvoice(second);
  ASSERT_EQ(sim.Call("PUT", "/api.xro/2.0/Payments",
                     {{"Invoice", {{"InvoiceID", inv["InvoiceID"]}}},
                      {"Account", {{"Code", "090"}}},
                      {"Amount", 15}})
                .status,
            200);
  sim.Call("PUT", "/api.xro/2.0/Invoices", SimpleInvoice("R-1"));  // counted duplicate
  const json state = ToJson(sim.org());
  auto restored = OrganisationFromJson(json::parse(state.dump()));
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(ToJson(*restored), state);
  EXPECT_EQ(InvoicesJson(*restored), InvoicesJson(sim.org()));
  OrgStats a = Stats(sim.org());
  OrgStats b = Stats(*restored);
  EXPECT_EQ(b.invoices, 2);
  EXPECT_EQ(b.payments, 1);
  EXPECT_EQ(b.contacts, a.contacts);
  EXPECT_EQ(b.duplicate_numbers_attempted, 1);
  // The restored organisation keeps working: numbering continues, duplicates are still found.
  sim.owned() = std::move(restored);
  EXPECT_EQ(sim.CreateInvoice(SimpleInvoice(""))["InvoiceNumber"], "INV-0001");
  EXPECT_EQ(sim.Call("PUT", "/api.xro/2.0/Invoices", SimpleInvoice("R-2")).status, 400);
  EXPECT_EQ(sim.Get("/api.xro/2.0/Organisation").json["Organisations"][0]["Name"],
            "Round Trip Ltd");
  EXPECT_EQ(ShortCode(sim.org()), state["options"]["short_code"]);
}

TEST(State, StatesWithoutAShortCodeGetAStableOne) {
  SimOrg sim;
  json state = ToJson(sim.org());
  state["options"].erase("short_code");
  auto a = OrganisationFromJson(state);
  auto b = OrganisationFromJson(state);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(ShortCode(*a).size(), 6u);
  EXPECT_EQ(ShortCode(*a), ShortCode(*b));
}

TEST(State, InvoicesJsonIsXeroShapedWithPayments) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("J-1"));
  sim.Call("PUT", "/api.xro/2.0/Payments",
           {{"Invoice", {{"InvoiceID", inv["InvoiceID"]}}},
            {"Account", {{"Code", "090"}}},
            {"Amount", 115}});
  json all = InvoicesJson(sim.org());
  ASSERT_EQ(all["Invoices"].size(), 1u);
  EXPECT_EQ(all["Invoices"][0]["Status"], "PAID");
  EXPECT_EQ(all["Invoices"][0]["Payments"].size(), 1u);
  EXPECT_DOUBLE_EQ(all["Invoices"][0]["Payments"][0]["Amount"].get<double>(), 115.0);
}

TEST(State, BadInputGivesNull) {
  EXPECT_EQ(OrganisationFromJson(json::object()), nullptr);
  EXPECT_EQ(OrganisationFromJson(json::array()), nullptr);
  EXPECT_EQ(OrganisationFromJson(json("x")), nullptr);
  SimOrg sim;
  json state = ToJson(sim.org());
  state["version"] = 99;
  EXPECT_EQ(OrganisationFromJson(state), nullptr);
  state = ToJson(sim.org());
  state["invoices"] = json::array({{{"id", 5}}});
  EXPECT_EQ(OrganisationFromJson(state), nullptr);
  state = ToJson(sim.org());
  state["tax_rates"][0]["rate"] = "fifteen";
  EXPECT_EQ(OrganisationFromJson(state), nullptr);
}

}  // namespace
}  // namespace xero_sim
