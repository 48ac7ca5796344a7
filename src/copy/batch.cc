// SPDX-License-Identifier: MIT
#include "copy/batch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <cmath>
#include <ctime>

#include "copy/mapper.h"
#include "copy/xero_json.h"
#include "xerod/document.h"

namespace xerod::copy {
namespace {

using nlohmann::json;

constexpr std::string_view kDuplicateNumber = "must be unique";

std::string Invoices(std::string_view query) {
  return fmt::format("{}/Invoices{}", kAccountingPath, query);
}

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string QueryEscape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Joined(const std::vector<std::string>& messages) {
  return fmt::format("{}", fmt::join(messages, "; "));
}

bool AnyContains(const std::vector<std::string>& messages, std::string_view needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
    return FoldKey(m).find(FoldKey(needle)) != std::string::npos;
  });
}

// Xero refused something that rests on the organisation's data: the data xerod
// holds may be out of date (an account archived, a tax rate renamed...).
bool SuggestsStaleData(const std::vector<std::string>& errors) {
  for (std::string_view word : {"account code", "taxtype", "tax type", "tax rate", "currency",
                                "tracking", "item code", "contact"}) {
    if (AnyContains(errors, word)) return true;
  }
  return false;
}

// Update refused because Xero has the invoice locked (paid, voided, part paid).
bool SuggestsLocked(const std::vector<std::string>& errors) {
  return AnyContains(errors, "not of valid status for modification") ||
         AnyContains(errors, "cannot be edited as it has a payment");
}

// "/Date(1793491200000+0000)/" or "2026-11-20T00:00:00" -> "2026-11-20"; "" otherwise.
std::string DayOf(const std::string& xero_date) {
  if (xero_date.starts_with("/Date(")) {
    std::size_t end = 6;
    while (end < xero_date.size() && (std::isdigit(static_cast<unsigned char>(xero_date[end])) ||
                                      (end == 6 && xero_date[end] == '-'))) {
      ++end;
    }
    if (end == 6) return "";
    long long ms = std::strtoll(xero_date.c_str() + 6, nullptr, 10);
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }
  if (xero_date.size() >= 10 && xero_date[4] == '-' && xero_date[7] == '-') {
    return xero_date.substr(0, 10);
  }
  return "";
}

