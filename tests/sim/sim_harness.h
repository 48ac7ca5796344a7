// SPDX-License-Identifier: MIT
// Test harness for xero-sim: starts the real program on an ephemeral
// 127.0.0.1 port and talks to it with a small blocking Beast HTTP client
// (plain, or TLS verifying against a CA file).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/test_support.h"

namespace xero_sim::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  nlohmann::json Json() const { return nlohmann::json::parse(body); }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One connection per request unless `keep_alive` is used through Session().
class TestClient {
 public:
  // `ca_file` non-empty: HTTPS, verifying the server against that CA for `host`.
  TestClient(std::string host, int port, std::string ca_file = "", std::string sni = "");
  // Sends one request; nullopt when the server closed the connection without answering.
  std::optional<HttpResult> TryRequest(const std::string& method, const std::string& target,
                                       const std::string& body = "",
                                       const std::map<std::string, std::string>& headers = {});
  // As TryRequest, but a missing response fails the test (status 0 then).
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult Json(const std::string& method, const std::string& target, const nlohmann::json& body);
  // Writes `bytes` (a raw request) on a fresh connection and returns everything the
  // server sends until it closes (30 s deadline). Plain TCP only.
  std::string Raw(const std::string& bytes);
  // Sends `count` requests over ONE keep-alive connection; returns their statuses.
  std::vector<int> KeepAlive(const std::string& target, int count);

 private:
  std::string host_;
  int port_;
  std::string ca_file_;
  std::string sni_;
};

// A running xero-sim; SIGKILLed on destruction if still running.
class SimProcess {
 public:
  explicit SimProcess(std::vector<std::string> extra_args = {});
  ~SimProcess();
  int port() const { return port_; }
  std::string first_line() const { return first_line_; }
  TestClient Client() const { return TestClient("127.0.0.1", port_); }
  xerod::testing::Subprocess& process() { return *process_; }
  std::string Output() const { return process_->Output(); }

  // Admin helpers (fail the test on a non-2xx answer).
  std::string CreateOrg(const std::string& name = "Demo Company (NZ)");
  nlohmann::json CreateGrant(const std::vector<std::string>& tenant_ids,
                             const std::vector<std::string>& scopes = {});
  void AdvanceClock(long seconds);
  nlohmann::json Stats();

 private:
  xerod::testing::TempDir dir_;
  std::unique_ptr<xerod::testing::Subprocess> process_;
  int port_ = 0;
  std::string first_line_;
};

// "Authorization: Bearer" + tenant headers for an API call.
std::map<std::string, std::string> ApiHeaders(const std::string& access_token,
                                              const std::string& tenant_id);
// application/x-www-form-urlencoded token request with HTTP Basic client auth.
HttpResult TokenRequest(TestClient& client, const std::string& form,
                        const std::string& client_id = "xero-sim-client",
                        const std::string& secret = "xero-sim-secret");

}  // namespace xero_sim::testing
