// SPDX-License-Identifier: MIT
// Batch, look-ups: unknown outcomes before sending, duplicate numbers and locked invoices after
// (the steps are in batch.h and xerod/copy_sender.h).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <set>

#include "copy/batch.h"
#include "copy/batch_util.h"
#include "copy/mapper.h"
#include "xerod/document.h"
#include "xerod/json_read.h"

namespace xerod::copy {

using json_read::Member;
using json_read::Number;
using json_read::Text;

using nlohmann::json;

// ---- 3. Unknown outcomes are looked up before anything is resent -----------

void Batch::Reconcile() {
  auto next = Join(2, [self = shared_from_this()] { self->CreateContacts(); });
  ReconcileInvoices(next);
  ReconcilePayments(next);
}

void Batch::ReconcileInvoices(std::function<void()> next) {
  std::map<std::string, std::size_t> by_number;  // InvoiceNumber -> invoice index
  for (std::size_t k = 0; k < invoices_.size(); ++k) {
    const Invoice& w = invoices_[k];
    if (Decided(w.job) || w.update || !jobs_[w.job].needs_reconcile) continue;
    std::string number = Text(w.element, "InvoiceNumber");
    if (number.empty()) {
      JobOutcome o = JobOutcome::Permanent(
          jobs_[w.job].id,
          "the last attempt's outcome is unknown and the invoice has no number to look it up "
          "by in Xero: check whether Xero has it; if not, retry this job (xerod-ctl job retry) "
          "and it is sent as it is");
      o.resolved = true;
      ++ctx_->stats.refused;
      Decide(w.job, std::move(o));
      continue;
    }
    by_number[number] = k;
  }
  if (by_number.empty()) return next();
  std::vector<std::string> numbers;
  for (const auto& [number, k] : by_number) numbers.push_back(QueryEscape(number));
  XeroRequest request;
  request.path =
      InvoicesPath(fmt::format("?InvoiceNumbers={}&createdByMyApp=true", fmt::join(numbers, ",")));
  Call(std::move(request), [self = shared_from_this(), by_number, next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (const auto& [number, k] : by_number) jobs.push_back(self->invoices_[k].job);
    const json* found = self->Found(r, jobs, "looking the invoices up");
    if (found == nullptr) return next();
    for (const json& inv : *found) {
      auto it = by_number.find(Text(inv, "InvoiceNumber"));
      std::string id = Text(inv, "InvoiceID");
      if (it == by_number.end() || id.empty()) continue;
      const Invoice& w = self->invoices_[it->second];
      JobOutcome o = JobOutcome::ReconciledFound(self->jobs_[w.job].id, id,
                                                 InvoiceLink(self->org_->organisation, id));
      if (std::string status = Text(inv, "Status"); status == "VOIDED" || status == "DELETED") {
        o.warning = fmt::format("found in Xero as {}", status);
      }
      ++self->ctx_->stats.invoices_copied;
      self->Decide(w.job, WithCall(std::move(o), r));
    }
    next();  // the others were not found: they are sent now
  });
}

void Batch::ReconcilePayments(std::function<void()> next) {
  std::map<std::string, std::vector<std::size_t>> by_invoice;  // InvoiceID -> payment indexes
  for (std::size_t k = 0; k < payments_.size(); ++k) {
    const Payment& p = payments_[k];
    if (Decided(p.job) || !jobs_[p.job].needs_reconcile) continue;
    by_invoice[p.invoice_id].push_back(k);
  }
  if (by_invoice.empty()) return next();
  std::vector<std::string> ids;
  for (const auto& [id, ks] : by_invoice) ids.push_back(QueryEscape(id));
  XeroRequest request;
  request.path = InvoicesPath(fmt::format("?IDs={}", fmt::join(ids, ",")));
  Call(std::move(request), [self = shared_from_this(), by_invoice, next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (const auto& [id, ks] : by_invoice) {
      for (std::size_t k : ks) jobs.push_back(self->payments_[k].job);
    }
    const json* found = self->Found(r, jobs, "looking the payments up");
    if (found == nullptr) return next();
    std::set<std::string> taken;  // a payment in Xero matches one job at most
    for (const json& inv : *found) {
      auto it = by_invoice.find(Text(inv, "InvoiceID"));
      const json* paid = Member(inv, "Payments");
      if (it == by_invoice.end() || paid == nullptr || !paid->is_array()) continue;
      for (std::size_t k : it->second) {
        const Payment& p = self->payments_[k];
        for (const json& x : *paid) {
          std::string id = Text(x, "PaymentID");
          const json* amount = Member(x, "Amount");
          if (id.empty() || taken.contains(id) || amount == nullptr) continue;
          bool same = DayOf(Text(x, "Date")) == Text(p.element, "Date") &&
                      Text(x, "Reference") == Text(p.element, "Reference") &&
                      Cents(*amount) == Cents(json(ExactNumberText(*Member(p.element, "Amount"))));
          if (!same) continue;
          taken.insert(id);
          ++self->ctx_->stats.payments_copied;
          self->Decide(p.job, WithCall(JobOutcome::ReconciledFound(self->jobs_[p.job].id, id), r));
          break;
        }
      }
    }
    next();
  });
}

// ---- 6. Follow-ups ----------------------------------------------------------

// "Invoice # must be unique": if this app created an invoice of that number,
// it is this document's earlier copy (a lost answer, a cancelled job sent
// again): that copy is the result.
void Batch::ResolveDuplicates(std::function<void()> next) {
  if (duplicates_.empty()) return next();
  std::vector<std::string> numbers;
  for (const auto& [number, k] : duplicates_) numbers.push_back(QueryEscape(number));
  XeroRequest request;
  request.path =
      InvoicesPath(fmt::format("?InvoiceNumbers={}&createdByMyApp=true", fmt::join(numbers, ",")));
  Call(std::move(request), [self = shared_from_this(), next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (const auto& [number, k] : self->duplicates_) jobs.push_back(self->invoices_[k].job);
    // On failure nothing was created (the numbers were refused): transient.
    const json* found = self->Found(r, jobs, "looking the invoice numbers up");
    if (found == nullptr) return next();
    for (const json& inv : *found) {
      auto it = self->duplicates_.find(Text(inv, "InvoiceNumber"));
      std::string id = Text(inv, "InvoiceID");
      if (it == self->duplicates_.end() || id.empty()) continue;
      const Invoice& w = self->invoices_[it->second];
      ++self->ctx_->stats.invoices_copied;
      self->Decide(w.job,
                   WithCall(JobOutcome::ReconciledFound(self->jobs_[w.job].id, id,
                                                        InvoiceLink(self->org_->organisation, id)),
                            r));
    }
    for (const auto& [number, k] : self->duplicates_) {
      const Invoice& w = self->invoices_[k];
      if (self->Decided(w.job)) continue;
      self->Refuse(w.job,
                   fmt::format("Xero refused it: Invoice # must be unique. An invoice numbered "
                               "{} is already in Xero and was not created by xerod: change the "
                               "number of one of them",
                               number),
                   &r);
    }
    next();
  });
}

// An update refused as "not of valid status": if Xero has the invoice PAID,
// VOIDED or DELETED (or paid in part), it is locked and the edits are not
// copied; the job ends with a warning saying so (Harvest's rule).
void Batch::ResolveLocked(std::function<void()> next) {
  if (locked_.empty()) return next();
  std::vector<std::string> ids;
  for (const auto& [id, k] : locked_) ids.push_back(QueryEscape(id));
  XeroRequest request;
  request.path = InvoicesPath(fmt::format("?IDs={}", fmt::join(ids, ",")));
  Call(std::move(request), [self = shared_from_this(), next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (const auto& [id, k] : self->locked_) jobs.push_back(self->invoices_[k].job);
    const json* found = self->Found(r, jobs, "looking the invoices up");
    if (found == nullptr) return next();
    for (const json& inv : *found) {
      std::string id = Text(inv, "InvoiceID");
      auto it = self->locked_.find(id);
      if (it == self->locked_.end()) continue;
      const Invoice& w = self->invoices_[it->second];
      std::string status = Text(inv, "Status");
      bool part_paid = Number(inv, "AmountPaid").value_or(0) > 0;
      std::string warning;
      if (status == "PAID" || status == "VOIDED" || status == "DELETED") {
        warning = fmt::format(
            "Xero has this invoice as {}, which locks it: the changes were not copied (edit it "
            "in Xero if they matter)",
            status);
      } else if (part_paid) {
        warning =
            "Xero has a payment applied to this invoice, which locks it: the changes were not "
            "copied (edit it in Xero if they matter)";
      } else {
        continue;  // not locked: Xero's refusal stands (below)
      }
      JobOutcome o = JobOutcome::Succeeded(self->jobs_[w.job].id, id,
                                           InvoiceLink(self->org_->organisation, id));
      o.warning = std::move(warning);
      self->Decide(w.job, WithCall(std::move(o), r));
    }
    for (const auto& [id, k] : self->locked_) {
      const Invoice& w = self->invoices_[k];
      if (!self->Decided(w.job)) self->ElementError(w.job, self->locked_errors_[k], r);
    }
    next();
  });
}

}  // namespace xerod::copy
