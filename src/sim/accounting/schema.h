// SPDX-License-Identifier: MIT
// Compact request schemas for the /api.xro/2.0 bodies xero-sim accepts: for
// each Xero schema it checks, every property the official spec defines, with
// its JSON type, object/item schema and enum values, and whether the simulator
// uses it or ignores it (read-only in Xero, response-only, or not modelled).
// Names the spec does not define are errors. Our own data, cross-checked
// against the official OpenAPI file by tests/sim/accounting/schema_spec_test.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xero_sim {

enum class FieldType { kString, kNumber, kInteger, kBoolean, kObject, kArray };

struct FieldSpec {
  std::string name;
  FieldType type;
  // kObject: the object's schema. kArray: the item schema. kString: the enum
  // ("Invoice.Type" for an inline enum, "LineAmountTypes" for a $ref'd enum
  // schema, "CurrencyCode" for ISO codes), or "" for free text. An object or
  // item schema that is not in AllSchemas() is checked for its JSON kind only.
  std::string ref;
  // Accepted but ignored by the simulator: read-only in Xero (Total, Payments,
  // UpdatedDateUTC, ...), response-only (HasErrors, ValidationErrors, ...) or
  // a feature it does not model (BrandingThemeID, Attachments, ...).
  bool ignored = false;
};

struct SchemaSpec {
  std::string name;  // Xero schema name, e.g. "Invoice"
  std::vector<FieldSpec> fields;
};

// Every schema the simulator validates.
const std::vector<SchemaSpec>& AllSchemas();
const SchemaSpec* FindSchema(std::string_view name);
// Enum values by enum name ("Invoice.Type", "LineAmountTypes", ...). The
// "CurrencyCode" enum is not listed: any three upper-case letters pass the
// schema and the organisation's currencies are checked by the handlers.
const std::vector<std::string>* EnumValues(std::string_view enum_name);
const std::vector<std::string>& EnumNames();
// Whether `field` of `schema` is accepted but ignored (false for unknown names).
bool IsIgnoredField(std::string_view schema, std::string_view field);

// Checks `value` against schema `schema` (null values count as absent).
// Returns the first problem as Newtonsoft-style text Xero puts after "JSON for
// post data was invalid,", e.g. "Could not find member 'Foo' on object of type
// 'Invoice'. Path 'Invoices[0].Foo'.", or nullopt when it conforms.
std::optional<std::string> ValidateAgainstSchema(std::string_view schema,
                                                 const nlohmann::json& value,
                                                 const std::string& path);

}  // namespace xero_sim
