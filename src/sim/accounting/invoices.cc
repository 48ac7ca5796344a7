// SPDX-License-Identifier: MIT
// /Invoices: GET (IDs, InvoiceNumbers, ContactIDs, Statuses, where, searchTerm,
// createdByMyApp, If-Modified-Since, page), GET /Invoices/{id or number},
// PUT/POST create, POST update.
#include <fmt/format.h>

#include <algorithm>

#include "sim/accounting/accounting_internal.h"
#include "sim/accounting/where_filter.h"

namespace xero_sim {
namespace {

const std::vector<std::string> kInvoiceWhereFields = {
    "InvoiceID",    "InvoiceNumber", "Reference", "Status",     "Type",  "Contact.ContactID",
    "Contact.Name", "CurrencyCode",  "AmountDue", "AmountPaid", "Total", "SubTotal",
    "SentToContact"};

std::optional<std::string> InvoiceField(const Organisation& org, const Invoice& inv,
                                        const std::string& f) {
  if (f == "InvoiceID") return inv.invoice_id;
  if (f == "InvoiceNumber") return inv.invoice_number;
  if (f == "Reference") return inv.reference;
  if (f == "Status") return inv.status;
  if (f == "Type") return inv.type;
  if (f == "Contact.ContactID") return inv.contact_id;
  if (f == "Contact.Name") {
    const Contact* c = FindContact(org, inv.contact_id);
    return c ? std::optional<std::string>(c->name) : std::nullopt;
  }
  if (f == "CurrencyCode") return inv.currency_code;
  if (f == "AmountDue") return inv.amount_due.ToString(2);
  if (f == "AmountPaid") return inv.amount_paid.ToString(2);
  if (f == "Total") return inv.total.ToString(2);
  if (f == "SubTotal") return inv.sub_total.ToString(2);
  if (f == "SentToContact") return inv.sent_to_contact ? "true" : "false";
  return std::nullopt;
}

bool InList(const std::vector<std::string>& list, const std::string& value, bool ignore_case) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) {
    return ignore_case ? EqualsIgnoreCase(s, value) : s == value;
  });
}

Response GetInvoices(Ctx& ctx, const std::vector<std::string>& rest) {
  const Organisation& org = ctx.org;
  if (!rest.empty()) {
    const Invoice* inv = FindInvoice(org, rest[0]);
    if (inv == nullptr) return NotFound();
    return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, "Invoices",
                                      nlohmann::json::array({InvoiceJson(org, *inv)})));
  }
  std::optional<WhereFilter> where;
  if (auto w = QueryParam(ctx.req, "where"); w && !w->empty()) {
    auto parsed = WhereFilter::Parse(*w, kInvoiceWhereFields);
    if (!parsed) return QueryParseError(parsed.error());
    where = std::move(*parsed);
  }
  auto list = [&](const char* name) {
    auto v = QueryParam(ctx.req, name);
    return v ? SplitList(*v) : std::vector<std::string>{};
  };
  const auto ids = list("IDs");
  const auto numbers = list("InvoiceNumbers");
  const auto contact_ids = list("ContactIDs");
  const auto statuses = list("Statuses");
  const auto search = QueryParam(ctx.req, "searchTerm");
  const auto since = IfModifiedSince(ctx.req);
  const auto mine = QueryParam(ctx.req, "createdByMyApp");
  const bool only_mine = mine && EqualsIgnoreCase(*mine, "true");
  // Candidates: straight from the indexes when IDs or InvoiceNumbers are given.
  std::vector<const Invoice*> candidates;
  if (!ids.empty() || !numbers.empty()) {
    for (const auto& id : ids)
      if (const Invoice* inv = org.InvoiceById(id)) candidates.push_back(inv);
    if (ids.empty())
      for (const auto& n : numbers)
        for (const Invoice* inv : org.InvoicesByNumber(n)) candidates.push_back(inv);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  } else {
    for (const auto& inv : org.invoices) candidates.push_back(&inv);
  }
  std::vector<const Invoice*> hits;
  for (const Invoice* candidate : candidates) {
    const Invoice& inv = *candidate;
    if (!ids.empty() && !InList(ids, inv.invoice_id, true)) continue;
    if (!numbers.empty() && !InList(numbers, inv.invoice_number, false)) continue;
    if (!contact_ids.empty() && !InList(contact_ids, inv.contact_id, true)) continue;
    if (!statuses.empty() && !InList(statuses, inv.status, true)) continue;
    if (since && inv.updated_ms < *since) continue;
    if (only_mine && inv.created_by_app != ctx.req.client_id) continue;
    if (search && !search->empty()) {
      const std::string t = Lower(*search);
      if (Lower(inv.invoice_number).find(t) == std::string::npos &&
          Lower(inv.reference).find(t) == std::string::npos)
        continue;
    }
    if (where && !where->Matches([&](const std::string& f) { return InvoiceField(org, inv, f); }))
      continue;
    hits.push_back(&inv);
  }
  std::string error;
  auto paging = PageOf(ctx.req, hits.size(), error);
  if (!paging) return QueryParseError(error);
  nlohmann::json arr = nlohmann::json::array();
  for (std::size_t i = paging->begin; i < paging->end; ++i)
    arr.push_back(InvoiceJson(org, *hits[i]));
  nlohmann::json body = Envelope(ctx.org.rng, ctx.now, "Invoices", std::move(arr));
  if (paging->pagination) body["pagination"] = *paging->pagination;
  return JsonResponse(200, body);
}