// A decimal text or JSON number in cents, for matching amounts only.
std::optional<long long> Cents(const json& value) {
  double d = 0;
  if (value.is_number()) {
    d = value.get<double>();
  } else if (value.is_string()) {
    try {
      d = std::stod(value.get<std::string>());
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return std::llround(d * 100.0);
}

JobOutcome WithCall(JobOutcome o, const XeroResult& r) {
  o.request_id = r.request_id;
  if (r.status != 0) o.http_status = r.status;
  return o;
}

}  // namespace

SenderContext::SenderContext(boost::asio::io_context& io_context, XeroClient& xero_client, Clock& c,
                             CopyOptions o)
    : io(io_context),
      client(xero_client),
      clock(c),
      options(o),
      cache(io_context, xero_client, c,
            OrgCacheOptions{.refresh_interval = o.org_refresh, .contacts_fresh = o.contacts_fresh}),
      rng(std::random_device{}()) {}

std::string SenderContext::NewKey() { return fmt::format("xerod-{:016x}{:016x}", rng(), rng()); }

Batch::Batch(std::shared_ptr<SenderContext> ctx, std::string connection,
             ConnectionSettings settings, std::vector<Job> jobs, Done done)
    : ctx_(std::move(ctx)),
      connection_(std::move(connection)),
      settings_(std::move(settings)),
      jobs_(std::move(jobs)),
      done_(std::move(done)),
      outcomes_(jobs_.size()) {}

void Batch::Start() {
  ++ctx_->in_flight;
  ++ctx_->stats.batches;
  ctx_->cache.Get(connection_,
                  [self = shared_from_this()](OrgLoaded loaded) { self->OnOrgData(loaded); });
}

// ---- Bookkeeping ----------------------------------------------------------

std::function<void()> Batch::Join(int n, std::function<void()> next) {
  auto left = std::make_shared<int>(n);
  return [left, next = std::move(next)] {
    if (--*left == 0) next();
  };
}

void Batch::Call(XeroRequest request, XeroCallback done) {
  ++ctx_->stats.calls;
  ctx_->client.Call(connection_, std::move(request), std::move(done));
}

MapContext Batch::Context() const { return MapContext{*org_, settings_, connection_}; }

void Batch::Decide(std::size_t job, JobOutcome outcome) {
  if (outcomes_[job]) return;  // the first word stands
  outcome.job_id = jobs_[job].id;
  outcomes_[job] = std::move(outcome);
}

void Batch::Refuse(std::size_t job, const std::string& reason, const XeroResult* r) {
  ++ctx_->stats.refused;
  JobOutcome o = JobOutcome::Permanent(jobs_[job].id, reason, r ? r->status : 0);
  if (r == nullptr) o.http_status.reset();
  Decide(job, r ? WithCall(std::move(o), *r) : std::move(o));
}

void Batch::FailAll(const std::vector<std::size_t>& jobs, const XeroResult& r, bool write_sent) {
  std::string why = r.reason;
  if (!r.messages.empty() && r.messages.front() != r.reason) {
    why += fmt::format(" ({})", Joined(r.messages));
  }
  for (std::size_t job : jobs) {
    if (Decided(job)) continue;
    const std::int64_t id = jobs_[job].id;
    std::optional<int> status;
    if (r.status != 0) status = r.status;
    switch (r.result_class) {
      case XeroResultClass::kUnknown:
        if (write_sent) {
          Decide(job, WithCall(JobOutcome::Unknown(id, why), r));
          break;
        }
        [[fallthrough]];
      case XeroResultClass::kOk:  // a step's own check failed on a good answer
      case XeroResultClass::kTransient:
        Decide(job, WithCall(JobOutcome::Transient(id, why, status, r.retry_after), r));
        break;
      case XeroResultClass::kConnection:
        Decide(job, WithCall(JobOutcome::ConnectionLevel(id, why, status), r));
        break;
      case XeroResultClass::kPermanent:
        Refuse(job, why, &r);
        break;
    }
  }
}

void Batch::ElementError(std::size_t job, const std::vector<std::string>& errors,
                         const XeroResult& r) {
  const std::string messages = errors.empty() ? std::string("no reason given") : Joined(errors);
  const bool aged = ctx_->clock.Now() - ctx_->cache.LoadedAt(connection_) > ctx_->options.org_fresh;
  if (SuggestsStaleData(errors) && aged) {
    ctx_->cache.Invalidate(connection_);
    Decide(job, WithCall(JobOutcome::Transient(
                             jobs_[job].id,
                             messages + " (what xerod knows of the organisation may be out of "
                                        "date: it is reloaded before the next try)",
                             r.status),
                         r));
    return;
  }
  Refuse(job, "Xero refused it: " + messages, &r);
}

const json* Batch::Found(XeroResult& r, const std::vector<std::size_t>& jobs,
                         std::string_view what) {
  if (!r.ok()) {
    FailAll(jobs, r, false);  // a read: nothing was changed in Xero
    return nullptr;
  }
  auto found = Collection(r.body, "Invoices");
  if (!found) {
    r.result_class = XeroResultClass::kTransient;
    r.reason = fmt::format("{}: {}", what, found.error().message());
    FailAll(jobs, r, false);
    return nullptr;
  }
  return *found;
}

Duration Batch::PaymentWait(const Job& job) const {
  Duration age = std::max(ctx_->clock.Now() - job.created_at, Duration(0));
  return std::clamp(age / 2, ctx_->options.payment_wait_min, ctx_->options.payment_wait_max);
}

// ---- 1. The organisation's data, then each job's document ------------------

void Batch::OnOrgData(OrgLoaded loaded) {
  if (!loaded) {
    std::vector<std::size_t> all;
    for (std::size_t i = 0; i < jobs_.size(); ++i) all.push_back(i);
    FailAll(all, loaded.error(), false);
    return Finish();
  }
  org_ = *loaded;
  Prepare();
}

void Batch::Prepare() {
  invoices_.clear();
  payments_.clear();
  bool unknown_client = false;
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (Decided(i)) continue;
    if (jobs_[i].kind == JobKind::kPayment) {
      PreparePayment(i);
      continue;
    }
    json doc = json::parse(jobs_[i].payload, nullptr, false);
    if (!doc.is_object()) {
      Refuse(i, "the stored document is not a JSON object (the database is damaged?)");
      continue;
    }
    Invoice w;
    w.job = i;
    w.client = NewContactFor(doc)["Name"].get<std::string>();
    w.update = jobs_[i].operation == JobOperation::kUpdate && jobs_[i].previous_xero_id;
    w.doc = std::move(doc);
    if (ctx_->cache.Contacts(connection_).Find(w.client) == nullptr) unknown_client = true;
    invoices_.push_back(std::move(w));
  }
  if (!unknown_client) return MapAll();
  // A client xerod has not seen: look at Xero's contacts first (all of them
  // the first time, then what changed), so an existing contact is reused.
  ctx_->cache.LoadContacts(connection_, /*force=*/false,
                           [self = shared_from_this()](std::expected<void, XeroResult> loaded) {
                             if (!loaded) {
                               std::vector<std::size_t> jobs;
                               for (const Invoice& w : self->invoices_) jobs.push_back(w.job);
                               self->FailAll(jobs, loaded.error(), false);
                             }
                             self->MapAll();
                           });
}

