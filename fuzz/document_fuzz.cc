// SPDX-License-Identifier: MIT
//
// Fuzz target: the invoice and payment document parser (xerod/document.h).
//
// Each input is JSON text as the platform would send it. Invariants:
//   - nothing throws; every error is kInvalidArgument with a message;
//   - ParseExactJson/DumpExactJson: the dump of a parsed value parses again
//     and dumps to the same bytes (numbers keep their text);
//   - SplitBatch agrees with ParseExactJson (object: one element; array: its
//     elements, at most max_documents; anything else: an error);
//   - for both document types, ParseDocument(text) equals ValidateDocument of
//     the parsed value, and an error names a field path: "document", a field
//     of that type, or a key present in the input (lines[i] with i in range);
//   - an accepted document's canonical form is a fixed point: parsing it
//     again gives the same canonical bytes, id and depends_on; id (and a
//     payment's invoice_id) are the input's;
//   - NormalizeDecimal gives the minimal form -?(0|[1-9][0-9]*)(.[0-9]*[1-9])?
//     (never "-0"), which it reads back unchanged.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "xerod/document.h"

namespace xerod {
namespace {

using fuzz::Shown;
using nlohmann::json;

const std::set<std::string, std::less<>> kInvoiceFields = {
    "id",       "number",    "kind", "status",           "client",   "issue_date", "due_date",
    "currency", "reference", "tax",  "discount_percent", "tracking", "lines"};
const std::set<std::string, std::less<>> kPaymentFields = {"id", "invoice_id", "amount", "date",
                                                           "reference"};

bool IsMinimalDecimal(std::string_view d) {
  if (d == "-0") return false;
  if (!d.empty() && d[0] == '-') d.remove_prefix(1);
  std::size_t dot = d.find('.');
  std::string_view whole = d.substr(0, dot);
  if (whole.empty() || (whole.size() > 1 && whole[0] == '0')) return false;
  for (char c : whole) {
    if (c < '0' || c > '9') return false;
  }
  if (dot == std::string_view::npos) return true;
  std::string_view fraction = d.substr(dot + 1);
  if (fraction.empty() || fraction.back() == '0') return false;
  for (char c : fraction) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

void CheckDecimal(std::string_view text, bool from_number) {
  Result<std::string> normal = NormalizeDecimal(text, from_number);
  if (!normal) {
    FUZZ_CHECK(normal.error().code() == Code::kInvalidArgument, normal.error().ToString());
    return;
  }
  FUZZ_CHECK(IsMinimalDecimal(*normal), Shown(text) + " -> " + Shown(*normal));
  Result<std::string> again = NormalizeDecimal(*normal, /*from_number=*/false);
  FUZZ_CHECK(again && *again == *normal, Shown(*normal) + " does not read back");
}

// Every number and string leaf, as a decimal candidate.
void CheckDecimals(const json& v, int budget = 64) {
  if (IsExactNumber(v)) {
    CheckDecimal(ExactNumberText(v), /*from_number=*/true);
  } else if (v.is_string()) {
    CheckDecimal(v.get_ref<const std::string&>(), /*from_number=*/false);
  } else if (v.is_structured()) {
    for (const auto& item : v) {
      if (--budget < 0) return;
      CheckDecimals(item, budget);
    }
  }
}

// The error's field path names something the document has or must have.
void CheckErrorPath(const Error& error, DocumentType type, const json& value) {
  const std::string& m = error.message();
  FUZZ_CHECK(error.code() == Code::kInvalidArgument, error.ToString());
  if (m.starts_with("document: ")) return;
  FUZZ_CHECK(value.is_object(), "a field error for a non-object: " + Shown(m));
  const auto& known = type == DocumentType::kInvoice ? kInvoiceFields : kPaymentFields;
  // Top-level member name: a known field followed by ": ", '.' or '['; or an unknown key
  // of the input, as it is when it is a plain name, else quoted: ["a.b"] (shortened to
  // 40 bytes like every value an error quotes).
  bool named = false;
  for (const auto& [key, member] : value.items()) {
    bool plain = !key.empty() && key.find_first_not_of(
                                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_") == std::string::npos;
    std::string quoted = json(key.size() > 40 ? key.substr(0, 40) + "..." : key)
                             .dump(-1, ' ', false, json::error_handler_t::replace);
    if (m.starts_with((plain ? key : "[" + quoted + "]") + ": ")) named = true;
  }
  for (const std::string& key : known) {
    if (m.starts_with(key + ": ") || m.starts_with(key + ".") || m.starts_with(key + "[")) {
      named = true;
    }
  }
  FUZZ_CHECK(named, "no field path in " + Shown(m));
  // A line's error names its index, `lines[i]`, inside the array (an unknown key such as
  // "lines[x" is named as it is and has no index).
  std::size_t digits = m.find_first_not_of("0123456789", 6);
  if (m.starts_with("lines[") && digits > 6 && digits != std::string::npos && m[digits] == ']' &&
      value.contains("lines") && value["lines"].is_array()) {
    std::size_t index = std::stoul(m.substr(6, digits - 6));
    FUZZ_CHECK(index < value["lines"].size(), Shown(m));
  }
}

std::string Outcome(const Result<Document>& r) {
  if (!r) return "error " + r.error().ToString();
  return "ok " + std::string(ToString(r->type)) + " " + r->id + " " + r->depends_on + " " +
         r->canonical;
}

void CheckType(DocumentType type, std::string_view text, const Result<json>& value) {
  Result<Document> parsed = ParseDocument(type, text);
  if (!value) {
    FUZZ_CHECK(!parsed && parsed.error().message() == "document: " + value.error().message(),
               Outcome(parsed));
    return;
  }
  Result<Document> validated = ValidateDocument(type, *value);
  FUZZ_CHECK(Outcome(parsed) == Outcome(validated),
             Shown(Outcome(parsed)) + "\n" + Shown(Outcome(validated)));
  if (!parsed) {
    CheckErrorPath(parsed.error(), type, *value);
    return;
  }
  const Document& doc = *parsed;
  FUZZ_CHECK(doc.type == type, Outcome(parsed));
  FUZZ_CHECK(doc.id == (*value)["id"].get<std::string>(), Shown(doc.id));
  if (type == DocumentType::kPayment) {
    FUZZ_CHECK(doc.depends_on == (*value)["invoice_id"].get<std::string>(), Shown(doc.depends_on));
  } else {
    FUZZ_CHECK(doc.depends_on.empty(), Shown(doc.depends_on));
  }
  Result<Document> again = ParseDocument(type, doc.canonical);
  FUZZ_CHECK(again && again->canonical == doc.canonical && again->id == doc.id &&
                 again->depends_on == doc.depends_on,
             "canonical form is not a fixed point:\n" + Shown(doc.canonical) + "\n" +
                 Shown(Outcome(again)));
}

}  // namespace
}  // namespace xerod

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xerod;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Result<json> value = ParseExactJson(text);
  if (value) {
    std::string dumped = DumpExactJson(*value);
    Result<json> reparsed = ParseExactJson(dumped);
    FUZZ_CHECK(reparsed && DumpExactJson(*reparsed) == dumped,
               "dump does not parse back: " + Shown(dumped));
    CheckDecimals(*value);
  } else {
    FUZZ_CHECK(value.error().code() == Code::kInvalidArgument && !value.error().message().empty(),
               value.error().ToString());
  }

  const DocumentLimits limits;
  Result<std::vector<json>> batch = SplitBatch(text, limits);
  if (!value) {
    FUZZ_CHECK(!batch, "SplitBatch accepted what ParseExactJson refused");
  } else if (value->is_object()) {
    FUZZ_CHECK(batch && batch->size() == 1, "an object is one document");
  } else if (value->is_array() && value->size() <= limits.max_documents) {
    FUZZ_CHECK(batch && batch->size() == value->size(), "an array's elements are the documents");
  } else {
    FUZZ_CHECK(!batch && batch.error().message().starts_with("batch: "), "not a batch");
  }

  CheckType(DocumentType::kInvoice, text, value);
  CheckType(DocumentType::kPayment, text, value);
  return 0;
}
