// SPDX-License-Identifier: MIT
// ClassifyResponse: an HTTP outcome as DESIGN.md's error classes
// (xero-facts.md §2 "Response signatures", §4 ValidationException).
#include <fmt/format.h>

#include "xerod/xero_client.h"

namespace xerod {

std::string_view ToString(XeroResultClass c) {
  switch (c) {
    case XeroResultClass::kOk:
      return "ok";
    case XeroResultClass::kTransient:
      return "transient";
    case XeroResultClass::kConnection:
      return "connection";
    case XeroResultClass::kPermanent:
      return "permanent";
    case XeroResultClass::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

std::string Str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

void AddUnique(std::vector<std::string>& out, std::string m) {
  if (m.empty()) return;
  for (const auto& e : out) {
    if (e == m) return;
  }
  out.push_back(std::move(m));
}

// ValidationErrors / Warnings: [{Message}] (some examples use Description).
void CollectErrors(const nlohmann::json& element, std::vector<std::string>& out) {
  if (!element.is_object()) return;
  auto it = element.find("ValidationErrors");
  if (it == element.end() || !it->is_array()) return;
  for (const auto& e : *it) {
    std::string m = Str(e, "Message");
    AddUnique(out, m.empty() ? Str(e, "Description") : m);
  }
}

// Every validation message in a Xero error body: Elements[] (ApiException),
// and collections returned with summarizeErrors=false (Invoices[], Payments[], ...).
std::vector<std::string> ValidationMessages(const nlohmann::json& body) {
  std::vector<std::string> out;
  if (!body.is_object()) return out;
  for (const auto& [key, value] : body.items()) {
    if (!value.is_array()) continue;
    for (const auto& element : value) CollectErrors(element, out);
  }
  CollectErrors(body, out);
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

XeroResult ClassifyResponse(HttpMethod method, const HttpResponse& response) {
  XeroResult r;
  r.status = response.status;
  if (!response.ok()) {
    bool read = method == HttpMethod::kGet || method == HttpMethod::kHead;
    // kConnectTimeout is treated as "maybe sent": libcurl reports no connect
    // time on a reused connection, so a total timeout after sending can arrive
    // as kConnectTimeout. A write must then be reconciled, not blindly resent.
    bool maybe_sent = MaybeSent(response.error) || response.error == HttpError::kConnectTimeout;
    r.result_class = maybe_sent && !read ? XeroResultClass::kUnknown : XeroResultClass::kTransient;
    r.reason = fmt::format("{}: {}", ToString(response.error), response.error_message);
    return r;
  }
  r.headers = response.headers;
  if (auto id = response.headers.Get("Xero-Correlation-Id")) r.request_id = std::string(*id);
  if (!response.body.empty()) {
    r.body = nlohmann::json::parse(response.body, nullptr, false);
    if (r.body.is_discarded()) r.body = nullptr;
  }
  std::string detail = Str(r.body, "Detail");
  int s = response.status;
  if (s >= 200 && s < 300) {
    r.result_class = XeroResultClass::kOk;
    r.messages = ValidationMessages(r.body);  // per-element errors with summarizeErrors=false
    return r;
  }
  if (s == 429) {
    r.result_class = XeroResultClass::kTransient;
    RateHeaders rh = ParseRateHeaders(response.headers);
    r.retry_after = rh.retry_after;
    r.reason = fmt::format("rate limited ({})", rh.problem.empty() ? "unknown limit" : rh.problem);
    return r;
  }
  if (s >= 500 || s == 408 || s == 412) {
    r.result_class = XeroResultClass::kTransient;
    r.reason = fmt::format("HTTP {} from Xero", s);
    if (!detail.empty()) r.messages.push_back(detail);
    return r;
  }
  if (s == 401) {
    std::string www(response.headers.Get("WWW-Authenticate").value_or(""));
    r.result_class = XeroResultClass::kConnection;
    if (Contains(detail, "AuthorizationUnsuccessful") || Contains(www, "insufficient_scope")) {
      r.reason = "missing scope: 401 AuthorizationUnsuccessful (the grant lacks a needed scope)";
    } else if (Contains(detail, "TokenExpired")) {
      r.reason = "token expired: 401 TokenExpired";
    } else {
      r.reason = "token rejected: 401 " + (detail.empty() ? std::string("Unauthorized") : detail);
    }
    r.messages.push_back(detail.empty() ? r.reason : detail);
    return r;
  }
  if (s == 403) {
    r.result_class = XeroResultClass::kConnection;
    r.reason = "disconnected: 403 " + (detail.empty() ? std::string("Forbidden") : detail) +
               " (the organisation is no longer connected to this app)";
    r.messages.push_back(detail.empty() ? "Forbidden" : detail);
    return r;
  }
  // Other 4xx: permanent. Keep Xero's own words.
  r.result_class = XeroResultClass::kPermanent;
  r.messages = ValidationMessages(r.body);
  std::string type = Str(r.body, "Type");
  std::string message = Str(r.body, "Message");
  if (r.messages.empty()) {
    AddUnique(r.messages, message);
    AddUnique(r.messages, detail);
  }
  if (r.messages.empty() && !r.body.is_object() && !response.body.empty()) {
    r.messages.push_back(response.body.substr(0, 500));
  }
  r.reason = fmt::format("HTTP {}{}{}", s, type.empty() ? "" : " ", type);
  return r;
}

}  // namespace xerod
