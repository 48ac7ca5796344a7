// SPDX-License-Identifier: MIT
//
// Invoice and payment documents as the platform sends them (DESIGN.md,
// "Invoice document (input)"): parsing, validation and normalisation.
//
// Exactness: amounts and quantities may be JSON strings or JSON numbers. A
// JSON number is never converted to binary floating point: ParseExactJson()
// runs nlohmann's SAX parser and keeps the number's own text (the `number_float`
// callback receives the raw lexeme; integers are re-printed from their exact
// 64-bit value), so "0.1" stays 0.1. The text is then checked and normalised as
// a decimal (no exponent loss: "1.5e2" becomes "150").
//
// Canonical form: the normalised document is JSON with keys in sorted order,
// decimals as minimal strings ("120.00" -> "120", "0.50" -> "0.5"), defaults
// filled in ("kind": "invoice") and absent optional fields omitted. Two inputs
// that mean the same produce the same bytes, so a content hash over
// `canonical` is stable.
//
// Errors: every problem is a Code::kInvalidArgument whose message starts with
// the field path, e.g. `lines[2].unit_price: not a decimal number (got "12,50")`.
// The first problem found is reported (fields are checked in a fixed order).
//
// Thread-safety: free functions without shared state; safe from any thread.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/document_type.h"
#include "xerod/status.h"

namespace xerod {

struct DocumentLimits {
  std::size_t max_document_bytes = 256 * 1024;  // one document's JSON text
  std::size_t max_documents = 1000;             // documents in one call
  std::size_t max_lines = 1000;                 // lines of one invoice
};

// A validated document.
struct Document {
  DocumentType type = DocumentType::kInvoice;
  std::string id;          // the platform's id (dedupe key within a connection)
  std::string canonical;   // normalised JSON, stable bytes
  std::string depends_on;  // payments: the platform's id of the invoice paid; else empty
};

// Parses JSON text; numbers are kept as their exact text (see above), marked so
// IsExactNumber() recognises them. Errors (kInvalidArgument): syntax (with byte
// offset), duplicate object keys, nesting deeper than 32, NUL in a string.
Result<nlohmann::json> ParseExactJson(std::string_view text);

// Whether `value` (from ParseExactJson) was a JSON number; its text if so.
bool IsExactNumber(const nlohmann::json& value);
std::string ExactNumberText(const nlohmann::json& value);

// A JSON number whose text is `decimal` (a normalised decimal, e.g. from a
// canonical document), marked as IsExactNumber() recognises it.
nlohmann::json ExactNumber(std::string_view decimal);

// Serialises a value from ParseExactJson back to JSON text, writing numbers as
// their original text (so nothing passes through floating point).
std::string DumpExactJson(const nlohmann::json& value);

// Validates and normalises one document value (from ParseExactJson).
Result<Document> ValidateDocument(DocumentType type, const nlohmann::json& value,
                                  const DocumentLimits& limits = {});

// Parses and validates one document given as JSON text.
Result<Document> ParseDocument(DocumentType type, std::string_view text,
                               const DocumentLimits& limits = {});

// Splits a batch given as one JSON text holding either one object or an array
// into its elements' values. An element that is not an object is returned as it
// is; ValidateDocument refuses it ("document: must be a JSON object"), so the
// caller reports one invalid row per such element. Errors: kInvalidArgument for
// a text over max_documents * max_document_bytes, bad JSON, a value that is
// neither object nor array, or more than limits.max_documents elements.
Result<std::vector<nlohmann::json>> SplitBatch(std::string_view text,
                                               const DocumentLimits& limits = {});

// Checks and normalises a decimal's text: optional '-', digits, optional
// fraction, optional exponent (exponent only when `from_number`). Returns the
// minimal form or an error message without the field path.
Result<std::string> NormalizeDecimal(std::string_view text, bool from_number);

}  // namespace xerod
