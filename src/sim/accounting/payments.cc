// SPDX-License-Identifier: MIT
// /Payments: GET, PUT/POST create (single or {"Payments":[…]}), POST
// /Payments/{id} with Status DELETED.
#include <fmt/format.h>

#include <algorithm>

#include "sim/accounting/accounting_internal.h"
#include "sim/accounting/where_filter.h"

namespace xero_sim {
namespace {

const std::vector<std::string> kPaymentWhereFields = {"PaymentID",
                                                      "Status",
                                                      "PaymentType",
                                                      "Reference",
                                                      "Invoice.InvoiceID",
                                                      "Invoice.InvoiceNumber",
                                                      "Amount",
                                                      "IsReconciled"};

Response GetPayments(Ctx& ctx, const std::vector<std::string>& rest) {
  const Organisation& org = ctx.org;
  std::optional<WhereFilter> where;
  if (auto w = QueryParam(ctx.req, "where"); w && !w->empty()) {
    auto parsed = WhereFilter::Parse(*w, kPaymentWhereFields);
    if (!parsed) return QueryParseError(parsed.error());
    where = std::move(*parsed);
  }
  const auto since = rest.empty() ? IfModifiedSince(ctx.req) : std::nullopt;
  std::vector<const Payment*> hits;
  for (const auto& p : org.payments) {
    if (!rest.empty() && !EqualsIgnoreCase(rest[0], p.payment_id)) continue;
    if (since && p.updated_ms < *since) continue;
    const Invoice* inv = FindInvoice(org, p.invoice_id);
    auto field = [&](const std::string& f) -> std::optional<std::string> {
      if (f == "PaymentID") return p.payment_id;
      if (f == "Status") return p.status;
      if (f == "PaymentType") return p.payment_type;
      if (f == "Reference") return p.reference;
      if (f == "Invoice.InvoiceID") return p.invoice_id;
      if (f == "Invoice.InvoiceNumber")
        return inv ? std::optional<std::string>(inv->invoice_number) : std::nullopt;
      if (f == "Amount") return p.amount.ToString(2);
      if (f == "IsReconciled") return p.is_reconciled ? "true" : "false";
      return std::nullopt;
    };
    if (where && !where->Matches(field)) continue;
    hits.push_back(&p);
  }
  if (!rest.empty() && hits.empty()) return NotFound();
  std::string error;
  auto paging = PageOf(ctx.req, hits.size(), error);
  if (!paging) return QueryParseError(error);
  nlohmann::json arr = nlohmann::json::array();
  for (std::size_t i = paging->begin; i < paging->end; ++i)
    arr.push_back(PaymentJson(org, *hits[i], true));
  nlohmann::json body = Envelope(ctx.org.rng, ctx.now, "Payments", std::move(arr));
  if (paging->pagination) body["pagination"] = *paging->pagination;
  return JsonResponse(200, body);
}

void Recompute(Invoice& inv, const Organisation& org) {
  inv.amount_paid = Decimal();
  std::optional<std::int64_t> last;
  for (const auto& pid : inv.payment_ids) {
    const Payment* p = org.PaymentById(pid);
    if (p == nullptr || p->status != "AUTHORISED") continue;
    inv.amount_paid += p->amount;
    last = std::max(last.value_or(p->date), p->date);
  }
  inv.amount_due = inv.total - inv.amount_paid;
  if (inv.amount_due.IsZero() && !inv.total.IsZero()) {
    inv.status = "PAID";
    inv.fully_paid_on = last;
  } else if (inv.status == "PAID") {
    inv.status = "AUTHORISED";
    inv.fully_paid_on.reset();
  }
}

// The invoice a payment element is for: Invoice.InvoiceID, else
// InvoiceNumber or Invoice.InvoiceNumber. nullptr, with Xero's error, when
// none is given or it is not found.
Invoice* PaymentInvoice(Organisation& org, const nlohmann::json& e,
                        std::vector<std::string>& errors) {
  Invoice* inv = nullptr;
  std::string invoice_id, invoice_number = StringField(e, "InvoiceNumber");
  if (auto it = e.find("Invoice"); it != e.end() && it->is_object()) {
    invoice_id = StringField(*it, "InvoiceID");
    if (invoice_number.empty()) invoice_number = StringField(*it, "InvoiceNumber");
  }
  if (!invoice_id.empty())
    inv = org.InvoiceById(invoice_id);
  else if (!invoice_number.empty())
    inv = org.InvoiceByNumber(invoice_number);
  if (invoice_id.empty() && invoice_number.empty())
    errors.push_back(
        "You must specify either an Invoice, CreditNote, Prepayment or Overpayment to apply the "
        "payment to");
  else if (inv == nullptr)
    errors.push_back("Invoice could not be found");
  return inv;
}

// The account a payment element is made from or to: Account.AccountID, else
// Code or Account.Code. Xero's error when none is given, it is not found, or
// it is neither a bank account nor open to payments (the account is still
// returned then).
const Account* PaymentAccount(const Organisation& org, const nlohmann::json& e,
                              std::vector<std::string>& errors) {
  const Account* account = nullptr;
  std::string code = StringField(e, "Code"), account_id;
  if (auto it = e.find("Account"); it != e.end() && it->is_object()) {
    account_id = StringField(*it, "AccountID");
    if (code.empty()) code = StringField(*it, "Code");
  }
  if (!account_id.empty())
    account = org.AccountById(account_id);
  else if (!code.empty())
    account = org.AccountByCode(code);
  if (account_id.empty() && code.empty())
    errors.push_back("You must specify an Account to make the payment from or to");
  else if (account == nullptr)
    errors.push_back("Account could not be found");
  else if (account->type != "BANK" && !account->enable_payments_to_account)
    errors.push_back(fmt::format(
        "Payments cannot be made to account {}: it is not a bank account and does not have "
        "EnablePaymentsToAccount set",
        account->code));
  return account;
}

// The payment's Amount, with Xero's error when it is missing, out of range
// or not positive.
std::optional<Decimal> PaymentAmount(const nlohmann::json& e, std::vector<std::string>& errors) {
  bool bad = false;
  auto amount = NumberField(e, "Amount", bad);
  if (!amount || bad)
    errors.push_back("Payment amount must be specified");
  else if (*amount <= Decimal())
    errors.push_back("Payment amount must be greater than zero");
  return amount;
}

// The payment's Date (today when absent), with Xero's error when malformed.
std::int64_t PaymentDate(const Ctx& ctx, const nlohmann::json& e,
                         std::vector<std::string>& errors) {
  std::int64_t date = DayOf(ctx.now);
  if (auto d = StringField(e, "Date"); !d.empty()) {
    auto parsed = ParseXeroDate(d);
    if (!parsed)
      errors.push_back(fmt::format("The date '{}' is not a valid date", d));
    else
      date = *parsed;
  }
  return date;
}

// Stores a checked payment of `amount` against `inv` and updates the
// invoice's amounts and status.
const Payment& RecordPayment(Ctx& ctx, const nlohmann::json& e, Invoice& inv,
                             const Account& account, std::int64_t date, Decimal amount) {
  Organisation& org = ctx.org;
  Payment p;
  p.payment_id = NewGuid(org.rng);
  p.invoice_id = inv.invoice_id;
  p.account_id = account.account_id;
  p.date = date;
  p.amount = amount.Round(2);
  bool bad = false;
  auto rate = NumberField(e, "CurrencyRate", bad);
  p.currency_rate = rate && *rate > Decimal() ? rate->Round(4) : inv.currency_rate;
  p.reference = StringField(e, "Reference");
  if (auto it = e.find("IsReconciled"); it != e.end() && it->is_boolean()) p.is_reconciled = *it;
  p.payment_type = inv.type == "ACCPAY" ? "ACCPAYPAYMENT" : "ACCRECPAYMENT";
  p.updated_ms = ctx.now_ms;
  const Payment& stored = org.AddPayment(std::move(p));
  inv.payment_ids.push_back(stored.payment_id);
  Touch(inv.updated_ms, ctx.now_ms);
  Recompute(inv, org);
  return stored;
}

// A new payment from element `e`; checks run in Xero's order, which is the
// order of its validation messages.
ElementResult CreatePayment(Ctx& ctx, const nlohmann::json& e) {
  ElementResult r;
  r.json = e;
  std::vector<std::string>& errors = r.errors;
  Invoice* inv = PaymentInvoice(ctx.org, e, errors);
  const Account* account = PaymentAccount(ctx.org, e, errors);
  const std::optional<Decimal> amount = PaymentAmount(e, errors);
  const std::int64_t date = PaymentDate(ctx, e, errors);
  if (inv != nullptr) {
    if (inv->status != "AUTHORISED")
      errors.push_back("Payments can only be made against Authorised documents.");
    else if (amount && amount->Round(2) > inv->amount_due)
      errors.push_back("Payment amount exceeds the amount outstanding on this document");
  }
  if (!errors.empty()) return r;
  r.json = PaymentJson(ctx.org, RecordPayment(ctx, e, *inv, *account, date, *amount), true);
  return r;
}

ElementResult DeletePayment(Ctx& ctx, Payment& p, const nlohmann::json& e) {
  ElementResult r;
  r.json = e;
  if (StringField(e, "Status") != "DELETED") {
    r.errors.push_back(
        "Payments cannot be edited. Only Status DELETED can be set on an existing payment.");
    return r;
  }
  if (p.status != "DELETED") {
    p.status = "DELETED";
    Touch(p.updated_ms, ctx.now_ms);
    if (Invoice* inv = ctx.org.InvoiceById(p.invoice_id)) {
      Touch(inv->updated_ms, ctx.now_ms);
      Recompute(*inv, ctx.org);
    }
  }
  r.json = PaymentJson(ctx.org, p, true);
  return r;
}

}  // namespace

nlohmann::json PaymentJson(const Organisation& org, const Payment& p, bool with_invoice) {
  nlohmann::json j = {{"PaymentID", p.payment_id},
                      {"Date", MsDateForDay(p.date)},
                      {"Amount", Money(p.amount)},
                      {"BankAmount", Money(p.amount)},
                      {"CurrencyRate", Money(p.currency_rate)},
                      {"Reference", p.reference},
                      {"HasAccount", true},
                      {"HasValidationErrors", false}};
  if (!with_invoice) return j;
  j["PaymentType"] = p.payment_type;
  j["Status"] = p.status;
  j["IsReconciled"] = p.is_reconciled;
  j["UpdatedDateUTC"] = MsDateForMillis(p.updated_ms);
  j["UpdatedDateUTCString"] = IsoUtcForMillis(p.updated_ms);
  if (const Account* a = org.AccountById(p.account_id))
    j["Account"] = {{"AccountID", a->account_id}, {"Code", a->code}, {"Name", a->name}};
  if (const Invoice* inv = FindInvoice(org, p.invoice_id)) {
    nlohmann::json i = InvoiceJson(org, *inv);
    i.erase("Payments");
    j["Invoice"] = std::move(i);
  }
  return j;
}

Response HandlePayments(Ctx& ctx, const std::vector<std::string>& rest) {
  const std::string& method = ctx.req.method;
  if (method == "GET") return GetPayments(ctx, rest);
  if (method != "PUT" && method != "POST") return NotFound();
  Response error;
  auto elements = ParseElements(ctx.req, "Payments", "Payments", "Payment", error);
  if (!elements) return error;
  std::vector<ElementResult> results;
  for (const auto& e : *elements) {
    if (!rest.empty() || !StringField(e, "PaymentID").empty()) {
      Payment* p = ctx.org.PaymentById(rest.empty() ? StringField(e, "PaymentID") : rest[0]);
      if (p == nullptr) {
        ElementResult r;
        r.json = e;
        r.errors.push_back("The document with the supplied id was not found for this endpoint.");
        results.push_back(std::move(r));
      } else {
        results.push_back(DeletePayment(ctx, *p, e));
      }
      continue;
    }
    results.push_back(CreatePayment(ctx, e));
  }
  return BatchResponse(ctx, "Payments", std::move(results), "HasValidationErrors");
}

}  // namespace xero_sim
