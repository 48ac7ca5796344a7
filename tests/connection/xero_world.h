// SPDX-License-Identifier: MIT
// End-to-end fixture: a real xero-sim process (port read from its first output
// line) and the whole xerod Xero stack on one io_context driven by the test
// thread: curl HttpClient, Store, ConnectionStore, TokenManager,
// RateLimiter, XeroClient, ConnectionManager. Shared by tests/connection,
// tests/xero and bench/xero.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/test_support.h"
#include "xerod/connection_manager.h"
#include "xerod/http_client.h"
#include "xerod/rate_limiter.h"
#include "xerod/store.h"
#include "xerod/token_manager.h"
#include "xerod/xero_client.h"

namespace xerod::testing {

// The cheapest read of an organisation, for tests that need "some call".
inline const std::string kOrganisationPath = std::string(kAccountingPath) + "/Organisation";

// A running xero-sim. `scheme` is "https" when --tls-cert is among `args`.
class SimServer {
 public:
  explicit SimServer(std::vector<std::string> args = {}, std::string scheme = "http");
  ~SimServer();
  int port() const { return port_; }
  const std::string& url() const { return url_; }  // e.g. http://127.0.0.1:PORT
  std::string Output() const { return process_->Output(); }

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  std::string url_;
};

struct WorldOptions {
  std::string client_id = "xero-sim-client";
  std::string client_secret = "xero-sim-secret";
  std::string ca_file;
  XeroLimits limits{100, 1'000'000, 100'000'000, 100'000'000};
  RateLimiterOptions limiter;  // shorter windows to match /_sim/limits window_seconds
  Duration request_timeout = std::chrono::seconds(10);
  TokenManagerOptions token;
  long max_host_connections = 64;
};

class XeroWorld {
 public:
  XeroWorld(const std::string& sim_url, const std::string& db_path, WorldOptions options = {});
  ~XeroWorld();

  // Runs the loop until `done()` or `timeout`; returns done().
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // A blocking request through the same loop (admin API, "browser").
  std::optional<HttpResponse> Fetch(HttpRequest request);
  // Admin call: JSON in and out; the test fails on a non-2xx answer.
  nlohmann::json Admin(HttpMethod method, const std::string& path,
                       const nlohmann::json& body = nlohmann::json::object());
  std::string CreateOrg(const std::string& name);
  // {grant_id, refresh_token, ...}
  nlohmann::json CreateGrant(const std::vector<std::string>& tenants,
                             const std::vector<std::string>& scopes = {});
  int TokenRefreshes();  // /_sim/stats token_refreshes

  Result<ConnectionInfo> Add(const std::string& name, const std::string& tenant,
                             const std::string& refresh_token);
  XeroResult Call(const std::string& connection, HttpMethod method, const std::string& path,
                  const std::string& body = "", std::optional<std::string> key = std::nullopt);

  std::string sim_url;
  XeroConfig config;
  boost::asio::io_context io;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<Store> db;
  std::unique_ptr<ConnectionStore> store;
  std::unique_ptr<TokenManager> tokens;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<XeroClient> client;
  std::unique_ptr<ConnectionManager> connections;
  std::vector<std::string> unusable;  // "name=state" told to the hook
};

}  // namespace xerod::testing
