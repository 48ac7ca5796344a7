// SPDX-License-Identifier: MIT
// JobStore: enqueue (dedupe), claim, and recording outcomes.
#include "queue/job_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "queue/backoff.h"
#include "xerod/sha256.h"

namespace xerod::queue {

const char* const kJobColumns =
    "id, connection, kind, source_id, operation, previous_xero_id, payload, content_hash, state, "
    "needs_reconcile, attempts, max_attempts, next_run_at, last_error, xero_id, xero_link, "
    "warning, pending_hash IS NOT NULL, created_at, updated_at, finished_at, depends_on";

Job ReadJob(const store::Statement& row, bool with_payload) {
  Job j;
  j.id = row.Int(0);
  j.connection = row.Text(1);
  j.kind = ParseDocumentType(row.Text(2)).value_or(DocumentType::kInvoice);
  j.source_id = row.Text(3);
  j.operation = row.Text(4) == "update" ? JobOperation::kUpdate : JobOperation::kCreate;
  j.previous_xero_id = row.OptText(5);
  if (with_payload) j.payload = row.Text(6);
  j.content_hash = row.Text(7);
  j.state = ParseJobState(row.Text(8)).value_or(JobState::kUnknown);
  j.needs_reconcile = row.Int(9) != 0;
  j.attempts = static_cast<int>(row.Int(10));
  j.max_attempts = static_cast<int>(row.Int(11));
  j.next_run_at = FromUnixMillis(row.Int(12));
  j.last_error = row.OptText(13);
  j.xero_id = row.OptText(14);
  j.xero_link = row.OptText(15);
  j.warning = row.OptText(16);
  j.has_newer_content = row.Int(17) != 0;
  j.created_at = FromUnixMillis(row.Int(18));
  j.updated_at = FromUnixMillis(row.Int(19));
  if (auto f = row.OptInt(20)) j.finished_at = FromUnixMillis(*f);
  j.depends_on = row.OptText(21);
  return j;
}

namespace {

constexpr std::string_view kReadyStates = "state IN ('queued', 'retrying', 'unknown')";
constexpr std::string_view kPendingStates = "state IN ('queued', 'running', 'retrying', 'unknown')";

}  // namespace

const std::string& NextDueSql() {
  static const std::string sql = fmt::format(
      "SELECT next_run_at FROM jobs WHERE connection = ?1 AND {} ORDER BY next_run_at, id LIMIT 1",
      kReadyStates);
  return sql;
}
// The document's unfinished job (at most one: jobs_pending_key is unique).
const std::string& PendingOfDocumentSql() {
  static const std::string sql = fmt::format(
      "SELECT id, state, content_hash, pending_hash, needs_reconcile FROM jobs WHERE "
      "connection = ?1 AND "
      "kind = ?2 AND source_id = ?3 AND {}",
      kPendingStates);
  return sql;
}
// The document's settled jobs, newest first (jobs_done_key): its successes
// (the newest one's Xero id is what a changed document updates) and the jobs
// that ended dead or cancelled without their outcome being learnt (it may be
// in Xero). The WHERE term is the index's own, so SQLite may use the index.
const char* DocumentHistorySql() {
  return "SELECT id, state, content_hash, xero_id FROM jobs WHERE connection = ?1 AND kind = ?2 "
         "AND source_id = ?3 AND (state = 'succeeded' OR (needs_reconcile = 1 AND "
         "(state = 'dead' OR state = 'cancelled'))) ORDER BY id DESC";
}
// Payments waiting for an invoice, made due now (jobs_waiting).
const char* WakeDependentsSql() {
  // INDEXED BY: left alone the planner prefers jobs_ready's (connection,
  // next_run_at) range, which holds every job of the connection waiting to run.
  return "UPDATE jobs INDEXED BY jobs_waiting SET next_run_at = ?3, updated_at = ?3 WHERE "
         "connection = ?1 AND depends_on = ?2 AND state = 'queued' AND next_run_at > ?3 "
         "RETURNING id, kind, source_id";
}
const std::string& ReadySql() {
  static const std::string sql = fmt::format(
      "SELECT id FROM jobs WHERE connection = ?1 AND {} AND next_run_at <= ?2 "
      "ORDER BY next_run_at, id LIMIT ?3",
      kReadyStates);
  return sql;
}
const std::string& CountsSql(bool by_connection) {
  // One row, a column per state in JobState order; each an index range named
  // by a literal state (partial indexes are matched on constants): queued
  // jobs are counted in jobs_ready, the others in jobs_state.
  auto build = [](std::string_view connection_term) {
    std::string sql = "SELECT ";
    for (int s = 0; s <= static_cast<int>(JobState::kUnknown); ++s) {
      sql += fmt::format("{}(SELECT count(*) FROM jobs WHERE state = '{}'{})", s == 0 ? "" : ", ",
                         ToString(static_cast<JobState>(s)), connection_term);
    }
    return sql;
  };
  static const std::string all = build("");
  static const std::string one = build(" AND connection = ?1");
  return by_connection ? one : all;
}

namespace {

const std::string& ClaimSql() {
  static const std::string sql = fmt::format(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
      "needs_reconcile = (needs_reconcile OR state = 'unknown'), updated_at = ?2 "
      "WHERE id = ?1 RETURNING {}",
      kJobColumns);
  return sql;
}
const std::string& LoadJobSql(bool with_payload) {
  static const std::string full = fmt::format("SELECT {} FROM jobs WHERE id = ?1", kJobColumns);
  // Same columns with NULL for the payload (ReadJob reads columns by position).
  static const std::string lite = [] {
    std::string cols = kJobColumns;
    cols.replace(cols.find(" payload,"), 9, " NULL,");
    return fmt::format("SELECT {} FROM jobs WHERE id = ?1", cols);
  }();
  return with_payload ? full : lite;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

void CountEnqueued(EnqueueOutcome outcome, QueueCounters& counters) {
  switch (outcome) {
    case EnqueueOutcome::kCreated:
      ++counters.created;
      break;
    case EnqueueOutcome::kUnchanged:
      ++counters.unchanged;
      break;
    case EnqueueOutcome::kReplaced:
      ++counters.replaced;
      break;
    case EnqueueOutcome::kUpdateCreated:
      ++counters.update_created;
      break;
    case EnqueueOutcome::kDeferred:
      ++counters.deferred;
      break;
  }
}

}  // namespace

JobStore::JobStore(store::Db& db, const QueueConfig& config, Clock& clock, std::uint64_t seed)
    : db_(db), config_(config), clock_(clock), rng_(seed) {}

Result<JobStore::Use> JobStore::Statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto stmt = db_.Prepare(sql);
    if (!stmt) return Fail(stmt.error());
    it = statements_.emplace(std::string(sql), std::move(*stmt)).first;
  }
  // Already reset: every use is a Use, which resets (and unbinds) when it ends.
  return Use(&it->second);
}

