// SPDX-License-Identifier: MIT
// Tracking categories: GET /TrackingCategories and invoice lines' Tracking.
#include <gtest/gtest.h>

#include "sim/accounting/accounting.h"
#include "sim_test_util.h"

namespace xero_sim {
namespace {

using nlohmann::json;
using testing::Reply;
using testing::SimOrg;
using testing::SimpleInvoice;

const json* Named(const json& arr, const std::string& name) {
  for (const auto& e : arr)
    if (e.value("Name", "") == name) return &e;
  return nullptr;
}

TEST(Tracking, EveryOrganisationIsSeededWithRegionAndDepartment) {
  SimOrg sim;
  Reply r = sim.Get("/api.xro/2.0/TrackingCategories");
  ASSERT_EQ(r.status, 200) << r.body;
  const json& cats = r.json["TrackingCategories"];
  ASSERT_EQ(cats.size(), 2u);
  const json* region = Named(cats, "Region");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ((*region)["Status"], "ACTIVE");
  EXPECT_EQ((*region)["TrackingCategoryID"].get<std::string>().size(), 36u);
  std::vector<std::string> names;
  for (const auto& o : (*region)["Options"]) {
    names.push_back(o["Name"]);
    EXPECT_EQ(o["Status"], "ACTIVE");
    EXPECT_EQ(o["TrackingOptionID"].get<std::string>().size(), 36u);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"North", "South", "East", "West"}));
  const json* dept = Named(cats, "Department");
  ASSERT_NE(dept, nullptr);
  EXPECT_EQ((*dept)["Options"].size(), 2u);
  // By id.
  const std::string id = (*region)["TrackingCategoryID"];
  Reply one = sim.Get("/api.xro/2.0/TrackingCategories/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json["TrackingCategories"][0]["Name"], "Region");
  EXPECT_EQ(sim.Get("/api.xro/2.0/TrackingCategories/" + std::string(36, '0')).status, 404);
  EXPECT_EQ(sim.Call("PUT", "/api.xro/2.0/TrackingCategories", {{"Name", "X"}}).status, 405);
}

TEST(Tracking, OptionsReplaceTheSeed) {
  OrgOptions o;
  o.tracking_categories = {{{"Project", {"Alpha", "Beta"}}}};
  SimOrg sim(o);
  const json cats = sim.Get("/api.xro/2.0/TrackingCategories").json["TrackingCategories"];
  ASSERT_EQ(cats.size(), 1u);
  EXPECT_EQ(cats[0]["Name"], "Project");
  EXPECT_EQ(cats[0]["Options"].size(), 2u);
  EXPECT_FALSE(CheckTrackingSeeds({{"A", {"x"}}, {"B", {"y"}}}).has_value());
  EXPECT_TRUE(CheckTrackingSeeds({{"A", {"x"}}, {"B", {"y"}}, {"C", {"z"}}}).has_value());
  EXPECT_TRUE(CheckTrackingSeeds({{"A", {"x"}}, {"a", {"y"}}}).has_value());
  EXPECT_TRUE(CheckTrackingSeeds({{"A", {}}}).has_value());
  EXPECT_TRUE(CheckTrackingSeeds({{"A", {"x", "X"}}}).has_value());
}

json WithTracking(const std::string& number, const json& tracking) {
  json inv = SimpleInvoice(number);
  inv["LineItems"][0]["Tracking"] = tracking;
  return inv;
}

TEST(Tracking, LinesByNameOrIdAreValidatedAndEchoedWithIds) {
  SimOrg sim;
  const json cats = sim.Get("/api.xro/2.0/TrackingCategories").json["TrackingCategories"];
  const json& region = *Named(cats, "Region");
  const json& dept = *Named(cats, "Department");
  // By names (case-insensitive, as the UI does), and by ids.
  json inv = sim.CreateInvoice(
      WithTracking("T-1", {{{"Name", "region"}, {"Option", "north"}},
                           {{"TrackingCategoryID", dept["TrackingCategoryID"]},
                            {"TrackingOptionID", dept["Options"][1]["TrackingOptionID"]}}}));
  ASSERT_FALSE(inv.is_null());
  const json& t = inv["LineItems"][0]["Tracking"];
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0], (json{{"TrackingCategoryID", region["TrackingCategoryID"]},
                        {"TrackingOptionID", region["Options"][0]["TrackingOptionID"]},
                        {"Name", "Region"},
                        {"Option", "North"}}));
  EXPECT_EQ(t[1]["Name"], "Department");
  EXPECT_EQ(t[1]["Option"], "Consulting");
  // Kept on read.
  EXPECT_EQ(sim.Get("/api.xro/2.0/Invoices/T-1").json["Invoices"][0]["LineItems"][0]["Tracking"],
            t);
}

