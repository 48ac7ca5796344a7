// SPDX-License-Identifier: MIT
// Batch, the writes: contacts, invoices, payments (the steps are in batch.h and
// xerod/copy_sender.h).
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
using json_read::Text;

using nlohmann::json;

// ---- 4. Contacts: reuse by name, create the missing ones once ---------------

void Batch::CreateContacts() {
  std::map<std::string, json> missing = MissingContacts();
  if (missing.empty()) return SendAll();
  json contacts = json::array();
  std::vector<std::string> keys;
  for (auto& [key, contact] : missing) {
    keys.push_back(key);
    contacts.push_back(std::move(contact));
  }
  XeroRequest request;
  request.method = HttpMethod::kPut;
  request.path = fmt::format("{}/Contacts?summarizeErrors=false", kAccountingPath);
  request.body = json{{"Contacts", std::move(contacts)}}.dump();
  request.idempotency_key = ctx_->NewKey();
  Call(std::move(request), [self = shared_from_this(), keys](XeroResult r) {
    if (!r.ok()) {
      // No invoice was sent: whatever happened to the contacts, they retry.
      std::vector<std::size_t> jobs;
      for (const std::string& key : keys) {
        for (std::size_t j : self->InvoicesOf(key)) jobs.push_back(j);
      }
      self->FailAll(jobs, r, false);
      return self->SendAll();
    }
    if (!self->OnContactsCreated(keys, r)) return self->AttachContacts();
    // Created meanwhile, or archived-then-reused: look again.
    self->ctx_->cache.LoadContacts(
        self->connection_, /*force=*/true, [self](std::expected<void, XeroResult> loaded) {
          if (!loaded) {
            spdlog::warn("connection {}: {}", self->connection_, loaded.error().reason);
          }
          self->AttachContacts();
        });
  });
}

std::map<std::string, json> Batch::MissingContacts() {
  const ContactBook& book = ctx_->cache.Contacts(connection_);
  const MapContext ctx = Context();
  // Clients learnt since mapping get their contact (and its defaults).
  std::map<std::string, json> missing;
  for (Invoice& w : invoices_) {
    if (Decided(w.job) || Member(w.element["Contact"], "ContactID") != nullptr) continue;
    if (const Contact* c = book.Find(w.client)) {
      auto mapped =
          MapInvoice(w.doc, ctx, c, w.update ? jobs_[w.job].previous_xero_id : std::nullopt);
      if (!mapped) {
        Refuse(w.job, mapped.error().reason);
      } else {
        w.element = std::move(*mapped);
      }
      continue;
    }
    missing.emplace(FoldKey(w.client), NewContactFor(w.doc));
  }
  return missing;
}

bool Batch::OnContactsCreated(const std::vector<std::string>& keys, const XeroResult& r) {
  ContactBook& known = ctx_->cache.Contacts(connection_);
  const json* answered = Member(r.body, "Contacts");
  bool conflict = false;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const XeroElement* el = k < r.elements.size() ? &r.elements[k] : nullptr;
    const json* c =
        answered && answered->is_array() && k < answered->size() ? &(*answered)[k] : nullptr;
    if (el != nullptr && !el->ok) {
      if (AnyContains(el->errors, "already assigned to another contact")) {
        conflict = true;
        continue;
      }
      for (std::size_t job : InvoicesOf(keys[k])) {
        Refuse(job,
               fmt::format("Xero refused to create the contact for the client: {}",
                           Joined(el->errors)),
               &r);
      }
      continue;
    }
    std::string id = c ? Text(*c, "ContactID") : std::string();
    if (id.empty()) {
      XeroResult unknown = r;
      unknown.result_class = XeroResultClass::kTransient;
      unknown.reason = "Xero's answer to creating a contact has no ContactID";
      FailAll(InvoicesOf(keys[k]), unknown, false);
      continue;
    }
    ++ctx_->stats.contacts_created;
    known.Put(Contact{id, Text(*c, "Name"), true, "", {}});
  }
  return conflict;
}

void Batch::AttachContacts() {
  const ContactBook& known = ctx_->cache.Contacts(connection_);
  for (Invoice& w : invoices_) {
    if (Decided(w.job) || Member(w.element["Contact"], "ContactID") != nullptr) continue;
    if (const Contact* found = known.Find(w.client)) {
      w.element["Contact"] = json{{"ContactID", found->id}};
    } else {
      XeroResult none;
      none.result_class = XeroResultClass::kTransient;
      none.reason =
          fmt::format("the contact \"{}\" could not be created or found in Xero", w.client);
      FailAll({w.job}, none, false);
    }
  }
  SendAll();
}

std::vector<std::size_t> Batch::InvoicesOf(const std::string& key) const {
  std::vector<std::size_t> jobs;
  for (const Invoice& w : invoices_) {
    if (!Decided(w.job) && FoldKey(w.client) == key) jobs.push_back(w.job);
  }
  return jobs;
}

// ---- 5. The writes: one per kind, side by side -----------------------------

void Batch::SendAll() {
  auto follow_ups = [self = shared_from_this()] {
    auto done = self->Join(2, [self] { self->Finish(); });
    self->ResolveDuplicates(done);
    self->ResolveLocked(done);
  };
  auto next = Join(3, follow_ups);
  SendInvoices(/*update=*/false, next);
  SendInvoices(/*update=*/true, next);
  SendPayments(next);
}

