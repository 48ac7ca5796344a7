// SPDX-License-Identifier: MIT
//
// XeroClient: authenticated calls to the Xero API for a named connection, with
// the outcome classified as DESIGN.md's reliability model says.
//
// One Call():
//   1. gets a valid access token from the TokenManager (refreshing if needed);
//   2. asks the RateLimiter for room for the connection's tenant, waiting on an
//      Asio timer as long as it says (limiter time is the injected Clock);
//   3. sends the request with Authorization: Bearer (sensitive), xero-tenant-id,
//      Accept: application/json, Idempotency-Key and If-Modified-Since when given;
//   4. releases the limiter slot and lets it observe the rate headers;
//   5. on 401 TokenExpired (or a rejected token) refreshes once and retries once;
//   6. classifies the outcome (XeroResultClass, XeroFailure) and, for
//      connection-level failures, records the connection's new state (the
//      TokenManager's unusable hook fires).
//
// Thread-safety: none; io_context thread only. `done` is called exactly once,
// on the io_context, never inside Call().
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/http_client.h"
#include "xerod/rate_limiter.h"
#include "xerod/token_manager.h"

namespace xerod {

// What the caller must do about a result.
enum class XeroResultClass {
  kOk,          // 2xx
  kTransient,   // not sent, 5xx, 429 (retry_after), 408/412, token endpoint down: retry later
  kConnection,  // the connection is unusable: `connection_state` says how
  kPermanent,   // 4xx validation and the like: retrying unchanged fails again (`messages`)
  kUnknown,     // the request may have reached Xero but no usable answer came: reconcile first
};
std::string_view ToString(XeroResultClass c);

// Why a call failed, for callers that act on the cause (never parse `reason`).
enum class XeroFailure {
  kNone,                // 2xx
  kNotSent,             // refused, unreachable, DNS, TLS: the request did not leave
  kNoAnswer,            // timeout or connection lost after sending
  kBadAnswer,           // 2xx whose body is not JSON (a read: transient; a write: unknown)
  kRateLimited,         // 429 (`retry_after`, the limiter pauses the tenant)
  kServerError,         // 5xx, 408, 412
  kTokenExpired,        // 401 TokenExpired (after one refresh and retry)
  kTokenRejected,       // 401 with another detail (after one refresh and retry)
  kMissingScope,        // 401 AuthorizationUnsuccessful / insufficient_scope
  kForbidden,           // 403 AuthenticationUnsuccessful: the organisation is not connected
  kConnectionUnusable,  // no access token: the connection is expired/revoked/... (state set)
  kUnknownConnection,   // no connection of that name has been added
  kTokenUnavailable,    // the token endpoint or the store failed transiently
  kAppRefused,          // the token endpoint refused the app itself (invalid_client)
  kNotFound,            // 404
  kValidation,          // 400 ValidationException (messages: Xero's)
  kRejected,            // any other 4xx
  kNeverAdmitted,       // the configured limits can never admit one call
};
std::string_view ToString(XeroFailure f);

// One element of a batch answer (summarizeErrors=false: HTTP 200, every
// element in request order) or of a 400 ValidationException's Elements.
struct XeroElement {
  std::size_t index = 0;              // position in the collection
  bool ok = true;                     // no ValidationErrors, not ERROR / HasErrors
  std::vector<std::string> errors;    // ValidationErrors[].Message (or .Description)
  std::vector<std::string> warnings;  // Warnings[].Message
};

struct XeroResult {
  XeroResultClass result_class = XeroResultClass::kOk;
  XeroFailure failure = XeroFailure::kNone;
  int status = 0;                     // HTTP status; 0 without a response
  nlohmann::json body;                // parsed JSON body (null when absent or not JSON)
  std::vector<std::string> messages;  // Xero's validation messages / problem detail
  // Per-element results of the first collection in the body whose elements
  // carry a status (Invoices, Payments, Contacts, Elements...); its name.
  std::string collection;
  std::vector<XeroElement> elements;
  std::optional<Duration> retry_after;
  std::string request_id;  // Xero-Correlation-Id response header
  std::string reason;      // human-readable cause (never contains a token)
  // For kConnection: the state the connection is in now.
  std::optional<ConnectionState> connection_state;
  HttpHeaders headers;  // response headers

  bool ok() const { return result_class == XeroResultClass::kOk; }
};

using XeroCallback = std::function<void(XeroResult)>;

// One request. `path` is relative to xero.api_url and may carry a query, e.g.
// "/api.xro/2.0/Invoices?summarizeErrors=false". `body` is JSON (may be empty).
struct XeroRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string path;
  std::string body;
  std::optional<std::string> idempotency_key;  // writes: at most 128 characters
  std::optional<TimePoint> if_modified_since;  // list reads: only records changed since
};

struct XeroClientOptions {
  std::string api_url;  // xero.api_url: /connections and /api.xro/2.0 live under it
  Duration request_timeout = std::chrono::seconds(60);
  // How often last_success_at is written per connection (an fsync each time).
  Duration success_write_interval = std::chrono::minutes(1);
};

// The Accounting API base path, relative to xero.api_url.
inline constexpr std::string_view kAccountingPath = "/api.xro/2.0";

class XeroClient {
 public:
  // All references must outlive the client. `clock` is the limiter's time
  // and paces the writes of last_success_at to `store`.
  XeroClient(boost::asio::io_context& io, HttpClient& http, TokenManager& tokens,
             ConnectionStore& store, RateLimiter& limiter, Clock& clock,
             XeroClientOptions options = {});
  ~XeroClient();
  XeroClient(const XeroClient&) = delete;
  XeroClient& operator=(const XeroClient&) = delete;

  void Call(const std::string& connection, XeroRequest request, XeroCallback done);
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
  // Whether the connection has been bound to another token set since `call`
  // got its access token.
  bool Superseded(const CallState& call);

  boost::asio::io_context& io_;
  HttpClient& http_;
  TokenManager& tokens_;
  ConnectionStore& store_;
  RateLimiter& limiter_;
  Clock& clock_;
  XeroClientOptions options_;
  std::map<std::string, TimePoint> success_written_;
  std::size_t in_flight_ = 0;
  std::shared_ptr<bool> alive_;
};

// Classifies a completed response without side effects (exposed for tests).
// `method` decides whether a lost answer is kUnknown (writes) or kTransient (reads).
XeroResult ClassifyResponse(HttpMethod method, const HttpResponse& response);

// If-Modified-Since as the Xero SDKs send it: ISO-8601 UTC without a zone,
// "2026-12-07T13:05:09" (Xero reads a zoneless time as UTC).
std::string XeroDateTime(TimePoint t);

}  // namespace xerod