// Stores a validated draft: creates or updates the contact, numbers, IDs.
// A contact problem at this point does not undo the invoice: it becomes a
// warning on the element.
const Invoice& Commit(Ctx& ctx, InvoiceDraft& draft, Invoice* existing,
                      std::vector<std::string>& warnings) {
  Organisation& org = ctx.org;
  Invoice& inv = draft.invoice;
  std::vector<std::string> contact_errors;
  if (draft.new_contact) {
    nlohmann::json c = *draft.new_contact;
    c.erase("ContactID");
    Contact* created = UpsertContact(ctx, c, nullptr, contact_errors);
    if (created == nullptr) {  // e.g. a bad DefaultCurrency: keep the name only
      std::vector<std::string> ignored;
      created = UpsertContact(ctx, {{"Name", c["Name"]}}, nullptr, ignored);
    }
    if (created != nullptr) inv.contact_id = created->contact_id;
  } else if (draft.contact_update) {
    if (Contact* known = org.ContactById(inv.contact_id))
      UpsertContact(ctx, *draft.contact_update, known, contact_errors);
  }
  warnings.insert(warnings.end(), contact_errors.begin(), contact_errors.end());
  if (Contact* contact = org.ContactById(inv.contact_id)) {
    bool& role = inv.type == "ACCPAY" ? contact->is_supplier : contact->is_customer;
    if (!role && (inv.type == "ACCREC" || inv.type == "ACCPAY")) {
      role = true;
      Touch(contact->updated_ms, ctx.now_ms);
    }
  }
  if (inv.type == "ACCREC" && inv.invoice_number.empty())
    inv.invoice_number = org.NextInvoiceNumber();
  for (auto& l : inv.line_items)
    if (l.line_item_id.empty()) l.line_item_id = NewGuid(org.rng);
  Touch(inv.updated_ms, ctx.now_ms);
  if (existing != nullptr) {
    const std::string old_number = existing->invoice_number;
    *existing = std::move(inv);
    if (existing->invoice_number != old_number) org.InvoiceNumberChanged(*existing, old_number);
    return *existing;
  }
  inv.invoice_id = NewGuid(org.rng);
  inv.created_by_app = ctx.req.client_id;
  return org.AddInvoice(std::move(inv));
}

}  // namespace

const Invoice* FindInvoice(const Organisation& org, const std::string& id) {
  if (const Invoice* inv = org.InvoiceById(id)) return inv;
  return org.InvoiceByNumber(id);
}

