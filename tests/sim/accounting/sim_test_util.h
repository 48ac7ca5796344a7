// SPDX-License-Identifier: MIT
// In-process helpers for the xero-sim accounting tests.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/accounting/accounting.h"

namespace xero_sim::testing {

struct Reply {
  int status = 0;
  nlohmann::json json;  // discarded when the body is not JSON
  std::string body;
};

// A fixed instant: 2026-11-24T10:00:00Z.
std::chrono::system_clock::time_point TestNow();

// Header names lower-cased, as sim-core passes them.
using Headers = std::map<std::string, std::string>;

// One organisation and the simulator's clock for it (starts at TestNow()).
class SimOrg {
 public:
  explicit SimOrg(const OrgOptions& options = {});
  Reply Call(const std::string& method, const std::string& path,
             const nlohmann::json& body = nullptr,
             const std::multimap<std::string, std::string>& query = {},
             const Headers& headers = {});
  Reply Get(const std::string& path, const std::multimap<std::string, std::string>& query = {},
            const Headers& headers = {}) {
    return Call("GET", path, nullptr, query, headers);
  }
  Reply CallRaw(const std::string& method, const std::string& path, const std::string& raw_body,
                const std::multimap<std::string, std::string>& query = {},
                const Headers& headers = {});
  // Moves this organisation's "now" (the `now` of every later call).
  void Advance(std::chrono::system_clock::duration d) { now_ += d; }
  std::chrono::system_clock::time_point now() const { return now_; }
  // The calling app (Request::client_id) of later calls.
  void set_client_id(std::string id) { client_id_ = std::move(id); }
  // PUTs one invoice and returns it (the test fails when it is not created).
  nlohmann::json CreateInvoice(const nlohmann::json& invoice);
  Organisation& org() { return *org_; }
  std::unique_ptr<Organisation>& owned() { return org_; }

 private:
  std::unique_ptr<Organisation> org_;
  std::chrono::system_clock::time_point now_;
  std::string client_id_ = "xero-sim-client";
};

// OrgOptions with the given fields changed.
OrgOptions Options(const std::string& name, const std::string& currency = "NZD",
                   const std::string& country = "NZ", bool seed_contacts = true);

// A minimal valid ACCREC invoice.
nlohmann::json SimpleInvoice(const std::string& number, const std::string& status = "AUTHORISED",
                             double unit = 100.0);
// All ValidationErrors messages of an element.
std::vector<std::string> Messages(const nlohmann::json& element);

}  // namespace xero_sim::testing
