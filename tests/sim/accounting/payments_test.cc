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

const char kPayments[] = "/api.xro/2.0/Payments";

json PaymentFor(const json& inv, double amount, const char* account = "090") {
  return {{"Invoice", {{"InvoiceID", inv["InvoiceID"]}}},
          {"Account", {{"Code", account}}},
          {"Date", "2026-11-20"},
          {"Amount", amount},
          {"Reference", "bank ref"}};
}

json GetInvoice(SimOrg& sim, const json& inv) {
  return sim.Get("/api.xro/2.0/Invoices/" + inv["InvoiceID"].get<std::string>())
      .json["Invoices"][0];
}

TEST(Payments, PartialThenFullPaymentMarksPaid) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("P-1"));  // total 115.00
  Reply r = sim.Call("PUT", kPayments, {{"Payments", {PaymentFor(inv, 15.0)}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& p = r.json["Payments"][0];
  EXPECT_EQ(p["PaymentID"].get<std::string>().size(), 36u);
  EXPECT_EQ(p["PaymentType"], "ACCRECPAYMENT");
  EXPECT_EQ(p["Status"], "AUTHORISED");
  EXPECT_EQ(p["Date"], "/Date(1795132800000+0000)/");
  EXPECT_EQ(p["Account"]["Code"], "090");
  EXPECT_DOUBLE_EQ(p["Invoice"]["AmountDue"].get<double>(), 100.0);
  auto after = GetInvoice(sim, inv);
  EXPECT_DOUBLE_EQ(after["AmountPaid"].get<double>(), 15.0);
  EXPECT_EQ(after["Status"], "AUTHORISED");
  // POST /Payments with a single payment object.
  r = sim.Call("POST", kPayments, PaymentFor(inv, 100.0));
  ASSERT_EQ(r.status, 200) << r.body;
  after = GetInvoice(sim, inv);
  EXPECT_EQ(after["Status"], "PAID");
  EXPECT_DOUBLE_EQ(after["AmountDue"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(after["AmountPaid"].get<double>(), 115.0);
  EXPECT_EQ(after["FullyPaidOnDate"], "/Date(1795132800000+0000)/");
  EXPECT_EQ(after["Payments"].size(), 2u);
  EXPECT_EQ(Stats(sim.org()).payments, 2);
  EXPECT_EQ(sim.Get(kPayments).json["Payments"].size(), 2u);
}

TEST(Payments, InvoiceReadsByIdAndByIdsCarryThePayments) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("P-R"));
  json pay = PaymentFor(inv, 40.0);
  pay["CurrencyRate"] = 1.0;
  Reply r = sim.Call("PUT", kPayments, pay);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string payment_id = r.json["Payments"][0]["PaymentID"];
  const std::string id = inv["InvoiceID"];
  const json by_id = GetInvoice(sim, inv);
  const json by_ids = sim.Get("/api.xro/2.0/Invoices", {{"IDs", id}}).json["Invoices"][0];
  for (const json& read : {by_id, by_ids}) {
    ASSERT_EQ(read["Payments"].size(), 1u) << read.dump();
    const json& p = read["Payments"][0];
    EXPECT_EQ(p["PaymentID"], payment_id);
    EXPECT_EQ(p["Date"], "/Date(1795132800000+0000)/");
    EXPECT_DOUBLE_EQ(p["Amount"].get<double>(), 40.0);
    EXPECT_EQ(p["Reference"], "bank ref");
    EXPECT_DOUBLE_EQ(p["CurrencyRate"].get<double>(), 1.0);
  }
  // A deleted payment is no longer listed on the invoice.
  ASSERT_EQ(
      sim.Call("POST", std::string(kPayments) + "/" + payment_id, {{"Status", "DELETED"}}).status,
      200);
  EXPECT_TRUE(GetInvoice(sim, inv)["Payments"].empty());
}

TEST(Payments, OverpaymentDraftAndWrongAccountRejected) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("P-2"));
  auto draft = sim.CreateInvoice(SimpleInvoice("P-3", "DRAFT"));
  Reply r = sim.Call("PUT", kPayments,
                     {{"Payments",
                       {PaymentFor(inv, 115.01), PaymentFor(draft, 1.0),
                        PaymentFor(inv, 1.0, "200"), PaymentFor(inv, 5.0)}}},
                     {{"summarizeErrors", "false"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& out = r.json["Payments"];
  EXPECT_EQ(out[0]["HasValidationErrors"], true);
  EXPECT_EQ(
      Messages(out[0]),
      std::vector<std::string>{"Payment amount exceeds the amount outstanding on this document"});
  EXPECT_EQ(Messages(out[1]),
            std::vector<std::string>{"Payments can only be made against Authorised documents."});
  EXPECT_EQ(out[2]["StatusAttributeString"], "ERROR");
  EXPECT_EQ(out[3]["StatusAttributeString"], "OK");
  EXPECT_EQ(Stats(sim.org()).payments, 1);
  // Default mode: 400 ValidationException.
  r = sim.Call("PUT", kPayments, {{"Payments", {PaymentFor(inv, 500.0)}}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.json["Type"], "ValidationException");
  EXPECT_EQ(
      Messages(r.json["Elements"][0]),
      std::vector<std::string>{"Payment amount exceeds the amount outstanding on this document"});
  // Paying a PAID invoice.
  ASSERT_EQ(sim.Call("PUT", kPayments, PaymentFor(inv, 110.0)).status, 200);
  r = sim.Call("PUT", kPayments, PaymentFor(inv, 1.0));
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{"Payments can only be made against Authorised documents."});
}

TEST(Payments, ByInvoiceNumberAndDeletion) {
  SimOrg sim;
  auto inv = sim.CreateInvoice(SimpleInvoice("P-4"));
  json p = {
      {"Invoice", {{"InvoiceNumber", "P-4"}}}, {"Account", {{"Code", "090"}}}, {"Amount", 115}};
  Reply r = sim.Call("PUT", kPayments, p);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(GetInvoice(sim, inv)["Status"], "PAID");
  std::string id = r.json["Payments"][0]["PaymentID"];
  r = sim.Call("POST", std::string(kPayments) + "/" + id, {{"Status", "DELETED"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Payments"][0]["Status"], "DELETED");
  auto after = GetInvoice(sim, inv);
  EXPECT_EQ(after["Status"], "AUTHORISED");
  EXPECT_DOUBLE_EQ(after["AmountDue"].get<double>(), 115.0);
  EXPECT_TRUE(after["Payments"].empty());
  r = sim.Call("POST", std::string(kPayments) + "/" + id, {{"Amount", 5}});
  EXPECT_EQ(r.status, 400);
}

}  // namespace
}  // namespace xero_sim
