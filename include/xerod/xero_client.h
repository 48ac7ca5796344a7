// SPDX-License-Identifier: MIT
//
// XeroClient: authenticated calls to the Xero API for a named connection, with
// the outcome classified as DESIGN.md's reliability model says.
//
// One Call():
//   1. gets a valid access token from the TokenManager (refreshing if needed);
//   2. asks the RateLimiter for room for the connection's tenant, waiting on an
//      Asio timer as long as it says;
//   3. sends the request with Authorization: Bearer (sensitive), xero-tenant-id,
//      Accept: application/json and Idempotency-Key when given;
//   4. releases the limiter slot and lets it observe the rate headers;
//   5. on 401 TokenExpired (or a rejected token) refreshes once and retries once;
//   6. classifies the outcome (XeroResultClass) and, for connection-level
//      failures, records the connection's new state (the TokenManager's
//      unusable hook fires).
//
// Thread-safety: none; io_context thread only. `done` is called exactly once,
// on the io_context, never inside Call().
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "xerod/clock.h"
#include "xerod/http_client.h"
#include "xerod/rate_limiter.h"
#include "xerod/token_manager.h"

namespace xerod {

enum class XeroResultClass {
  kOk,          // 2xx
  kTransient,   // network before sending, 5xx, 429 (retry_after), 408/412, token endpoint down
  kConnection,  // the connection is unusable: `reason` + the connection's new state
  kPermanent,   // 4xx validation and the like: retrying unchanged fails again (`messages`)
  kUnknown,     // the request may have reached Xero but no answer came: reconcile first
};
std::string_view ToString(XeroResultClass c);

struct XeroResult {
  XeroResultClass result_class = XeroResultClass::kOk;
  int status = 0;                     // HTTP status; 0 without a response
  nlohmann::json body;                // parsed JSON body (null when absent or not JSON)
  std::vector<std::string> messages;  // Xero's validation messages / problem detail
  std::optional<Duration> retry_after;
  std::string request_id;  // Xero-Correlation-Id response header
  std::string reason;      // human-readable cause (never contains a token)
  // For kConnection: the state the connection is in now.
  std::optional<ConnectionState> connection_state;
  HttpHeaders headers;  // response headers

  bool ok() const { return result_class == XeroResultClass::kOk; }
};

using XeroCallback = std::function<void(XeroResult)>;

struct XeroClientOptions {
  Duration request_timeout = std::chrono::seconds(60);
  // Limiter time runs this many times faster than real time: for tests and
  // benchmarks against xero-sim with windows shortened to 60/scale seconds.
  // Retry-After values are scaled the same way. 1.0 in production.
  double limiter_time_scale = 1.0;
  // How often last_success_at is written per connection (an fsync each time).
  Duration success_write_interval = std::chrono::minutes(1);
};

// The Accounting API base path, relative to xero.api_url.
inline constexpr std::string_view kAccountingPath = "/api.xro/2.0";

class XeroClient {
 public:
  // All references must outlive the client.
  XeroClient(boost::asio::io_context& io, HttpClient& http, TokenManager& tokens,
             RateLimiter& limiter, XeroClientOptions options = {});
  ~XeroClient();
  XeroClient(const XeroClient&) = delete;
  XeroClient& operator=(const XeroClient&) = delete;

  // `path` is relative to xero.api_url and may carry a query, e.g.
  // "/api.xro/2.0/Invoices?summarizeErrors=false". `body` is JSON (may be empty).
  void Call(const std::string& connection, HttpMethod method, std::string path, std::string body,
            std::optional<std::string> idempotency_key, XeroCallback done);

  // GET /api.xro/2.0/Organisation; on success `body["Organisations"][0]`.
  void GetOrganisation(const std::string& connection, XeroCallback done);

  // Calls in progress (waiting for a token, for the limiter, or on the wire).
  std::size_t InFlight() const { return in_flight_; }

 private:
  struct CallState;
  void Start(std::shared_ptr<CallState> call);
  void Acquire(std::shared_ptr<CallState> call);
  void Send(std::shared_ptr<CallState> call);
  void OnResponse(std::shared_ptr<CallState> call, HttpResponse response);
  void Finish(std::shared_ptr<CallState> call, XeroResult result);
  TimePoint LimiterNow() const;

  boost::asio::io_context& io_;
  HttpClient& http_;
  TokenManager& tokens_;
  RateLimiter& limiter_;
  XeroClientOptions options_;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, TimePoint> success_written_;
  std::size_t in_flight_ = 0;
  std::shared_ptr<bool> alive_;
};

// Classifies a completed response without side effects (exposed for tests).
// `method` decides whether a lost answer is kUnknown (writes) or kTransient (reads).
XeroResult ClassifyResponse(HttpMethod method, const HttpResponse& response);

}  // namespace xerod
