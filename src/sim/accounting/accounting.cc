// SPDX-License-Identifier: MIT
#include "sim/accounting/accounting.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "sim/accounting/accounting_internal.h"
#include "sim/accounting/schema.h"

namespace xero_sim {
namespace {

constexpr std::string_view kPrefix = "/api.xro/2.0/";

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  if (!path.starts_with(kPrefix)) return out;
  std::string rest = path.substr(kPrefix.size());
  std::size_t start = 0;
  while (start <= rest.size()) {
    std::size_t slash = rest.find('/', start);
    if (slash == std::string::npos) slash = rest.size();
    if (slash > start) out.push_back(rest.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The resource name as the simulator spells it, or "" if not served.
std::string Resource(const std::vector<std::string>& seg) {
  if (seg.empty()) return "";
  for (const char* r : {"Organisation", "Currencies", "TaxRates", "Accounts", "Items",
                        "TrackingCategories", "Contacts", "Invoices", "Payments"}) {
    if (EqualsIgnoreCase(seg[0], r)) return r;
  }
  return "";
}

}  // namespace

std::unique_ptr<Organisation> NewOrganisation(const std::string& tenant_id,
                                              const OrgOptions& options,
                                              std::chrono::system_clock::time_point now) {
  auto org = std::make_unique<Organisation>(tenant_id, options);
  org->Seed(UnixMillis(now));
  return org;
}

std::string NewShortCode() {
  std::random_device rd;
  return ShortCodeFrom((std::uint64_t{rd()} << 32) | rd());
}

const std::string& ShortCode(const Organisation& org) { return org.options.short_code; }

std::vector<std::string> AllowedScopes(const Request& request) {
  const std::string resource = Resource(Segments(request.path));
  const bool read = request.method == "GET";
  auto scopes = [&](std::vector<std::string> write_scopes) {
    if (read) {
      std::vector<std::string> all;
      for (const auto& s : write_scopes) {
        all.push_back(s);
        all.push_back(s + ".read");
      }
      return all;
    }
    return write_scopes;
  };
  if (resource == "Organisation" || resource == "Currencies" || resource == "TaxRates" ||
      resource == "Accounts" || resource == "TrackingCategories")
    return scopes({"accounting.settings"});
  // Items: settings in the legacy model, accounting.invoices in the granular one.
  if (resource == "Items") return scopes({"accounting.settings", "accounting.invoices"});
  if (resource == "Contacts") return scopes({"accounting.contacts"});
  if (resource == "Invoices") return scopes({"accounting.invoices", "accounting.transactions"});
  if (resource == "Payments") return scopes({"accounting.payments", "accounting.transactions"});
  return {};
}

Response HandleAccounting(Organisation& org, const Request& request,
                          std::chrono::system_clock::time_point now) {
  try {
    std::vector<std::string> seg = Segments(request.path);
    const std::string resource = Resource(seg);
    if (resource.empty()) return NotFound();
    Ctx ctx{org, request, now, UnixMillis(now)};
    std::vector<std::string> rest(seg.begin() + 1, seg.end());
    if (resource == "Contacts") return HandleContacts(ctx, rest);
    if (resource == "Invoices") return HandleInvoices(ctx, rest);
    if (resource == "Payments") return HandlePayments(ctx, rest);
    if (resource == "Items") return HandleItems(ctx, rest);
    return HandleSettings(ctx, resource, rest);
  } catch (const std::exception& e) {
    // A bug in the simulator, not a Xero behaviour: say so plainly.
    Response r;
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = fmt::format("xero-sim internal error: {}", e.what());
    return r;
  }
}

OrgStats Stats(const Organisation& org) {
  OrgStats s;
  s.invoices = static_cast<long>(org.invoices.size());
  s.payments = static_cast<long>(org.payments.size());
  s.contacts = static_cast<long>(org.contacts.size());
  s.duplicate_numbers_attempted = org.duplicate_numbers_attempted;
  return s;
}

nlohmann::json InvoicesJson(const Organisation& org) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& inv : org.invoices) arr.push_back(InvoiceJson(org, inv));
  return {{"Invoices", std::move(arr)}};
}

std::optional<std::string> QueryParam(const Request& req, std::string_view name) {
  for (const auto& [k, v] : req.query)
    if (EqualsIgnoreCase(k, name)) return v;
  return std::nullopt;
}

bool SummarizeErrors(const Request& req) {
  auto v = QueryParam(req, "summarizeErrors");
  return !(v && EqualsIgnoreCase(*v, "false"));
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(start, comma - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) out.push_back(part);
    start = comma + 1;
  }
  return out;
}