void JobStore::Emit(Events& events, const Job& job, JobState state, TimePoint next_run_at,
                    std::string error) {
  events.jobs.push_back(JobStateChange{job.id, job.connection, job.kind, job.source_id, state,
                                       next_run_at, std::move(error)});
}

Result<std::int64_t> JobStore::InsertJob(const NewJob& job, const std::string& hash,
                                         JobOperation op,
                                         const std::optional<std::string>& previous_xero_id,
                                         bool needs_reconcile, Events& events) {
  auto prepared = Statement(
      "INSERT INTO jobs (connection, kind, source_id, operation, previous_xero_id, "
      "payload, content_hash, state, max_attempts, next_run_at, created_at, updated_at, "
      "needs_reconcile, depends_on) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?9, ?9, ?10, ?11)");
  if (!prepared) return Fail(prepared.error());
  Use& ins = *prepared;
  const TimePoint now = clock_.Now();
  // Not copied: `job`, `hash` and the ToString() tables outlive this statement's use.
  ins->BindNoCopy(1, job.connection)
      .BindNoCopy(2, ToString(job.kind))
      .BindNoCopy(3, job.source_id)
      .BindNoCopy(4, ToString(op))
      .Bind(5, previous_xero_id)
      .BindNoCopy(6, job.payload)
      .BindNoCopy(7, hash)
      .Bind(8, std::max(config_.max_attempts, 1))
      .Bind(9, ToUnixMillis(now))
      .Bind(10, needs_reconcile ? 1 : 0);
  if (job.depends_on.empty()) {
    ins->BindNull(11);
  } else {
    ins->BindNoCopy(11, job.depends_on);
    dependents_ = true;
  }
  if (auto s = ins->Run(); !s) return Fail(s.error());
  const std::int64_t id = db_.LastInsertId();
  events.jobs.push_back(
      JobStateChange{id, job.connection, job.kind, job.source_id, JobState::kQueued, now, {}});
  return id;
}

