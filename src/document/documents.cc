// SPDX-License-Identifier: MIT
//
// Invoice and payment validation/normalisation (contract in xerod/document.h).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "document/field_reader.h"
#include "xerod/document.h"

namespace xerod {
namespace {

using document::FieldError;
using document::FieldReader;
using document::TypeName;
using nlohmann::json;

// Evaluates a Result-returning expression; on error returns it from the caller.
#define XEROD_DOC_TRY(var, expr)                                   \
  auto var##_result = (expr);                                      \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

constexpr int kMaxAmountScale = 4;       // Xero UnitAmount/Quantity: up to 4 places
constexpr int kMaxPaymentScale = 2;      // payments are in currency units
constexpr std::size_t kMaxTracking = 2;  // Xero: two tracking categories

void SetIf(json& out, const char* key, const std::optional<std::string>& v) {
  if (v) out[key] = *v;
}

bool IsCurrencyCode(const std::string& s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool LooksLikeEmail(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string::npos && s.find(' ') == std::string::npos &&
         s.find('.', at) != std::string::npos;
}

Result<const json*> ObjectAt(const json& v, const std::string& path) {
  if (!v.is_object())
    return FieldError(path, fmt::format("must be an object (got {})", TypeName(v)));
  return &v;
}

bool IsNegative(const std::string& decimal) { return !decimal.empty() && decimal[0] == '-'; }

bool IsBlank(const json& v) {
  return v.is_string() && !IsExactNumber(v) &&
         v.get_ref<const std::string&>().find_first_not_of(" \t") == std::string::npos;
}

// A normalised decimal within 0..100.
bool IsPercent(const std::string& decimal) {
  if (IsNegative(decimal)) return false;
  std::string whole = decimal.substr(0, decimal.find('.'));
  bool has_fraction = whole.size() != decimal.size();
  if (whole.size() > 3) return false;
  int n = std::stoi(whole);
  return n < 100 || (n == 100 && !has_fraction);
}

Result<json> ValidateClient(const json& v, const std::string& path) {
  XEROD_DOC_TRY(obj, ObjectAt(v, path));
  FieldReader r(*obj, path);
  json out = json::object();
  XEROD_DOC_TRY(name, r.Text("name", true));
  XEROD_DOC_TRY(email, r.Text("email", false));
  if (email && !LooksLikeEmail(*email)) {
    return FieldError(r.PathOf("email"), fmt::format("not an email address (got \"{}\")", *email));
  }
  if (auto s = r.NoUnknownFields(); !s) return std::unexpected(s.error());
  out["name"] = *name;
  SetIf(out, "email", email);
  return out;
}

Result<json> ValidateLine(const json& v, const std::string& path) {
  XEROD_DOC_TRY(obj, ObjectAt(v, path));
  FieldReader r(*obj, path);
  json out = json::object();
  XEROD_DOC_TRY(kind, r.Text("kind", false));
  // A line without a description is accepted and stored: the copy refuses it
  // with a reason a bookkeeper sees (Xero needs one on every line), so the
  // failure is reported like any other, not only to whoever enqueued it.
  std::optional<std::string> description;
  if (auto given = r.Member("description", false);
      given && *given != nullptr && (!(*given)->is_string() || !IsBlank(**given))) {
    XEROD_DOC_TRY(text, r.Text("description", true, 4000));
    description = std::move(text);
  }
  XEROD_DOC_TRY(quantity, r.Decimal("quantity", true, kMaxAmountScale));
  XEROD_DOC_TRY(unit_price, r.Decimal("unit_price", true, kMaxAmountScale));
  if (IsNegative(*quantity) || *quantity == "0") {
    return FieldError(r.PathOf("quantity"),
                      fmt::format("must be greater than 0 (got \"{}\")", *quantity));
  }
  if (auto s = r.NoUnknownFields(); !s) return std::unexpected(s.error());
  SetIf(out, "kind", kind);
  SetIf(out, "description", description);
  out["quantity"] = *quantity;
  out["unit_price"] = *unit_price;
  return out;
}

Result<json> ValidateTracking(const json& v, const std::string& path) {
  if (!v.is_array()) return FieldError(path, fmt::format("must be an array (got {})", TypeName(v)));
  if (v.size() > kMaxTracking) {
    return FieldError(
        path, fmt::format("at most {} tracking categories (got {})", kMaxTracking, v.size()));
  }
  json out = json::array();
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string item_path = fmt::format("{}[{}]", path, i);
    XEROD_DOC_TRY(obj, ObjectAt(v[i], item_path));
    FieldReader r(*obj, item_path);
    XEROD_DOC_TRY(name, r.Text("name", true));
    XEROD_DOC_TRY(option, r.Text("option", true));
    if (auto s = r.NoUnknownFields(); !s) return std::unexpected(s.error());
    out.push_back({{"name", *name}, {"option", *option}});
  }
  return out;
}

Result<json> ValidateInvoice(const json& doc, const DocumentLimits& limits) {
  FieldReader r(doc, "");
  json out = json::object();
  XEROD_DOC_TRY(id, r.Text("id", true));
  XEROD_DOC_TRY(number, r.Text("number", false));
  XEROD_DOC_TRY(kind, r.Text("kind", false));
  // A retainer is accepted and stored, and the copy refuses it with the reason
  // (Harvest's rule: its funds would be counted twice in Xero).
  if (kind && *kind != "invoice" && *kind != "retainer") {
    return FieldError("kind",
                      fmt::format("must be \"invoice\" or \"retainer\" (got \"{}\")", *kind));
  }
  XEROD_DOC_TRY(status, r.Text("status", true));
  if (*status != "draft" && *status != "sent" && *status != "paid") {
    return FieldError("status", fmt::format("must be draft, sent or paid (got \"{}\")", *status));
  }
  XEROD_DOC_TRY(client, r.Member("client", true));
  XEROD_DOC_TRY(client_out, ValidateClient(*client, "client"));
  XEROD_DOC_TRY(issue_date, r.Date("issue_date", true));
  XEROD_DOC_TRY(due_date, r.Date("due_date", false));
  if (due_date && *due_date < *issue_date) {
    return FieldError(
        "due_date", fmt::format("before issue_date (got \"{}\" < \"{}\")", *due_date, *issue_date));
  }
  XEROD_DOC_TRY(currency, r.Text("currency", true));
  if (!IsCurrencyCode(*currency)) {
    return FieldError(
        "currency",
        fmt::format("not an ISO 4217 code of three capital letters (got \"{}\")", *currency));
  }
  XEROD_DOC_TRY(reference, r.Text("reference", false));
  XEROD_DOC_TRY(tax, r.Text("tax", false));
  XEROD_DOC_TRY(discount, r.Decimal("discount_percent", false, 2));
  if (discount && !IsPercent(*discount)) {
    return FieldError("discount_percent",
                      fmt::format("must be between 0 and 100 (got \"{}\")", *discount));
  }
  XEROD_DOC_TRY(tracking, r.Member("tracking", false));
  json tracking_out;
  if (tracking) {
    XEROD_DOC_TRY(t, ValidateTracking(*tracking, "tracking"));
    tracking_out = std::move(t);
  }
  XEROD_DOC_TRY(lines, r.Member("lines", true));
  if (!lines->is_array()) {
    return FieldError("lines", fmt::format("must be an array (got {})", TypeName(*lines)));
  }
  if (lines->empty()) return FieldError("lines", "must have at least one line");
  if (lines->size() > limits.max_lines) {
    return FieldError("lines",
                      fmt::format("more than {} lines (got {})", limits.max_lines, lines->size()));
  }
  json lines_out = json::array();
  for (std::size_t i = 0; i < lines->size(); ++i) {
    XEROD_DOC_TRY(line, ValidateLine((*lines)[i], fmt::format("lines[{}]", i)));
    lines_out.push_back(std::move(line));
  }
  if (auto s = r.NoUnknownFields(); !s) return std::unexpected(s.error());

  out["id"] = *id;
  SetIf(out, "number", number);
  out["kind"] = kind.value_or("invoice");
  out["status"] = *status;
  out["client"] = std::move(client_out);
  out["issue_date"] = *issue_date;
  SetIf(out, "due_date", due_date);
  out["currency"] = *currency;
  SetIf(out, "reference", reference);
  SetIf(out, "tax", tax);
  SetIf(out, "discount_percent", discount);
  if (tracking) out["tracking"] = std::move(tracking_out);
  out["lines"] = std::move(lines_out);
  return out;
}

Result<json> ValidatePayment(const json& doc) {
  FieldReader r(doc, "");
  json out = json::object();
  XEROD_DOC_TRY(id, r.Text("id", true));
  XEROD_DOC_TRY(invoice_id, r.Text("invoice_id", true));
  XEROD_DOC_TRY(amount, r.Decimal("amount", true, kMaxPaymentScale));
  if (IsNegative(*amount) || *amount == "0") {
    return FieldError("amount", fmt::format("must be greater than 0 (got \"{}\")", *amount));
  }
  XEROD_DOC_TRY(date, r.Date("date", true));
  XEROD_DOC_TRY(reference, r.Text("reference", false));
  if (auto s = r.NoUnknownFields(); !s) return std::unexpected(s.error());
  out["id"] = *id;
  out["invoice_id"] = *invoice_id;
  out["amount"] = *amount;
  out["date"] = *date;
  SetIf(out, "reference", reference);
  return out;
}

}  // namespace

Result<Document> ValidateDocument(DocumentType type, const json& value,
                                  const DocumentLimits& limits) {
  if (!value.is_object()) {
    return Fail(Code::kInvalidArgument,
                fmt::format("document: must be a JSON object (got {})", TypeName(value)));
  }
  Result<json> normal =
      type == DocumentType::kInvoice ? ValidateInvoice(value, limits) : ValidatePayment(value);
  if (!normal) return std::unexpected(normal.error());
  Document doc;
  doc.type = type;
  doc.id = (*normal)["id"].get<std::string>();
  if (type == DocumentType::kPayment) doc.depends_on = (*normal)["invoice_id"].get<std::string>();
  doc.canonical = normal->dump(-1, ' ', false, json::error_handler_t::strict);
  return doc;
}

Result<Document> ParseDocument(DocumentType type, std::string_view text,
                               const DocumentLimits& limits) {
  if (text.size() > limits.max_document_bytes) {
    return Fail(Code::kInvalidArgument, fmt::format("document: larger than {} bytes (got {} bytes)",
                                                    limits.max_document_bytes, text.size()));
  }
  auto value = ParseExactJson(text);
  if (!value) {
    return Fail(Code::kInvalidArgument, fmt::format("document: {}", value.error().message()));
  }
  return ValidateDocument(type, *value, limits);
}

Result<std::vector<json>> SplitBatch(std::string_view text, const DocumentLimits& limits) {
  if (text.size() > limits.max_document_bytes * limits.max_documents) {
    return Fail(Code::kInvalidArgument,
                fmt::format("batch: larger than {} bytes",
                            limits.max_document_bytes * limits.max_documents));
  }
  auto value = ParseExactJson(text);
  if (!value)
    return Fail(Code::kInvalidArgument, fmt::format("batch: {}", value.error().message()));
  std::vector<json> out;
  if (value->is_object()) {
    out.push_back(std::move(*value));
    return out;
  }
  if (!value->is_array()) {
    return Fail(
        Code::kInvalidArgument,
        fmt::format("batch: must be an object or an array of objects (got {})", TypeName(*value)));
  }
  if (value->size() > limits.max_documents) {
    return Fail(Code::kInvalidArgument, fmt::format("batch: more than {} documents (got {})",
                                                    limits.max_documents, value->size()));
  }
  out.reserve(value->size());
  for (auto& element : *value) out.push_back(std::move(element));
  return out;
}

}  // namespace xerod
