// SPDX-License-Identifier: MIT
// JobStore: holds, operator actions, reads, retention and recovery.
#include <fmt/format.h>

#include "queue/job_store.h"

namespace xerod::queue {

Result<Hold> JobStore::SetHold(const std::string& scope, std::optional<bool> paused,
                               std::optional<bool> parked, const std::string& reason,
                               Events& events) {
  if (scope.empty()) return Fail(Code::kInvalidArgument, "empty connection name");
  const std::int64_t now = ToUnixMillis(clock_.Now());
  {
    auto prepared = Statement(
        "INSERT INTO queue_holds (scope, paused, parked, reason, updated_at) "
        "VALUES (?1, coalesce(?2, 0), coalesce(?3, 0), ?4, ?5) "
        "ON CONFLICT (scope) DO UPDATE SET paused = coalesce(?2, paused), "
        "parked = coalesce(?3, parked), "
        "reason = CASE WHEN ?3 IS NOT NULL THEN ?4 ELSE reason END, updated_at = ?5");
    if (!prepared) return Fail(prepared.error());
    Use& up = *prepared;
    std::optional<std::int64_t> p, k;
    if (paused) p = *paused ? 1 : 0;
    if (parked) k = *parked ? 1 : 0;
    up->Bind(1, scope).Bind(2, p).Bind(3, k).Bind(4, NonEmptyOr(reason)).Bind(5, now);
    if (auto s = up->Run(); !s) return Fail(s.error());
  }
  Hold hold;
  {
    auto prepared =
        Statement("SELECT paused, parked, coalesce(reason, '') FROM queue_holds WHERE scope = ?1");
    if (!prepared) return Fail(prepared.error());
    Use& q = *prepared;
    q->Bind(1, scope);
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (*row) {
      hold.paused = q->Int(0) != 0;
      hold.parked = q->Int(1) != 0;
      hold.reason = hold.parked ? q->Text(2) : "";
    }
  }
  if (!hold.paused && !hold.parked) {
    auto prepared = Statement("DELETE FROM queue_holds WHERE scope = ?1");
    if (!prepared) return Fail(prepared.error());
    Use& del = *prepared;
    del->Bind(1, scope);
    if (auto s = del->Run(); !s) return Fail(s.error());
  }
  events.holds.push_back(HoldChange{scope, hold});
  return hold;
}

std::optional<std::string> JobStore::NonEmptyOr(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

Result<std::map<std::string, Hold>> JobStore::Holds() {
  auto prepared = Statement("SELECT scope, paused, parked, coalesce(reason, '') FROM queue_holds");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  std::map<std::string, Hold> holds;
  while (true) {
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    Hold h{q->Int(1) != 0, q->Int(2) != 0, q->Text(3)};
    if (h.paused || h.parked) holds.emplace(q->Text(0), std::move(h));
  }
  return holds;
}

Status JobStore::Retry(std::int64_t job_id, Events& events) {
  auto job = LoadJob(job_id);
  if (!job) return Fail(job.error());
  if (!*job) return Fail(Code::kNotFound, fmt::format("job {} does not exist", job_id));
  if ((*job)->state != JobState::kDead) {
    return Fail(Code::kFailedPrecondition,
                fmt::format("job {} is {}, only dead jobs can be retried", job_id,
                            ToString((*job)->state)));
  }
  const TimePoint now = clock_.Now();
  auto prepared = Statement(
      "UPDATE OR IGNORE jobs SET state = 'queued', attempts = 0, next_run_at = ?2, "
      "finished_at = NULL, updated_at = ?2 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job_id).Bind(2, ToUnixMillis(now));
  if (auto s = q->Run(); !s) return Fail(s.error());
  if (db_.Changes() == 0) {
    return Fail(Code::kFailedPrecondition,
                fmt::format("job {}: a newer job for {} {} is pending", job_id,
                            ToString((*job)->kind), (*job)->source_id));
  }
  Emit(events, **job, JobState::kQueued, now);
  return Ok();
}

Result<int> JobStore::RetryAllDead(const std::string& connection, Events& events) {
  std::vector<std::int64_t> ids;
  {
    auto prepared =
        Statement("SELECT id FROM jobs WHERE state = 'dead' AND connection = ?1 ORDER BY id");
    if (!prepared) return Fail(prepared.error());
    Use& q = *prepared;
    q->Bind(1, connection);
    while (true) {
      auto row = q->Step();
      if (!row) return Fail(row.error());
      if (!*row) break;
      ids.push_back(q->Int(0));
    }
  }
  int retried = 0;
  for (std::int64_t id : ids) {
    auto s = Retry(id, events);
    if (s) {
      ++retried;
    } else if (s.error().code() != Code::kFailedPrecondition) {
      return Fail(s.error());
    }
  }
  return retried;
}

Status JobStore::Cancel(std::int64_t job_id, Events& events) {
  auto job = LoadJob(job_id);
  if (!job) return Fail(job.error());
  if (!*job) return Fail(Code::kNotFound, fmt::format("job {} does not exist", job_id));
  const JobState state = (*job)->state;
  if (state != JobState::kQueued && state != JobState::kRetrying && state != JobState::kDead &&
      state != JobState::kUnknown) {
    return Fail(Code::kFailedPrecondition,
                fmt::format("job {} is {}, it cannot be cancelled", job_id, ToString(state)));
  }
  const std::int64_t now = ToUnixMillis(clock_.Now());
  auto prepared = Statement(
      "UPDATE jobs SET state = 'cancelled', pending_payload = NULL, pending_hash = NULL, "
      "finished_at = ?2, updated_at = ?2 WHERE id = ?1");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job_id).Bind(2, now);
  if (auto s = q->Run(); !s) return Fail(s.error());
  ++events.counters.cancelled;
  Emit(events, **job, JobState::kCancelled, (*job)->next_run_at);
  return Ok();
}

std::string ListSql(const JobFilter& filter) {
  // Pages go in id order. jobs_state (every state but queued, ordered by
  // state, connection, id) gives that order for a state and a connection, and
  // for a state alone a range that is sorted: cheap for the states that hold
  // few jobs (running, retrying, dead, unknown). Queued jobs, and the
  // finished states that hold most of the table, are read in rowid order from
  // the page's start instead of sorting them all for every page. The state is
  // a literal (an enum name): partial indexes are matched on constants.
  const bool by_rowid =
      filter.state && (*filter.state == JobState::kQueued ||
                       (!filter.connection && (*filter.state == JobState::kSucceeded ||
                                               *filter.state == JobState::kCancelled)));
  std::string sql = fmt::format("SELECT {} FROM jobs{} WHERE id > ?1", kJobColumns,
                                by_rowid ? " NOT INDEXED" : "");
  if (filter.state) sql += fmt::format(" AND state = '{}'", ToString(*filter.state));
  if (filter.connection) sql += " AND connection = ?3";
  if (filter.kind) sql += " AND kind = ?4";
  sql += " ORDER BY id LIMIT ?5";
  return sql;
}

Result<JobPage> JobStore::List(const JobFilter& filter) {
  const int limit = std::clamp(filter.limit, 1, 1000);
  const std::string sql = ListSql(filter);
  auto prepared = Statement(sql);
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, filter.after_id).Bind(5, limit + 1);
  if (filter.connection) q->Bind(3, *filter.connection);
  if (filter.kind) q->Bind(4, ToString(*filter.kind));
  JobPage page;
  while (true) {
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    if (static_cast<int>(page.jobs.size()) == limit) {
      page.next_after_id = page.jobs.back().id;
      break;
    }
    page.jobs.push_back(ReadJob(*q, /*with_payload=*/false));
  }
  return page;
}

Result<JobDetail> JobStore::Show(std::int64_t job_id) {
  auto job = LoadJob(job_id);
  if (!job) return Fail(job.error());
  if (!*job) return Fail(Code::kNotFound, fmt::format("job {} does not exist", job_id));
  JobDetail detail{std::move(**job), {}};
  auto prepared = Statement(
      "SELECT number, reconcile, started_at, finished_at, outcome, http_status, "
      "messages, request_id FROM job_attempts WHERE job_id = ?1 ORDER BY number, id");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, job_id);
  while (true) {
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    JobAttempt a;
    a.number = static_cast<int>(q->Int(0));
    a.reconcile = q->Int(1) != 0;
    a.started_at = FromUnixMillis(q->Int(2));
    if (auto f = q->OptInt(3)) a.finished_at = FromUnixMillis(*f);
    a.outcome = q->OptText(4);
    if (auto h = q->OptInt(5)) a.http_status = static_cast<int>(*h);
    a.messages = q->OptText(6);
    a.request_id = q->OptText(7);
    detail.attempts.push_back(std::move(a));
  }
  return detail;
}