Result<std::vector<EnqueueResult>> JobStore::Enqueue(const std::vector<NewJob>& jobs,
                                                     Events& events) {
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const NewJob& j = jobs[i];
    if (j.connection.empty() || j.source_id.empty() || j.payload.empty()) {
      return Fail(Code::kInvalidArgument,
                  fmt::format("document #{}: connection, id and payload must not be empty", i + 1));
    }
  }
  std::vector<EnqueueResult> results;
  results.reserve(jobs.size());
  events.jobs.reserve(events.jobs.size() + jobs.size());
  const std::int64_t now = ToUnixMillis(clock_.Now());
  for (const NewJob& j : jobs) {
    auto result = EnqueueOne(j, now, events);
    if (!result) return Fail(result.error());
    CountEnqueued(result->outcome, events.counters);
    results.push_back(*result);
  }
  return results;
}

Result<EnqueueResult> JobStore::EnqueueOne(const NewJob& j, std::int64_t now, Events& events) {
  auto hash = Sha256Hex(j.payload);
  if (!hash) return Fail(hash.error());
  // What dedupe needs of the document's history: its unfinished job, if any
  // (jobs_pending_key, unique), else its settled jobs (jobs_done_key: the
  // newest success, unresolved ends). One index seek, two without an
  // unfinished job; a new document finds nothing in either.
  auto unfinished = FindUnfinished(j);
  if (!unfinished) return Fail(unfinished.error());
  DocumentHistory history;
  if (!*unfinished) {
    auto read = History(j.connection, j.kind, j.source_id);
    if (!read) return Fail(read.error());
    history = std::move(*read);
  }
  const EnqueueDecision d = DecideEnqueue(FactsOf(*hash, *unfinished, history));
  switch (d.action) {
    case EnqueueAction::kKeepUnfinished:
      return EnqueueResult{d.outcome, (*unfinished)->id};
    case EnqueueAction::kKeepCopy:
      return EnqueueResult{d.outcome, history.succeeded_id};
    case EnqueueAction::kReplaceContent:
    case EnqueueAction::kSetNewerContent:
    case EnqueueAction::kClearNewerContent:
      if (auto s = UpdateUnfinished(d.action, (*unfinished)->id, j, *hash, now); !s)
        return Fail(s.error());
      return EnqueueResult{d.outcome, (*unfinished)->id};
    case EnqueueAction::kInsertUpdate:
    case EnqueueAction::kInsertCreate:
      break;
  }
  auto id =
      d.action == EnqueueAction::kInsertUpdate
          ? InsertJob(j, *hash, JobOperation::kUpdate, history.xero_id, false, events)
          : InsertJob(j, *hash, JobOperation::kCreate, std::nullopt, d.needs_reconcile, events);
  if (!id) return Fail(id.error());
  return EnqueueResult{d.outcome, *id};
}

