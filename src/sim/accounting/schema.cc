// SPDX-License-Identifier: MIT
#include "sim/accounting/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace xero_sim {
namespace {

using FT = FieldType;

FieldSpec S(const char* name, const char* ref = "") { return {name, FT::kString, ref}; }
FieldSpec N(const char* name) { return {name, FT::kNumber, ""}; }
FieldSpec B(const char* name) { return {name, FT::kBoolean, ""}; }
FieldSpec O(const char* name, const char* ref) { return {name, FT::kObject, ref}; }
FieldSpec A(const char* name, const char* ref) { return {name, FT::kArray, ref}; }

const std::vector<SchemaSpec>& Schemas() {
  static const std::vector<SchemaSpec> kSchemas = {
      {"Invoices", {A("Invoices", "Invoice")}},
      {"Invoice",
       {S("Type", "Invoice.Type"),
        O("Contact", "Contact"),
        A("LineItems", "LineItem"),
        S("Date"),
        S("DueDate"),
        S("LineAmountTypes", "LineAmountTypes"),
        S("InvoiceNumber"),
        S("Reference"),
        S("BrandingThemeID"),
        S("Url"),
        S("CurrencyCode", "CurrencyCode"),
        N("CurrencyRate"),
        S("Status", "Invoice.Status"),
        B("SentToContact"),
        S("ExpectedPaymentDate"),
        S("PlannedPaymentDate"),
        N("SubTotal"),
        N("TotalTax"),
        N("Total"),
        N("TotalDiscount"),
        S("InvoiceID"),
        B("HasAttachments"),
        B("IsDiscounted"),
        N("AmountDue"),
        N("AmountPaid"),
        N("AmountCredited"),
        S("UpdatedDateUTC"),
        B("HasErrors"),
        S("StatusAttributeString"),
        A("ValidationErrors", "ValidationError"),
        A("Warnings", "ValidationError")}},
      {"LineItem",
       {S("LineItemID"), S("Description"), N("Quantity"), N("UnitAmount"), S("ItemCode"),
        S("AccountCode"), S("AccountID"), S("TaxType"), N("TaxAmount"), O("Item", "LineItemItem"),
        N("LineAmount"), A("Tracking", "LineItemTracking"), N("DiscountRate"),
        N("DiscountAmount")}},
      {"LineItemItem", {S("Code"), S("Name"), S("ItemID")}},
      {"LineItemTracking",
       {S("TrackingCategoryID"), S("TrackingOptionID"), S("Name"), S("Option")}},
      {"Contacts", {A("Contacts", "Contact")}},
      {"Contact",
       {S("ContactID"),
        S("ContactNumber"),
        S("AccountNumber"),
        S("ContactStatus", "Contact.ContactStatus"),
        S("Name"),
        S("FirstName"),
        S("LastName"),
        S("CompanyNumber"),
        S("EmailAddress"),
        A("ContactPersons", "ContactPerson"),
        S("BankAccountDetails"),
        S("TaxNumber"),
        S("AccountsReceivableTaxType"),
        S("AccountsPayableTaxType"),
        A("Addresses", "Address"),
        A("Phones", "Phone"),
        B("IsSupplier"),
        B("IsCustomer"),
        S("DefaultCurrency", "CurrencyCode"),
        S("SalesDefaultAccountCode"),
        S("PurchasesDefaultAccountCode"),
        S("UpdatedDateUTC"),
        B("HasAttachments"),
        B("HasValidationErrors"),
        A("ValidationErrors", "ValidationError"),
        S("StatusAttributeString")}},
      {"ContactPerson", {S("FirstName"), S("LastName"), S("EmailAddress"), B("IncludeInEmails")}},
      {"Address",
       {S("AddressType", "Address.AddressType"), S("AddressLine1"), S("AddressLine2"),
        S("AddressLine3"), S("AddressLine4"), S("City"), S("Region"), S("PostalCode"), S("Country"),
        S("AttentionTo")}},
      {"Phone",
       {S("PhoneType", "Phone.PhoneType"), S("PhoneNumber"), S("PhoneAreaCode"),
        S("PhoneCountryCode")}},
      {"Payments", {A("Payments", "Payment")}},
      {"Payment",
       {O("Invoice", "Invoice"), S("InvoiceNumber"), O("Account", "Account"), S("Code"), S("Date"),
        N("CurrencyRate"), N("Amount"), N("BankAmount"), S("Reference"), B("IsReconciled"),
        S("Status", "Payment.Status"), S("PaymentType", "Payment.PaymentType"), S("PaymentID"),
        B("HasAccount"), B("HasValidationErrors"), S("StatusAttributeString"),
        A("ValidationErrors", "ValidationError"), A("Warnings", "ValidationError"),
        S("UpdatedDateUTC")}},
      {"Account", {S("AccountID"), S("Code"), S("Name")}},
      {"ValidationError", {S("Message")}},
  };
  return kSchemas;
}

const std::map<std::string, std::vector<std::string>, std::less<>>& Enums() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kEnums = {
      {"Invoice.Type",
       {"ACCPAY", "ACCPAYCREDIT", "APOVERPAYMENT", "APPREPAYMENT", "ACCREC", "ACCRECCREDIT",
        "AROVERPAYMENT", "ARPREPAYMENT"}},
      {"Invoice.Status", {"DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED"}},
      {"LineAmountTypes", {"Exclusive", "Inclusive", "NoTax"}},
      {"Contact.ContactStatus", {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}},
      {"Address.AddressType", {"POBOX", "STREET"}},
      {"Phone.PhoneType", {"DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"}},
      {"Payment.Status", {"AUTHORISED", "DELETED"}},
      {"Payment.PaymentType",
       {"ACCRECPAYMENT", "ACCPAYPAYMENT", "ARCREDITPAYMENT", "APCREDITPAYMENT",
        "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT", "APPREPAYMENTPAYMENT",
        "APOVERPAYMENTPAYMENT"}},
  };
  return kEnums;
}