TEST(Tracking, UnknownCategoriesAndOptionsAreElementErrors) {
  SimOrg sim;
  auto errors = [&](const json& tracking) {
    Reply r = sim.Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {WithTracking("", tracking)}}},
                       {{"summarizeErrors", "false"}});
    EXPECT_EQ(r.status, 200) << r.body;
    return testing::Messages(r.json["Invoices"][0]);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(errors({{{"Name", "Colour"}, {"Option", "Red"}}}),
            (V{"The tracking category 'Colour' does not exist"}));
  EXPECT_EQ(errors({{{"Name", "Region"}, {"Option", "Middle"}}}),
            (V{"The tracking option 'Middle' does not exist in the tracking category 'Region'"}));
  EXPECT_EQ(errors({{{"Name", "Region"}}}),
            (V{"A tracking option must be given for the tracking category 'Region' (Option or "
               "TrackingOptionID)"}));
  EXPECT_EQ(errors({{{"Option", "North"}}}),
            (V{"A tracking category must be given by Name or TrackingCategoryID"}));
  EXPECT_EQ(errors({{{"Name", "Region"}, {"Option", "North"}},
                    {{"Name", "REGION"}, {"Option", "South"}}}),
            (V{"The tracking category 'Region' is given more than once on a line item"}));
  EXPECT_EQ(errors({{{"Name", "Region"}, {"Option", "North"}},
                    {{"Name", "Department"}, {"Option", "Sales"}},
                    {{"Name", "Region"}, {"Option", "South"}}}),
            (V{"A line item can have a maximum of 2 tracking categories"}));
  const std::string other_id = std::string(8, 'a') + "-aaaa-4aaa-8aaa-" + std::string(12, 'a');
  EXPECT_EQ(errors({{{"TrackingCategoryID", other_id}, {"Option", "North"}}}),
            (V{"The tracking category '" + other_id + "' does not exist"}));
  EXPECT_EQ(Stats(sim.org()).invoices, 0);
}

TEST(Tracking, KeptWithTheState) {
  OrgOptions o;
  o.tracking_categories = {{{"Project", {"Alpha"}}}};
  SimOrg sim(o);
  const json before = sim.Get("/api.xro/2.0/TrackingCategories").json["TrackingCategories"];
  auto restored = OrganisationFromJson(ToJson(sim.org()));
  ASSERT_NE(restored, nullptr);
  sim.owned() = std::move(restored);
  EXPECT_EQ(sim.Get("/api.xro/2.0/TrackingCategories").json["TrackingCategories"], before);
  // States from before tracking categories get the default seed.
  json old = ToJson(sim.org());
  old.erase("tracking_categories");
  auto seeded = OrganisationFromJson(old);
  ASSERT_NE(seeded, nullptr);
  sim.owned() = std::move(seeded);
  EXPECT_EQ(sim.Get("/api.xro/2.0/TrackingCategories").json["TrackingCategories"].size(), 2u);
}

}  // namespace
}  // namespace xero_sim
