// SPDX-License-Identifier: MIT
#include "sim_test_util.h"

#include <gtest/gtest.h>

namespace xero_sim::testing {

std::chrono::system_clock::time_point TestNow() {
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(1'795'478'400));  // 2026-11-24T00:00:00Z
}

SimOrg::SimOrg(const OrgOptions& options)
    : org_(NewOrganisation("tenant-1", options, TestNow())), now_(TestNow()) {}

Reply SimOrg::CallRaw(const std::string& method, const std::string& path,
                      const std::string& raw_body,
                      const std::multimap<std::string, std::string>& query,
                      const Headers& headers) {
  Request req;
  req.method = method;
  req.path = path;
  req.query = query;
  req.headers = headers;
  req.body = raw_body;
  req.client_id = client_id_;
  Response resp = HandleAccounting(*org_, req, now_);
  Reply r;
  r.status = resp.status;
  r.body = resp.body;
  r.json = nlohmann::json::parse(resp.body, nullptr, false);
  return r;
}

Reply SimOrg::Call(const std::string& method, const std::string& path, const nlohmann::json& body,
                   const std::multimap<std::string, std::string>& query, const Headers& headers) {
  return CallRaw(method, path, body.is_null() ? std::string() : body.dump(), query, headers);
}

nlohmann::json SimOrg::CreateInvoice(const nlohmann::json& invoice) {
  Reply r = Call("PUT", "/api.xro/2.0/Invoices", {{"Invoices", {invoice}}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return nullptr;
  return r.json["Invoices"][0];
}

OrgOptions Options(const std::string& name, const std::string& currency, const std::string& country,
                   bool seed_contacts) {
  OrgOptions o;
  o.name = name;
  o.base_currency = currency;
  o.country = country;
  o.seed_contacts = seed_contacts;
  return o;
}

nlohmann::json SimpleInvoice(const std::string& number, const std::string& status, double unit) {
  nlohmann::json inv = {{"Type", "ACCREC"},
                        {"Contact", {{"Name", "ABC Furniture"}}},
                        {"Date", "2026-11-01"},
                        {"DueDate", "2026-11-30"},
                        {"Status", status},
                        {"LineItems",
                         {{{"Description", "Consulting"},
                           {"Quantity", 1},
                           {"UnitAmount", unit},
                           {"AccountCode", "200"}}}}};
  if (!number.empty()) inv["InvoiceNumber"] = number;
  return inv;
}

std::vector<std::string> Messages(const nlohmann::json& element) {
  std::vector<std::string> out;
  if (element.contains("ValidationErrors"))
    for (const auto& m : element["ValidationErrors"]) out.push_back(m.value("Message", ""));
  return out;
}

}  // namespace xero_sim::testing
