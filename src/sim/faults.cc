// SPDX-License-Identifier: MIT
#include "sim/faults.h"

#include <fnmatch.h>

#include "sim/http_util.h"

namespace xero_sim {

bool PathMatches(const std::string& pattern, const std::string& path) {
  if (pattern.find_first_of("*?[") != std::string::npos) {
    return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;  // '*' also matches '/'
  }
  return path.starts_with(pattern);
}

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
    if (j.contains("body") && !j["body"].is_null()) {
      f.body = j["body"].is_string() ? j["body"].get<std::string>() : j["body"].dump();
    }
  } catch (const nlohmann::json::exception& e) {
    return std::string("bad fault: ") + e.what();
  }
  if (f.path.empty()) return "path is required";
  if (f.status != 0 && (f.status < 100 || f.status > 599)) return "status must be 100..599";
  if (f.count == 0 || f.count < -1) return "count must be positive or -1";
  if (f.delay_ms < 0) return "delay_ms must be >= 0";
  if (f.status == 0 && !f.drop && f.delay_ms == 0) return "a fault needs status, drop or delay_ms";
  *out = std::move(f);
  return std::nullopt;
}

nlohmann::json FaultJson(const Fault& f) {
  nlohmann::json j = {{"path", f.path},   {"method", f.method},     {"status", f.status},
                      {"count", f.count}, {"delay_ms", f.delay_ms}, {"drop", f.drop}};
  if (f.body) j["body"] = *f.body;
  return j;
}

Response FaultResponse(const Fault& f) {
  Response r;
  r.status = f.status;
  if (f.body) {
    auto parsed = nlohmann::json::parse(*f.body, nullptr, false);
    if (parsed.is_discarded()) r.content_type = "text/plain; charset=utf-8";
    r.body = *f.body;
    return r;
  }
  if (f.status == 503) {  // Xero's 503 is plain text, not JSON
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Service Unavailable";
    return r;
  }
  return Problem(f.status, "Injected fault", "Injected fault");
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
