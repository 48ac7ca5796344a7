// SPDX-License-Identifier: MIT
// Private declarations shared by the xero-sim accounting handlers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/accounting/accounting.h"
#include "sim/accounting/organisation.h"
#include "sim/accounting/xero_json.h"

namespace xero_sim {

// One request being handled.
struct Ctx {
  Organisation& org;
  const Request& req;
  TimePoint now;
  std::int64_t now_ms;
};

// Sets an UpdatedDateUTC (millis) to `now_ms`, or 1 ms past its old value if
// that is not earlier, so every modification changes it.
inline void Touch(std::int64_t& updated_ms, std::int64_t now_ms) {
  updated_ms = now_ms > updated_ms ? now_ms : updated_ms + 1;
}

// A query parameter, matched case-insensitively like Xero; first value wins.
std::optional<std::string> QueryParam(const Request& req, std::string_view name);
// summarizeErrors: Xero's default is true (facts §4), "false" turns it off.
bool SummarizeErrors(const Request& req);
// Splits "a,b , c" into trimmed non-empty parts.
std::vector<std::string> SplitList(const std::string& text);
// page/pageSize paging. Returns the slice [begin, end) and fills "pagination"
// in `envelope` when `page` was given; 400 text in `error` when malformed.
struct Paging {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<nlohmann::json> pagination;
};
std::optional<Paging> PageOf(const Request& req, std::size_t count, std::string& error);
// The If-Modified-Since header as Unix millis; nullopt when absent or
// malformed (Xero ignores a malformed value). List endpoints then return only
// records whose UpdatedDateUTC is at or after it.
std::optional<std::int64_t> IfModifiedSince(const Request& req);
// 400 {"ErrorNumber":16,"Type":"QueryParseException","Message":…}.
Response QueryParseError(const std::string& message);

// The elements of a write body: {"<Key>":[…]} (validated against `wrapper`)
// or a single element object (validated against `element`). On error returns
// the ready 400 response in `error`.
std::optional<std::vector<nlohmann::json>> ParseElements(const Request& req,
                                                         const std::string& wrapper,
                                                         const std::string& key,
                                                         const std::string& element,
                                                         Response& error);

// The outcome of one element of a batch write.
struct ElementResult {
  nlohmann::json json;  // the created/updated object, or the echoed element
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};
// Xero's batch answer: summarizeErrors=false → 200 with every element and its
// StatusAttributeString; otherwise 200 when all succeeded, else a 400
// ValidationException listing only the failed elements (the valid ones were
// created anyway). `error_flag` is "HasErrors" or "HasValidationErrors" ("" for
// schemas without one, such as Item).
Response BatchResponse(Ctx& ctx, const std::string& key, std::vector<ElementResult> results,
                       const std::string& error_flag);

Response HandleSettings(Ctx& ctx, const std::string& resource,
                        const std::vector<std::string>& rest);
Response HandleContacts(Ctx& ctx, const std::vector<std::string>& rest);
Response HandleInvoices(Ctx& ctx, const std::vector<std::string>& rest);
Response HandlePayments(Ctx& ctx, const std::vector<std::string>& rest);
Response HandleItems(Ctx& ctx, const std::vector<std::string>& rest);

nlohmann::json ContactJson(const Contact& c);
nlohmann::json ContactSummaryJson(const Contact& c);
nlohmann::json InvoiceJson(const Organisation& org, const Invoice& inv);
nlohmann::json PaymentJson(const Organisation& org, const Payment& p, bool with_invoice);
const Contact* FindContact(const Organisation& org, const std::string& id);
const Invoice* FindInvoice(const Organisation& org, const std::string& id);

// A decimal JSON field: nullopt when absent or null; `bad` is set when the
// number is out of range.
std::optional<Decimal> NumberField(const nlohmann::json& e, const char* key, bool& bad);
std::string StringField(const nlohmann::json& e, const char* key);  // "" when absent

// An invoice element turned into the invoice it would become (creation when
// `existing` is null, else the updated copy), plus the contact element to
// create first when the invoice names an unknown contact. Errors and
// warnings are Xero's per-element messages.
struct InvoiceDraft {
  Invoice invoice;
  std::optional<nlohmann::json> new_contact;
  // Other fields sent with a known contact: Xero updates the contact with them.
  std::optional<nlohmann::json> contact_update;
};
std::optional<InvoiceDraft> BuildInvoice(Ctx& ctx, const nlohmann::json& e, const Invoice* existing,
                                         std::vector<std::string>& errors,
                                         std::vector<std::string>& warnings);

// Creates or updates a contact from an element already schema-checked;
// shared by /Contacts and invoice auto-creation. Fills `errors` on failure.
Contact* UpsertContact(Ctx& ctx, const nlohmann::json& e, Contact* target,
                       std::vector<std::string>& errors);

}  // namespace xero_sim
