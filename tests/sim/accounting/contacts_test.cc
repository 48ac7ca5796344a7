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

const char kContacts[] = "/api.xro/2.0/Contacts";

std::vector<std::string> Names(const Reply& r) {
  std::vector<std::string> out;
  for (const auto& c : r.json["Contacts"]) out.push_back(c["Name"]);
  return out;
}

class ContactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Reply r = sim_.Call(
        "PUT", kContacts,
        {{"Contacts",
          {{{"Name", "Kiwi Traders"}, {"EmailAddress", "ar@kiwi.nz"}, {"FirstName", "Aroha"}},
           {{"Name", "Tui Logistics"}, {"EmailAddress", "billing@tui.nz"}},
           {{"Name", "Kea Labs"}, {"EmailAddress", "ar@kea.nz"}, {"ContactNumber", "K-9"}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    kea_id_ = r.json["Contacts"][2]["ContactID"];
  }
  SimOrg sim_{testing::Options("Demo Company (NZ)", "NZD", "NZ", false)};
  std::string kea_id_;
};

TEST_F(ContactsTest, WhereFilters) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"where", R"(Name=="Tui Logistics")"}})),
            (V{"Tui Logistics"}));
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"where", R"(EmailAddress=="ar@kiwi.nz")"}})),
            (V{"Kiwi Traders"}));
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"where", "ContactID==guid(\"" + kea_id_ + "\")"}})),
            (V{"Kea Labs"}));
  EXPECT_EQ(Names(sim_.Get(kContacts,
                           {{"where", R"(Name=="Kea Labs" OR EmailAddress=="billing@tui.nz")"}})),
            (V{"Kea Labs", "Tui Logistics"}));
  EXPECT_EQ(Names(sim_.Get(kContacts,
                           {{"where", R"(Name=="Kea Labs" AND EmailAddress=="billing@tui.nz")"}})),
            V{});
  Reply bad = sim_.Get(kContacts, {{"where", R"(Shoe=="x")"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json["Type"], "QueryParseException");
}

TEST_F(ContactsTest, SearchTermPagingAndPathLookup) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"searchTerm", "AR@K"}})), (V{"Kea Labs", "Kiwi Traders"}));
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"searchTerm", "aroha"}})), (V{"Kiwi Traders"}));
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"page", "1"}, {"pageSize", "2"}})),
            (V{"Kea Labs", "Kiwi Traders"}));
  EXPECT_EQ(Names(sim_.Get(kContacts, {{"page", "2"}, {"pageSize", "2"}})), (V{"Tui Logistics"}));
  EXPECT_EQ(Names(sim_.Get(std::string(kContacts) + "/" + kea_id_)), (V{"Kea Labs"}));
  EXPECT_EQ(Names(sim_.Get(std::string(kContacts) + "/K-9")), (V{"Kea Labs"}));
  EXPECT_EQ(sim_.Get(std::string(kContacts) + "/00000000-0000-4000-8000-000000000000").status, 404);
}

TEST_F(ContactsTest, UpdateByContactIdAndDuplicateName) {
  Reply r = sim_.Call("POST", kContacts,
                      {{"Contacts", {{{"ContactID", kea_id_}, {"EmailAddress", "new@kea.nz"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Contacts"][0]["EmailAddress"], "new@kea.nz");
  EXPECT_EQ(r.json["Contacts"][0]["Name"], "Kea Labs");
  r = sim_.Call("POST", std::string(kContacts) + "/" + kea_id_, {{"Name", "Kea Laboratories"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["Contacts"][0]["Name"], "Kea Laboratories");
  EXPECT_EQ(Stats(sim_.org()).contacts, 3);
  r = sim_.Call("PUT", kContacts, {{"Name", "Tui Logistics"}});
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(Messages(r.json["Elements"][0]),
            std::vector<std::string>{
                "The contact name Tui Logistics is already assigned to another contact. The "
                "contact name must be unique across all active contacts."});
  r = sim_.Call("PUT", kContacts, {{"Contacts", {{{"EmailAddress", "x@y.z"}}}}},
                {{"summarizeErrors", "false"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["Contacts"][0]["HasValidationErrors"], true);
  EXPECT_EQ(Stats(sim_.org()).contacts, 3);
}

}  // namespace
}  // namespace xero_sim