std::optional<Paging> PageOf(const Request& req, std::size_t count, std::string& error) {
  Paging p;
  p.end = count;
  auto page_text = QueryParam(req, "page");
  if (!page_text) return p;
  auto to_int = [](const std::string& s) -> std::optional<long> {
    if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), ::isdigit))
      return std::nullopt;
    return std::stol(s);
  };
  auto page = to_int(*page_text);
  long page_size = 100;
  if (auto ps = QueryParam(req, "pageSize")) {
    auto v = to_int(*ps);
    if (!v || *v < 1) {
      error = "pageSize must be a positive integer";
      return std::nullopt;
    }
    page_size = std::min(*v, 1000L);
  }
  if (!page) {
    error = "page must be a positive integer";
    return std::nullopt;
  }
  long pg = std::max(*page, 1L);
  auto size = static_cast<std::size_t>(page_size);
  p.begin = std::min(count, static_cast<std::size_t>(pg - 1) * size);
  p.end = std::min(count, p.begin + size);
  p.pagination = nlohmann::json{{"page", pg},
                                {"pageSize", page_size},
                                {"pageCount", (count + size - 1) / size},
                                {"itemCount", count}};
  return p;
}

std::optional<std::int64_t> IfModifiedSince(const Request& req) {
  auto it = req.headers.find("if-modified-since");
  if (it == req.headers.end()) return std::nullopt;
  return ParseTimestampMillis(it->second);  // malformed: ignored, as Xero does
}

Response QueryParseError(const std::string& message) {
  return JsonResponse(400,
                      {{"ErrorNumber", 16}, {"Type", "QueryParseException"}, {"Message", message}});
}

std::optional<std::vector<nlohmann::json>> ParseElements(const Request& req,
                                                         const std::string& wrapper,
                                                         const std::string& key,
                                                         const std::string& element,
                                                         Response& error) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    error =
        PostDataInvalid("Unexpected character encountered while parsing value. Path '', line 1.");
    return std::nullopt;
  }
  std::vector<nlohmann::json> out;
  if (body.is_object() && body.contains(key)) {
    if (auto e = ValidateAgainstSchema(wrapper, body, "")) {
      error = PostDataInvalid(*e);
      return std::nullopt;
    }
    if (body[key].is_array())
      for (const auto& el : body[key])
        if (!el.is_null()) out.push_back(el);
    return out;
  }
  if (auto e = ValidateAgainstSchema(element, body, "")) {
    error = PostDataInvalid(*e);
    return std::nullopt;
  }
  out.push_back(body);
  return out;
}

Response BatchResponse(Ctx& ctx, const std::string& key, std::vector<ElementResult> results,
                       const std::string& error_flag) {
  const bool summarize = SummarizeErrors(ctx.req);
  bool any_error = false;
  nlohmann::json all = nlohmann::json::array();
  std::vector<nlohmann::json> failed;
  for (auto& r : results) {
    nlohmann::json j = std::move(r.json);
    if (!j.is_object()) j = nlohmann::json::object();
    if (!r.errors.empty()) {
      any_error = true;
      if (!error_flag.empty()) j[error_flag] = true;
      j["StatusAttributeString"] = "ERROR";
      j["ValidationErrors"] = MessagesJson(r.errors);
      if (!r.warnings.empty()) j["Warnings"] = MessagesJson(r.warnings);
      failed.push_back(j);
    } else if (!summarize) {
      j["StatusAttributeString"] = r.warnings.empty() ? "OK" : "WARNING";
      if (!r.warnings.empty()) j["Warnings"] = MessagesJson(r.warnings);
    } else if (!r.warnings.empty()) {
      j["Warnings"] = MessagesJson(r.warnings);
    }
    all.push_back(std::move(j));
  }
  if (summarize && any_error) return ValidationException(failed);
  return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, key, std::move(all)));
}

}  // namespace xero_sim