nlohmann::json InvoiceJson(const Organisation& org, const Invoice& inv) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : inv.line_items) {
    nlohmann::json j = {{"LineItemID", l.line_item_id}, {"Description", l.description}};
    if (l.quantity) j["Quantity"] = Money(*l.quantity);
    if (l.unit_amount) j["UnitAmount"] = Money(*l.unit_amount);
    if (!l.item_code.empty()) j["ItemCode"] = l.item_code;
    if (!l.account_code.empty()) j["AccountCode"] = l.account_code;
    if (!l.tax_type.empty()) j["TaxType"] = l.tax_type;
    j["TaxAmount"] = Money(l.tax_amount);
    j["LineAmount"] = Money(l.line_amount);
    if (l.discount_rate) j["DiscountRate"] = Money(*l.discount_rate);
    if (l.discount_amount) j["DiscountAmount"] = Money(*l.discount_amount);
    j["Tracking"] = l.tracking;
    lines.push_back(std::move(j));
  }
  nlohmann::json payments = nlohmann::json::array();
  for (const auto& pid : inv.payment_ids)
    if (const Payment* p = org.PaymentById(pid); p != nullptr && p->status != "DELETED")
      payments.push_back(PaymentJson(org, *p, false));
  const Contact* contact = FindContact(org, inv.contact_id);
  nlohmann::json j = {
      {"Type", inv.type},
      {"InvoiceID", inv.invoice_id},
      {"InvoiceNumber", inv.invoice_number},
      {"Reference", inv.reference},
      {"Payments", std::move(payments)},
      {"Prepayments", nlohmann::json::array()},
      {"Overpayments", nlohmann::json::array()},
      {"CreditNotes", nlohmann::json::array()},
      {"AmountDue", Money(inv.amount_due)},
      {"AmountPaid", Money(inv.amount_paid)},
      {"AmountCredited", 0.0},
      {"SentToContact", inv.sent_to_contact},
      {"CurrencyRate", Money(inv.currency_rate)},
      {"IsDiscounted", !inv.total_discount.IsZero()},
      {"HasAttachments", false},
      {"HasErrors", false},
      {"Contact", contact ? ContactSummaryJson(*contact) : nlohmann::json::object()},
      {"DateString", DateStringForDay(inv.date)},
      {"Date", MsDateForDay(inv.date)},
      {"Status", inv.status},
      {"LineAmountTypes", inv.line_amount_types},
      {"LineItems", std::move(lines)},
      {"SubTotal", Money(inv.sub_total)},
      {"TotalTax", Money(inv.total_tax)},
      {"Total", Money(inv.total)},
      {"UpdatedDateUTC", MsDateForMillis(inv.updated_ms)},
      {"UpdatedDateUTCString", IsoUtcForMillis(inv.updated_ms)},
      {"CurrencyCode", inv.currency_code}};
  if (inv.due_date) {
    j["DueDateString"] = DateStringForDay(*inv.due_date);
    j["DueDate"] = MsDateForDay(*inv.due_date);
  }
  if (!inv.total_discount.IsZero()) j["TotalDiscount"] = Money(inv.total_discount);
  if (inv.fully_paid_on) j["FullyPaidOnDate"] = MsDateForDay(*inv.fully_paid_on);
  if (!inv.url.empty()) j["Url"] = inv.url;
  return j;
}

Response HandleInvoices(Ctx& ctx, const std::vector<std::string>& rest) {
  const std::string& method = ctx.req.method;
  if (method == "GET") return GetInvoices(ctx, rest);
  if (method != "PUT" && method != "POST") return NotFound();
  Response error;
  auto elements = ParseElements(ctx.req, "Invoices", "Invoices", "Invoice", error);
  if (!elements) return error;
  std::vector<ElementResult> results;
  for (const auto& e : *elements) {
    ElementResult r;
    Invoice* existing = nullptr;
    std::string id = rest.empty() ? StringField(e, "InvoiceID") : rest[0];
    if (!id.empty()) {
      existing = ctx.org.InvoiceById(id);
      if (existing == nullptr && !rest.empty()) existing = ctx.org.InvoiceByNumber(id);
      if (existing == nullptr) {
        r.errors.push_back("The document with the supplied id was not found for this endpoint.");
      } else if (method == "PUT" && rest.empty()) {
        r.errors.push_back(
            "An invoice with this InvoiceID already exists. PUT only creates; use POST to update.");
      }
    }
    std::optional<InvoiceDraft> draft;
    if (r.errors.empty()) draft = BuildInvoice(ctx, e, existing, r.errors, r.warnings);
    if (draft) {
      const Invoice& stored = Commit(ctx, *draft, existing, r.warnings);
      r.json = InvoiceJson(ctx.org, stored);
    } else {
      r.json = e;
    }
    results.push_back(std::move(r));
  }
  return BatchResponse(ctx, "Invoices", std::move(results), "HasErrors");
}

}  // namespace xero_sim
