// SPDX-License-Identifier: MIT
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>
namespace xero_sim {
struct Request {
  std::string method;  // "GET", "PUT", "POST", "DELETE"
  std::string path;    // percent-decoded path, no query: "/api.xro/2.0/Invoices"
  std::multimap<std::string, std::string> query;  // percent-decoded query parameters, names as sent
  std::string raw_query;  // the query string as sent, without '?' (for --capture)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string client_id;  // the calling app (the access token's client_id), set by sim-core

  // The header's value, or "" when it was not sent. `name` in lower case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};
struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};
}  // namespace xero_sim