Result<std::optional<JobStore::Unfinished>> JobStore::FindUnfinished(const NewJob& j) {
  auto prepared = Statement(PendingOfDocumentSql());
  if (!prepared) return Fail(prepared.error());
  Use& find = *prepared;
  find->BindNoCopy(1, j.connection).BindNoCopy(2, ToString(j.kind)).BindNoCopy(3, j.source_id);
  auto row = find->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<Unfinished>();
  return Unfinished{find->Int(0), ParseJobState(find->Text(1)).value_or(JobState::kQueued),
                    find->Text(2), find->OptText(3), find->Int(4) != 0};
}

EnqueueFacts JobStore::FactsOf(const std::string& hash, const std::optional<Unfinished>& unfinished,
                               const DocumentHistory& history) {
  EnqueueFacts facts;
  facts.hash = hash;
  if (unfinished) {
    facts.unfinished.emplace();
    facts.unfinished->state = unfinished->state;
    facts.unfinished->content_hash = unfinished->content_hash;
    if (unfinished->newer_hash) facts.unfinished->newer_hash = *unfinished->newer_hash;
    facts.unfinished->needs_reconcile = unfinished->needs_reconcile;
  }
  if (history.succeeded_id != 0) facts.copied_hash = history.succeeded_hash;
  facts.unresolved = history.unresolved;
  return facts;
}

Status JobStore::UpdateUnfinished(EnqueueAction action, std::int64_t id, const NewJob& j,
                                  const std::string& hash, std::int64_t now) {
  if (action == EnqueueAction::kReplaceContent) {
    auto prepared =
        Statement("UPDATE jobs SET payload = ?2, content_hash = ?3, updated_at = ?4 WHERE id = ?1");
    if (!prepared) return Fail(prepared.error());
    Use& upd = *prepared;
    upd->Bind(1, id).Bind(2, j.payload).Bind(3, hash).Bind(4, now);
    return upd->Run();
  }
  auto prepared = Statement(
      "UPDATE jobs SET pending_payload = ?2, pending_hash = ?3, updated_at = ?4 "
      "WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& upd = *prepared;
  upd->Bind(1, id).Bind(4, now);
  if (action == EnqueueAction::kClearNewerContent) {
    upd->BindNull(2).BindNull(3);
  } else {
    upd->Bind(2, j.payload).Bind(3, hash);
  }
  return upd->Run();
}

Result<JobStore::DocumentHistory> JobStore::History(const std::string& connection,
                                                    DocumentType kind,
                                                    const std::string& source_id) {
  auto prepared = Statement(DocumentHistorySql());
  if (!prepared) return Fail(prepared.error());
  Use& find = *prepared;
  find->BindNoCopy(1, connection).BindNoCopy(2, ToString(kind)).BindNoCopy(3, source_id);
  DocumentHistory h;
  // Newest first: unresolved ends after the newest success, then that success.
  // A new document finds nothing: one seek.
  while (true) {
    auto row = find->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    if (find->Text(1) != ToString(JobState::kSucceeded)) {
      h.unresolved = true;
      continue;
    }
    h.succeeded_id = find->Int(0);
    h.succeeded_hash = find->Text(2);
    h.xero_id = find->OptText(3);
    break;
  }
  return h;
}

Result<JobDependency> JobStore::Dependency(const std::string& connection,
                                           const std::string& invoice_id) {
  JobDependency d;
  d.source_id = invoice_id;
  {
    auto prepared = Statement(PendingOfDocumentSql());
    if (!prepared) return Fail(prepared.error());
    Use& find = *prepared;
    find->BindNoCopy(1, connection)
        .BindNoCopy(2, ToString(DocumentType::kInvoice))
        .BindNoCopy(3, invoice_id);
    auto row = find->Step();
    if (!row) return Fail(row.error());
    if (*row) {
      d.pending_job = find->Int(0);
      d.pending_state = ParseJobState(find->Text(1)).value_or(JobState::kQueued);
    }
  }
  auto history = History(connection, DocumentType::kInvoice, invoice_id);
  if (!history) return Fail(history.error());
  d.xero_id = std::move(history->xero_id);
  return d;
}

Result<bool> JobStore::MayHaveDependents() {
  if (!dependents_) {
    auto prepared =
        Statement("SELECT 1 FROM jobs INDEXED BY jobs_waiting WHERE depends_on IS NOT NULL");
    if (!prepared) return Fail(prepared.error());
    Use& any = *prepared;
    auto row = any->Step();
    if (!row) return Fail(row.error());
    dependents_ = *row;
  }
  return *dependents_;
}

Status JobStore::WakeDependents(const Job& invoice, TimePoint now, Events& events) {
  auto may = MayHaveDependents();
  if (!may) return Fail(may.error());
  if (!*may) return Ok();
  auto prepared = Statement(WakeDependentsSql());
  if (!prepared) return Fail(prepared.error());
  Use& wake = *prepared;
  wake->BindNoCopy(1, invoice.connection)
      .BindNoCopy(2, invoice.source_id)
      .Bind(3, ToUnixMillis(now));
  while (true) {
    auto row = wake->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    events.jobs.push_back(
        JobStateChange{wake->Int(0),
                       invoice.connection,
                       ParseDocumentType(wake->Text(1)).value_or(DocumentType::kPayment),
                       wake->Text(2),
                       JobState::kQueued,
                       now,
                       {}});
  }
  return Ok();
}

Result<std::optional<TimePoint>> JobStore::NextDue(const std::string& connection) {
  auto prepared = Statement(NextDueSql());
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, connection);
  auto row = q->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<TimePoint>();
  return std::optional<TimePoint>(FromUnixMillis(q->Int(0)));
}