void Batch::PreparePayment(std::size_t i) {
  const Job& job = jobs_[i];
  if (job.operation == JobOperation::kUpdate) {
    JobOutcome o = JobOutcome::Succeeded(job.id, job.previous_xero_id.value_or(""));
    o.warning =
        "the payment changed after it was copied, and Xero does not allow payments to be "
        "edited: the change was not copied (delete the payment in Xero and record it again if "
        "it must change)";
    return Decide(i, std::move(o));
  }
  if (!settings_.copy_payments) {
    return Decide(
        i, JobOutcome::Skipped(job.id, fmt::format("payments are not copied for connection {} "
                                                   "(connections.{}.copy_payments is false)",
                                                   connection_, connection_)));
  }
  json doc = json::parse(job.payload, nullptr, false);
  if (!doc.is_object()) {
    return Refuse(i, "the stored document is not a JSON object (the database is damaged?)");
  }
  if (!job.dependency) {
    return Refuse(i, fmt::format("the payment names no invoice the queue knows (it was queued by "
                                 "an older xerod): enqueue payment {} again",
                                 job.source_id));
  }
  const JobDependency& dep = *job.dependency;
  if (dep.pending_job) {
    return Decide(
        i, JobOutcome::Waiting(job.id,
                               fmt::format("waiting for invoice {} to be copied first (its job {} "
                                           "is {})",
                                           dep.source_id, *dep.pending_job,
                                           ToString(dep.pending_state.value_or(JobState::kQueued))),
                               PaymentWait(job)));
  }
  if (!dep.xero_id || dep.xero_id->empty()) {
    return Decide(i, JobOutcome::Waiting(
                         job.id,
                         fmt::format("waiting for invoice {}: it has not been copied to Xero yet",
                                     dep.source_id),
                         PaymentWait(job)));
  }
  payments_.push_back(Payment{i, std::move(doc), json(), *dep.xero_id});
}

// ---- 2. Mapping: refusals before any call ---------------------------------

