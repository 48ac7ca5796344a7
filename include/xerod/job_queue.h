// SPDX-License-Identifier: MIT
//
// The durable job queue: an accepted document is committed (synchronous=FULL)
// before it is acknowledged, is never sent twice without a reconcile, and is
// retried with backoff until it succeeds, dies (a person is told), or is
// cancelled. See docs/queue.md.
//
// Threading: writes go through the Store's writer thread (xerod/store.h):
// concurrent requests, the queue's and other modules', are committed together
// in one transaction (group commit), each inside its own SAVEPOINT so one
// failing request never affects another. Reads (List, Show, Counts, Holds,
// DueConnections) run on the Store's read connection and never wait for the
// writer. The *Async methods never block on the writer: their callback, and
// the listeners' events, run on QueueOptions::complete_on (the daemon's loop)
// after the commit; with no executor, on the writer thread (writes) or inside
// the call (reads). The blocking methods wait for the commit; use them from
// tests, the CLI, or start-up, never from the executor's thread while it is
// needed to run a completion. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/executor.h"
#include "xerod/job.h"
#include "xerod/status.h"
#include "xerod/store.h"

namespace xerod {

struct QueueOptions {
  StoreOptions store;                 // Open(path, ...) only: the Store the queue opens for itself
  std::optional<std::uint64_t> seed;  // jitter RNG seed (tests); random by default
  Executor complete_on;               // where callbacks and listener events run
};

struct ClaimedBatch {
  std::vector<Job> jobs;              // now `running`, each with an attempt row started
  std::optional<TimePoint> next_due;  // earliest remaining pending job of the connection
  bool held = false;                  // nothing claimed because paused or parked
};

struct CompleteResult {
  // Earliest pending job per connection touched (nullopt: none pending).
  std::map<std::string, std::optional<TimePoint>> next_due;
  int stale = 0;  // outcomes for jobs no longer running (ignored)
};

struct JobFilter {
  std::optional<JobState> state = std::nullopt;
  std::optional<std::string> connection = std::nullopt;
  std::optional<DocumentType> kind = std::nullopt;
  std::int64_t after_id = 0;  // keyset pagination: ids greater than this
  int limit = 100;            // 1..1000
};

struct JobPage {
  std::vector<Job> jobs;                      // ordered by id, payload omitted
  std::optional<std::int64_t> next_after_id;  // pass as after_id for the next page
};

struct JobDetail {
  Job job;
  std::vector<JobAttempt> attempts;  // oldest first
};

struct Hold {
  bool paused = false;  // by an operator (pause/resume)
  bool parked = false;  // by the queue after a connection-level failure (unpark)
  std::string reason;
};

// Per-state job counts.
using StateCounts = std::map<JobState, std::int64_t>;

struct JobStateChange {
  std::int64_t job_id = 0;
  std::string connection;
  DocumentType kind = DocumentType::kInvoice;
  std::string source_id;
  JobState state = JobState::kQueued;  // the new state
  TimePoint next_run_at;
  std::string error;  // last error, if the change is a failure (or why a job waits)
  // kSucceeded: what Xero gave back.
  std::string xero_id = {};
  std::string xero_link = {};
  std::string warning = {};
};

struct HoldChange {
  std::string scope;  // connection name, or "*" for the whole queue
  Hold hold;
};

// Observers (the scheduler, the D-Bus signal emitter). Called after the change
// is committed, on QueueOptions::complete_on (the writer thread without one);
// must be quick and must not call the blocking JobQueue methods.
class QueueListener {
 public:
  virtual ~QueueListener() = default;
  virtual void OnJobStateChanged(const JobStateChange& /*change*/) {}
  virtual void OnHoldChanged(const HoldChange& /*change*/) {}
};

struct QueueCounters {
  std::uint64_t created = 0, unchanged = 0, replaced = 0, update_created = 0, deferred = 0;
  std::uint64_t claimed = 0, succeeded = 0, retried = 0, dead = 0, unknown = 0;
  std::uint64_t cancelled = 0, parked = 0, purged = 0, recovered = 0;
  std::uint64_t commits = 0;   // the Store's write transactions (every module's)
  std::uint64_t requests = 0;  // requests served (requests/commits = group commit factor)
};

class JobQueue {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  // Uses `store` (which must outlive the queue) and runs start-up recovery:
  // jobs left `running` by a dead process become `unknown` (reconcile before
  // resend) and their open attempts `interrupted`.
  static Result<std::unique_ptr<JobQueue>> Open(Store& store, QueueConfig config, Clock& clock,
                                                QueueOptions options = {});
  // Same, on a Store of its own opened at `path` with options.store (tests,
  // benchmarks, tools that use the queue alone).
  static Result<std::unique_ptr<JobQueue>> Open(const std::string& path, QueueConfig config,
                                                Clock& clock, QueueOptions options = {});
  // Waits for the queue's writes already submitted (their callbacks have run,
  // or are posted and will do nothing), then lets go of the Store.
  ~JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Listeners must outlive the queue or be removed first.
  void AddListener(QueueListener* listener);
  void RemoveListener(QueueListener* listener);

