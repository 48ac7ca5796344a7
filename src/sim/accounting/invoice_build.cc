// SPDX-License-Identifier: MIT
// Xero's invoice validation and totals: one element → one Invoice.
#include <fmt/format.h>

#include <algorithm>

#include "sim/accounting/accounting_internal.h"
#include "sim/accounting/schema.h"

namespace xero_sim {
namespace {

const Decimal kHundred = Decimal::FromInt(100);
// Largest line amount accepted; keeps every sum of lines far from overflow.
const Decimal kMaxLineAmount = Decimal::FromInt(1'000'000'000'000);

bool OutOfRange(Decimal d) { return d > kMaxLineAmount || d < -kMaxLineAmount; }

bool Has(const nlohmann::json& e, const char* key) {
  auto it = e.find(key);
  return it != e.end() && !it->is_null();
}

// Allowed status changes by update (from → to).
bool TransitionAllowed(const std::string& from, const std::string& to, bool has_payments) {
  if (from == to) return true;
  if (from == "DRAFT" || from == "SUBMITTED")
    return to == "DRAFT" || to == "SUBMITTED" || to == "AUTHORISED" || to == "DELETED";
  if (from == "AUTHORISED") return to == "VOIDED" && !has_payments;
  return false;
}

// The ACTIVE option of `cat` with TrackingOptionID `id`, or (when `id` is
// empty) named `name`; the last one when several match. nullptr when none.
const TrackingOption* ActiveTrackingOption(const TrackingCategory& cat, const std::string& id,
                                           const std::string& name) {
  const TrackingOption* option = nullptr;
  for (const auto& o : cat.options)
    if (o.status == "ACTIVE" &&
        (!id.empty() ? EqualsIgnoreCase(o.option_id, id) : EqualsIgnoreCase(o.name, name)))
      option = &o;
  return option;
}

// A line's Tracking ([{Name, Option}] or with TrackingCategoryID / TrackingOptionID)
// resolved against the organisation's tracking categories, as Xero echoes it:
// [{TrackingCategoryID, TrackingOptionID, Name, Option}].
nlohmann::json ResolveTracking(const Organisation& org, const nlohmann::json& tracking,
                               std::vector<std::string>& errors) {
  nlohmann::json out = nlohmann::json::array();
  if (tracking.size() > 2) {
    errors.push_back("A line item can have a maximum of 2 tracking categories");
    return out;
  }
  std::vector<std::string> seen;
  for (const auto& t : tracking) {
    if (t.is_null()) continue;
    const std::string cat_id = StringField(t, "TrackingCategoryID");
    const std::string cat_name = StringField(t, "Name");
    if (cat_id.empty() && cat_name.empty()) {
      errors.push_back("A tracking category must be given by Name or TrackingCategoryID");
      continue;
    }
    const TrackingCategory* cat = org.TrackingCategoryByIdOrName(cat_id, cat_name);
    if (cat == nullptr) {
      errors.push_back(fmt::format("The tracking category '{}' does not exist",
                                   cat_id.empty() ? cat_name : cat_id));
      continue;
    }
    if (std::find(seen.begin(), seen.end(), cat->category_id) != seen.end()) {
      errors.push_back(fmt::format(
          "The tracking category '{}' is given more than once on a line item", cat->name));
      continue;
    }
    seen.push_back(cat->category_id);
    const std::string opt_id = StringField(t, "TrackingOptionID");
    const std::string opt_name = StringField(t, "Option");
    if (opt_id.empty() && opt_name.empty()) {
      errors.push_back(
          fmt::format("A tracking option must be given for the tracking category '{}' (Option or "
                      "TrackingOptionID)",
                      cat->name));
      continue;
    }
    const TrackingOption* option = ActiveTrackingOption(*cat, opt_id, opt_name);
    if (option == nullptr) {
      errors.push_back(
          fmt::format("The tracking option '{}' does not exist in the tracking "
                      "category '{}'",
                      opt_id.empty() ? opt_name : opt_id, cat->name));
      continue;
    }
    out.push_back({{"TrackingCategoryID", cat->category_id},
                   {"TrackingOptionID", option->option_id},
                   {"Name", cat->name},
                   {"Option", option->name}});
  }
  return out;
}

struct LineContext {
  Ctx& ctx;
  const std::string& type;
  const std::string& status;
  const std::string& amount_types;
  int unit_dp;
  std::vector<std::string>& errors;
};

// A line element's LineAmount and TaxAmount as sent: checked against, or used
// instead of, the amounts the line works out.
struct SentAmounts {
  std::optional<Decimal> line_amount;
  std::optional<Decimal> tax_amount;
};

// Fills the line's item code and description; `item` is the item it names
// (nullptr for none). False, with Xero's error, when the item code is unknown.
bool ReadLineItemAndDescription(LineContext& lc, const nlohmann::json& l, LineItem& line,
                                const Item*& item) {
  line.description = StringField(l, "Description");
  line.item_code = StringField(l, "ItemCode");
  if (line.item_code.empty() && Has(l, "Item")) line.item_code = StringField(l["Item"], "Code");
  if (!line.item_code.empty()) {
    item = lc.ctx.org.ItemByCode(line.item_code);
    if (item == nullptr) {
      lc.errors.push_back(fmt::format("Item code '{}' is not valid", line.item_code));
      return false;
    }
    line.item_code = item->code;
    if (line.description.empty()) line.description = item->description;
  }
  if (line.description.empty())
    lc.errors.push_back("The description field is mandatory for each line item");
  return true;
}

// Reads the line's quantity, unit amount and discount into `line`, and
// returns its LineAmount and TaxAmount.
SentAmounts ReadLineAmounts(LineContext& lc, const nlohmann::json& l, LineItem& line) {
  bool bad = false;
  SentAmounts sent;
  line.quantity = NumberField(l, "Quantity", bad);
  line.unit_amount = NumberField(l, "UnitAmount", bad);
  sent.line_amount = NumberField(l, "LineAmount", bad);
  sent.tax_amount = NumberField(l, "TaxAmount", bad);
  line.discount_rate = NumberField(l, "DiscountRate", bad);
  line.discount_amount = NumberField(l, "DiscountAmount", bad);
  if (bad) lc.errors.push_back("A line item amount is outside the range Xero accepts");
  return sent;
}

// The line's account: its AccountCode, else its AccountID, else the item's
// (`details`) account. Adds Xero's error when a given one is unknown, or
// when a priced line outside a DRAFT has none.
const Account* ResolveLineAccount(LineContext& lc, const nlohmann::json& l,
                                  const ItemDetails* details, bool has_amount) {
  const Organisation& org = lc.ctx.org;
  const Account* account = nullptr;
  std::string code = StringField(l, "AccountCode");
  if (!code.empty()) {
    account = org.AccountByCode(code);
    if (account == nullptr)
      lc.errors.push_back(
          fmt::format("Account code '{}' is not a valid code for this document.", code));
  } else if (Has(l, "AccountID")) {
    account = org.AccountById(StringField(l, "AccountID"));
    if (account == nullptr)
      lc.errors.push_back(fmt::format("Account code '{}' is not a valid code for this document.",
                                      StringField(l, "AccountID")));
  } else if (details != nullptr && !details->account_code.empty()) {
    account = org.AccountByCode(details->account_code);
  }
  if (account == nullptr && code.empty() && !Has(l, "AccountID") && has_amount &&
      lc.status != "DRAFT")
    lc.errors.push_back("Account code must be specified");
  return account;
}

// The line's tax rate: its TaxType (which must suit the invoice type), else
// the account's, else the item's. Sets line.tax_type. Lines of a NoTax
// invoice carry no tax: nullptr, and TaxType NONE where the organisation has it.
const TaxRate* ResolveLineTaxRate(LineContext& lc, const nlohmann::json& l, const Account* account,
                                  const ItemDetails* details, LineItem& line) {
  const Organisation& org = lc.ctx.org;
  std::string tax_type = StringField(l, "TaxType");
  const TaxRate* rate = nullptr;
  if (!tax_type.empty()) {
    rate = org.TaxRateByType(tax_type);
    bool usable = rate != nullptr &&
                  (lc.type == "ACCREC" ? rate->can_apply_to_revenue : rate->can_apply_to_expenses);
    if (!usable) {
      lc.errors.push_back(fmt::format(
          "The TaxType code {} does not exist or cannot be used for this type of transaction",
          tax_type));
      rate = nullptr;
    }
  } else if (account != nullptr) {
    rate = org.TaxRateByType(account->tax_type);
  } else if (details != nullptr && !details->tax_type.empty()) {
    rate = org.TaxRateByType(details->tax_type);
  }
  if (rate != nullptr) line.tax_type = rate->tax_type;
  if (lc.amount_types == "NoTax") {
    rate = nullptr;
    if (org.TaxRateByType("NONE") != nullptr) line.tax_type = "NONE";
  }
  return rate;
}

// Rounds the unit amount (to unitdp) and quantity as Xero does, defaults the
// quantity of a priced line to 1 and drops a discount rate outside 0..100.
void NormaliseLineQuantities(LineContext& lc, LineItem& line) {
  if (line.unit_amount) *line.unit_amount = line.unit_amount->Round(lc.unit_dp);
  if (line.quantity) *line.quantity = line.quantity->Round(4);
  if (line.unit_amount && !line.quantity) line.quantity = Decimal::FromInt(1);
  if (line.discount_rate && (*line.discount_rate < Decimal() || *line.discount_rate > kHundred)) {
    lc.errors.push_back("The discount rate must be between 0 and 100");
    line.discount_rate.reset();
  }
}

// quantity × unit amount (`gross`) less the line's discount, to 2 dp. Adds
// Xero's error when a sent LineAmount differs from it.
Decimal DiscountedLineAmount(LineContext& lc, const LineItem& line, Decimal gross,
                             const std::optional<Decimal>& sent_line_amount) {
  Decimal computed = gross;
  if (line.discount_rate)
    computed = gross * (kHundred - *line.discount_rate) / kHundred;
  else if (line.discount_amount)
    computed = gross - *line.discount_amount;
  computed = computed.Round(2);
  if (sent_line_amount && sent_line_amount->Round(2) != computed) {
    lc.errors.push_back(fmt::format("The line total {} does not match the expected line total {}",
                                    sent_line_amount->Round(2).ToString(2), computed.ToString(2)));
  }
  return computed;
}

// Sets line.line_amount from the unit amount and discount, or else from the
// sent LineAmount (then deriving the unit amount). False, with Xero's error,
// when an amount is out of range.
bool ComputeLineAmount(LineContext& lc, LineItem& line, const SentAmounts& sent) {
  const std::optional<Decimal> product =
      line.unit_amount ? line.quantity->CheckedMul(*line.unit_amount) : std::nullopt;
  if ((line.unit_amount && (!product || OutOfRange(*product))) ||
      (sent.line_amount && OutOfRange(*sent.line_amount)) ||
      (line.discount_amount && OutOfRange(*line.discount_amount)) ||
      (sent.tax_amount && OutOfRange(*sent.tax_amount))) {
    lc.errors.push_back("A line item amount is outside the range Xero accepts");
    return false;
  }
  if (line.unit_amount) {
    line.line_amount = DiscountedLineAmount(lc, line, *product, sent.line_amount);
  } else if (sent.line_amount) {
    line.line_amount = sent.line_amount->Round(2);
    if (!line.quantity) line.quantity = Decimal::FromInt(1);
    if (!line.quantity->IsZero())
      line.unit_amount = (line.line_amount / *line.quantity).Round(lc.unit_dp);
  }
  return true;
}

// The line's tax at `rate`: Xero rounds each line's tax to 2 dp; a sent
// TaxAmount overrides.
Decimal LineTaxAmount(const LineContext& lc, const LineItem& line, const TaxRate& rate,
                      const std::optional<Decimal>& sent_tax_amount) {
  if (sent_tax_amount) return sent_tax_amount->Round(2);
  if (lc.amount_types == "Inclusive")
    return (line.line_amount * rate.rate / (kHundred + rate.rate)).Round(2);
  return (line.line_amount * rate.rate / kHundred).Round(2);
}

// One LineItems element as the line it becomes; `previous` is the line it
// updates (keeps its LineItemID), nullptr for a new one. Errors go to
// lc.errors in Xero's order; nullopt when the line cannot be built at all.
std::optional<LineItem> BuildLine(LineContext& lc, const nlohmann::json& l,
                                  const LineItem* previous) {
  LineItem line;
  if (previous != nullptr) line.line_item_id = previous->line_item_id;
  const Item* item = nullptr;
  if (!ReadLineItemAndDescription(lc, l, line, item)) return std::nullopt;
  const SentAmounts sent = ReadLineAmounts(lc, l, line);
  // The item's SalesDetails on sales invoices, its PurchaseDetails on bills.
  const ItemDetails* details =
      item == nullptr ? nullptr : (lc.type == "ACCPAY" ? &item->purchase : &item->sales);
  if (!line.unit_amount && !sent.line_amount && details != nullptr && line.quantity)
    line.unit_amount = details->unit_price;
  const Account* account = ResolveLineAccount(
      lc, l, details, line.unit_amount.has_value() || sent.line_amount.has_value());
  if (account != nullptr) line.account_code = account->code;
  const TaxRate* rate = ResolveLineTaxRate(lc, l, account, details, line);
  if ((line.discount_rate || line.discount_amount) && lc.type != "ACCREC")
    lc.errors.push_back(fmt::format("Discounts may not be applied to {} invoices", lc.type));
  NormaliseLineQuantities(lc, line);
  if (!ComputeLineAmount(lc, line, sent)) return std::nullopt;
  if (rate != nullptr) line.tax_amount = LineTaxAmount(lc, line, *rate, sent.tax_amount);
  if (Has(l, "Tracking")) line.tracking = ResolveTracking(lc.ctx.org, l["Tracking"], lc.errors);
  return line;
}

// Resolves the invoice's Contact element: sets inv.contact_id or asks for a
// new contact (unknown Name), as Xero does.
void ResolveContact(Ctx& ctx, const nlohmann::json& c, InvoiceDraft& draft,
                    std::vector<std::string>& errors) {
  Organisation& org = ctx.org;
  nlohmann::json update = nlohmann::json::object();
  for (const auto& [k, v] : c.items())
    if (k != "ContactID" && k != "ContactNumber" && k != "Name" && !IsIgnoredField("Contact", k))
      update[k] = v;
  if (!update.empty()) draft.contact_update = update;
  const std::string id = StringField(c, "ContactID");
  const std::string number = StringField(c, "ContactNumber");
  const std::string name = StringField(c, "Name");
  if (!id.empty()) {
    Contact* found = org.ContactById(id);
    if (found == nullptr) {
      errors.push_back("The contact with the supplied ContactID could not be found.");
      return;
    }
    draft.invoice.contact_id = found->contact_id;
    return;
  }
  if (!number.empty()) {
    if (Contact* found = org.ContactByNumber(number)) {
      draft.invoice.contact_id = found->contact_id;
      return;
    }
  }
  if (!name.empty()) {
    if (Contact* found = org.ContactByName(name)) {
      draft.invoice.contact_id = found->contact_id;
      return;
    }
    draft.new_contact = c;
    return;
  }
  if (!number.empty()) {
    errors.push_back(fmt::format("The contact with ContactNumber {} could not be found.", number));
    return;
  }
  errors.push_back(
      "The Contact must contain at least 1 of the following elements to identify the contact: "
      "Name, ContactID, "
      "ContactNumber");
}

// Sets the invoice Type: required on creation, fixed afterwards, ACCREC or
// ACCPAY only.
void ApplyInvoiceType(const nlohmann::json& e, const Invoice* existing, Invoice& inv,
                      std::vector<std::string>& errors) {
  if (Has(e, "Type")) {
    std::string type = StringField(e, "Type");
    if (existing != nullptr && type != existing->type) {
      errors.push_back("The Type of an existing invoice cannot be changed");
    } else if (type != "ACCREC" && type != "ACCPAY") {
      errors.push_back(fmt::format(
          "Invoice Type {} is not supported by this endpoint; use ACCREC or ACCPAY", type));
    }
    inv.type = type;
  } else if (existing == nullptr) {
    errors.push_back("Invoice Type must be specified");
  }
}

// Sets the invoice Status: a new invoice starts DRAFT, SUBMITTED or
// AUTHORISED; an update must be an allowed transition.
void ApplyInvoiceStatus(const nlohmann::json& e, const Invoice* existing, bool has_payments,
                        Invoice& inv, std::vector<std::string>& errors) {
  if (!Has(e, "Status")) return;
  std::string status = StringField(e, "Status");
  if (existing == nullptr && status != "DRAFT" && status != "SUBMITTED" && status != "AUTHORISED")
    errors.push_back("Invoice not of valid status for creation");
  else if (existing != nullptr && !TransitionAllowed(existing->status, status, has_payments))
    errors.push_back("Invoice not of valid status for modification");
  inv.status = status;
}

// Sets Date (today for a new invoice without one) and DueDate.
void ApplyInvoiceDates(const Ctx& ctx, const nlohmann::json& e, const Invoice* existing,
                       Invoice& inv, std::vector<std::string>& errors) {
  if (Has(e, "Date")) {
    auto d = ParseXeroDate(StringField(e, "Date"));
    if (!d)
      errors.push_back(fmt::format("The date '{}' is not a valid date", StringField(e, "Date")));
    inv.date = d.value_or(0);
  } else if (existing == nullptr) {
    inv.date = DayOf(ctx.now);
  }
  if (Has(e, "DueDate")) {
    auto d = ParseXeroDate(StringField(e, "DueDate"));
    if (!d)
      errors.push_back(fmt::format("The date '{}' is not a valid date", StringField(e, "DueDate")));
    inv.due_date = d;
  }
}

// Sets CurrencyCode (the base currency for a new invoice without one), which
// the organisation must be subscribed to, and CurrencyRate (always 1 in the
// base currency). `bad` is set when the rate is out of range.
void ApplyInvoiceCurrency(const Organisation& org, const nlohmann::json& e, const Invoice* existing,
                          Invoice& inv, std::vector<std::string>& errors, bool& bad) {
  if (!StringField(e, "CurrencyCode").empty()) {
    inv.currency_code = StringField(e, "CurrencyCode");
    if (!org.HasCurrency(inv.currency_code))
      errors.push_back(
          fmt::format("Organisation is not subscribed to currency {}", inv.currency_code));
  } else if (existing == nullptr) {
    inv.currency_code = org.options.base_currency;
  }
  if (auto rate = NumberField(e, "CurrencyRate", bad)) {
    if (*rate <= Decimal()) errors.push_back("The currency rate must be greater than zero");
    inv.currency_rate = rate->Round(4);
  }
  if (inv.currency_code == org.options.base_currency) inv.currency_rate = Decimal::FromInt(1);
}

// Sets InvoiceNumber, which must be unique among the other ACCREC invoices
// that are not DELETED (blank ones are auto-numbered later).
void ApplyInvoiceNumber(Organisation& org, const nlohmann::json& e, const Invoice* existing,
                        Invoice& inv, std::vector<std::string>& errors) {
  if (Has(e, "InvoiceNumber")) inv.invoice_number = StringField(e, "InvoiceNumber");
  if (inv.type != "ACCREC" || inv.invoice_number.empty()) return;
  for (const Invoice* other : org.InvoicesByNumber(inv.invoice_number)) {
    if (existing != nullptr && other->invoice_id == existing->invoice_id) continue;
    if (other->type == "ACCREC" && other->status != "DELETED") {
      errors.push_back("Invoice # must be unique.");
      ++org.duplicate_numbers_attempted;
      break;
    }
  }
}

// The line of `existing` that LineItems element `l` updates (by LineItemID;
// the last one when several match), nullptr for a new line.
const LineItem* PreviousLine(const Invoice* existing, const nlohmann::json& l) {
  const LineItem* previous = nullptr;
  if (existing != nullptr)
    for (const auto& old : existing->line_items)
      if (EqualsIgnoreCase(old.line_item_id, StringField(l, "LineItemID"))) previous = &old;
  return previous;
}

// The invoice's new lines from its LineItems element: they replace all the
// old ones; a LineItemID keeps a line's identity. Lines that cannot be
// built are left out (their errors are in `errors`).
std::vector<LineItem> BuildLines(Ctx& ctx, const nlohmann::json& items, const Invoice* existing,
                                 const Invoice& inv, std::vector<std::string>& errors) {
  std::vector<LineItem> lines;
  const int unit_dp = QueryParam(ctx.req, "unitdp").value_or("") == "4" ? 4 : 2;
  LineContext lc{ctx, inv.type, inv.status, inv.line_amount_types, unit_dp, errors};
  for (const auto& l : items) {
    if (l.is_null()) continue;
    if (auto line = BuildLine(lc, l, PreviousLine(existing, l))) lines.push_back(std::move(*line));
  }
  return lines;
}

// Sets SubTotal, TotalTax, TotalDiscount, Total and AmountDue from the lines
// (nothing is due on a VOIDED or DELETED invoice).
void ComputeInvoiceTotals(Invoice& inv) {
  inv.sub_total = inv.total_tax = inv.total_discount = Decimal();
  for (const auto& l : inv.line_items) {
    inv.total_tax += l.tax_amount;
    inv.sub_total +=
        inv.line_amount_types == "Inclusive" ? l.line_amount - l.tax_amount : l.line_amount;
    if (l.unit_amount && l.quantity)
      inv.total_discount += (*l.quantity * *l.unit_amount).Round(2) - l.line_amount;
  }
  inv.total = inv.sub_total + inv.total_tax;
  inv.amount_due = inv.total - inv.amount_paid;
  if (inv.status == "VOIDED" || inv.status == "DELETED") inv.amount_due = Decimal();
}

// Xero ignores a sent SubTotal, TotalTax or Total, with a warning when it
// differs from the calculated one. `bad` is set when one is out of range.
void WarnAboutSentTotals(const nlohmann::json& e, const Invoice& inv,
                         std::vector<std::string>& warnings, bool& bad) {
  for (const char* key : {"SubTotal", "TotalTax", "Total"}) {
    auto sent = NumberField(e, key, bad);
    Decimal mine = std::string(key) == "SubTotal" ? inv.sub_total
                   : std::string(key) == "Total"  ? inv.total
                                                  : inv.total_tax;
    if (sent && sent->Round(2) != mine)
      warnings.push_back(
          fmt::format("The {} supplied ({}) does not match the calculated {} ({}) and was ignored",
                      key, sent->Round(2).ToString(2), key, mine.ToString(2)));
  }
}

}  // namespace

std::optional<Decimal> NumberField(const nlohmann::json& e, const char* key, bool& bad) {
  auto it = e.find(key);
  if (it == e.end() || it->is_null() || !it->is_number()) return std::nullopt;
  std::optional<Decimal> d;
  if (it->is_number_integer() && it->is_number_unsigned())
    d = Decimal::Parse(std::to_string(it->get<std::uint64_t>()));
  else if (it->is_number_integer())
    d = Decimal::Parse(std::to_string(it->get<std::int64_t>()));
  else
    d = Decimal::FromDouble(it->get<double>());
  if (!d) bad = true;
  return d;
}

std::string StringField(const nlohmann::json& e, const char* key) {
  auto it = e.find(key);
  return (it != e.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// The steps run in Xero's order, which is the order of its validation messages.
std::optional<InvoiceDraft> BuildInvoice(Ctx& ctx, const nlohmann::json& e, const Invoice* existing,
                                         std::vector<std::string>& errors,
                                         std::vector<std::string>& warnings) {
  InvoiceDraft draft;
  Invoice& inv = draft.invoice;
  if (existing != nullptr) inv = *existing;
  const bool has_payments = existing != nullptr && !existing->amount_paid.IsZero();
  if (existing != nullptr && (existing->status == "PAID" || existing->status == "VOIDED" ||
                              existing->status == "DELETED")) {
    errors.push_back("Invoice not of valid status for modification");
    return std::nullopt;
  }
  ApplyInvoiceType(e, existing, inv, errors);
  ApplyInvoiceStatus(e, existing, has_payments, inv, errors);
  if (has_payments && (Has(e, "LineItems") || Has(e, "Contact") || Has(e, "CurrencyCode") ||
                       Has(e, "LineAmountTypes"))) {
    errors.push_back(
        "This document cannot be edited as it has a payment or credit note allocated to it.");
  }
  if (Has(e, "Contact")) {
    ResolveContact(ctx, e["Contact"], draft, errors);
  } else if (existing == nullptr) {
    errors.push_back("A Contact must be specified for this type of transaction");
  }
  ApplyInvoiceDates(ctx, e, existing, inv, errors);
  if (Has(e, "LineAmountTypes")) inv.line_amount_types = StringField(e, "LineAmountTypes");
  if (Has(e, "Reference")) inv.reference = StringField(e, "Reference");
  if (Has(e, "Url")) inv.url = StringField(e, "Url");
  if (Has(e, "SentToContact")) inv.sent_to_contact = e["SentToContact"].get<bool>();
  bool bad = false;
  ApplyInvoiceCurrency(ctx.org, e, existing, inv, errors, bad);
  ApplyInvoiceNumber(ctx.org, e, existing, inv, errors);
  if (Has(e, "LineItems")) inv.line_items = BuildLines(ctx, e["LineItems"], existing, inv, errors);
  if (errors.empty() && inv.status != "DRAFT" && inv.status != "DELETED" && inv.line_items.empty())
    errors.push_back("At least one line item is required for an invoice that is not DRAFT");
  ComputeInvoiceTotals(inv);
  WarnAboutSentTotals(e, inv, warnings, bad);
  if (bad) errors.push_back("An amount is outside the range Xero accepts");
  if (!errors.empty()) return std::nullopt;
  return draft;
}

}  // namespace xero_sim
