// SPDX-License-Identifier: MIT
// ClassifyResponse: an HTTP outcome as DESIGN.md's error classes
// (xero-facts.md §2 "Response signatures", §4 ValidationException and
// summarizeErrors=false).
#include <fmt/format.h>

#include <ctime>

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

std::string_view ToString(XeroFailure f) {
  switch (f) {
    case XeroFailure::kNone:
      return "none";
    case XeroFailure::kNotSent:
      return "not_sent";
    case XeroFailure::kNoAnswer:
      return "no_answer";
    case XeroFailure::kBadAnswer:
      return "bad_answer";
    case XeroFailure::kRateLimited:
      return "rate_limited";
    case XeroFailure::kServerError:
      return "server_error";
    case XeroFailure::kTokenExpired:
      return "token_expired";
    case XeroFailure::kTokenRejected:
      return "token_rejected";
    case XeroFailure::kMissingScope:
      return "missing_scope";
    case XeroFailure::kForbidden:
      return "forbidden";
    case XeroFailure::kConnectionUnusable:
      return "connection_unusable";
    case XeroFailure::kUnknownConnection:
      return "unknown_connection";
    case XeroFailure::kTokenUnavailable:
      return "token_unavailable";
    case XeroFailure::kAppRefused:
      return "app_refused";
    case XeroFailure::kNotFound:
      return "not_found";
    case XeroFailure::kValidation:
      return "validation";
    case XeroFailure::kRejected:
      return "rejected";
    case XeroFailure::kNeverAdmitted:
      return "never_admitted";
  }
  return "unknown";
}

