// SPDX-License-Identifier: MIT
// ToJson / OrganisationFromJson: the simulator's own state format (version 1).
// Money is stored as decimal strings, dates as day numbers, times as millis.
#include <exception>
#include <stdexcept>

#include "sim/accounting/accounting_internal.h"

namespace xero_sim {
namespace {

constexpr int kStateVersion = 1;
using json = nlohmann::json;

std::string D(Decimal d) { return d.ToString(4); }
Decimal ToD(const json& j) {
  auto d = Decimal::Parse(j.get<std::string>());
  if (!d) throw std::invalid_argument("bad decimal");
  return *d;
}
std::uint64_t Fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

json OptD(const std::optional<Decimal>& d) { return d ? json(D(*d)) : json(nullptr); }
std::optional<Decimal> ToOptD(const json& j) {
  if (j.is_null()) return std::nullopt;
  return ToD(j);
}

json DetailsToJson(const ItemDetails& d) {
  return {{"unit_price", OptD(d.unit_price)},
          {"account", d.account_code},
          {"cogs_account", d.cogs_account_code},
          {"tax_type", d.tax_type}};
}

ItemDetails DetailsFromJson(const json& j) {
  ItemDetails d;
  d.unit_price = ToOptD(j.at("unit_price"));
  d.account_code = j.at("account");
  d.cogs_account_code = j.at("cogs_account");
  d.tax_type = j.at("tax_type");
  return d;
}

json LineToJson(const LineItem& l) {
  return {{"id", l.line_item_id},
          {"description", l.description},
          {"quantity", OptD(l.quantity)},
          {"unit_amount", OptD(l.unit_amount)},
          {"item_code", l.item_code},
          {"account_code", l.account_code},
          {"tax_type", l.tax_type},
          {"tax_amount", D(l.tax_amount)},
          {"line_amount", D(l.line_amount)},
          {"discount_rate", OptD(l.discount_rate)},
          {"discount_amount", OptD(l.discount_amount)},
          {"tracking", l.tracking}};
}

LineItem LineFromJson(const json& j) {
  LineItem l;
  l.line_item_id = j.at("id");
  l.description = j.at("description");
  l.quantity = ToOptD(j.at("quantity"));
  l.unit_amount = ToOptD(j.at("unit_amount"));
  l.item_code = j.at("item_code");
  l.account_code = j.at("account_code");
  l.tax_type = j.at("tax_type");
  l.tax_amount = ToD(j.at("tax_amount"));
  l.line_amount = ToD(j.at("line_amount"));
  l.discount_rate = ToOptD(j.at("discount_rate"));
  l.discount_amount = ToOptD(j.at("discount_amount"));
  l.tracking = j.at("tracking");
  return l;
}

json InvoiceToJson(const Invoice& i) {
  json lines = json::array();
  for (const auto& l : i.line_items) lines.push_back(LineToJson(l));
  return {{"id", i.invoice_id},
          {"type", i.type},
          {"contact_id", i.contact_id},
          {"date", i.date},
          {"due_date", i.due_date ? json(*i.due_date) : json(nullptr)},
          {"line_amount_types", i.line_amount_types},
          {"number", i.invoice_number},
          {"reference", i.reference},
          {"url", i.url},
          {"currency_code", i.currency_code},
          {"currency_rate", D(i.currency_rate)},
          {"status", i.status},
          {"sent_to_contact", i.sent_to_contact},
          {"line_items", std::move(lines)},
          {"sub_total", D(i.sub_total)},
          {"total_tax", D(i.total_tax)},
          {"total", D(i.total)},
          {"total_discount", D(i.total_discount)},
          {"amount_paid", D(i.amount_paid)},
          {"amount_due", D(i.amount_due)},
          {"fully_paid_on", i.fully_paid_on ? json(*i.fully_paid_on) : json(nullptr)},
          {"updated_ms", i.updated_ms},
          {"payment_ids", i.payment_ids},
          {"created_by_app", i.created_by_app}};
}

Invoice InvoiceFromJson(const json& j) {
  Invoice i;
  i.invoice_id = j.at("id");
  i.type = j.at("type");
  i.contact_id = j.at("contact_id");
  i.date = j.at("date");
  if (!j.at("due_date").is_null()) i.due_date = j.at("due_date").get<std::int64_t>();
  i.line_amount_types = j.at("line_amount_types");
  i.invoice_number = j.at("number");
  i.reference = j.at("reference");
  i.url = j.at("url");
  i.currency_code = j.at("currency_code");
  i.currency_rate = ToD(j.at("currency_rate"));
  i.status = j.at("status");
  i.sent_to_contact = j.at("sent_to_contact");
  for (const auto& l : j.at("line_items")) i.line_items.push_back(LineFromJson(l));
  i.sub_total = ToD(j.at("sub_total"));
  i.total_tax = ToD(j.at("total_tax"));
  i.total = ToD(j.at("total"));
  i.total_discount = ToD(j.at("total_discount"));
  i.amount_paid = ToD(j.at("amount_paid"));
  i.amount_due = ToD(j.at("amount_due"));
  if (!j.at("fully_paid_on").is_null()) i.fully_paid_on = j.at("fully_paid_on").get<std::int64_t>();
  i.updated_ms = j.at("updated_ms");
  i.payment_ids = j.at("payment_ids").get<std::vector<std::string>>();
  i.created_by_app = j.value("created_by_app", "");  // absent in older states
  return i;
}

template <class T, class F>
json ArrayOf(const std::vector<T>& records, F to_json) {
  json a = json::array();
  for (const auto& x : records) a.push_back(to_json(x));
  return a;
}

json OptionsToJson(const OrgOptions& o) {
  return {{"name", o.name},
          {"base_currency", o.base_currency},
          {"country", o.country},
          {"extra_currencies", o.extra_currencies},
          {"seed_contacts", o.seed_contacts},
          {"short_code", o.short_code}};
}

OrgOptions OptionsFromJson(const json& jo, const std::string& tenant_id) {
  OrgOptions o;
  o.name = jo.at("name");
  o.base_currency = jo.at("base_currency");
  o.country = jo.at("country");
  o.extra_currencies = jo.at("extra_currencies").get<std::vector<std::string>>();
  o.seed_contacts = jo.at("seed_contacts");
  // States saved before short codes existed get one derived from the tenant id (stable).
  o.short_code = jo.value("short_code", ShortCodeFrom(Fnv1a(tenant_id)));
  return o;
}

json AccountToJson(const Account& x) {
  return {{"id", x.account_id},
          {"code", x.code},
          {"name", x.name},
          {"type", x.type},
          {"class", x.account_class},
          {"tax_type", x.tax_type},
          {"system", x.system_account},
          {"bank_account_number", x.bank_account_number},
          {"payments", x.enable_payments_to_account},
          {"status", x.status},
          {"updated_ms", x.updated_ms}};
}

// `created_ms`: the organisation's, for states saved without updated_ms.
Account AccountFromJson(const json& x, std::int64_t created_ms) {
  Account a;
  a.account_id = x.at("id");
  a.code = x.at("code");
  a.name = x.at("name");
  a.type = x.at("type");
  a.account_class = x.at("class");
  a.tax_type = x.at("tax_type");
  a.system_account = x.at("system");
  a.bank_account_number = x.at("bank_account_number");
  a.enable_payments_to_account = x.at("payments");
  a.status = x.at("status");
  a.updated_ms = x.value("updated_ms", created_ms);  // absent in older states
  return a;
}

json TaxRateToJson(const TaxRate& x) {
  return {{"name", x.name},
          {"tax_type", x.tax_type},
          {"rate", D(x.rate)},
          {"revenue", x.can_apply_to_revenue},
          {"expenses", x.can_apply_to_expenses},
          {"status", x.status}};
}

TaxRate TaxRateFromJson(const json& x) {
  TaxRate t;
  t.name = x.at("name");
  t.tax_type = x.at("tax_type");
  t.rate = ToD(x.at("rate"));
  t.can_apply_to_revenue = x.at("revenue");
  t.can_apply_to_expenses = x.at("expenses");
  t.status = x.at("status");
  return t;
}

json ItemToJson(const Item& x) {
  return {{"id", x.item_id},
          {"code", x.code},
          {"name", x.name},
          {"description", x.description},
          {"purchase_description", x.purchase_description},
          {"is_sold", x.is_sold},
          {"is_purchased", x.is_purchased},
          {"sales", DetailsToJson(x.sales)},
          {"purchase", DetailsToJson(x.purchase)},
          {"updated_ms", x.updated_ms}};
}

// `created_ms`: the organisation's, for states saved without updated_ms.
Item ItemFromJson(const json& x, std::int64_t created_ms) {
  Item i;
  i.item_id = x.at("id");
  i.code = x.at("code");
  i.name = x.at("name");
  i.description = x.at("description");
  if (x.contains("sales")) {
    i.purchase_description = x.at("purchase_description");
    i.is_sold = x.at("is_sold");
    i.is_purchased = x.at("is_purchased");
    i.sales = DetailsFromJson(x.at("sales"));
    i.purchase = DetailsFromJson(x.at("purchase"));
  } else {  // states from before writable items: sales details only
    i.sales.unit_price = ToD(x.at("price"));
    i.sales.account_code = x.at("account");
    i.sales.tax_type = x.at("tax_type");
    i.is_purchased = false;
  }
  i.updated_ms = x.value("updated_ms", created_ms);
  return i;
}

json TrackingCategoryToJson(const TrackingCategory& x) {
  json options = json::array();
  for (const auto& o : x.options)
    options.push_back({{"id", o.option_id}, {"name", o.name}, {"status", o.status}});
  return {{"id", x.category_id}, {"name", x.name}, {"status", x.status}, {"options", options}};
}

TrackingCategory TrackingCategoryFromJson(const json& x) {
  TrackingCategory c;
  c.category_id = x.at("id");
  c.name = x.at("name");
  c.status = x.at("status");
  for (const auto& opt : x.at("options"))
    c.options.push_back({opt.at("id"), opt.at("name"), opt.at("status")});
  return c;
}

json ContactToJson(const Contact& x) {
  return {{"id", x.contact_id},        {"name", x.name},
          {"status", x.status},        {"customer", x.is_customer},
          {"supplier", x.is_supplier}, {"updated_ms", x.updated_ms},
          {"fields", x.fields}};
}

Contact ContactFromJson(const json& x) {
  Contact c;
  c.contact_id = x.at("id");
  c.name = x.at("name");
  c.status = x.at("status");
  c.is_customer = x.at("customer");
  c.is_supplier = x.at("supplier");
  c.updated_ms = x.at("updated_ms");
  c.fields = x.at("fields");
  if (!c.fields.is_object()) throw std::invalid_argument("contact fields are not an object");
  return c;
}

json PaymentToJson(const Payment& x) {
  return {{"id", x.payment_id},         {"invoice_id", x.invoice_id},
          {"account_id", x.account_id}, {"date", x.date},
          {"amount", D(x.amount)},      {"currency_rate", D(x.currency_rate)},
          {"reference", x.reference},   {"reconciled", x.is_reconciled},
          {"status", x.status},         {"type", x.payment_type},
          {"updated_ms", x.updated_ms}};
}

Payment PaymentFromJson(const json& x) {
  Payment p;
  p.payment_id = x.at("id");
  p.invoice_id = x.at("invoice_id");
  p.account_id = x.at("account_id");
  p.date = x.at("date");
  p.amount = ToD(x.at("amount"));
  p.currency_rate = ToD(x.at("currency_rate"));
  p.reference = x.at("reference");
  p.is_reconciled = x.at("reconciled");
  p.status = x.at("status");
  p.payment_type = x.at("type");
  p.updated_ms = x.at("updated_ms");
  return p;
}

}  // namespace

json ToJson(const Organisation& org) {
  json j;
  j["version"] = kStateVersion;
  j["tenant_id"] = org.tenant_id;
  j["created_ms"] = org.created_ms;
  j["options"] = OptionsToJson(org.options);
  j["accounts"] = ArrayOf(org.accounts, AccountToJson);
  j["tax_rates"] = ArrayOf(org.tax_rates, TaxRateToJson);
  j["currencies"] = ArrayOf(org.currencies, [](const CurrencyInfo& x) {
    return json{{"code", x.code}, {"description", x.description}};
  });
  j["items"] = ArrayOf(org.items, ItemToJson);
  j["tracking_categories"] = ArrayOf(org.tracking_categories, TrackingCategoryToJson);
  j["contacts"] = ArrayOf(org.contacts, ContactToJson);
  j["invoices"] = ArrayOf(org.invoices, InvoiceToJson);
  j["payments"] = ArrayOf(org.payments, PaymentToJson);
  j["next_invoice_number"] = org.next_invoice_number;
  j["duplicate_numbers_attempted"] = org.duplicate_numbers_attempted;
  return j;
}

std::unique_ptr<Organisation> OrganisationFromJson(const json& j) {
  try {
    if (!j.is_object() || j.at("version") != kStateVersion) return nullptr;
    const std::string tenant_id = j.at("tenant_id");
    auto org =
        std::make_unique<Organisation>(tenant_id, OptionsFromJson(j.at("options"), tenant_id));
    org->created_ms = j.at("created_ms");
    for (const auto& x : j.at("accounts"))
      org->accounts.push_back(AccountFromJson(x, org->created_ms));
    for (const auto& x : j.at("tax_rates")) org->tax_rates.push_back(TaxRateFromJson(x));
    for (const auto& x : j.at("currencies"))
      org->currencies.push_back({x.at("code"), x.at("description")});
    for (const auto& x : j.at("items")) org->items.push_back(ItemFromJson(x, org->created_ms));
    if (j.contains("tracking_categories")) {
      for (const auto& x : j.at("tracking_categories"))
        org->tracking_categories.push_back(TrackingCategoryFromJson(x));
    } else {  // states from before tracking categories: the default seed
      org->SeedTracking(DefaultTrackingSeeds());
    }
    for (const auto& x : j.at("contacts")) org->contacts.push_back(ContactFromJson(x));
    for (const auto& x : j.at("invoices")) org->invoices.push_back(InvoiceFromJson(x));
    for (const auto& x : j.at("payments")) org->payments.push_back(PaymentFromJson(x));
    org->RebuildIndexes();
    org->next_invoice_number = j.at("next_invoice_number");
    org->duplicate_numbers_attempted = j.at("duplicate_numbers_attempted");
    return org;
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace xero_sim
