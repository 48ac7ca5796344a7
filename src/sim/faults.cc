// SPDX-License-Identifier: MIT
#include "sim/faults.h"

#include <fnmatch.h>

#include <algorithm>
#include <string_view>

#include "sim/http_util.h"

namespace xero_sim {

bool PathMatches(const std::string& pattern, const std::string& path) {
  if (pattern.find_first_of("*?[") != std::string::npos) {
    return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;  // '*' also matches '/'
  }
  return path.starts_with(pattern);
}

namespace {

constexpr std::size_t kListedBodyLimit = 64 * 1024;

bool IsToken(const std::string& name) {
  static constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={}";
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > ' ' && u < 127 && kSeparators.find(c) == std::string_view::npos;
  });
}

}  // namespace

std::optional<std::string> ParseFault(const nlohmann::json& j, Fault* out) {
  if (!j.is_object()) return "body must be a JSON object";
  Fault f;
  try {
    f.path = j.at("path").get<std::string>();
    f.method = j.value("method", std::string());
    f.status = j.value("status", 0);
    f.count = j.value("count", 1L);
    f.delay_ms = j.value("delay_ms", 0L);
    f.drop = j.value("drop", false);
    f.after_processing = j.value("after_processing", false);
    if (j.contains("body") && !j["body"].is_null()) {
      const auto& b = j["body"];
      if (b.is_string()) {
        f.body = std::make_shared<const std::string>(b.get<std::string>());
        f.body_is_json = nlohmann::json::accept(*f.body);
      } else {
        f.body = std::make_shared<const std::string>(b.dump());
        f.body_is_json = true;
      }
    }
    if (j.contains("headers") && !j["headers"].is_null()) {
      if (!j["headers"].is_object()) return "headers must be an object of name: string value";
      for (const auto& [name, value] : j["headers"].items()) {
        if (!value.is_string()) return "header " + name + " must have a string value";
        if (!IsToken(name)) return "bad header name: " + name;
        const std::string v = value.get<std::string>();
        if (v.find_first_of("\r\n") != std::string::npos) return "header " + name + " has CR or LF";
        f.headers.emplace_back(name, v);
      }
    }
    if (j.contains("truncate_bytes") && !j["truncate_bytes"].is_null()) {
      if (!j["truncate_bytes"].is_number_integer() || j["truncate_bytes"].get<long>() < 0)
        return "truncate_bytes must be an integer >= 0";
      f.truncate_bytes = j["truncate_bytes"].get<std::size_t>();
    }
  } catch (const nlohmann::json::exception& e) {
    return std::string("bad fault: ") + e.what();
  }
  if (f.path.empty()) return "path is required";
  if (f.status != 0 && (f.status < 100 || f.status > 599)) return "status must be 100..599";
  if (f.count == 0 || f.count < -1) return "count must be positive or -1";
  if (f.delay_ms < 0) return "delay_ms must be >= 0";
  if (f.status == 0 && !f.drop && f.delay_ms == 0 && !f.body && f.headers.empty() &&
      !f.truncate_bytes)
    return "a fault needs status, drop, delay_ms, body, headers or truncate_bytes";
  *out = std::move(f);
  return std::nullopt;
}

nlohmann::json FaultJson(const Fault& f) {
  nlohmann::json j = {{"path", f.path},
                      {"method", f.method},
                      {"status", f.status},
                      {"count", f.count},
                      {"delay_ms", f.delay_ms},
                      {"drop", f.drop},
                      {"after_processing", f.after_processing}};
  if (f.body) {
    j["body_bytes"] = f.body->size();
    if (f.body->size() <= kListedBodyLimit) j["body"] = *f.body;
  }
  if (!f.headers.empty()) {
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [name, value] : f.headers) h[name] = value;
    j["headers"] = h;
  }
  if (f.truncate_bytes) j["truncate_bytes"] = *f.truncate_bytes;
  return j;
}

Response FaultResponse(const Fault& f) {
  Response r;
  r.status = f.status;
  if (f.body) {
    if (!f.body_is_json) r.content_type = "text/plain; charset=utf-8";
    r.body = *f.body;
  } else if (f.status == 503) {  // Xero's 503 is plain text, not JSON
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Service Unavailable";
  } else {
    r = Problem(f.status, "Injected fault", "Injected fault");
  }
  r.headers.insert(r.headers.end(), f.headers.begin(), f.headers.end());
  return r;
}

Response AmendResponse(const Fault& f, Response real) {
  if (f.status != 0) return FaultResponse(f);
  if (f.body) {
    real.body = *f.body;
    real.content_type =
        f.body_is_json ? "application/json; charset=utf-8" : "text/plain; charset=utf-8";
  }
  real.headers.insert(real.headers.end(), f.headers.begin(), f.headers.end());
  return real;
}

std::optional<Fault> Faults::Take(const std::string& method, const std::string& path) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (!PathMatches(it->path, path)) continue;
    Fault f = *it;
    if (it->count > 0 && --it->count == 0) faults_.erase(it);
    return f;
  }
  return std::nullopt;
}

nlohmann::json Faults::ToJson() const {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& f : faults_) a.push_back(FaultJson(f));
  return a;
}

}  // namespace xero_sim
