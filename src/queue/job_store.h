// SPDX-License-Identifier: MIT
//
// The queue's SQL: every operation of JobQueue as a function over the write
// connection, run by the writer thread inside its (group) transaction. Keeps
// its prepared statements. Reports what changed through Events, which the
// caller publishes only after the commit.
//
// Thread-safety: none; used by the writer thread only.
#pragma once

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/job_decisions.h"
#include "store/sqlite.h"
#include "xerod/job_queue.h"

namespace xerod::queue {

// The statements whose plans matter, exposed for the EXPLAIN QUERY PLAN test.
const std::string& NextDueSql();                   // ?1 connection
const std::string& ReadySql();                     // ?1 connection, ?2 now, ?3 limit
const std::string& PendingOfDocumentSql();         // ?1 connection, ?2 kind, ?3 source id
const char* DocumentHistorySql();                  // same parameters
const char* WakeDependentsSql();                   // ?1 connection, ?2 invoice id, ?3 now
const std::string& CountsSql(bool by_connection);  // ?1 connection
// ?1 after id, ?3 connection, ?4 kind, ?5 limit (each only when filtered on).
std::string ListSql(const JobFilter& filter);

struct Events {
  std::vector<JobStateChange> jobs;
  std::vector<HoldChange> holds;
  QueueCounters counters;  // increments
};

class JobStore {
 public:
  JobStore(store::Db& db, const QueueConfig& config, Clock& clock, std::uint64_t seed);

  Result<std::vector<EnqueueResult>> Enqueue(const std::vector<NewJob>& jobs, Events& events);
  Result<ClaimedBatch> Claim(const std::string& connection, int max, Events& events);
  Result<CompleteResult> Complete(const std::vector<JobOutcome>& outcomes, Events& events);
  // Changes the hold of `scope` ("*" or a connection): pass nullopt to keep a flag.
  Result<Hold> SetHold(const std::string& scope, std::optional<bool> paused,
                       std::optional<bool> parked, const std::string& reason, Events& events);
  Result<std::map<std::string, Hold>> Holds();
  Status Retry(std::int64_t job_id, Events& events);
  Result<int> RetryAllDead(const std::string& connection, Events& events);
  Status Cancel(std::int64_t job_id, Events& events);
  Result<JobPage> List(const JobFilter& filter);
  Result<JobDetail> Show(std::int64_t job_id);
  Result<StateCounts> Counts(const std::optional<std::string>& connection);
  Result<std::int64_t> Purge(TimePoint before, int limit, Events& events);
  Result<std::map<std::string, TimePoint>> DueConnections();
  // Start-up recovery: running -> unknown. Returns how many.
  Result<int> Recover(Events& events);