Result<ClaimedBatch> JobStore::Claim(const std::string& connection, int max, Events& events) {
  ClaimedBatch batch;
  const std::int64_t now = ToUnixMillis(clock_.Now());
  {
    auto prepared = Statement(
        "SELECT count(*) FROM queue_holds WHERE scope IN ('*', ?1) AND "
        "(paused = 1 OR parked = 1)");
    if (!prepared) return Fail(prepared.error());
    Use& held = *prepared;
    held->Bind(1, connection);
    auto row = held->Step();
    if (!row) return Fail(row.error());
    batch.held = held->Int(0) > 0;
  }
  if (!batch.held && max > 0) {
    std::vector<std::int64_t> ids;
    {
      auto prepared = Statement(ReadySql());
      if (!prepared) return Fail(prepared.error());
      Use& ready = *prepared;
      ready->Bind(1, connection).Bind(2, now).Bind(3, max);
      while (true) {
        auto row = ready->Step();
        if (!row) return Fail(row.error());
        if (!*row) break;
        ids.push_back(ready->Int(0));
      }
    }
    for (std::int64_t id : ids) {
      auto job = ClaimJob(id, now);
      if (!job) return Fail(job.error());
      if (job->depends_on) {
        auto dependency = Dependency(connection, *job->depends_on);
        if (!dependency) return Fail(dependency.error());
        job->dependency = std::move(*dependency);
      }
      if (auto s = StartAttempt(*job, now); !s) return Fail(s.error());
      Emit(events, *job, JobState::kRunning, job->next_run_at);
      batch.jobs.push_back(std::move(*job));
    }
    events.counters.claimed += batch.jobs.size();
  }
  auto due = NextDue(connection);
  if (!due) return Fail(due.error());
  batch.next_due = *due;
  return batch;
}

