// SPDX-License-Identifier: MIT
// The accounting data of one simulated Xero organisation (tenant). Plain data
// plus lookups; the endpoint handlers (accounting_internal.h) hold the rules.
// Not thread-safe: sim-core serialises every access to one Organisation.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/accounting/accounting.h"
#include "sim/accounting/decimal.h"

namespace xero_sim {

struct Account {
  std::string account_id;
  std::string code;
  std::string name;
  std::string type;           // BANK, REVENUE, CURRLIAB, ... (Xero AccountType)
  std::string account_class;  // ASSET, REVENUE, ...
  std::string tax_type;
  std::string system_account;  // DEBTORS, CREDITORS, GST or ""
  std::string bank_account_number;
  bool enable_payments_to_account = false;
  std::string status = "ACTIVE";
  std::int64_t updated_ms = 0;
};

struct TaxRate {
  std::string name;
  std::string tax_type;
  Decimal rate;  // percent, e.g. 15
  bool can_apply_to_revenue = true;
  bool can_apply_to_expenses = true;
  std::string status = "ACTIVE";
};

struct CurrencyInfo {
  std::string code;
  std::string description;
};

// Xero's Purchase schema: an item's SalesDetails or PurchaseDetails. Empty strings and
// an absent price mean "not set".
struct ItemDetails {
  std::optional<Decimal> unit_price;
  std::string account_code;
  std::string cogs_account_code;
  std::string tax_type;
  bool operator==(const ItemDetails&) const = default;
};

struct Item {
  std::string item_id;
  std::string code;  // unique per organisation (case-insensitive), at most 30 characters
  std::string name;
  std::string description;  // sales description
  std::string purchase_description;
  bool is_sold = true;
  bool is_purchased = true;
  ItemDetails sales;     // used on ACCREC lines
  ItemDetails purchase;  // used on ACCPAY lines
  std::int64_t updated_ms = 0;
  bool operator==(const Item&) const = default;
};

struct TrackingOption {
  std::string option_id;
  std::string name;
  std::string status = "ACTIVE";
};

struct TrackingCategory {
  std::string category_id;
  std::string name;
  std::string status = "ACTIVE";
  std::vector<TrackingOption> options;
};

struct Contact {
  std::string contact_id;
  std::string name;
  std::string status = "ACTIVE";
  bool is_customer = false;
  bool is_supplier = false;
  std::int64_t updated_ms = 0;
  // Other accepted fields as sent (FirstName, EmailAddress, Addresses, ...),
  // already checked against the Contact schema.
  nlohmann::json fields = nlohmann::json::object();
  std::string Field(const std::string& key) const;  // string field or ""
};

struct LineItem {
  std::string line_item_id;
  std::string description;
  std::optional<Decimal> quantity;
  std::optional<Decimal> unit_amount;
  std::string item_code;
  std::string account_code;
  std::string tax_type;
  Decimal tax_amount;
  Decimal line_amount;
  std::optional<Decimal> discount_rate;
  std::optional<Decimal> discount_amount;
  nlohmann::json tracking = nlohmann::json::array();
};

struct Invoice {
  std::string invoice_id;
  std::string type;  // ACCREC, ACCPAY
  std::string contact_id;
  std::int64_t date = 0;  // days since 1970-01-01
  std::optional<std::int64_t> due_date;
  std::string line_amount_types = "Exclusive";
  std::string invoice_number;
  std::string reference;
  std::string url;
  std::string currency_code;
  Decimal currency_rate = Decimal::FromInt(1);
  std::string status = "DRAFT";
  bool sent_to_contact = false;
  std::vector<LineItem> line_items;
  Decimal sub_total, total_tax, total, total_discount, amount_paid, amount_due;
  std::optional<std::int64_t> fully_paid_on;
  std::int64_t updated_ms = 0;
  std::vector<std::string> payment_ids;
  std::string created_by_app;  // client_id of the app that created it (createdByMyApp)
};

struct Payment {
  std::string payment_id;
  std::string invoice_id;
  std::string account_id;
  std::int64_t date = 0;
  Decimal amount;
  Decimal currency_rate = Decimal::FromInt(1);
  std::string reference;
  bool is_reconciled = false;
  std::string status = "AUTHORISED";
  std::string payment_type;  // ACCRECPAYMENT, ACCPAYPAYMENT
  std::int64_t updated_ms = 0;
};

// Region (North, South, East, West) and Department (Sales, Consulting).
std::vector<TrackingSeed> DefaultTrackingSeeds();

// Xero's short code format, "!" and 5 letters or digits, drawn from `bits`.
std::string ShortCodeFrom(std::uint64_t bits);

class Organisation {
 public:
  Organisation(std::string tenant_id, OrgOptions options);

