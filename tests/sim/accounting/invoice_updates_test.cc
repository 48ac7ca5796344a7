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

std::string Path(const json& inv) {
  return "/api.xro/2.0/Invoices/" + inv["InvoiceID"].get<std::string>();
}

TEST(InvoiceUpdates, DraftToSubmittedToAuthorised) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("U-1", "DRAFT"));
  Reply r = sim.Call("POST", Path(inv), {{"Status", "SUBMITTED"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Invoices"][0]["Status"], "SUBMITTED");
  // Update by InvoiceID in the body of POST /Invoices.
  r = sim.Call("POST", "/api.xro/2.0/Invoices",
               {{"Invoices", {{{"InvoiceID", inv["InvoiceID"]}, {"Status", "AUTHORISED"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Invoices"][0]["Status"], "AUTHORISED");
  EXPECT_EQ(r.json["Invoices"][0]["InvoiceID"], inv["InvoiceID"]);
  EXPECT_EQ(Stats(sim.org()).invoices, 1);
  // Back to DRAFT is refused.
  r = sim.Call("POST", Path(inv), {{"Status", "DRAFT"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{"Invoice not of valid status for modification"});
  EXPECT_EQ(sim.Get(Path(inv)).json["Invoices"][0]["Status"], "AUTHORISED");
}

TEST(InvoiceUpdates, UpdateReplacesLinesAndRecomputesTotals) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("U-2", "DRAFT"));
  json lines = {
      {{"Description", "New"}, {"Quantity", 2}, {"UnitAmount", 50.5}, {"AccountCode", "260"}}};
  Reply r = sim.Call("POST", Path(inv), {{"LineItems", lines}, {"Reference", "changed"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& out = r.json["Invoices"][0];
  EXPECT_DOUBLE_EQ(out["SubTotal"].get<double>(), 101.0);
  EXPECT_DOUBLE_EQ(out["TotalTax"].get<double>(), 15.15);
  EXPECT_DOUBLE_EQ(out["Total"].get<double>(), 116.15);
  EXPECT_EQ(out["Reference"], "changed");
  EXPECT_EQ(out["LineItems"].size(), 1u);
  EXPECT_EQ(out["InvoiceNumber"], "U-2");
}

TEST(InvoiceUpdates, PaidAndVoidedInvoicesCannotBeEdited) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("U-3"));
  Reply pay = sim.Call("PUT", "/api.xro/2.0/Payments",
                       {{"Payments",
                         {{{"Invoice", {{"InvoiceID", inv["InvoiceID"]}}},
                           {"Account", {{"Code", "090"}}},
                           {"Date", "2026-11-20"},
                           {"Amount", 115.0}}}}});
  ASSERT_EQ(pay.status, 200) << pay.body;
  Reply r = sim.Call("POST", Path(inv), {{"Reference", "late edit"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{"Invoice not of valid status for modification"});

  auto other = sim.CreateInvoice(SimpleInvoice("U-4"));
  r = sim.Call("POST", Path(other), {{"Status", "VOIDED"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Invoices"][0]["Status"], "VOIDED");
  EXPECT_DOUBLE_EQ(r.json["Invoices"][0]["AmountDue"].get<double>(), 0.0);
  r = sim.Call("POST", Path(other), {{"Status", "AUTHORISED"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(sim.Get(Path(other)).json["Invoices"][0]["Status"], "VOIDED");
}

TEST(InvoiceUpdates, CreationStatusesAndIdRules) {
  SimOrg sim;
  Reply r = sim.Call("PUT", "/api.xro/2.0/Invoices", SimpleInvoice("U-5", "PAID"));
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{"Invoice not of valid status for creation"});
  auto inv = sim.CreateInvoice(SimpleInvoice("U-6", "DRAFT"));
  json again = SimpleInvoice("U-7", "DRAFT");
  again["InvoiceID"] = inv["InvoiceID"];
  r = sim.Call("PUT", "/api.xro/2.0/Invoices", again);  // PUT never updates
  EXPECT_EQ(r.status, 400);
  r = sim.Call("POST", "/api.xro/2.0/Invoices/00000000-0000-4000-8000-000000000001",
               {{"Status", "AUTHORISED"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{
                "The document with the supplied id was not found for this endpoint."});
  // Renumbering onto another invoice's number is a duplicate too.
  sim.CreateInvoice(SimpleInvoice("U-8"));
  r = sim.Call("POST", Path(inv), {{"InvoiceNumber", "U-8"}});
  EXPECT_EQ(Messages(r.json["Elements"][0]), std::vector<std::string>{"Invoice # must be unique."});
  EXPECT_EQ(Stats(sim.org()).duplicate_numbers_attempted, 1);
  // Draft → deleted is allowed.
  r = sim.Call("POST", Path(inv), {{"Status", "DELETED"}});
  EXPECT_EQ(r.json["Invoices"][0]["Status"], "DELETED");
}

}  // namespace
}  // namespace xero_sim