void Batch::MapAll() {
  const MapContext ctx = Context();
  const bool aged = ctx_->clock.Now() - ctx_->cache.LoadedAt(connection_) > ctx_->options.org_fresh;
  bool reload = false;
  auto refused = [&](std::size_t job, const Refusal& r) {
    if (r.org_data && aged && !reloaded_) {
      reload = true;  // decided after a second look with fresh data
    } else {
      Refuse(job, r.reason);
    }
  };
  ContactBook& book = ctx_->cache.Contacts(connection_);
  for (Invoice& w : invoices_) {
    if (Decided(w.job)) continue;
    const Job& job = jobs_[w.job];
    auto mapped =
        MapInvoice(w.doc, ctx, book.Find(w.client), w.update ? job.previous_xero_id : std::nullopt);
    if (!mapped) {
      refused(w.job, mapped.error());
    } else {
      w.element = std::move(*mapped);
    }
  }
  for (Payment& p : payments_) {
    if (Decided(p.job)) continue;
    auto mapped = MapPayment(p.doc, ctx, p.invoice_id);
    if (!mapped) {
      refused(p.job, mapped.error());
    } else {
      p.element = std::move(*mapped);
    }
  }
  if (reload) {
    reloaded_ = true;
    ctx_->cache.Invalidate(connection_);
    ctx_->cache.Get(connection_,
                    [self = shared_from_this()](OrgLoaded loaded) { self->OnOrgData(loaded); });
    return;
  }
  Reconcile();
}

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
      Invoices(fmt::format("?InvoiceNumbers={}&createdByMyApp=true", fmt::join(numbers, ",")));
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
  request.path = Invoices(fmt::format("?IDs={}", fmt::join(ids, ",")));
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

// ---- 4. Contacts: reuse by name, create the missing ones once ---------------

void Batch::CreateContacts() {
  ContactBook& book = ctx_->cache.Contacts(connection_);
  const MapContext ctx = Context();
  // Clients learnt since mapping get their contact (and its defaults).
  std::map<std::string, json> missing;  // FoldKey(name) -> contact to create
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
    auto invoices_of = [&](const std::string& key) {
      std::vector<std::size_t> jobs;
      for (const Invoice& w : self->invoices_) {
        if (!self->Decided(w.job) && FoldKey(w.client) == key) jobs.push_back(w.job);
      }
      return jobs;
    };
    auto all = [&] {
      std::vector<std::size_t> jobs;
      for (const std::string& key : keys) {
        for (std::size_t j : invoices_of(key)) jobs.push_back(j);
      }
      return jobs;
    };
    if (!r.ok()) {
      // No invoice was sent: whatever happened to the contacts, they retry.
      self->FailAll(all(), r, false);
      return self->SendAll();
    }
    ContactBook& known = self->ctx_->cache.Contacts(self->connection_);
    const json* answered = Member(r.body, "Contacts");
    bool conflict = false;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const XeroElement* el = k < r.elements.size() ? &r.elements[k] : nullptr;
      const json* c =
          answered && answered->is_array() && k < answered->size() ? &(*answered)[k] : nullptr;
      if (el != nullptr && !el->ok) {
        if (AnyContains(el->errors, "already assigned to another contact")) {
          conflict = true;  // created meanwhile, or archived-then-reused: look again
          continue;
        }
        for (std::size_t job : invoices_of(keys[k])) {
          self->Refuse(job,
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
        self->FailAll(invoices_of(keys[k]), unknown, false);
        continue;
      }
      ++self->ctx_->stats.contacts_created;
      known.Put(Contact{id, Text(*c, "Name"), true, "", {}});
    }
    auto finish = [self] {
      // Every invoice whose client now has a contact gets its ContactID.
      ContactBook& now_known = self->ctx_->cache.Contacts(self->connection_);
      for (Invoice& w : self->invoices_) {
        if (self->Decided(w.job) || Member(w.element["Contact"], "ContactID") != nullptr) continue;
        if (const Contact* found = now_known.Find(w.client)) {
          w.element["Contact"] = json{{"ContactID", found->id}};
        } else {
          XeroResult none;
          none.result_class = XeroResultClass::kTransient;
          none.reason =
              fmt::format("the contact \"{}\" could not be created or found in Xero", w.client);
          self->FailAll({w.job}, none, false);
        }
      }
      self->SendAll();
    };
    if (!conflict) return finish();
    self->ctx_->cache.LoadContacts(
        self->connection_, /*force=*/true, [self, finish](std::expected<void, XeroResult> loaded) {
          if (!loaded) {
            spdlog::warn("connection {}: {}", self->connection_, loaded.error().reason);
          }
          finish();
        });
  });
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
  request.path = Invoices("?summarizeErrors=false&unitdp=4");
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
      Invoices(fmt::format("?InvoiceNumbers={}&createdByMyApp=true", fmt::join(numbers, ",")));
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
  request.path = Invoices(fmt::format("?IDs={}", fmt::join(ids, ",")));
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