Result<StateCounts> JobStore::Counts(const std::optional<std::string>& connection) {
  auto prepared = Statement(CountsSql(connection.has_value()));
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  if (connection) q->Bind(1, *connection);
  auto row = q->Step();
  if (!row) return Fail(row.error());
  StateCounts counts;
  for (int s = 0; s <= static_cast<int>(JobState::kUnknown); ++s) {
    counts[static_cast<JobState>(s)] = *row ? q->Int(s) : 0;
  }
  return counts;
}

Result<std::int64_t> JobStore::Purge(TimePoint before, int limit, Events& events) {
  // Keeps the newest succeeded job of each document: it holds the Xero id that a
  // later change of the document must update rather than create again.
  auto prepared = Statement(
      "DELETE FROM jobs WHERE id IN (SELECT j.id FROM jobs j WHERE "
      "j.finished_at IS NOT NULL AND j.finished_at < ?1 AND "
      "j.state IN ('succeeded', 'cancelled') AND NOT (j.state = 'succeeded' AND "
      "j.id = (SELECT max(k.id) FROM jobs k WHERE k.connection = j.connection AND "
      "k.kind = j.kind AND k.source_id = j.source_id AND k.state = 'succeeded')) "
      "LIMIT ?2)");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, ToUnixMillis(before)).Bind(2, std::max(limit, 1));
  if (auto s = q->Run(); !s) return Fail(s.error());
  const std::int64_t n = db_.Changes();
  events.counters.purged += static_cast<std::uint64_t>(n);
  return n;
}

