// SPDX-License-Identifier: MIT
// Compact request schemas for the /api.xro/2.0 bodies xero-sim accepts: for
// each Xero schema the fields the simulator understands, their JSON types and
// enum values. Our own data (a subset of Xero's), cross-checked against the
// official OpenAPI file by tests/sim/accounting/schema_spec_test.cc.
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
  // schema, "CurrencyCode" for ISO codes), or "" for free text.
  std::string ref;
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

// Checks `value` against schema `schema` (null values count as absent).
// Returns the first problem as Newtonsoft-style text Xero puts after "JSON for
// post data was invalid,", e.g. "Could not find member 'Foo' on object of type
// 'Invoice'. Path 'Invoices[0].Foo'.", or nullopt when it conforms.
std::optional<std::string> ValidateAgainstSchema(std::string_view schema,
                                                 const nlohmann::json& value,
                                                 const std::string& path);

}  // namespace xero_sim
