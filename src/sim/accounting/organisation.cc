// SPDX-License-Identifier: MIT
#include "sim/accounting/organisation.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "sim/accounting/xero_json.h"

namespace xero_sim {
namespace {

struct CountryTax {
  std::string output;  // default for revenue accounts
  std::string input;   // default for expense accounts
  std::vector<TaxRate> rates;
};

TaxRate Rate(std::string name, std::string type, int percent, bool revenue, bool expenses) {
  TaxRate t;
  t.name = std::move(name);
  t.tax_type = std::move(type);
  t.rate = Decimal::FromInt(percent);
  t.can_apply_to_revenue = revenue;
  t.can_apply_to_expenses = expenses;
  return t;
}

CountryTax TaxFor(const std::string& country) {
  if (country == "AU") {
    return {"OUTPUT",
            "INPUT",
            {Rate("GST on Income", "OUTPUT", 10, true, false),
             Rate("GST on Expenses", "INPUT", 10, false, true),
             Rate("GST Free Income", "EXEMPTOUTPUT", 0, true, false),
             Rate("GST Free Expenses", "EXEMPTEXPENSES", 0, false, true),
             Rate("BAS Excluded", "BASEXCLUDED", 0, true, true),
             Rate("Input Taxed", "INPUTTAXED", 0, true, true)}};
  }
  if (country == "GB") {
    return {"OUTPUT2",
            "INPUT2",
            {Rate("20% (VAT on Income)", "OUTPUT2", 20, true, false),
             Rate("20% (VAT on Expenses)", "INPUT2", 20, false, true),
             Rate("Zero Rated Income", "ZERORATEDOUTPUT", 0, true, false),
             Rate("Exempt Income", "EXEMPTOUTPUT", 0, true, false),
             Rate("No VAT", "NONE", 0, true, true)}};
  }
  return {
      "OUTPUT2",
      "INPUT2",
      {Rate("GST on Income", "OUTPUT2", 15, true, false),
       Rate("GST on Expenses", "INPUT2", 15, false, true), Rate("No GST", "NONE", 0, true, true),
       Rate("Zero Rated Income", "ZERORATEDOUTPUT", 0, true, false),
       Rate("Exempt Income", "EXEMPTOUTPUT", 0, true, false),
       Rate("Exempt Expenses", "EXEMPTINPUT", 0, false, true)}};
}

std::string CurrencyName(const std::string& code) {
  static const std::map<std::string, std::string> kNames = {{"NZD", "New Zealand Dollar"},
                                                            {"AUD", "Australian Dollar"},
                                                            {"USD", "United States Dollar"},
                                                            {"GBP", "British Pound"},
                                                            {"EUR", "Euro"},
                                                            {"CAD", "Canadian Dollar"},
                                                            {"JPY", "Japanese Yen"},
                                                            {"SGD", "Singapore Dollar"},
                                                            {"ZAR", "South African Rand"}};
  auto it = kNames.find(code);
  return it == kNames.end() ? code : it->second;
}

}  // namespace

std::vector<TrackingSeed> DefaultTrackingSeeds() {
  return {{"Region", {"North", "South", "East", "West"}}, {"Department", {"Sales", "Consulting"}}};
}

std::optional<std::string> CheckTrackingSeeds(const std::vector<TrackingSeed>& seeds) {
  if (seeds.size() > 2) return "at most 2 tracking categories (Xero's limit of active ones)";
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    if (seeds[i].name.empty()) return "a tracking category needs a name";
    if (seeds[i].options.empty()) return "tracking category " + seeds[i].name + " has no options";
    for (std::size_t j = 0; j < i; ++j)
      if (EqualsIgnoreCase(seeds[i].name, seeds[j].name))
        return "duplicate tracking category " + seeds[i].name;
    for (std::size_t a = 0; a < seeds[i].options.size(); ++a) {
      if (seeds[i].options[a].empty()) return "an empty option in " + seeds[i].name;
      for (std::size_t b = 0; b < a; ++b)
        if (EqualsIgnoreCase(seeds[i].options[a], seeds[i].options[b]))
          return "duplicate option " + seeds[i].options[a] + " in " + seeds[i].name;
    }
  }
  return std::nullopt;
}