Result<std::map<std::string, TimePoint>> JobStore::DueConnections() {
  // Skip-scan of jobs_ready: one index seek per connection, not per job.
  auto prepared = Statement(
      "WITH RECURSIVE c(name) AS ("
      " SELECT (SELECT min(connection) FROM jobs WHERE "
      "  state IN ('queued', 'retrying', 'unknown'))"
      " UNION ALL"
      " SELECT (SELECT min(connection) FROM jobs WHERE "
      "  state IN ('queued', 'retrying', 'unknown') AND connection > c.name)"
      " FROM c WHERE c.name IS NOT NULL) "
      "SELECT name, (SELECT min(next_run_at) FROM jobs WHERE connection = c.name AND "
      " state IN ('queued', 'retrying', 'unknown')) FROM c WHERE name IS NOT NULL");
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  std::map<std::string, TimePoint> due;
  while (true) {
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    due.emplace(q->Text(0), FromUnixMillis(q->Int(1)));
  }
  return due;
}

Result<int> JobStore::Recover(Events& events) {
  const std::int64_t now = ToUnixMillis(clock_.Now());
  auto interrupted = db_.Exec(
      fmt::format("UPDATE job_attempts SET finished_at = {0}, outcome = 'interrupted', "
                  "messages = 'xerod stopped during the attempt' WHERE finished_at IS NULL AND "
                  "job_id IN (SELECT id FROM jobs WHERE state = 'running')",
                  now));
  if (!interrupted) return Fail(interrupted.error());
  auto prepared =
      Statement(fmt::format("UPDATE jobs SET state = 'unknown', needs_reconcile = 1, "
                            "next_run_at = ?1, updated_at = ?1, last_error = 'xerod stopped "
                            "while the job was being sent' WHERE state = 'running' "
                            "RETURNING {}",
                            kJobColumns));
  if (!prepared) return Fail(prepared.error());
  Use& q = *prepared;
  q->Bind(1, now);
  int n = 0;
  while (true) {
    auto row = q->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    Job job = ReadJob(*q, false);
    Emit(events, job, JobState::kUnknown, job.next_run_at, *job.last_error);
    ++n;
  }
  events.counters.recovered += static_cast<std::uint64_t>(n);
  return n;
}

}  // namespace xerod::queue