std::string TypeName(const FieldSpec& f) {
  switch (f.type) {
    case FT::kString:
      if (f.ref.empty()) return "System.String";
      {
        std::string n = f.ref;
        n.erase(std::remove(n.begin(), n.end(), '.'), n.end());
        return n;
      }
    case FT::kNumber:
      return "System.Decimal";
    case FT::kInteger:
      return "System.Int32";
    case FT::kBoolean:
      return "System.Boolean";
    case FT::kObject:
      return f.ref;
    case FT::kArray:
      return fmt::format("System.Collections.Generic.List`1[{}]", f.ref);
  }
  return "?";
}

std::string Conversion(const nlohmann::json& v, const FieldSpec& f, const std::string& path) {
  return fmt::format("Error converting value {} to type '{}'. Path '{}'.", v.dump(), TypeName(f),
                     path);
}

bool IsCurrencyCode(const std::string& s) {
  if (s.empty()) return true;  // the spec's EMPTY_CURRENCY: "not given"
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::optional<std::string> CheckField(const FieldSpec& f, const nlohmann::json& v,
                                      const std::string& path) {
  if (v.is_null()) return std::nullopt;
  switch (f.type) {
    case FT::kString: {
      if (!v.is_string()) return Conversion(v, f, path);
      if (f.ref.empty()) return std::nullopt;
      const auto s = v.get<std::string>();
      if (f.ref == "CurrencyCode") {
        if (!IsCurrencyCode(s)) return Conversion(v, f, path);
        return std::nullopt;
      }
      const auto* values = EnumValues(f.ref);
      if (values == nullptr || std::find(values->begin(), values->end(), s) == values->end())
        return Conversion(v, f, path);
      return std::nullopt;
    }
    case FT::kNumber:
      if (!v.is_number()) return Conversion(v, f, path);
      return std::nullopt;
    case FT::kInteger:
      if (!v.is_number_integer()) return Conversion(v, f, path);
      return std::nullopt;
    case FT::kBoolean:
      if (!v.is_boolean()) return Conversion(v, f, path);
      return std::nullopt;
    case FT::kObject:
      if (!v.is_object()) return Conversion(v, f, path);
      return ValidateAgainstSchema(f.ref, v, path);
    case FT::kArray:
      if (!v.is_array()) return Conversion(v, f, path);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const auto& item = v[i];
        std::string item_path = fmt::format("{}[{}]", path, i);
        if (item.is_null()) continue;
        if (!item.is_object())
          return fmt::format("Error converting value {} to type '{}'. Path '{}'.", item.dump(),
                             f.ref, item_path);
        if (auto e = ValidateAgainstSchema(f.ref, item, item_path)) return e;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<SchemaSpec>& AllSchemas() { return Schemas(); }

const SchemaSpec* FindSchema(std::string_view name) {
  for (const auto& s : Schemas())
    if (s.name == name) return &s;
  return nullptr;
}

const std::vector<std::string>* EnumValues(std::string_view enum_name) {
  auto it = Enums().find(enum_name);
  return it == Enums().end() ? nullptr : &it->second;
}

const std::vector<std::string>& EnumNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [k, v] : Enums()) names.push_back(k);
    return names;
  }();
  return kNames;
}

std::optional<std::string> ValidateAgainstSchema(std::string_view schema,
                                                 const nlohmann::json& value,
                                                 const std::string& path) {
  const SchemaSpec* spec = FindSchema(schema);
  if (spec == nullptr) return fmt::format("Unknown schema '{}'.", schema);
  if (!value.is_object())
    return fmt::format("Error converting value {} to type '{}'. Path '{}'.", value.dump(), schema,
                       path);
  for (const auto& [key, v] : value.items()) {
    auto it = std::find_if(spec->fields.begin(), spec->fields.end(),
                           [&](const FieldSpec& f) { return f.name == key; });
    std::string field_path = path.empty() ? key : path + "." + key;
    if (it == spec->fields.end())
      return fmt::format("Could not find member '{}' on object of type '{}'. Path '{}'.", key,
                         schema, field_path);
    if (auto e = CheckField(*it, v, field_path)) return e;
  }
  return std::nullopt;
}

}  // namespace xero_sim
