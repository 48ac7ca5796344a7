// SPDX-License-Identifier: MIT
//
// Batch: one CopySender::Send(), from the claimed jobs to one outcome per job
// (the steps are listed in xerod/copy_sender.h). Private to src/copy/.
//
// A batch is a chain of steps on the io_context; each step makes at most a
// few Xero calls side by side and continues when they have all answered. A
// job leaves the chain as soon as its outcome is known.
//
// Thread-safety: io_context thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "copy/mapper.h"
#include "copy/org_cache.h"
#include "xerod/config.h"
#include "xerod/copy_sender.h"
#include "xerod/job.h"
#include "xerod/xero_client.h"

namespace xerod::copy {

// What all batches share (owned by CopySender).
struct SenderContext {
  SenderContext(boost::asio::io_context& io, XeroClient& client, Clock& clock, CopyOptions options,
                CopySender::TenantFn tenant_of);
  boost::asio::io_context& io;
  XeroClient& client;
  Clock& clock;
  CopySender::TenantFn tenant_of;  // may be empty
  CopyOptions options;
  OrgCache cache;
  CopyStats stats;
  std::size_t in_flight = 0;
  std::mt19937_64 rng;  // Idempotency-Keys

  // A fresh Idempotency-Key (Xero: at most 128 characters, scoped per app).
  std::string NewKey();
};

class Batch : public std::enable_shared_from_this<Batch> {
 public:
  using Done = std::function<void(std::vector<JobOutcome>)>;
  Batch(std::shared_ptr<SenderContext> ctx, std::string connection, ConnectionSettings settings,
        std::vector<Job> jobs, Done done);
  void Start();

 private:
  // An invoice on its way: its job, its document and the element for Xero.
  struct Invoice {
    std::size_t job = 0;
    nlohmann::json doc;
    nlohmann::json element;
    std::string client;  // the client's name (a contact to find or create)
    bool update = false;
  };
  struct Payment {
    std::size_t job = 0;
    nlohmann::json doc;
    nlohmann::json element;
    std::string invoice_id;  // Xero's InvoiceID it pays
  };

  void OnOrgData(OrgLoaded loaded);
  void Prepare();
  void PreparePayment(std::size_t i);
  void MapAll();
  void Reconcile();
  void ReconcileInvoices(std::function<void()> next);
  void ReconcilePayments(std::function<void()> next);
  void CreateContacts();
  // Maps again the invoices whose client is now known; returns the contacts
  // to create for the others, by FoldKey(name).
  std::map<std::string, nlohmann::json> MissingContacts();
  // Records Xero's answer to creating the contacts of `keys` (in order);
  // returns whether one was refused as a duplicate name (contacts to reload).
  bool OnContactsCreated(const std::vector<std::string>& keys, const XeroResult& r);
  // Gives each invoice its client's ContactID, or fails it, then SendAll().
  void AttachContacts();
  // The undecided invoice jobs whose client folds to `key`.
  std::vector<std::size_t> InvoicesOf(const std::string& key) const;
  void SendAll();
  void SendInvoices(bool update, std::function<void()> next);
  void SendPayments(std::function<void()> next);
  void ResolveDuplicates(std::function<void()> next);
  void ResolveLocked(std::function<void()> next);
  void Finish();
  void LogSummary() const;

  // Continues with `next` once `n` calls started by a step have answered.
  std::function<void()> Join(int n, std::function<void()> next);
  void Call(XeroRequest request, XeroCallback done);

  bool Decided(std::size_t job) const { return outcomes_[job].has_value(); }
  void Decide(std::size_t job, JobOutcome outcome);
  // Every job of `ids` not decided yet gets the outcome of a failed call.
  void FailAll(const std::vector<std::size_t>& jobs, const XeroResult& r, bool write_sent);
  // A refusal before any call, or by Xero: dead with the reason.
  void Refuse(std::size_t job, const std::string& reason, const XeroResult* r = nullptr);
  // Xero refused an element with these messages: permanent, or transient once
  // the organisation's data is reloaded when the messages suggest it is stale.
  void ElementError(std::size_t job, const std::vector<std::string>& errors, const XeroResult& r);
  // The Invoices of a lookup's answer; null after failing `jobs` (transient)
  // when the lookup failed or its answer is unusable.
  const nlohmann::json* Found(XeroResult& r, const std::vector<std::size_t>& jobs,
                              std::string_view what);
  MapContext Context() const;
  Duration PaymentWait(const Job& job) const;

  std::shared_ptr<SenderContext> ctx_;
  std::string connection_;
  ConnectionSettings settings_;
  std::vector<Job> jobs_;
  Done done_;
  std::vector<std::optional<JobOutcome>> outcomes_;
  OrgDataPtr org_;
  bool reloaded_ = false;  // the organisation's data was reloaded for this batch

  std::vector<Invoice> invoices_;
  std::vector<Payment> payments_;
  // Creates answered "Invoice # must be unique.": number -> invoice index.
  std::map<std::string, std::size_t> duplicates_;
  // Updates Xero refused as "not of valid status": InvoiceID -> invoice index.
  std::map<std::string, std::size_t> locked_;
  std::map<std::size_t, std::vector<std::string>> locked_errors_;
};

}  // namespace xerod::copy