  std::string tenant_id;  // also the OrganisationID
  OrgOptions options;     // options.short_code is always set
  std::int64_t created_ms = 0;
  std::vector<Account> accounts;
  std::vector<TaxRate> tax_rates;
  std::vector<CurrencyInfo> currencies;
  std::vector<Item> items;
  std::vector<TrackingCategory> tracking_categories;
  std::vector<Contact> contacts;  // in creation order
  std::vector<Invoice> invoices;  // in creation order
  std::vector<Payment> payments;  // in creation order
  long next_invoice_number = 1;
  long duplicate_numbers_attempted = 0;
  std::mt19937_64 rng;

  // Seeds the demo chart of accounts, tax rates, currencies, items, tracking
  // categories, contacts.
  void Seed(std::int64_t now_ms);
  // Replaces the tracking categories with new ones (new IDs) made from `seeds`.
  void SeedTracking(const std::vector<TrackingSeed>& seeds);

  // Appends and indexes a new record; returns the stored one (references to
  // earlier records may be invalidated).
  Invoice& AddInvoice(Invoice inv);
  Contact& AddContact(Contact c);
  Payment& AddPayment(Payment p);
  // Keep the indexes right after an invoice was renumbered or a contact renamed.
  void InvoiceNumberChanged(const Invoice& inv, const std::string& old_number);
  void ContactNameChanged(const Contact& c, const std::string& old_name);
  // Rebuilds every index from the vectors (after loading state).
  void RebuildIndexes();

  // Lookups (nullptr when absent). Codes and IDs compare case-insensitively
  // like Xero; contact names and invoice numbers compare exactly.
  const Account* AccountByCode(const std::string& code) const;
  const Account* AccountById(const std::string& id) const;
  const TaxRate* TaxRateByType(const std::string& tax_type) const;
  const Item* ItemByCode(const std::string& code) const;
  // By TrackingCategoryID, or else by name (case-insensitive), ACTIVE ones only.
  const TrackingCategory* TrackingCategoryByIdOrName(const std::string& id,
                                                     const std::string& name) const;
  bool HasCurrency(const std::string& code) const;
  const Contact* ContactById(const std::string& id) const;
  Contact* ContactById(const std::string& id);
  Contact* ContactByName(const std::string& name);  // ACTIVE contacts only
  Contact* ContactByNumber(const std::string& number);
  const Invoice* InvoiceById(const std::string& id) const;
  Invoice* InvoiceById(const std::string& id);
  // Prefers a non-deleted ACCREC invoice, then any invoice with that number.
  const Invoice* InvoiceByNumber(const std::string& number) const;
  Invoice* InvoiceByNumber(const std::string& number);
  // Every invoice with that number, in creation order.
  std::vector<const Invoice*> InvoicesByNumber(const std::string& number) const;
  const Payment* PaymentById(const std::string& id) const;
  Payment* PaymentById(const std::string& id);
  // "INV-0007": the next unused ACCREC number.
  std::string NextInvoiceNumber();

 private:
  std::unordered_map<std::string, std::size_t> invoice_by_id_, contact_by_id_, payment_by_id_;
  std::unordered_map<std::string, std::vector<std::size_t>> invoices_by_number_, contacts_by_name_;
};

}  // namespace xero_sim
