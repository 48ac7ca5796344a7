// SPDX-License-Identifier: MIT
// Reading an organisation's data from Xero's answers: what xerod needs is
// taken, anything of the wrong type is absent, never a crash.
#include "copy/org_data.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xerod::copy {
namespace {

using nlohmann::json;

TEST(OrgDataTest, ReadsXeroShapedAnswers) {
  auto org = ParseOrganisation(json::parse(R"({"Id":"x","Status":"OK","Organisations":[
      {"OrganisationID":"t-1","Name":"Acme NZ","ShortCode":"!aB3dE","BaseCurrency":"NZD",
       "OrganisationStatus":"ACTIVE"}]})"));
  ASSERT_TRUE(org) << org.error().message();
  EXPECT_EQ(org->id, "t-1");
  EXPECT_EQ(org->short_code, "!aB3dE");
  EXPECT_EQ(org->base_currency, "NZD");

  auto accounts = ParseAccounts(json::parse(R"({"Accounts":[
      {"Code":"090","Name":"Bank","Type":"BANK","Status":"ACTIVE"},
      {"Code":"200","Name":"Sales","Type":"REVENUE","Status":"ACTIVE","EnablePaymentsToAccount":false},
      {"Code":"970","Name":"Funds","Type":"EQUITY","EnablePaymentsToAccount":true},
      {"Name":"No code","Type":"BANK"}]})"));
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 3u);  // the one without a code is left out
  EXPECT_TRUE((*accounts)[0].payments_allowed);
  EXPECT_FALSE((*accounts)[1].payments_allowed);
  EXPECT_TRUE((*accounts)[2].payments_allowed);

  auto items = ParseItems(json::parse(R"({"Items":[
      {"Code":"DevFee","SalesDetails":{"AccountCode":"200"}},{"Code":"Plain","SalesDetails":{}},
      {"Code":"NoDetails"}]})"));
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].sales_account, "200");
  EXPECT_EQ((*items)[1].sales_account, "");

  auto tracking = ParseTrackingCategories(json::parse(R"({"TrackingCategories":[
      {"Name":"Region","Status":"ACTIVE","Options":[{"Name":"North","Status":"ACTIVE"},
       {"Name":"West","Status":"ARCHIVED"}]}]})"));
  ASSERT_TRUE(tracking);
  ASSERT_EQ(tracking->size(), 1u);
  EXPECT_TRUE((*tracking)[0].options[0].active);
  EXPECT_FALSE((*tracking)[0].options[1].active);

  auto contacts = ParseContacts(json::parse(R"({"Contacts":[
      {"ContactID":"c-1","Name":"Acme Ltd","ContactStatus":"ACTIVE","SalesDefaultAccountCode":"260",
       "SalesTrackingCategories":[{"TrackingCategoryName":"Region","TrackingOptionName":"North"}]},
      {"ContactID":"c-2","Name":"Gone","ContactStatus":"ARCHIVED"},
      {"Name":"Refused","HasValidationErrors":true,"ValidationErrors":[{"Message":"x"}]}]})"));
  ASSERT_TRUE(contacts);
  ASSERT_EQ(contacts->size(), 2u);
  EXPECT_EQ((*contacts)[0].sales_account, "260");
  ASSERT_EQ((*contacts)[0].sales_tracking.size(), 1u);
  EXPECT_FALSE((*contacts)[1].active);
}

TEST(OrgDataTest, WrongTypesAreAbsentOrAnErrorNeverACrash) {
  // The collection itself is wrong: the answer is unusable.
  for (const char* body : {R"({"Accounts":"none"})", R"({"Accounts":{"Code":"200"}})", R"([])",
                           R"("text")", R"(null)", R"({})"}) {
    auto r = ParseAccounts(json::parse(body));
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code(), Code::kUnavailable) << body;
  }
  // Elements of the wrong type or with wrong-typed fields are left out or read as absent.
  auto accounts = ParseAccounts(json::parse(R"({"Accounts":[
      7, "x", null, [], {"Code":200}, {"Code":"200","Name":["x"],"Type":5,"EnablePaymentsToAccount":"yes"}]})"));
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_EQ((*accounts)[0].name, "");
  EXPECT_FALSE((*accounts)[0].payments_allowed);
  EXPECT_FALSE(ParseOrganisation(json::parse(R"({"Organisations":[]})")));
  EXPECT_FALSE(ParseOrganisation(json::parse(R"({"Organisations":[{"Name":"No currency"}]})")));
  EXPECT_FALSE(ParseOrganisation(json::parse(R"({"Organisations":["x"]})")));
  auto tracking = ParseTrackingCategories(
      json::parse(R"({"TrackingCategories":[{"Name":"Region","Options":"North"}]})"));
  ASSERT_TRUE(tracking);
  EXPECT_TRUE((*tracking)[0].options.empty());
  auto contacts = ParseContacts(json::parse(
      R"({"Contacts":[{"ContactID":"c-1","Name":"A","SalesTrackingCategories":[5,{"TrackingCategoryName":1}]}]})"));
  ASSERT_TRUE(contacts);
  EXPECT_TRUE((*contacts)[0].sales_tracking.empty());
}

TEST(OrgDataTest, LookupsIgnoreCaseAndBlanks) {
  OrgData org;
  org.organisation.base_currency = "NZD";
  org.currencies = {"AUD"};
  org.accounts[FoldKey("200")] = Account{"a", "200", "Sales", "REVENUE", "ACTIVE", false};
  org.items[FoldKey("DevFee")] = Item{"DevFee", "Dev", "200"};
  EXPECT_TRUE(org.HasCurrency("nzd"));
  EXPECT_TRUE(org.HasCurrency("AUD"));
  EXPECT_FALSE(org.HasCurrency("EUR"));
  EXPECT_NE(org.FindAccount(" 200 "), nullptr);
  EXPECT_NE(org.FindItem("DEVFEE"), nullptr);
  EXPECT_EQ(org.FindItem("Dev"), nullptr);
}

TEST(OrgDataTest, ContactBookFindsActiveContactsByNameAndFollowsRenames) {
  ContactBook book;
  book.Put(Contact{"c-1", "Acme Ltd", true, "", {}});
  book.Put(Contact{"c-2", "Globex", false, "", {}});
  ASSERT_NE(book.Find("acme ltd"), nullptr);
  EXPECT_EQ(book.Find("ACME LTD ")->id, "c-1");
  EXPECT_EQ(book.Find("Globex"), nullptr);  // archived: Xero would not use it
  // Renamed in Xero: the old name no longer finds it.
  book.Put(Contact{"c-1", "Acme Limited", true, "", {}});
  EXPECT_EQ(book.Find("Acme Ltd"), nullptr);
  EXPECT_EQ(book.Find("Acme Limited")->id, "c-1");
  // Archived later: gone.
  book.Put(Contact{"c-1", "Acme Limited", false, "", {}});
  EXPECT_EQ(book.Find("Acme Limited"), nullptr);
  EXPECT_EQ(book.size(), 0u);
}

}  // namespace
}  // namespace xerod::copy