// ---- 7. Done --------------------------------------------------------------

// One line per batch: at debug when everything was copied, at info when some
// jobs must be retried or wait, at warning when some cannot be copied (each
// refusal named: the sysadmin's starting point).
void Batch::LogSummary() const {
  int copied = 0, retry = 0, wait = 0, skipped = 0, dead = 0, unknown = 0, parked = 0;
  std::string first_retry;
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (!outcomes_[i]) continue;
    const JobOutcome& o = *outcomes_[i];
    switch (o.kind) {
      case OutcomeKind::kSucceeded:
      case OutcomeKind::kReconciledFound:
        ++copied;
        break;
      case OutcomeKind::kReconciledNotFound:
      case OutcomeKind::kTransient:
        if (first_retry.empty()) first_retry = o.messages;
        ++retry;
        break;
      case OutcomeKind::kUnknown:
        if (first_retry.empty()) first_retry = o.messages;
        ++unknown;
        break;
      case OutcomeKind::kConnection:
        if (first_retry.empty()) first_retry = o.messages;
        ++parked;
        break;
      case OutcomeKind::kWaiting:
        ++wait;
        break;
      case OutcomeKind::kSkipped:
        ++skipped;
        break;
      case OutcomeKind::kPermanent:
        ++dead;
        spdlog::warn("connection {}: {} {} (job {}) cannot be copied: {}", connection_,
                     ToString(jobs_[i].kind), jobs_[i].source_id, jobs_[i].id, o.messages);
        break;
    }
  }
  const auto level =
      dead > 0 ? spdlog::level::warn
               : (retry + unknown + parked > 0 ? spdlog::level::info : spdlog::level::debug);
  spdlog::log(level,
              "connection {}: batch of {}: {} copied, {} refused, {} to retry, {} to look up, {} "
              "parked, {} waiting, {} skipped{}",
              connection_, jobs_.size(), copied, dead, retry, unknown, parked, wait, skipped,
              first_retry.empty() ? std::string() : " (" + first_retry + ")");
}

void Batch::Finish() {
  LogSummary();
  std::vector<JobOutcome> out;
  out.reserve(jobs_.size());
  for (std::size_t i = 0; i < jobs_.size(); ++i) {
    if (outcomes_[i]) {
      out.push_back(std::move(*outcomes_[i]));
    } else {
      // Every path decides; if one did not, the job is looked up next time.
      spdlog::error("connection {}: job {} got no outcome (a bug); it will be looked up in Xero",
                    connection_, jobs_[i].id);
      out.push_back(JobOutcome::Unknown(jobs_[i].id, "no outcome was recorded for this attempt"));
    }
  }
  --ctx_->in_flight;
  auto done = std::move(done_);
  done(std::move(out));
}

}  // namespace xerod::copy
