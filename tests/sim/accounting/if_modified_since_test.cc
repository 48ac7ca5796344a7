// SPDX-License-Identifier: MIT
// If-Modified-Since on the list endpoints that document it (GET Accounts,
// Contacts, Invoices, Items, Payments) and UpdatedDateUTC on every record.
#include <gtest/gtest.h>

#include "sim/accounting/accounting.h"
#include "sim/accounting/xero_json.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using nlohmann::json;
using std::chrono::hours;
using testing::Reply;
using testing::SimOrg;
using testing::SimpleInvoice;

TEST(ParseTimestamp, IsoAndHttpDates) {
  // The spec's example.
  EXPECT_EQ(ParseTimestampMillis("2020-02-06T12:17:43.202-08:00"), 1581020263202);
  EXPECT_EQ(ParseTimestampMillis("2020-02-06T20:17:43.202Z"), 1581020263202);
  EXPECT_EQ(ParseTimestampMillis("2020-02-06T20:17:43.2021234"), 1581020263202);  // UTC
  EXPECT_EQ(ParseTimestampMillis("2020-02-06T21:17:43.202+0100"), 1581020263202);
  EXPECT_EQ(ParseTimestampMillis("2026-11-24T00:00:00"), 1795478400000);
  EXPECT_EQ(ParseTimestampMillis("2026-11-24"), 1795478400000);
  // RFC 7231: IMF-fixdate and the two obsolete forms.
  EXPECT_EQ(ParseTimestampMillis("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(ParseTimestampMillis("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(ParseTimestampMillis("Sun Nov  6 08:49:37 1994"), 784111777000);
  for (const char* bad :
       {"", "yesterday", "2026-13-01", "2026-02-30T00:00:00", "2026-11-24T25:00:00",
        "2026-11-24T10:00:00+5", "2026-11-24X", "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 32 Nov 1994 08:49:37 GMT", "1795478400000"})
    EXPECT_FALSE(ParseTimestampMillis(bad).has_value()) << bad;
}

// The ids of a list answer's elements.
std::vector<std::string> Ids(const Reply& r, const char* key, const char* id) {
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<std::string> out;
  for (const auto& e : r.json[key]) out.push_back(e[id]);
  return out;
}

std::string Iso(std::chrono::system_clock::time_point t) { return IsoUtcForMillis(UnixMillis(t)); }

TEST(IfModifiedSince, ListsOnlyRecordsCreatedOrModifiedAtOrAfterTheTimestamp) {
  SimOrg sim;  // seeded at T0
  const auto t0 = sim.now();
  sim.Advance(hours(1));  // T1
  const auto t1 = sim.now();
  const std::string a = sim.CreateInvoice(SimpleInvoice("A-1"))["InvoiceID"];
  sim.Advance(hours(1));  // T2
  const auto t2 = sim.now();
  const std::string b = sim.CreateInvoice(SimpleInvoice("B-1"))["InvoiceID"];
  Reply contact = sim.Call("PUT", "/api.xro/2.0/Contacts", {{"Name", "New At T2"}});
  ASSERT_EQ(contact.status, 200) << contact.body;
  const std::string c = contact.json["Contacts"][0]["ContactID"];
  auto since = [](std::chrono::system_clock::time_point t) {
    return testing::Headers{{"if-modified-since", Iso(t)}};
  };

  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {}, since(t2)), "Invoices", "InvoiceID"),
            std::vector<std::string>{b});
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {}, since(t1)), "Invoices", "InvoiceID"),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Contacts", {}, since(t2)), "Contacts", "ContactID"),
            std::vector<std::string>{c});
  // Seeds were created at T0: all of them since T0, none since T1 (200 with an empty list).
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Accounts", {}, since(t0)), "Accounts", "AccountID").size(),
            16u);
  EXPECT_TRUE(
      Ids(sim.Get("/api.xro/2.0/Accounts", {}, since(t1)), "Accounts", "AccountID").empty());
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Items", {}, since(t0)), "Items", "ItemID").size(), 3u);
  EXPECT_TRUE(Ids(sim.Get("/api.xro/2.0/Items", {}, since(t1)), "Items", "ItemID").empty());

  // T3: A is modified, B paid. Both move; the payment is new.
  sim.Advance(hours(1));
  const auto t3 = sim.now();
  ASSERT_EQ(sim.Call("POST", "/api.xro/2.0/Invoices/" + a, {{"Reference", "changed"}}).status, 200);
  Reply paid =
      sim.Call("PUT", "/api.xro/2.0/Payments",
               {{"Invoice", {{"InvoiceID", b}}}, {"Account", {{"Code", "090"}}}, {"Amount", 10}});
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {}, since(t3)), "Invoices", "InvoiceID"),
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Payments", {}, since(t3)), "Payments", "PaymentID").size(),
            1u);
  EXPECT_TRUE(
      Ids(sim.Get("/api.xro/2.0/Payments", {}, since(t3 + hours(1))), "Payments", "PaymentID")
          .empty());
  // The other formats: an offset, an HTTP-date; a malformed value is ignored.
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {},
                        {{"if-modified-since", "2026-11-23T21:00:00.000-06:00"}}),  // T3
                "Invoices", "InvoiceID")
                .size(),
            2u);
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {},
                        {{"if-modified-since", "Tue, 24 Nov 2026 03:00:00 GMT"}}),  // T3
                "Invoices", "InvoiceID")
                .size(),
            2u);
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {},
                        {{"if-modified-since", "Tue, 24 Nov 2026 03:00:01 GMT"}}),
                "Invoices", "InvoiceID")
                .size(),
            0u);
  EXPECT_EQ(Ids(sim.Get("/api.xro/2.0/Invoices", {}, {{"if-modified-since", "not a date"}}),
                "Invoices", "InvoiceID")
                .size(),
            2u);
  // Single-record reads do not filter.
  EXPECT_EQ(sim.Get("/api.xro/2.0/Invoices/" + a, {}, since(t3 + hours(5))).status, 200);
}