std::string ShortCodeFrom(std::uint64_t bits) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string code = "!";
  for (int i = 0; i < 5; ++i) {
    code.push_back(kChars[bits % 62]);
    bits /= 62;
  }
  return code;
}

std::string Contact::Field(const std::string& key) const {
  auto it = fields.find(key);
  return (it != fields.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

Organisation::Organisation(std::string tenant, OrgOptions opts)
    : tenant_id(std::move(tenant)), options(std::move(opts)), rng(std::random_device{}()) {}

void Organisation::Seed(std::int64_t now_ms) {
  created_ms = now_ms;
  if (options.short_code.empty()) options.short_code = ShortCodeFrom(rng());
  CountryTax tax = TaxFor(options.country);
  const std::string none = options.country == "AU" ? "BASEXCLUDED" : "NONE";
  tax_rates = tax.rates;
  struct Row {
    const char* code;
    const char* name;
    const char* type;
    const char* cls;
    int tax;  // 0 none, 1 output, 2 input
    const char* system;
    bool payments;
  };
  static const Row kChart[] = {
      {"090", "Business Bank Account", "BANK", "ASSET", 0, "", true},
      {"091", "Business Savings Account", "BANK", "ASSET", 0, "", true},
      {"200", "Sales", "REVENUE", "REVENUE", 1, "", false},
      {"260", "Other Revenue", "REVENUE", "REVENUE", 1, "", false},
      {"270", "Interest Income", "REVENUE", "REVENUE", 0, "", false},
      {"310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", 2, "", false},
      {"400", "Advertising", "EXPENSE", "EXPENSE", 2, "", false},
      {"404", "Bank Fees", "EXPENSE", "EXPENSE", 0, "", false},
      {"429", "General Expenses", "EXPENSE", "EXPENSE", 2, "", false},
      {"610", "Accounts Receivable", "CURRENT", "ASSET", 0, "DEBTORS", false},
      {"620", "Prepayments", "CURRENT", "ASSET", 0, "", false},
      {"800", "Accounts Payable", "CURRLIAB", "LIABILITY", 0, "CREDITORS", false},
      {"820", "GST", "CURRLIAB", "LIABILITY", 0, "GST", false},
      {"880", "Owner A Drawings", "EQUITY", "EQUITY", 0, "", false},
      {"960", "Retained Earnings", "EQUITY", "EQUITY", 0, "RETAINEDEARNINGS", false},
      {"970", "Owner A Funds Introduced", "EQUITY", "EQUITY", 0, "", true},
  };
  accounts.clear();
  for (const Row& r : kChart) {
    Account a;
    a.account_id = NewGuid(rng);
    a.code = r.code;
    a.name = r.name;
    a.type = r.type;
    a.account_class = r.cls;
    a.tax_type = r.tax == 1 ? tax.output : r.tax == 2 ? tax.input : none;
    a.system_account = r.system;
    a.enable_payments_to_account = r.payments;
    a.updated_ms = now_ms;
    if (a.type == "BANK")
      a.bank_account_number = a.code == "090" ? "0102030405060" : "0102030405061";
    accounts.push_back(std::move(a));
  }
  currencies.clear();
  currencies.push_back({options.base_currency, CurrencyName(options.base_currency)});
  std::vector<std::string> extra = options.extra_currencies;
  if (extra.empty()) extra = {"NZD", "AUD", "USD", "GBP"};
  for (const auto& c : extra) {
    if (!HasCurrency(c)) currencies.push_back({c, CurrencyName(c)});
  }
  items.clear();
  struct ItemRow {
    const char* code;
    const char* name;
    const char* description;
    const char* price;
    const char* account;
  };
  static const ItemRow kItems[] = {
      {"BOOK", "Fish out of Water", "Fish out of Water: Finding Your Brand", "19.95", "200"},
      {"DevFee", "Development Services", "Development services, per hour", "150.00", "200"},
      {"Support", "Support Plan", "Monthly support plan", "99.00", "260"},
  };
  for (const ItemRow& r : kItems) {
    Item it;
    it.item_id = NewGuid(rng);
    it.code = r.code;
    it.name = r.name;
    it.description = r.description;
    it.sales.unit_price = *Decimal::Parse(r.price);
    it.sales.account_code = r.account;
    it.sales.tax_type = tax.output;
    it.is_purchased = false;
    it.updated_ms = now_ms;
    items.push_back(std::move(it));
  }
  SeedTracking(options.tracking_categories.value_or(DefaultTrackingSeeds()));
  contacts.clear();
  RebuildIndexes();
  if (options.seed_contacts) {
    for (const char* name :
         {"ABC Furniture", "City Agency", "Marine Systems", "Ridgeway University"}) {
      Contact c;
      c.contact_id = NewGuid(rng);
      c.name = name;
      c.is_customer = true;
      c.updated_ms = now_ms;
      AddContact(std::move(c));
    }
  }
}

namespace {

void Unindex(std::unordered_map<std::string, std::vector<std::size_t>>& map, const std::string& key,
             std::size_t index) {
  auto it = map.find(key);
  if (it == map.end()) return;
  std::erase(it->second, index);
  if (it->second.empty()) map.erase(it);
}

void Index(std::unordered_map<std::string, std::vector<std::size_t>>& map, const std::string& key,
           std::size_t index) {
  auto& v = map[key];
  v.insert(std::upper_bound(v.begin(), v.end(), index), index);
}

}  // namespace

Invoice& Organisation::AddInvoice(Invoice inv) {
  invoices.push_back(std::move(inv));
  const std::size_t i = invoices.size() - 1;
  invoice_by_id_[Lower(invoices[i].invoice_id)] = i;
  Index(invoices_by_number_, invoices[i].invoice_number, i);
  return invoices[i];
}

Contact& Organisation::AddContact(Contact c) {
  contacts.push_back(std::move(c));
  const std::size_t i = contacts.size() - 1;
  contact_by_id_[Lower(contacts[i].contact_id)] = i;
  Index(contacts_by_name_, contacts[i].name, i);
  return contacts[i];
}

Payment& Organisation::AddPayment(Payment p) {
  payments.push_back(std::move(p));
  payment_by_id_[Lower(payments.back().payment_id)] = payments.size() - 1;
  return payments.back();
}

void Organisation::InvoiceNumberChanged(const Invoice& inv, const std::string& old_number) {
  const auto i = static_cast<std::size_t>(&inv - invoices.data());
  Unindex(invoices_by_number_, old_number, i);
  Index(invoices_by_number_, inv.invoice_number, i);
}

void Organisation::ContactNameChanged(const Contact& c, const std::string& old_name) {
  const auto i = static_cast<std::size_t>(&c - contacts.data());
  Unindex(contacts_by_name_, old_name, i);
  Index(contacts_by_name_, c.name, i);
}

void Organisation::RebuildIndexes() {
  invoice_by_id_.clear();
  contact_by_id_.clear();
  payment_by_id_.clear();
  invoices_by_number_.clear();
  contacts_by_name_.clear();
  for (std::size_t i = 0; i < invoices.size(); ++i) {
    invoice_by_id_[Lower(invoices[i].invoice_id)] = i;
    Index(invoices_by_number_, invoices[i].invoice_number, i);
  }
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    contact_by_id_[Lower(contacts[i].contact_id)] = i;
    Index(contacts_by_name_, contacts[i].name, i);
  }
  for (std::size_t i = 0; i < payments.size(); ++i)
    payment_by_id_[Lower(payments[i].payment_id)] = i;
}

const Account* Organisation::AccountByCode(const std::string& code) const {
  for (const auto& a : accounts)
    if (a.status != "DELETED" && EqualsIgnoreCase(a.code, code)) return &a;
  return nullptr;
}

void Organisation::SeedTracking(const std::vector<TrackingSeed>& seeds) {
  tracking_categories.clear();
  for (const auto& seed : seeds) {
    TrackingCategory c;
    c.category_id = NewGuid(rng);
    c.name = seed.name;
    for (const auto& option : seed.options) c.options.push_back({NewGuid(rng), option, "ACTIVE"});
    tracking_categories.push_back(std::move(c));
  }
}

const TrackingCategory* Organisation::TrackingCategoryByIdOrName(const std::string& id,
                                                                 const std::string& name) const {
  for (const auto& c : tracking_categories) {
    if (c.status != "ACTIVE") continue;
    if (!id.empty() ? EqualsIgnoreCase(c.category_id, id) : EqualsIgnoreCase(c.name, name))
      return &c;
  }
  return nullptr;
}

const Account* Organisation::AccountById(const std::string& id) const {
  for (const auto& a : accounts)
    if (EqualsIgnoreCase(a.account_id, id)) return &a;
  return nullptr;
}

const TaxRate* Organisation::TaxRateByType(const std::string& tax_type) const {
  for (const auto& t : tax_rates)
    if (t.status == "ACTIVE" && EqualsIgnoreCase(t.tax_type, tax_type)) return &t;
  return nullptr;
}

const Item* Organisation::ItemByCode(const std::string& code) const {
  for (const auto& i : items)
    if (EqualsIgnoreCase(i.code, code)) return &i;
  return nullptr;
}

bool Organisation::HasCurrency(const std::string& code) const {
  return std::any_of(currencies.begin(), currencies.end(),
                     [&](const CurrencyInfo& c) { return c.code == code; });
}

const Contact* Organisation::ContactById(const std::string& id) const {
  auto it = contact_by_id_.find(Lower(id));
  return it == contact_by_id_.end() ? nullptr : &contacts[it->second];
}

Contact* Organisation::ContactById(const std::string& id) {
  return const_cast<Contact*>(std::as_const(*this).ContactById(id));
}

Contact* Organisation::ContactByName(const std::string& name) {
  auto it = contacts_by_name_.find(name);
  if (it == contacts_by_name_.end()) return nullptr;
  for (std::size_t i : it->second)
    if (contacts[i].status == "ACTIVE") return &contacts[i];
  return nullptr;
}

Contact* Organisation::ContactByNumber(const std::string& number) {
  for (auto& c : contacts)
    if (c.status == "ACTIVE" && c.Field("ContactNumber") == number) return &c;
  return nullptr;
}

const Invoice* Organisation::InvoiceById(const std::string& id) const {
  auto it = invoice_by_id_.find(Lower(id));
  return it == invoice_by_id_.end() ? nullptr : &invoices[it->second];
}

Invoice* Organisation::InvoiceById(const std::string& id) {
  return const_cast<Invoice*>(std::as_const(*this).InvoiceById(id));
}

std::vector<const Invoice*> Organisation::InvoicesByNumber(const std::string& number) const {
  std::vector<const Invoice*> out;
  auto it = invoices_by_number_.find(number);
  if (it != invoices_by_number_.end())
    for (std::size_t i : it->second) out.push_back(&invoices[i]);
  return out;
}

const Invoice* Organisation::InvoiceByNumber(const std::string& number) const {
  auto all = InvoicesByNumber(number);
  for (const Invoice* i : all)
    if (i->type == "ACCREC" && i->status != "DELETED") return i;
  return all.empty() ? nullptr : all.front();
}

Invoice* Organisation::InvoiceByNumber(const std::string& number) {
  return const_cast<Invoice*>(std::as_const(*this).InvoiceByNumber(number));
}

const Payment* Organisation::PaymentById(const std::string& id) const {
  auto it = payment_by_id_.find(Lower(id));
  return it == payment_by_id_.end() ? nullptr : &payments[it->second];
}

Payment* Organisation::PaymentById(const std::string& id) {
  return const_cast<Payment*>(std::as_const(*this).PaymentById(id));
}

std::string Organisation::NextInvoiceNumber() {
  for (;;) {
    std::string n = fmt::format("INV-{:04}", next_invoice_number++);
    if (InvoicesByNumber(n).empty()) return n;
  }
}

}  // namespace xero_sim

void std::default_delete<xero_sim::Organisation>::operator()(
    xero_sim::Organisation* org) const noexcept {
  delete org;
}
