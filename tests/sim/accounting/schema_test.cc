// SPDX-License-Identifier: MIT
#include "sim/accounting/schema.h"

#include <gtest/gtest.h>

#include "sim/accounting/accounting.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using nlohmann::json;
using testing::Reply;
using testing::SimOrg;
using testing::SimpleInvoice;

std::string Message(const Reply& r) {
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json.value("ErrorNumber", 0), 14) << r.body;
  EXPECT_EQ(r.json.value("Type", ""), "PostDataInvalidException");
  return r.json.value("Message", "");
}

TEST(Schema, UnknownFieldWrongTypeAndBadEnumAreRejected) {
  SimOrg sim;
  json unknown = SimpleInvoice("S-1");
  unknown["Colour"] = "blue";
  EXPECT_EQ(Message(sim.Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {unknown}}})),
            "JSON for post data was invalid,Could not find member 'Colour' on object of type "
            "'Invoice'. Path "
            "'Invoices[0].Colour'.");
  json wrong = SimpleInvoice("S-2");
  wrong["LineItems"][0]["Quantity"] = "two";
  EXPECT_NE(Message(sim.Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {wrong}}}))
                .find("Path 'Invoices[0].LineItems[0].Quantity'"),
            std::string::npos);
  json enum_bad = SimpleInvoice("S-3");
  enum_bad["Type"] = "INVOICE";
  EXPECT_NE(Message(sim.Call("PUT", "/api.xro/2.0/Invoices", enum_bad))
                .find("'InvoiceType'. Path 'Type'"),
            std::string::npos);
  json lines_not_array = SimpleInvoice("S-4");
  lines_not_array["LineItems"] = "none";
  Message(sim.Call("PUT", "/api.xro/2.0/Invoices", lines_not_array));
  json nested = SimpleInvoice("S-5");
  nested["Contact"]["Nickname"] = "x";
  EXPECT_NE(
      Message(sim.Call("PUT", "/api.xro/2.0/Invoices", nested)).find("Path 'Contact.Nickname'"),
      std::string::npos);
  json lat = SimpleInvoice("S-6");
  lat["LineAmountTypes"] = "exclusive";  // enum values are case-sensitive here
  Message(sim.Call("PUT", "/api.xro/2.0/Invoices", lat));
  json boolean = SimpleInvoice("S-7");
  boolean["SentToContact"] = "yes";
  Message(sim.Call("PUT", "/api.xro/2.0/Invoices", boolean));
  // Nothing was created by any of them.
  EXPECT_EQ(Stats(sim.org()).invoices, 0);
}

TEST(Schema, MalformedJsonAndOtherEndpoints) {
  SimOrg sim;
  EXPECT_NE(Message(sim.CallRaw("PUT", "/api.xro/2.0/Invoices", "{\"Invoices\": ["))
                .find("JSON for post data"),
            std::string::npos);
  Message(sim.Call("PUT", "/api.xro/2.0/Payments", {{"Payments", {{{"Amount", "10"}}}}}));
  Message(sim.Call("PUT", "/api.xro/2.0/Payments", {{"Payments", {{{"Status", "VOIDED"}}}}}));
  Message(sim.Call("PUT", "/api.xro/2.0/Contacts",
                   {{"Contacts", {{{"Name", "A"}, {"Phones", {{{"PhoneType", "CELL"}}}}}}}}));
  Message(sim.Call("PUT", "/api.xro/2.0/Contacts", {{"Name", "A"}, {"DefaultCurrency", "nzd"}}));
  Message(
      sim.Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {SimpleInvoice("x")}}, {"Extra", 1}}));
  EXPECT_EQ(Stats(sim.org()).payments, 0);
}

TEST(Schema, ObjectsAsXeroReturnsThemCanBeSentBack) {
  SimOrg sim;
  json created = sim.CreateInvoice(SimpleInvoice("B-1"));
  ASSERT_TRUE(created.contains("CreditNotes"));
  // The invoice exactly as Xero answered it (read-only fields included) is accepted on update.
  // (DateString and DueDateString are in Xero's answers but not in the spec, so SDKs drop them.)
  json back = created;
  back.erase("DateString");
  back.erase("DueDateString");
  back["Reference"] = "sent back";
  Reply r = sim.Call("POST", "/api.xro/2.0/Invoices", {{"Invoices", {back}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Invoices"][0]["Reference"], "sent back");
  EXPECT_DOUBLE_EQ(r.json["Invoices"][0]["Total"].get<double>(), 115.0);
  // A contact as GET /Contacts returns it, with read-only members the simulator ignores.
  json contact = sim.Get("/api.xro/2.0/Contacts").json["Contacts"][0];
  contact["Balances"] = {{"AccountsReceivable", {{"Outstanding", 10}, {"Overdue", 0}}}};
  contact["ContactGroups"] = json::array();
  contact["Website"] = "https://example.com";
  contact["EmailAddress"] = "ap@example.com";
  Reply c = sim.Call("POST", "/api.xro/2.0/Contacts", {{"Contacts", {contact}}});
  ASSERT_EQ(c.status, 200) << c.body;
  const auto& stored = c.json["Contacts"][0];
  EXPECT_EQ(stored["EmailAddress"], "ap@example.com");
  EXPECT_FALSE(stored.contains("Balances"));  // ignored, not stored
  EXPECT_FALSE(stored.contains("Website"));
  // Unknown names are still refused, also inside read-only members the simulator models.
  json bad = back;
  bad["Payments"] = {{{"PaymentID", "x"}, {"Colour", "red"}}};
  EXPECT_NE(Message(sim.Call("POST", "/api.xro/2.0/Invoices", bad))
                .find("Could not find member 'Colour' on object of type 'Payment'. Path "
                      "'Payments[0].Colour'."),
            std::string::npos);
}

TEST(Schema, ValidatorAcceptsNullsAndFullElements) {
  EXPECT_FALSE(ValidateAgainstSchema("Invoice", SimpleInvoice("N-1"), "").has_value());
  json with_null = SimpleInvoice("N-2");
  with_null["Reference"] = nullptr;
  EXPECT_FALSE(ValidateAgainstSchema("Invoice", with_null, "").has_value());
  EXPECT_TRUE(ValidateAgainstSchema("Invoice", json::array(), "").has_value());
  EXPECT_TRUE(ValidateAgainstSchema("NoSuchSchema", json::object(), "").has_value());
  ASSERT_NE(EnumValues("Invoice.Status"), nullptr);
  EXPECT_EQ(EnumValues("Invoice.Status")->size(), 6u);
}

}  // namespace
}  // namespace xero_sim