TEST(IfModifiedSince, UpdatedDateUtcMovesOnEveryModification) {
  SimOrg sim;
  auto updated = [&](const std::string& id) {
    return sim.Get("/api.xro/2.0/Invoices/" + id).json["Invoices"][0]["UpdatedDateUTC"];
  };
  const std::string id = sim.CreateInvoice(SimpleInvoice("U-1"))["InvoiceID"];
  EXPECT_EQ(updated(id), MsDateForMillis(UnixMillis(sim.now())));
  // Two changes at the same instant still give two different values.
  json first = updated(id);
  ASSERT_EQ(sim.Call("POST", "/api.xro/2.0/Invoices/" + id, {{"Reference", "x"}}).status, 200);
  json second = updated(id);
  EXPECT_NE(second, first);
  sim.Advance(std::chrono::seconds(5));
  ASSERT_EQ(
      sim.Call("PUT", "/api.xro/2.0/Payments",
               {{"Invoice", {{"InvoiceID", id}}}, {"Account", {{"Code", "090"}}}, {"Amount", 1}})
          .status,
      200);
  EXPECT_EQ(updated(id), MsDateForMillis(UnixMillis(sim.now())));
  // Contacts: a real change moves it, a no-op update does not.
  json contact = sim.Get("/api.xro/2.0/Contacts").json["Contacts"][0];
  const std::string cid = contact["ContactID"];
  sim.Advance(std::chrono::seconds(5));
  ASSERT_EQ(sim.Call("POST", "/api.xro/2.0/Contacts/" + cid, {{"Name", contact["Name"]}}).status,
            200);
  EXPECT_EQ(sim.Get("/api.xro/2.0/Contacts/" + cid).json["Contacts"][0]["UpdatedDateUTC"],
            contact["UpdatedDateUTC"]);
  ASSERT_EQ(sim.Call("POST", "/api.xro/2.0/Contacts/" + cid, {{"EmailAddress", "a@b.test"}}).status,
            200);
  EXPECT_EQ(sim.Get("/api.xro/2.0/Contacts/" + cid).json["Contacts"][0]["UpdatedDateUTC"],
            MsDateForMillis(UnixMillis(sim.now())));
}

}  // namespace
}  // namespace xero_sim