void Batch::SendInvoices(bool update, std::function<void()> next) {
  std::vector<std::size_t> sent;  // invoice indexes, in request order
  json elements = json::array();
  for (std::size_t k = 0; k < invoices_.size(); ++k) {
    Invoice& w = invoices_[k];
    if (Decided(w.job) || w.update != update) continue;
    sent.push_back(k);
    elements.push_back(w.element);
  }
  if (sent.empty()) return next();
  XeroRequest request;
  request.method = update ? HttpMethod::kPost : HttpMethod::kPut;
  request.path = InvoicesPath("?summarizeErrors=false&unitdp=4");
  request.body = DumpExactJson(json{{"Invoices", std::move(elements)}});
  request.idempotency_key = ctx_->NewKey();
  Call(std::move(request), [self = shared_from_this(), sent, update, next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (std::size_t k : sent) jobs.push_back(self->invoices_[k].job);
    if (!r.ok()) {
      self->FailAll(jobs, r, /*write_sent=*/true);
      return next();
    }
    const json* answered = Member(r.body, "Invoices");
    const std::size_t n = answered && answered->is_array() ? answered->size() : 0;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      const Invoice& w = self->invoices_[sent[i]];
      const Job& job = self->jobs_[w.job];
      if (i >= n || i >= r.elements.size() || r.collection != "Invoices") {
        // Xero acted on the batch but did not say what became of this one.
        self->Decide(w.job, WithCall(JobOutcome::Unknown(
                                         job.id, fmt::format("Xero's answer lists {} invoices "
                                                             "for the {} sent",
                                                             n, sent.size())),
                                     r));
        continue;
      }
      const json& inv = (*answered)[i];
      const XeroElement& el = r.elements[i];
      if (!el.ok) {
        std::string number = Text(w.element, "InvoiceNumber");
        if (!update && !number.empty() && AnyContains(el.errors, kDuplicateNumber)) {
          self->duplicates_[number] = sent[i];
        } else if (update && SuggestsLocked(el.errors)) {
          self->locked_[*job.previous_xero_id] = sent[i];
          self->locked_errors_[sent[i]] = el.errors;
        } else {
          self->ElementError(w.job, el.errors, r);
        }
        continue;
      }
      std::string id = Text(inv, "InvoiceID");
      if (id.empty()) {
        self->Decide(
            w.job, WithCall(JobOutcome::Unknown(job.id, "Xero said OK but gave no InvoiceID"), r));
        continue;
      }
      JobOutcome o = JobOutcome::Succeeded(job.id, id, InvoiceLink(self->org_->organisation, id));
      if (!el.warnings.empty()) o.warning = Joined(el.warnings);
      ++self->ctx_->stats.invoices_copied;
      self->Decide(w.job, WithCall(std::move(o), r));
    }
    next();
  });
}

void Batch::SendPayments(std::function<void()> next) {
  std::vector<std::size_t> sent;  // payment indexes, in request order
  json elements = json::array();
  for (std::size_t k = 0; k < payments_.size(); ++k) {
    if (Decided(payments_[k].job)) continue;
    sent.push_back(k);
    elements.push_back(payments_[k].element);
  }
  if (sent.empty()) return next();
  XeroRequest request;
  request.method = HttpMethod::kPut;
  request.path = fmt::format("{}/Payments?summarizeErrors=false", kAccountingPath);
  request.body = DumpExactJson(json{{"Payments", std::move(elements)}});
  request.idempotency_key = ctx_->NewKey();
  Call(std::move(request), [self = shared_from_this(), sent, next](XeroResult r) {
    std::vector<std::size_t> jobs;
    for (std::size_t k : sent) jobs.push_back(self->payments_[k].job);
    if (!r.ok()) {
      self->FailAll(jobs, r, /*write_sent=*/true);
      return next();
    }
    const json* answered = Member(r.body, "Payments");
    const std::size_t n = answered && answered->is_array() ? answered->size() : 0;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      const Payment& p = self->payments_[sent[i]];
      const std::int64_t id = self->jobs_[p.job].id;
      if (i >= n || i >= r.elements.size() || r.collection != "Payments") {
        self->Decide(p.job, WithCall(JobOutcome::Unknown(
                                         id, fmt::format("Xero's answer lists {} payments for the "
                                                         "{} sent",
                                                         n, sent.size())),
                                     r));
        continue;
      }
      const XeroElement& el = r.elements[i];
      if (!el.ok) {
        // Overpayment, a draft or paid invoice: Xero's own words.
        self->Refuse(p.job, "Xero refused the payment: " + Joined(el.errors), &r);
        continue;
      }
      std::string payment_id = Text((*answered)[i], "PaymentID");
      if (payment_id.empty()) {
        self->Decide(p.job,
                     WithCall(JobOutcome::Unknown(id, "Xero said OK but gave no PaymentID"), r));
        continue;
      }
      JobOutcome o = JobOutcome::Succeeded(id, payment_id);
      if (!el.warnings.empty()) o.warning = Joined(el.warnings);
      ++self->ctx_->stats.payments_copied;
      self->Decide(p.job, WithCall(std::move(o), r));
    }
    next();
  });
}

}  // namespace xerod::copy
