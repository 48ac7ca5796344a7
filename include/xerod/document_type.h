// SPDX-License-Identifier: MIT
//
// What a document is, and so what the job that copies it is: an invoice or a
// payment. Its names are stored in the database (jobs.kind) and shown.
#pragma once

#include <optional>
#include <string_view>

namespace xerod {

enum class DocumentType { kInvoice, kPayment };

// Stable lower-case names: "invoice", "payment".
constexpr std::string_view ToString(DocumentType type) {
  return type == DocumentType::kInvoice ? "invoice" : "payment";
}

constexpr std::optional<DocumentType> ParseDocumentType(std::string_view s) {
  if (s == "invoice") return DocumentType::kInvoice;
  if (s == "payment") return DocumentType::kPayment;
  return std::nullopt;
}

}  // namespace xerod