 private:
  // A cached prepared statement, reset (and unbound) when the handle goes
  // out of scope. Movable, so that Statement() can return it.
  class Use {
   public:
    explicit Use(store::Statement* s) : s_(s) {}
    Use(Use&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    ~Use() {
      if (s_ != nullptr) s_->Reset();
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Use& operator=(Use&&) = delete;
    store::Statement* operator->() const { return s_; }
    store::Statement& operator*() const { return *s_; }

   private:
    store::Statement* s_;
  };
  // The cached statement for `sql`, prepared on first use. The error is
  // SQLite's if preparing fails. Use it as
  //   auto prepared = Statement(sql);
  //   if (!prepared) return Fail(prepared.error());
  //   Use& q = *prepared;
  Result<Use> Statement(std::string_view sql);
  static std::optional<std::string> NonEmptyOr(const std::string& s);

  Result<std::optional<TimePoint>> NextDue(const std::string& connection);
  Result<std::optional<Job>> LoadJob(std::int64_t id, bool with_payload = true);
  // Claim: marks the job running (one more attempt) and returns it.
  Result<Job> ClaimJob(std::int64_t id, std::int64_t now);
  // Claim: the job's attempt row, started; FinishAttempt() ends it.
  Status StartAttempt(const Job& job, std::int64_t now);
  Result<std::int64_t> InsertJob(const NewJob& job, const std::string& hash, JobOperation op,
                                 const std::optional<std::string>& previous_xero_id,
                                 bool needs_reconcile, Events& events);

  // ---- Enqueue: read the document's history, DecideEnqueue(), write. ----
  // The document's unfinished job (jobs_pending_key: at most one).
  struct Unfinished {
    std::int64_t id = 0;
    JobState state = JobState::kQueued;
    std::string content_hash;
    std::optional<std::string> newer_hash;  // column pending_hash
    bool needs_reconcile = false;
  };
  Result<std::optional<Unfinished>> FindUnfinished(const NewJob& job);
  // What the document's settled jobs say: its newest success (succeeded_id
  // 0 if none), and whether a job after it ended dead or cancelled without
  // its outcome being learnt (the document may be in Xero).
  struct DocumentHistory {
    std::int64_t succeeded_id = 0;
    std::string succeeded_hash;
    std::optional<std::string> xero_id;
    bool unresolved = false;
  };
  Result<DocumentHistory> History(const std::string& connection, DocumentType kind,
                                  const std::string& source_id);
  // Views into the arguments, which must outlive the result.
  static EnqueueFacts FactsOf(const std::string& hash, const std::optional<Unfinished>& unfinished,
                              const DocumentHistory& history);
  Result<EnqueueResult> EnqueueOne(const NewJob& job, std::int64_t now, Events& events);
  // kReplaceContent, kSetNewerContent or kClearNewerContent of the unfinished job `id`.
  Status UpdateUnfinished(EnqueueAction action, std::int64_t id, const NewJob& job,
                          const std::string& hash, std::int64_t now);

  // ---- Payments and their invoices. ----
  // The state of a payment's invoice within `connection`.
  Result<JobDependency> Dependency(const std::string& connection, const std::string& invoice_id);
  // Whether a job may depend on another (dependents_).
  Result<bool> MayHaveDependents();
  // Makes the payments waiting for `invoice` due at `now`.
  Status WakeDependents(const Job& invoice, TimePoint now, Events& events);

  // ---- Complete: DecideOutcome(), then the writes of the job's new state. ----
  Status FinishAttempt(const Job& job, const JobOutcome& outcome);
  Status ApplyOutcome(const Job& job, const JobOutcome& outcome, Events& events);
  // `newer`: the job's newer content, read when the decision makes a job of it.
  Status Succeed(const Job& job, const JobOutcome& outcome, const OutcomeDecision& d,
                 const std::optional<std::string>& newer, TimePoint now, Events& events);
  Status Die(const Job& job, const JobOutcome& outcome, const OutcomeDecision& d,
             const std::optional<std::string>& newer, TimePoint now, Events& events);
  Status Skip(const Job& job, const JobOutcome& outcome, const OutcomeDecision& d, TimePoint now,
              Events& events);
  Status RunAgain(const Job& job, const JobOutcome& outcome, const OutcomeDecision& d,
                  TimePoint now, Events& events);
  // Draws from rng_ for RunAt::kBackoff.
  TimePoint NextRunAt(const Job& job, const JobOutcome& outcome, RunAt run_at, TimePoint now);
  Result<std::optional<std::string>> NewerPayload(std::int64_t job_id);
  // The newer content becomes the job's content (if it has any).
  Status ApplyNewerContent(std::int64_t job_id);
  Status ClearNewerContent(std::int64_t job_id);
  // A new job of `job`'s document carrying `payload` (none: does nothing).
  Status FollowUp(const Job& job, const std::optional<std::string>& payload, JobOperation op,
                  const std::optional<std::string>& previous_xero_id, Events& events);
  void Emit(Events& events, const Job& job, JobState state, TimePoint next_run_at,
            std::string error = {});

  store::Db& db_;
  const QueueConfig& config_;
  Clock& clock_;
  std::mt19937_64 rng_;
  std::map<std::string, store::Statement, std::less<>> statements_;
  // Whether any job may depend on another (a payment on its invoice): read
  // from jobs_waiting on first need, set by every insert of such a job (a
  // rolled-back insert leaves it set, which only costs a seek). While false,
  // an invoice's success skips WakeDependents: a deployment that copies no
  // payments pays nothing for them.
  std::optional<bool> dependents_;
};

// Columns read by ReadJob(), in order.
extern const char* const kJobColumns;
Job ReadJob(const store::Statement& row, bool with_payload);

}  // namespace xerod::queue