  // Enqueue: one transaction for the whole vector; one result per document, in
  // order. Dedupe by (connection, kind, source_id), see EnqueueOutcome.
  // Errors: kInvalidArgument (empty connection/source_id/payload; nothing is stored).
  void EnqueueAsync(std::vector<NewJob> jobs, Callback<std::vector<EnqueueResult>> done);
  Result<std::vector<EnqueueResult>> Enqueue(std::vector<NewJob> jobs);
  Result<EnqueueResult> Enqueue(NewJob job);

  // Claims up to `max` due jobs of one connection (oldest due first), marking
  // them running and recording a started attempt for each, in one transaction.
  void ClaimAsync(std::string connection, int max, Callback<ClaimedBatch> done);
  Result<ClaimedBatch> Claim(const std::string& connection, int max);

  // Records attempt outcomes (attempt row + state transition per job).
  void CompleteAsync(std::vector<JobOutcome> outcomes, Callback<CompleteResult> done);
  Result<CompleteResult> Complete(std::vector<JobOutcome> outcomes);

  // Pause/resume: scope is a connection name or nullopt for everything. Persisted.
  void SetPausedAsync(std::optional<std::string> connection, bool paused, Callback<Hold> done);
  Status Pause(std::optional<std::string> connection = std::nullopt);
  Status Resume(std::optional<std::string> connection = std::nullopt);
  // Parking (connection-level failures): the connection's jobs wait, no attempts
  // are used. The connection monitor unparks once the connection works again.
  void SetParkedAsync(std::string connection, bool parked, std::string reason, Callback<Hold> done);
  Status Park(const std::string& connection, const std::string& reason);
  Status Unpark(const std::string& connection);
  // Every scope with a hold ("*" = global).
  Result<std::map<std::string, Hold>> Holds();

  // Retry a dead job: back to queued with fresh attempts. kNotFound, or
  // kFailedPrecondition if it is not dead or a newer job for the document is pending.
  Status Retry(std::int64_t job_id);
  // Retries every dead job of a connection (skipping ones superseded); returns how many.
  Result<int> RetryAllDead(const std::string& connection);
  // Cancels a queued/retrying/dead/unknown job. kFailedPrecondition if running or finished.
  Status Cancel(std::int64_t job_id);

  Result<JobPage> List(const JobFilter& filter);
  Result<JobDetail> Show(std::int64_t job_id);
  Result<StateCounts> Counts(std::optional<std::string> connection = std::nullopt);
  // Deletes succeeded/cancelled jobs finished before `before` (dead jobs are kept
  // until an operator retries or cancels them; the latest succeeded job of each
  // document is kept, it holds the Xero id for later updates). At most `limit` rows.
  Result<std::int64_t> Purge(TimePoint before, int limit = 10000);
  void PurgeAsync(TimePoint before, int limit, Callback<std::int64_t> done);

  // Connections with pending work and their earliest next_run_at (for the scheduler).
  Result<std::map<std::string, TimePoint>> DueConnections();

  // Async forms of the operations above, for callers on an event loop (D-Bus).
  void RetryAsync(std::int64_t job_id, Callback<void> done);
  void RetryAllDeadAsync(std::string connection, Callback<int> done);
  void CancelAsync(std::int64_t job_id, Callback<void> done);
  void ListAsync(JobFilter filter, Callback<JobPage> done);
  void ShowAsync(std::int64_t job_id, Callback<JobDetail> done);
  void CountsAsync(std::optional<std::string> connection, Callback<StateCounts> done);
  void HoldsAsync(Callback<std::map<std::string, Hold>> done);
  void DueConnectionsAsync(Callback<std::map<std::string, TimePoint>> done);

  QueueCounters Counters() const;
  const QueueConfig& config() const;
  Clock& clock() const;

 private:
  struct Impl;
  static Result<std::unique_ptr<JobQueue>> Open(std::unique_ptr<Store> owned, Store& store,
                                                QueueConfig config, Clock& clock,
                                                QueueOptions options);
  explicit JobQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod
