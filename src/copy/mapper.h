// SPDX-License-Identifier: MIT
//
// The mapper: a document (the platform's invoice or payment, as normalised by
// src/document/) plus what xerod knows of the Xero organisation plus the
// connection's settings, to the element Xero's API takes -- or a refusal in
// words a bookkeeper understands. Pure: no I/O, no clock, no state.
//
// Rules (DESIGN.md "Mapping rules", the seeds' products):
//   status      draft -> DRAFT; sent and paid -> the connection's invoice_status
//               (AUTHORISED by default, or SUBMITTED)
//   revenue     per line: the Xero item whose code is the line's kind (cut to
//               Xero's 30 characters) if it has a sales account -> the client's
//               default sales account in Xero -> the connection's revenue_account;
//               a DRAFT may go without one, anything else is refused
//   tax         one rate for the whole invoice: the connection's tax_map, else
//               the active sales tax rate of that name; no tax -> NoTax
//   discount    discount_percent on every line as DiscountRate
//   tracking    the document's categories/options, checked against Xero's
//               (Xero's spelling is used); without any, the client's default
//               sales tracking in Xero when it is still valid
//   currency    must be one the organisation uses
//   refused     retainers, lines without a description, and the above when
//               they cannot be satisfied
// Amounts are written as JSON numbers with the document's exact decimal text
// (nothing passes through binary floating point): serialise the result with
// DumpExactJson().
#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "copy/org_data.h"
#include "xerod/config.h"

namespace xerod::copy {

struct Refusal {
  std::string reason;
  // The refusal rests on the organisation's data (currencies, tax rates,
  // accounts, items, tracking): worth a second look with fresh data.
  bool org_data = false;
};

template <typename T>
using Mapped = std::expected<T, Refusal>;

struct MapContext {
  const OrgData& org;
  const ConnectionSettings& settings;
  const std::string& connection;  // its name, for messages about connections.NAME.*
};

// Xero's limit on item codes.
inline constexpr std::size_t kMaxItemCode = 30;
// `kind` cut to at most kMaxItemCode bytes without splitting a UTF-8 character.
std::string CutItemCode(const std::string& kind);

// The Invoice element for `doc` (a canonical invoice document). `contact` is
// the client's contact in Xero if it exists (its defaults apply); without one
// the element names the client by Name and EmailAddress, to be replaced by the
// ContactID once the contact is created. `invoice_id`: update that invoice.
Mapped<nlohmann::json> MapInvoice(const nlohmann::json& doc, const MapContext& ctx,
                                  const Contact* contact,
                                  const std::optional<std::string>& invoice_id = std::nullopt);

// The Contact element to create for the client of `doc`: Name and EmailAddress
// only (the products copy nothing else).
nlohmann::json NewContactFor(const nlohmann::json& doc);

// The Payment element for `doc` (a canonical payment document) against the
// Xero invoice `invoice_id`.
Mapped<nlohmann::json> MapPayment(const nlohmann::json& doc, const MapContext& ctx,
                                  const std::string& invoice_id);

// "https://go.xero.com/app/{short code}/invoicing/view/{id}" (the deep link
// Xero's own tools use); empty without a short code.
std::string InvoiceLink(const Organisation& org, const std::string& invoice_id);

}  // namespace xerod::copy