std::string XeroDateTime(TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(ToUnixMillis(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
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

// [{Message}] (some Xero examples use Description) under `key` of `element`.
std::vector<std::string> MessagesOf(const nlohmann::json& element, const char* key) {
  std::vector<std::string> out;
  if (!element.is_object()) return out;
  auto it = element.find(key);
  if (it == element.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    std::string m = Str(e, "Message");
    AddUnique(out, m.empty() ? Str(e, "Description") : m);
  }
  return out;
}

// An element has failed when Xero says so in any of its ways.
bool Failed(const nlohmann::json& element, const std::vector<std::string>& errors) {
  if (!errors.empty()) return true;
  auto flag = [&](const char* key) {
    auto it = element.find(key);
    return it != element.end() && it->is_boolean() && it->get<bool>();
  };
  return flag("HasErrors") || flag("HasValidationErrors") ||
         Str(element, "StatusAttributeString") == "ERROR";
}

bool LooksLikeElement(const nlohmann::json& e) {
  return e.is_object() && (e.contains("StatusAttributeString") || e.contains("ValidationErrors") ||
                           e.contains("HasErrors") || e.contains("HasValidationErrors"));
}

// The first top-level array whose elements carry per-element status: the
// collection sent (Invoices, Payments, Contacts) or a 400's Elements.
void CollectElements(const nlohmann::json& body, XeroResult& r) {
  if (!body.is_object()) return;
  for (const auto& [key, value] : body.items()) {
    if (!value.is_array() || value.empty()) continue;
    bool any = false;
    for (const auto& e : value) any = any || LooksLikeElement(e);
    if (!any) continue;
    r.collection = key;
    r.elements.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
      XeroElement el;
      el.index = i;
      el.errors = MessagesOf(value[i], "ValidationErrors");
      el.warnings = MessagesOf(value[i], "Warnings");
      el.ok = value[i].is_object() && !Failed(value[i], el.errors);
      r.elements.push_back(std::move(el));
    }
    return;
  }
}

// Every validation message in the body, in order, without repeats.
std::vector<std::string> AllErrors(const XeroResult& r) {
  std::vector<std::string> out;
  for (const XeroElement& e : r.elements) {
    for (const std::string& m : e.errors) AddUnique(out, m);
  }
  for (std::string& m : MessagesOf(r.body, "ValidationErrors")) AddUnique(out, std::move(m));
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The request got no HTTP answer.
void ClassifyNoAnswer(const HttpResponse& response, bool read, XeroResult& r) {
  // kConnectTimeout is treated as "maybe sent": libcurl reports no connect
  // time on a reused connection, so a total timeout after sending can arrive
  // as kConnectTimeout. A write must then be reconciled, not blindly resent.
  bool maybe_sent = MaybeSent(response.error) || response.error == HttpError::kConnectTimeout;
  r.failure = maybe_sent ? XeroFailure::kNoAnswer : XeroFailure::kNotSent;
  r.result_class = maybe_sent && !read ? XeroResultClass::kUnknown : XeroResultClass::kTransient;
  r.reason = fmt::format("{}: {}", ToString(response.error), response.error_message);
}

// 2xx: ok, with per-element errors (summarizeErrors=false), unless unreadable.
void ClassifySuccess(const HttpResponse& response, bool read, bool unparsable, XeroResult& r) {
  if (unparsable) {
    // Xero acted (or not) but said something we cannot read.
    r.failure = XeroFailure::kBadAnswer;
    r.result_class = read ? XeroResultClass::kTransient : XeroResultClass::kUnknown;
    r.reason = fmt::format("HTTP {} with a body that is not JSON ({} bytes)", response.status,
                           response.body.size());
    return;
  }
  r.result_class = XeroResultClass::kOk;
  r.messages = AllErrors(r);
}

void ClassifyRateLimited(const HttpResponse& response, XeroResult& r) {
  r.result_class = XeroResultClass::kTransient;
  r.failure = XeroFailure::kRateLimited;
  RateHeaders rh = ParseRateHeaders(response.headers);
  r.retry_after = rh.retry_after;
  r.reason = fmt::format("rate limited ({})", rh.problem.empty() ? "unknown limit" : rh.problem);
}

// 401: the connection's grant or token, never the document.
void ClassifyUnauthorized(const HttpResponse& response, const std::string& detail, XeroResult& r) {
  std::string www(response.headers.Get("WWW-Authenticate").value_or(""));
  r.result_class = XeroResultClass::kConnection;
  if (Contains(detail, "AuthorizationUnsuccessful") || Contains(www, "insufficient_scope")) {
    r.failure = XeroFailure::kMissingScope;
    r.reason = "401 AuthorizationUnsuccessful: the grant lacks a scope xerod needs";
  } else if (Contains(detail, "TokenExpired")) {
    r.failure = XeroFailure::kTokenExpired;
    r.reason = "401 TokenExpired";
  } else {
    r.failure = XeroFailure::kTokenRejected;
    r.reason = "401 " + (detail.empty() ? std::string("Unauthorized") : detail) +
               ": the access token was refused";
  }
  r.messages.push_back(detail.empty() ? r.reason : detail);
}

// Other 4xx: permanent. Keep Xero's own words.
void ClassifyRejected(const HttpResponse& response, const std::string& detail, XeroResult& r) {
  const int s = response.status;
  r.result_class = XeroResultClass::kPermanent;
  std::string type = Str(r.body, "Type");
  r.failure = s == 404                        ? XeroFailure::kNotFound
              : type == "ValidationException" ? XeroFailure::kValidation
                                              : XeroFailure::kRejected;
  r.messages = AllErrors(r);
  std::string message = Str(r.body, "Message");
  if (r.messages.empty()) {
    AddUnique(r.messages, message);
    AddUnique(r.messages, detail);
  }
  if (r.messages.empty() && !r.body.is_object() && !response.body.empty()) {
    r.messages.push_back(response.body.substr(0, 500));
  }
  r.reason = fmt::format("HTTP {}{}{}", s, type.empty() ? "" : " ", type);
}

}  // namespace

XeroResult ClassifyResponse(HttpMethod method, const HttpResponse& response) {
  XeroResult r;
  r.status = response.status;
  const bool read = method == HttpMethod::kGet || method == HttpMethod::kHead;
  if (!response.ok()) {
    ClassifyNoAnswer(response, read, r);
    return r;
  }
  r.headers = response.headers;
  if (auto id = response.headers.Get("Xero-Correlation-Id")) r.request_id = std::string(*id);
  bool unparsable = false;
  if (!response.body.empty()) {
    r.body = nlohmann::json::parse(response.body, nullptr, false);
    if (r.body.is_discarded()) {
      r.body = nullptr;
      unparsable = true;
    }
  }
  CollectElements(r.body, r);
  std::string detail = Str(r.body, "Detail");
  int s = response.status;
  if (s >= 200 && s < 300) {
    ClassifySuccess(response, read, unparsable, r);
  } else if (s == 429) {
    ClassifyRateLimited(response, r);
  } else if (s >= 500 || s == 408 || s == 412) {
    r.result_class = XeroResultClass::kTransient;
    r.failure = XeroFailure::kServerError;
    r.reason = fmt::format("HTTP {} from Xero", s);
    if (!detail.empty()) r.messages.push_back(detail);
  } else if (s == 401) {
    ClassifyUnauthorized(response, detail, r);
  } else if (s == 403) {
    r.result_class = XeroResultClass::kConnection;
    r.failure = XeroFailure::kForbidden;
    r.reason = "403 " + (detail.empty() ? std::string("Forbidden") : detail) +
               ": the organisation is no longer connected to this app";
    r.messages.push_back(detail.empty() ? "Forbidden" : detail);
  } else {
    ClassifyRejected(response, detail, r);
  }
  return r;
}

}  // namespace xerod
