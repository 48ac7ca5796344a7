// SPDX-License-Identifier: MIT
#include "copy/batch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "copy/batch_util.h"
#include "copy/mapper.h"
#include "xerod/document.h"
#include "xerod/json_read.h"

namespace xerod::copy {

using json_read::Collection;
using nlohmann::json;

SenderContext::SenderContext(boost::asio::io_context& io_context, XeroClient& xero_client, Clock& c,
                             CopyOptions o, CopySender::TenantFn tenant)
    : io(io_context),
      client(xero_client),
      clock(c),
      tenant_of(std::move(tenant)),
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
  if (ctx_->tenant_of) {
    if (auto tenant = ctx_->tenant_of(connection_)) ctx_->cache.Bind(connection_, *tenant);
  }
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
    if (jobs_[i].kind == DocumentType::kPayment) {
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