Result<Job> JobStore::ClaimJob(std::int64_t id, std::int64_t now) {
  auto prepared = Statement(ClaimSql());
  if (!prepared) return Fail(prepared.error());
  Use& claim = *prepared;
  claim->Bind(1, id).Bind(2, now);
  auto row = claim->Step();
  if (!row) return Fail(row.error());
  if (!*row) return Fail(Code::kInternal, fmt::format("job {} vanished while claimed", id));
  Job job = ReadJob(*claim, /*with_payload=*/true);
  if (auto s = claim->Run(); !s) return Fail(s.error());  // finish the RETURNING statement
  return job;
}

Status JobStore::StartAttempt(const Job& job, std::int64_t now) {
  auto prepared = Statement(
      "INSERT INTO job_attempts (job_id, number, reconcile, started_at) VALUES (?1, ?2, ?3, ?4)");
  if (!prepared) return Fail(prepared.error());
  Use& attempt = *prepared;
  attempt->Bind(1, job.id).Bind(2, job.attempts).Bind(3, job.needs_reconcile ? 1 : 0).Bind(4, now);
  return attempt->Run();
}

Result<std::optional<Job>> JobStore::LoadJob(std::int64_t id, bool with_payload) {
  auto prepared = Statement(LoadJobSql(with_payload));
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, id);
  auto row = q->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<Job>();
  return std::optional<Job>(ReadJob(*q, with_payload));
}

Status JobStore::FinishAttempt(const Job& job, const JobOutcome& o) {
  if (o.kind == OutcomeKind::kWaiting || o.kind == OutcomeKind::kSkipped) {
    // Nothing was sent: the attempt did not happen (a payment waiting hours
    // for its invoice would otherwise pile up rows).
    auto prepared = Statement(
        "DELETE FROM job_attempts WHERE job_id = ?1 AND number = ?2 AND "
        "finished_at IS NULL");
    if (!prepared) return Fail(prepared.error());
    Use& del = *prepared;
    del->Bind(1, job.id).Bind(2, job.attempts);
    return del->Run();
  }
  auto prepared = Statement(
      "UPDATE job_attempts SET finished_at = ?3, outcome = ?4, http_status = ?5, "
      "messages = ?6, request_id = ?7 WHERE job_id = ?1 AND number = ?2 "
      "AND finished_at IS NULL");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  std::optional<std::int64_t> status;
  if (o.http_status) status = *o.http_status;
  q->Bind(1, job.id)
      .Bind(2, job.attempts)
      .Bind(3, ToUnixMillis(clock_.Now()))
      .Bind(4, ToString(o.kind))
      .Bind(5, status)
      .Bind(6, NonEmpty(o.messages))
      .Bind(7, NonEmpty(o.request_id));
  return q->Run();
}

Result<CompleteResult> JobStore::Complete(const std::vector<JobOutcome>& outcomes, Events& events) {
  CompleteResult result;
  for (const JobOutcome& o : outcomes) {
    auto job = LoadJob(o.job_id, /*with_payload=*/false);
    if (!job) return Fail(job.error());
    if (!*job || (*job)->state != JobState::kRunning) {
      ++result.stale;
      continue;
    }
    if (auto s = FinishAttempt(**job, o); !s) return Fail(s.error());
    if (auto s = ApplyOutcome(**job, o, events); !s) return Fail(s.error());
    result.next_due[(*job)->connection] = std::nullopt;
  }
  for (auto& [connection, due] : result.next_due) {
    auto next = NextDue(connection);
    if (!next) return Fail(next.error());
    due = *next;
  }
  return result;
}

Status JobStore::ApplyOutcome(const Job& job, const JobOutcome& o, Events& events) {
  const std::optional<OutcomeDecision> d = DecideOutcome(OutcomeFacts{
      .outcome = o.kind,
      .kind = job.kind,
      .attempts = job.attempts,
      .max_attempts = job.max_attempts,
      .needs_reconcile = job.needs_reconcile,
      .resolved = o.resolved,
      .has_newer_content = job.has_newer_content,
  });
  if (!d) return Fail(Code::kInternal, "unhandled outcome kind");
  const TimePoint now = clock_.Now();
  // Newer content that arrived while the job was in flight, for its own job.
  std::optional<std::string> newer;
  if (d->newer == NewerContent::kFollowUpUpdate ||
      d->newer == NewerContent::kFollowUpSameOperation) {
    auto read = NewerPayload(job.id);
    if (!read) return Fail(read.error());
    newer = std::move(*read);
  }
  if (d->park) {
    ++events.counters.parked;
    auto hold = SetHold(job.connection, std::nullopt, true,
                        o.messages.empty() ? "connection-level failure" : o.messages, events);
    if (!hold) return Fail(hold.error());
  }
  switch (d->state) {
    case JobState::kSucceeded:
      return Succeed(job, o, *d, newer, now, events);
    case JobState::kDead:
      return Die(job, o, *d, newer, now, events);
    case JobState::kCancelled:
      return Skip(job, o, *d, now, events);
    default:  // kQueued, kRetrying, kUnknown
      return RunAgain(job, o, *d, now, events);
  }
}

