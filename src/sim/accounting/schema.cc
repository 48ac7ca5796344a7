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
// Accepted but ignored: read-only in Xero, response-only, or not modelled by the simulator.
FieldSpec I(FieldSpec f) {
  f.ignored = true;
  return f;
}

// Every property of each schema, in the order of the official spec. Objects
// and arrays whose schema is not listed here (CreditNote, Attachment, ...) are
// checked for their JSON kind only.
const std::vector<SchemaSpec>& Schemas() {
  static const std::vector<SchemaSpec> kSchemas = {
      {"Invoices",
       {I(O("pagination", "Pagination")), I(A("Warnings", "ValidationError")),
        A("Invoices", "Invoice")}},
      {"Invoice",
       {S("Type", "Invoice.Type"),
        O("Contact", "Contact"),
        A("LineItems", "LineItem"),
        S("Date"),
        S("DueDate"),
        S("LineAmountTypes", "LineAmountTypes"),
        S("InvoiceNumber"),
        S("Reference"),
        I(S("BrandingThemeID")),
        S("Url"),
        S("CurrencyCode", "CurrencyCode"),
        N("CurrencyRate"),
        S("Status", "Invoice.Status"),
        B("SentToContact"),
        I(S("ExpectedPaymentDate")),
        I(S("PlannedPaymentDate")),
        I(N("CISDeduction")),
        I(N("CISRate")),
        I(N("SubTotal")),  // compared with the computed value: a warning when they differ
        I(N("TotalTax")),
        I(N("Total")),
        I(N("TotalDiscount")),
        S("InvoiceID"),
        I(S("RepeatingInvoiceID")),
        I(B("HasAttachments")),
        I(B("IsDiscounted")),
        I(A("Payments", "Payment")),
        I(A("Prepayments", "Prepayment")),
        I(A("Overpayments", "Overpayment")),
        I(N("AmountDue")),
        I(N("AmountPaid")),
        I(S("FullyPaidOnDate")),
        I(N("AmountCredited")),
        I(S("UpdatedDateUTC")),
        I(S("UpdatedDateUTCString")),
        I(A("CreditNotes", "CreditNote")),
        I(A("Attachments", "Attachment")),
        I(B("HasErrors")),
        I(S("StatusAttributeString")),
        I(A("ValidationErrors", "ValidationError")),
        I(A("Warnings", "ValidationError")),
        I(A("InvoiceAddresses", "InvoiceAddress"))}},
      {"LineItem",
       {S("LineItemID"), S("Description"), N("Quantity"), N("UnitAmount"), S("ItemCode"),
        S("AccountCode"), S("AccountID"), S("TaxType"), N("TaxAmount"), O("Item", "LineItemItem"),
        N("LineAmount"), A("Tracking", "LineItemTracking"), N("DiscountRate"), N("DiscountAmount"),
        I(S("RepeatingInvoiceID")), I(S("Taxability", "LineItem.Taxability")),
        I(N("SalesTaxCodeId")), I(A("TaxBreakdown", "TaxBreakdownComponent"))}},
      {"LineItemItem", {S("Code"), S("Name"), S("ItemID")}},
      {"LineItemTracking",
       {S("TrackingCategoryID"), S("TrackingOptionID"), S("Name"), S("Option")}},
      {"Contacts",
       {I(O("pagination", "Pagination")), I(A("Warnings", "ValidationError")),
        A("Contacts", "Contact")}},
      {"Contact",
       {S("ContactID"),
        I(S("MergedToContactID")),
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
        S("TaxNumberType", "Contact.TaxNumberType"),
        S("AccountsReceivableTaxType"),
        S("AccountsPayableTaxType"),
        A("Addresses", "Address"),
        A("Phones", "Phone"),
        B("IsSupplier"),
        B("IsCustomer"),
        S("SalesDefaultLineAmountType", "Contact.SalesDefaultLineAmountType"),
        S("PurchasesDefaultLineAmountType", "Contact.PurchasesDefaultLineAmountType"),
        S("DefaultCurrency", "CurrencyCode"),
        I(S("XeroNetworkKey")),
        S("SalesDefaultAccountCode"),
        S("PurchasesDefaultAccountCode"),
        A("SalesTrackingCategories", "SalesTrackingCategory"),
        A("PurchasesTrackingCategories", "SalesTrackingCategory"),
        S("TrackingCategoryName"),
        S("TrackingCategoryOption"),
        O("PaymentTerms", "PaymentTerm"),
        I(S("UpdatedDateUTC")),
        I(A("ContactGroups", "ContactGroup")),
        I(S("Website")),
        I(O("BrandingTheme", "BrandingTheme")),
        I(O("BatchPayments", "BatchPaymentDetails")),
        I(N("Discount")),
        I(O("Balances", "Balances")),
        I(A("Attachments", "Attachment")),
        I(B("HasAttachments")),
        I(A("ValidationErrors", "ValidationError")),
        I(B("HasValidationErrors")),
        I(S("StatusAttributeString"))}},
      {"ContactPerson", {S("FirstName"), S("LastName"), S("EmailAddress"), B("IncludeInEmails")}},
      {"Address",
       {S("AddressType", "Address.AddressType"), S("AddressLine1"), S("AddressLine2"),
        S("AddressLine3"), S("AddressLine4"), S("City"), S("Region"), S("PostalCode"), S("Country"),
        S("AttentionTo")}},
      {"Phone",
       {S("PhoneType", "Phone.PhoneType"), S("PhoneNumber"), S("PhoneAreaCode"),
        S("PhoneCountryCode")}},
      {"Payments",
       {I(O("pagination", "Pagination")), I(A("Warnings", "ValidationError")),
        A("Payments", "Payment")}},
      {"Payment",
       {O("Invoice", "Invoice"),
        I(O("CreditNote", "CreditNote")),
        I(O("Prepayment", "Prepayment")),
        I(O("Overpayment", "Overpayment")),
        S("InvoiceNumber"),
        I(S("CreditNoteNumber")),
        I(O("BatchPayment", "BatchPayment")),
        O("Account", "Account"),
        S("Code"),
        S("Date"),
        N("CurrencyRate"),
        N("Amount"),
        I(N("BankAmount")),
        S("Reference"),
        B("IsReconciled"),
        S("Status", "Payment.Status"),
        I(S("PaymentType", "Payment.PaymentType")),
        I(S("UpdatedDateUTC")),
        I(S("UpdatedDateUTCString")),
        S("PaymentID"),
        I(S("BatchPaymentID")),
        I(S("BankAccountNumber")),
        I(S("Particulars")),
        I(S("Details")),
        I(B("HasAccount")),
        I(B("HasValidationErrors")),
        I(S("StatusAttributeString")),
        I(A("ValidationErrors", "ValidationError")),
        I(A("Warnings", "ValidationError"))}},
      // Payment.Account: the simulator uses AccountID or Code to find the account.
      {"Account",
       {S("Code"),
        I(S("Name")),
        S("AccountID"),
        I(S("Type", "AccountType")),
        I(S("BankAccountNumber")),
        I(S("Status", "Account.Status")),
        I(S("Description")),
        I(S("BankAccountType", "Account.BankAccountType")),
        I(S("CurrencyCode", "CurrencyCode")),
        I(S("TaxType")),
        I(B("EnablePaymentsToAccount")),
        I(B("ShowInExpenseClaims")),
        I(S("Class", "Account.Class")),
        I(S("SystemAccount", "Account.SystemAccount")),
        I(S("ReportingCode")),
        I(S("ReportingCodeName")),
        I(B("HasAttachments")),
        I(S("UpdatedDateUTC")),
        I(B("AddToWatchlist")),
        I(A("ValidationErrors", "ValidationError"))}},
      {"Items", {A("Items", "Item")}},
      {"Item",
       {S("Code"),
        I(S("InventoryAssetAccountCode")),  // tracked inventory is not modelled
        S("Name"), B("IsSold"), B("IsPurchased"), S("Description"), S("PurchaseDescription"),
        O("PurchaseDetails", "Purchase"), O("SalesDetails", "Purchase"),
        I(B("IsTrackedAsInventory")), I(N("TotalCostPool")), I(N("QuantityOnHand")),
        I(S("UpdatedDateUTC")), S("ItemID"), I(S("StatusAttributeString")),
        I(A("ValidationErrors", "ValidationError"))}},
      {"Purchase", {N("UnitPrice"), S("AccountCode"), S("COGSAccountCode"), S("TaxType")}},
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
      {"LineItem.Taxability",
       {"TAXABLE", "NON_TAXABLE", "EXEMPT", "PART_TAXABLE", "NOT_APPLICABLE"}},
      {"Contact.ContactStatus", {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}},
      {"Contact.TaxNumberType", {"SSN", "EIN", "ITIN", "ATIN"}},
      {"Contact.SalesDefaultLineAmountType", {"INCLUSIVE", "EXCLUSIVE", "NONE"}},
      {"Contact.PurchasesDefaultLineAmountType", {"INCLUSIVE", "EXCLUSIVE", "NONE"}},
      {"Address.AddressType", {"POBOX", "STREET"}},
      {"Phone.PhoneType", {"DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE"}},
      {"Payment.Status", {"AUTHORISED", "DELETED"}},
      {"Payment.PaymentType",
       {"ACCRECPAYMENT", "ACCPAYPAYMENT", "ARCREDITPAYMENT", "APCREDITPAYMENT",
        "AROVERPAYMENTPAYMENT", "ARPREPAYMENTPAYMENT", "APPREPAYMENTPAYMENT",
        "APOVERPAYMENTPAYMENT"}},
      {"AccountType",
       {"BANK", "CURRENT", "CURRLIAB", "DEPRECIATN", "DIRECTCOSTS", "EQUITY", "EXPENSE", "FIXED",
        "INVENTORY", "LIABILITY", "NONCURRENT", "OTHERINCOME", "OVERHEADS", "PREPAYMENT", "REVENUE",
        "SALES", "TERMLIAB", "PAYG"}},
      {"Account.Status", {"ACTIVE", "ARCHIVED", "DELETED"}},
      {"Account.BankAccountType", {"BANK", "CREDITCARD", "PAYPAL", "NONE", ""}},
      {"Account.Class", {"ASSET", "EQUITY", "EXPENSE", "LIABILITY", "REVENUE"}},
      {"Account.SystemAccount",
       {"DEBTORS",
        "CREDITORS",
        "BANKCURRENCYGAIN",
        "GST",
        "GSTONIMPORTS",
        "HISTORICAL",
        "REALISEDCURRENCYGAIN",
        "RETAINEDEARNINGS",
        "ROUNDING",
        "TRACKINGTRANSFERS",
        "UNPAIDEXPCLM",
        "UNREALISEDCURRENCYGAIN",
        "WAGEPAYABLES",
        "CISASSETS",
        "CISASSET",
        "CISLABOUR",
        "CISLABOUREXPENSE",
        "CISLABOURINCOME",
        "CISLIABILITY",
        "CISMATERIALS",
        ""}},
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
      if (FindSchema(f.ref) == nullptr) return std::nullopt;  // not modelled: kind only
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
        if (FindSchema(f.ref) == nullptr) continue;  // not modelled: kind only
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

bool IsIgnoredField(std::string_view schema, std::string_view field) {
  const SchemaSpec* spec = FindSchema(schema);
  if (spec == nullptr) return false;
  for (const auto& f : spec->fields)
    if (f.name == field) return f.ignored;
  return false;
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