Status JobStore::Succeed(const Job& job, const JobOutcome& o, const OutcomeDecision& d,
                         const std::optional<std::string>& newer, TimePoint now, Events& events) {
  auto prepared = Statement(
      "UPDATE jobs SET state = 'succeeded', needs_reconcile = 0, xero_id = ?2, "
      "xero_link = ?3, warning = ?4, last_error = NULL, pending_payload = NULL, "
      "pending_hash = NULL, finished_at = ?5, updated_at = ?5 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job.id)
      .Bind(2, NonEmpty(o.xero_id))
      .Bind(3, NonEmpty(o.xero_link))
      .Bind(4, NonEmpty(o.warning))
      .Bind(5, ToUnixMillis(now));
  if (auto s = q->Run(); !s) return Fail(s.error());
  ++events.counters.succeeded;
  std::optional<std::string> xero_id = NonEmpty(o.xero_id);
  if (!xero_id) xero_id = job.previous_xero_id;
  JobStateChange change{job.id,
                        job.connection,
                        job.kind,
                        job.source_id,
                        JobState::kSucceeded,
                        job.next_run_at,
                        {},
                        xero_id.value_or(""),
                        o.xero_link,
                        o.warning};
  events.jobs.push_back(std::move(change));
  if (d.newer == NewerContent::kFollowUpUpdate) {
    if (auto s = FollowUp(job, newer, JobOperation::kUpdate, xero_id, events); !s)
      return Fail(s.error());
  }
  // Payments that waited for this invoice may go now.
  if (d.wake_dependents) return WakeDependents(job, now, events);
  return Ok();
}

Status JobStore::Die(const Job& job, const JobOutcome& o, const OutcomeDecision& d,
                     const std::optional<std::string>& newer, TimePoint now, Events& events) {
  auto prepared = Statement(
      "UPDATE jobs SET state = 'dead', needs_reconcile = ?2, last_error = ?3, "
      "finished_at = ?4, updated_at = ?4 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job.id)
      .Bind(2, d.needs_reconcile ? 1 : 0)
      .Bind(3, o.messages)
      .Bind(4, ToUnixMillis(now));
  if (auto s = q->Run(); !s) return Fail(s.error());
  ++events.counters.dead;
  Emit(events, job, JobState::kDead, job.next_run_at, o.messages);
  if (d.newer != NewerContent::kFollowUpSameOperation || !newer) return Ok();
  // Nothing of this job reached Xero: the newer content gets a job of its own.
  if (auto s = ClearNewerContent(job.id); !s) return Fail(s.error());
  return FollowUp(job, newer, job.operation, job.previous_xero_id, events);
}

Status JobStore::Skip(const Job& job, const JobOutcome& o, const OutcomeDecision& d, TimePoint now,
                      Events& events) {
  auto prepared = Statement(
      "UPDATE jobs SET state = 'cancelled', attempts = attempts - ?4, last_error = ?2, "
      "pending_payload = NULL, pending_hash = NULL, finished_at = ?3, "
      "updated_at = ?3 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job.id).Bind(2, o.messages).Bind(3, ToUnixMillis(now)).Bind(4, d.refund);
  if (auto s = q->Run(); !s) return Fail(s.error());
  ++events.counters.cancelled;
  Emit(events, job, JobState::kCancelled, job.next_run_at, o.messages);
  return Ok();
}

Status JobStore::RunAgain(const Job& job, const JobOutcome& o, const OutcomeDecision& d,
                          TimePoint now, Events& events) {
  static const std::string kNoError;
  const std::string& error =
      !d.keep_last_error ? o.messages : (job.last_error ? *job.last_error : kNoError);
  const TimePoint at = NextRunAt(job, o, d.run_at, now);
  auto prepared = Statement(
      "UPDATE jobs SET state = ?2, needs_reconcile = ?3, next_run_at = ?4, "
      "last_error = ?5, attempts = attempts - ?6, updated_at = ?7 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job.id)
      .Bind(2, ToString(d.state))
      .Bind(3, d.needs_reconcile ? 1 : 0)
      .Bind(4, ToUnixMillis(at))
      .Bind(5, NonEmpty(error))
      .Bind(6, d.refund)
      .Bind(7, ToUnixMillis(now));
  if (auto s = q->Run(); !s) return Fail(s.error());
  if (d.newer == NewerContent::kApply) {
    if (auto s = ApplyNewerContent(job.id); !s) return Fail(s.error());
  }
  if (d.state == JobState::kRetrying) ++events.counters.retried;
  if (d.state == JobState::kUnknown) ++events.counters.unknown;
  Emit(events, job, d.state, at, error);
  return Ok();
}

TimePoint JobStore::NextRunAt(const Job& job, const JobOutcome& o, RunAt run_at, TimePoint now) {
  switch (run_at) {
    case RunAt::kUnchanged:
      return job.next_run_at;
    case RunAt::kNow:
      break;
    case RunAt::kAfterWait:
      return now + std::max(o.retry_after.value_or(Duration(0)), Duration(0));
    case RunAt::kBackoff:
      return now + RetryDelay(config_, job.attempts, o.retry_after, rng_);
  }
  return now;
}

Status JobStore::ApplyNewerContent(std::int64_t job_id) {
  auto prepared = Statement(
      "UPDATE jobs SET payload = pending_payload, content_hash = pending_hash, "
      "pending_payload = NULL, pending_hash = NULL WHERE id = ?1 AND pending_payload IS NOT NULL");
  if (!prepared) return Fail(prepared.error());
  Use& apply = *prepared;
  apply->Bind(1, job_id);
  return apply->Run();
}

Status JobStore::ClearNewerContent(std::int64_t job_id) {
  auto prepared =
      Statement("UPDATE jobs SET pending_payload = NULL, pending_hash = NULL WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& clear = *prepared;
  clear->Bind(1, job_id);
  return clear->Run();
}

Result<std::optional<std::string>> JobStore::NewerPayload(std::int64_t job_id) {
  auto prepared = Statement("SELECT pending_payload FROM jobs WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job_id);
  auto row = q->Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<std::string>();
  return q->OptText(0);
}

Status JobStore::FollowUp(const Job& job, const std::optional<std::string>& payload,
                          JobOperation op, const std::optional<std::string>& previous_xero_id,
                          Events& events) {
  if (!payload) return Ok();
  NewJob next{job.connection, job.kind, job.source_id, *payload, job.depends_on.value_or("")};
  auto hash = Sha256Hex(*payload);
  if (!hash) return Fail(hash.error());
  auto id = InsertJob(next, *hash, op, previous_xero_id, false, events);
  if (!id) return Fail(id.error());
  ++events.counters.update_created;
  return Ok();
}

}  // namespace xerod::queue
