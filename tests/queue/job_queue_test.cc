// SPDX-License-Identifier: MIT
#include "xerod/job_queue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "queue/job_store.h"
#include "queue_fixture.h"
#include "store/sqlite.h"
#include "xerod/sha256.h"

namespace xerod {
namespace {

using std::chrono::seconds;
using testing::QueueFixture;

class JobQueueTest : public QueueFixture {};

TEST_F(JobQueueTest, EnqueueCreatesQueuedJob) {
  auto r = Put(Doc("inv-1"));
  EXPECT_EQ(r.outcome, EnqueueOutcome::kCreated);
  Job j = Get(r.job_id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.connection, "acme");
  EXPECT_EQ(j.source_id, "inv-1");
  EXPECT_EQ(j.operation, JobOperation::kCreate);
  EXPECT_EQ(j.content_hash, Sha256Hex(Doc("inv-1").payload));
  EXPECT_EQ(j.max_attempts, 3);
  EXPECT_EQ(j.next_run_at, clock_.Now());
  EXPECT_EQ(j.attempts, 0);
}

TEST_F(JobQueueTest, EnqueueRejectsEmptyFieldsAndStoresNothing) {
  auto r = queue_->Enqueue(
      std::vector<NewJob>{Doc("ok"), NewJob{"acme", DocumentType::kInvoice, "", "{}"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ((*queue_->Counts())[JobState::kQueued], 0);
}

TEST_F(JobQueueTest, DedupeWhilePending) {
  auto a = Put(Doc("inv-1", "v1"));
  // Same content while queued: nothing to do.
  auto b = Put(Doc("inv-1", "v1"));
  EXPECT_EQ(b.outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ(b.job_id, a.job_id);
  // Changed content while queued: the waiting job carries the new payload.
  auto c = Put(Doc("inv-1", "v2"));
  EXPECT_EQ(c.outcome, EnqueueOutcome::kReplaced);
  EXPECT_EQ(c.job_id, a.job_id);
  EXPECT_NE(Get(a.job_id).payload.find("v2"), std::string::npos);
  // Same id in another connection or kind is another document.
  EXPECT_EQ(Put(Doc("inv-1", "v1", "other")).outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ(Put(Doc("inv-1", "v1", "acme", DocumentType::kPayment)).outcome,
            EnqueueOutcome::kCreated);
  EXPECT_EQ((*queue_->Counts())[JobState::kQueued], 3);
}

TEST_F(JobQueueTest, DedupeWhileRetryingReplaces) {
  auto a = Put(Doc("inv-1", "v1"));
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "503"));
  ASSERT_EQ(Get(a.job_id).state, JobState::kRetrying);
  EXPECT_EQ(Put(Doc("inv-1", "v1")).outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ(Put(Doc("inv-1", "v2")).outcome, EnqueueOutcome::kReplaced);
}

TEST_F(JobQueueTest, DedupeAfterSuccess) {
  auto a = Put(Doc("inv-1", "v1"));
  ClaimAll();
  Finish(JobOutcome::Succeeded(a.job_id, "xero-1", "https://go.xero.com/x1"));
  // Same content after success: no-op.
  auto b = Put(Doc("inv-1", "v1"));
  EXPECT_EQ(b.outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ(b.job_id, a.job_id);
  // Changed content after success: an update job carrying the Xero id.
  auto c = Put(Doc("inv-1", "v2"));
  EXPECT_EQ(c.outcome, EnqueueOutcome::kUpdateCreated);
  EXPECT_NE(c.job_id, a.job_id);
  Job u = Get(c.job_id);
  EXPECT_EQ(u.operation, JobOperation::kUpdate);
  EXPECT_EQ(u.previous_xero_id, "xero-1");
  EXPECT_EQ(u.state, JobState::kQueued);
  // While the update is pending, the same v2 is unchanged and v3 replaces it.
  EXPECT_EQ(Put(Doc("inv-1", "v2")).outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ(Put(Doc("inv-1", "v3")).outcome, EnqueueOutcome::kReplaced);
  // Reverting to the copied content after the update succeeded is a change again.
  ClaimAll();
  Finish(JobOutcome::Succeeded(c.job_id, "xero-1"));
  EXPECT_EQ(Put(Doc("inv-1", "v3")).outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ(Put(Doc("inv-1", "v1")).outcome, EnqueueOutcome::kUpdateCreated);
}

TEST_F(JobQueueTest, DedupeWhileRunningDefersNewContent) {
  auto a = Put(Doc("inv-1", "v1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  EXPECT_EQ(Put(Doc("inv-1", "v1")).outcome, EnqueueOutcome::kUnchanged);
  auto d = Put(Doc("inv-1", "v2"));
  EXPECT_EQ(d.outcome, EnqueueOutcome::kDeferred);
  EXPECT_EQ(d.job_id, a.job_id);
  EXPECT_TRUE(Get(a.job_id).has_newer_content);
  EXPECT_EQ(Put(Doc("inv-1", "v2")).outcome, EnqueueOutcome::kUnchanged);
  // The running attempt succeeds with v1; v2 follows as an update of that object.
  Finish(JobOutcome::Succeeded(a.job_id, "xero-9"));
  auto page = queue_->List(JobFilter{.state = JobState::kQueued});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->jobs.size(), 1u);
  Job u = Get(page->jobs[0].id);
  EXPECT_EQ(u.operation, JobOperation::kUpdate);
  EXPECT_EQ(u.previous_xero_id, "xero-9");
  EXPECT_NE(u.payload.find("v2"), std::string::npos);
  EXPECT_FALSE(Get(a.job_id).has_newer_content);
}

TEST_F(JobQueueTest, DeferredContentAppliedOnTransientRetry) {
  auto a = Put(Doc("inv-1", "v1"));
  ClaimAll();
  Put(Doc("inv-1", "v2"));
  Finish(JobOutcome::Transient(a.job_id, "503", 503));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kRetrying);
  EXPECT_NE(j.payload.find("v2"), std::string::npos);
  EXPECT_FALSE(j.has_newer_content);
}

TEST_F(JobQueueTest, DeferredContentGetsOwnJobWhenPermanentFailure) {
  auto a = Put(Doc("inv-1", "v1"));
  ClaimAll();
  Put(Doc("inv-1", "v2"));
  Finish(JobOutcome::Permanent(a.job_id, "Contact name is required"));
  EXPECT_EQ(Get(a.job_id).state, JobState::kDead);
  auto page = queue_->List(JobFilter{.state = JobState::kQueued});
  ASSERT_EQ(page->jobs.size(), 1u);
  Job n = Get(page->jobs[0].id);
  EXPECT_EQ(n.operation, JobOperation::kCreate);
  EXPECT_NE(n.payload.find("v2"), std::string::npos);
}

TEST_F(JobQueueTest, BatchEnqueueReportsEachDocument) {
  auto first = queue_->Enqueue(std::vector<NewJob>{Doc("a"), Doc("b")});
  ASSERT_TRUE(first.has_value());
  auto r = queue_->Enqueue(std::vector<NewJob>{Doc("a"), Doc("b", "v2"), Doc("c"), Doc("c")});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ((*r)[1].outcome, EnqueueOutcome::kReplaced);
  EXPECT_EQ((*r)[2].outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ((*r)[3].outcome, EnqueueOutcome::kUnchanged);
  EXPECT_EQ((*r)[3].job_id, (*r)[2].job_id);
}

TEST_F(JobQueueTest, ClaimMarksRunningAndRecordsAttemptFirst) {
  for (int i = 0; i < 5; ++i) Put(Doc("inv-" + std::to_string(i)));
  auto batch = queue_->Claim("acme", 3);
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->jobs.size(), 3u);
  EXPECT_EQ(batch->next_due, clock_.Now());  // two more are due
  for (const Job& j : batch->jobs) {
    EXPECT_EQ(j.state, JobState::kRunning);
    EXPECT_EQ(j.attempts, 1);
    EXPECT_FALSE(j.payload.empty());
    auto d = queue_->Show(j.id);
    ASSERT_EQ(d->attempts.size(), 1u);
    EXPECT_EQ(d->attempts[0].number, 1);
    EXPECT_FALSE(d->attempts[0].finished_at.has_value());  // started, not finished
    EXPECT_EQ(Get(j.id).state, JobState::kRunning);        // committed
  }
  EXPECT_EQ(ClaimAll().size(), 2u);
  EXPECT_EQ(ClaimAll().size(), 0u);
  EXPECT_EQ(ClaimAll("nobody").size(), 0u);
}

TEST_F(JobQueueTest, ClaimTakesOldestDueFirstAndSkipsFutureJobs) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "503"));  // due in [1s, 10s]
  auto b = Put(Doc("b"));
  auto batch = queue_->Claim("acme", 10);
  ASSERT_EQ(batch->jobs.size(), 1u);
  EXPECT_EQ(batch->jobs[0].id, b.job_id);
  ASSERT_TRUE(batch->next_due.has_value());
  EXPECT_GT(*batch->next_due, clock_.Now());
  clock_.Advance(seconds(10));
  auto later = ClaimAll();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].id, a.job_id);
  EXPECT_EQ(later[0].attempts, 2);
}

TEST_F(JobQueueTest, SucceededRecordsResult) {
  auto a = Put(Doc("a"));
  ClaimAll();
  JobOutcome ok = JobOutcome::Succeeded(a.job_id, "X-1", "https://go.xero.com/X-1");
  ok.request_id = "req-7";
  ok.http_status = 200;
  Finish(ok);
  auto d = queue_->Show(a.job_id);
  EXPECT_EQ(d->job.state, JobState::kSucceeded);
  EXPECT_EQ(d->job.xero_id, "X-1");
  EXPECT_EQ(d->job.xero_link, "https://go.xero.com/X-1");
  EXPECT_EQ(d->job.finished_at, clock_.Now());
  ASSERT_EQ(d->attempts.size(), 1u);
  EXPECT_EQ(d->attempts[0].outcome, "succeeded");
  EXPECT_EQ(d->attempts[0].http_status, 200);
  EXPECT_EQ(d->attempts[0].request_id, "req-7");
}

TEST_F(JobQueueTest, TransientRetriesWithBackoffThenDies) {
  auto a = Put(Doc("a"));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto jobs = ClaimAll();
    ASSERT_EQ(jobs.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(jobs[0].attempts, attempt);
    const TimePoint before = clock_.Now();
    Finish(JobOutcome::Transient(a.job_id, "HTTP 503", 503));
    Job j = Get(a.job_id);
    if (attempt < 3) {
      EXPECT_EQ(j.state, JobState::kRetrying);
      const Duration ceiling =
          std::min<Duration>(config_.backoff_base * (1 << (attempt - 1)), config_.backoff_cap);
      EXPECT_GE(j.next_run_at, before + std::chrono::seconds(1));
      EXPECT_LE(j.next_run_at, before + ceiling);
      EXPECT_EQ(j.last_error, "HTTP 503");
      EXPECT_EQ(ClaimAll().size(), 0u);  // not due yet
      clock_.Set(j.next_run_at);
    } else {
      EXPECT_EQ(j.state, JobState::kDead);
      EXPECT_EQ(j.finished_at, clock_.Now());
    }
  }
  auto d = queue_->Show(a.job_id);
  ASSERT_EQ(d->attempts.size(), 3u);
  for (const auto& at : d->attempts) EXPECT_EQ(at.outcome, "transient");
}

TEST_F(JobQueueTest, RetryAfterOverridesBackoff) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "429", 429, std::chrono::seconds(120)));
  EXPECT_EQ(Get(a.job_id).next_run_at, clock_.Now() + seconds(120));
}

TEST_F(JobQueueTest, PermanentIsDeadAtOnceWithMessages) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Permanent(a.job_id, "A Contact must be specified", 400));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kDead);
  EXPECT_EQ(j.attempts, 1);
  EXPECT_EQ(j.last_error, "A Contact must be specified");
  auto d = queue_->Show(a.job_id);
  EXPECT_EQ(d->attempts[0].messages, "A Contact must be specified");
  EXPECT_EQ(d->attempts[0].http_status, 400);
}

TEST_F(JobQueueTest, ConnectionLevelParksWithoutUsingAttempts) {
  auto a = Put(Doc("a"));
  auto b = Put(Doc("b"));
  Put(Doc("c", "v1", "other"));
  ClaimAll();
  auto r = queue_->Complete({JobOutcome::ConnectionLevel(a.job_id, "401 after refresh", 401),
                             JobOutcome::ConnectionLevel(b.job_id, "401 after refresh", 401)});
  ASSERT_TRUE(r.has_value());
  for (auto id : {a.job_id, b.job_id}) {
    Job j = Get(id);
    EXPECT_EQ(j.state, JobState::kQueued);
    EXPECT_EQ(j.attempts, 0);
  }
  auto holds = queue_->Holds();
  ASSERT_TRUE(holds->contains("acme"));
  EXPECT_TRUE(holds->at("acme").parked);
  EXPECT_EQ(holds->at("acme").reason, "401 after refresh");
  // Parked: nothing to claim however long we wait; other connections go on.
  clock_.Advance(std::chrono::hours(1));
  auto held = queue_->Claim("acme", 50);
  EXPECT_TRUE(held->held);
  EXPECT_TRUE(held->jobs.empty());
  EXPECT_EQ(ClaimAll("other").size(), 1u);
  ASSERT_TRUE(queue_->Unpark("acme"));
  EXPECT_FALSE(queue_->Holds()->contains("acme"));
  EXPECT_EQ(ClaimAll().size(), 2u);
  EXPECT_EQ(Get(a.job_id).attempts, 1);
}

TEST_F(JobQueueTest, UnknownThenReconcileFound) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Unknown(a.job_id, "timeout after 60 s"));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kUnknown);
  EXPECT_TRUE(j.needs_reconcile);
  clock_.Set(j.next_run_at);
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_TRUE(jobs[0].needs_reconcile);  // the sender must look it up first
  Finish(JobOutcome::ReconciledFound(a.job_id, "X-77"));
  j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kSucceeded);
  EXPECT_EQ(j.xero_id, "X-77");
  EXPECT_FALSE(j.needs_reconcile);
  auto d = queue_->Show(a.job_id);
  ASSERT_EQ(d->attempts.size(), 2u);
  EXPECT_EQ(d->attempts[0].outcome, "unknown");
  EXPECT_TRUE(d->attempts[1].reconcile);
  EXPECT_EQ(d->attempts[1].outcome, "reconciled");
}

TEST_F(JobQueueTest, UnknownThenReconcileNotFoundSendsNow) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Unknown(a.job_id, "timeout"));
  clock_.Set(Get(a.job_id).next_run_at);
  ClaimAll();
  Finish(JobOutcome::ReconciledNotFound(a.job_id));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_FALSE(j.needs_reconcile);
  EXPECT_EQ(j.attempts, 1);  // the lookup did not use an attempt
  EXPECT_EQ(j.next_run_at, clock_.Now());
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_FALSE(jobs[0].needs_reconcile);
}

TEST_F(JobQueueTest, ReconcileFlagSurvivesTransientFailures) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Unknown(a.job_id, "timeout"));
  clock_.Set(Get(a.job_id).next_run_at);
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "lookup failed: 503"));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kRetrying);
  EXPECT_TRUE(j.needs_reconcile);
}

// A job waiting to look up what it sent keeps that content: newer content
// waits behind it, and the newest wins (an older deferred version never
// replaces a newer one).
TEST_F(JobQueueTest, ContentArrivingWhileAReconcileIsDueFollowsItNewestFirst) {
  auto a = Put(Doc("inv-1", "v1"));
  ClaimAll();
  Finish(JobOutcome::Unknown(a.job_id, "timeout"));
  EXPECT_EQ(Put(Doc("inv-1", "v2")).outcome, EnqueueOutcome::kDeferred);
  clock_.Set(Get(a.job_id).next_run_at);
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "lookup failed: 503"));
  ASSERT_EQ(Get(a.job_id).state, JobState::kRetrying);
  ASSERT_TRUE(Get(a.job_id).needs_reconcile);
  // v3 while the lookup is still due: v1 stays what is looked up, v3 follows.
  EXPECT_EQ(Put(Doc("inv-1", "v3")).outcome, EnqueueOutcome::kDeferred);
  Job waiting = Get(a.job_id);
  EXPECT_NE(waiting.payload.find("v1"), std::string::npos);
  EXPECT_TRUE(waiting.has_newer_content);
  // Not found in Xero: what is sent now is v3, not v2.
  clock_.Set(waiting.next_run_at);
  ClaimAll();
  Finish(JobOutcome::ReconciledNotFound(a.job_id));
  Job sent = Get(a.job_id);
  EXPECT_EQ(sent.state, JobState::kQueued);
  EXPECT_NE(sent.payload.find("v3"), std::string::npos) << sent.payload;
  EXPECT_FALSE(sent.has_newer_content);
}

TEST_F(JobQueueTest, UnknownAtLastAttemptIsDeadButStillNeedsReconcile) {
  auto a = Put(Doc("a"));
  for (int i = 0; i < 3; ++i) {
    clock_.Set(Get(a.job_id).next_run_at);
    ASSERT_EQ(ClaimAll().size(), 1u);
    Finish(JobOutcome::Unknown(a.job_id, "timeout"));
  }
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kDead);
  EXPECT_TRUE(j.needs_reconcile);
  ASSERT_TRUE(queue_->Retry(a.job_id));
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_TRUE(jobs[0].needs_reconcile);
}

TEST_F(JobQueueTest, RecoveryTurnsRunningIntoUnknown) {
  auto a = Put(Doc("a"));
  auto b = Put(Doc("b"));
  ASSERT_EQ(queue_->Claim("acme", 1)->jobs.size(), 1u);  // a is running
  Reopen();                                              // "crash" and restart
  Job ja = Get(a.job_id);
  EXPECT_EQ(ja.state, JobState::kUnknown);
  EXPECT_TRUE(ja.needs_reconcile);
  EXPECT_EQ(Get(b.job_id).state, JobState::kQueued);  // untouched
  auto d = queue_->Show(a.job_id);
  EXPECT_EQ(d->attempts[0].outcome, "interrupted");
  EXPECT_EQ(queue_->Counters().recovered, 1u);
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& j : jobs) EXPECT_EQ(j.needs_reconcile, j.id == a.job_id);
}

TEST_F(JobQueueTest, StaleOutcomesAreIgnored) {
  auto a = Put(Doc("a"));
  auto r = queue_->Complete({JobOutcome::Succeeded(a.job_id, "X")});  // never claimed
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stale, 1);
  EXPECT_EQ(Get(a.job_id).state, JobState::kQueued);
}

// Every hot statement is an index search of the named index: no scan of jobs,
// no temporary b-tree for sorting, whatever the table holds.
TEST_F(JobQueueTest, HotQueriesAreIndexRangesWithoutSorting) {
  auto db = Database::Open(path());
  ASSERT_TRUE(db.has_value());
  auto plan_of = [&](std::string_view sql) {
    auto plan = (*db)->handle().Prepare(fmt::format("EXPLAIN QUERY PLAN {}", sql));
    EXPECT_TRUE(plan.has_value()) << plan.error().ToString();
    std::string text;
    if (plan) {
      while (*plan->Step()) text += plan->Text(3) + "\n";
    }
    return text;
  };
  // Every table access is an index (or rowid) search or a covering index
  // scan, and nothing is sorted.
  auto expect_indexed = [&](const std::string& sql, bool sorts_ok = false) {
    const std::string text = plan_of(sql);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("SCAN jobs") != std::string::npos) {
        EXPECT_NE(line.find("USING COVERING INDEX"), std::string::npos) << sql << "\n" << text;
      }
    }
    if (!sorts_ok) {
      EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << sql << "\n" << text;
    }
    return text;
  };
  auto uses = [](const std::string& text, const std::string& how) {
    return text.find(how) != std::string::npos;
  };
  const struct {
    std::string sql;
    std::vector<std::string> indexes;
  } cases[] = {
      // The scheduler's reads never touch the table.
      {queue::ReadySql(), {"COVERING INDEX jobs_ready ("}},
      {queue::NextDueSql(), {"COVERING INDEX jobs_ready ("}},
      {queue::PendingOfDocumentSql(), {"INDEX jobs_pending_key ("}},
      // Dedupe's second seek also finds unresolved ends (reconcile on re-enqueue).
      {queue::DocumentHistorySql(), {"INDEX jobs_done_key ("}},
      // The copy pipeline: payments waiting for invoices.
      {queue::WakeDependentsSql(), {"INDEX jobs_waiting (connection=? AND depends_on=?)"}},
      // Counts: queued from jobs_ready, the rest from jobs_state, no table reads.
      {queue::CountsSql(true), {"COVERING INDEX jobs_ready (", "COVERING INDEX jobs_state ("}},
      {queue::CountsSql(false), {"COVERING INDEX jobs_ready", "COVERING INDEX jobs_state ("}},
  };
  for (const auto& c : cases) {
    const std::string text = expect_indexed(c.sql);
    for (const auto& how : c.indexes) EXPECT_TRUE(uses(text, how)) << c.sql << "\n" << text;
  }
  EXPECT_EQ(plan_of(queue::CountsSql(true)).find("SCAN jobs"), std::string::npos);

  // Listing: pages in id order, never a sort of a big state.
  for (int s = 0; s <= static_cast<int>(JobState::kUnknown); ++s) {
    const auto state = static_cast<JobState>(s);
    const bool few = state == JobState::kRunning || state == JobState::kRetrying ||
                     state == JobState::kDead || state == JobState::kUnknown;
    JobFilter filter;
    filter.state = state;
    // A state alone: a (sorted) jobs_state range for the small states, the
    // rowid order for the others.
    std::string text = expect_indexed(queue::ListSql(filter), /*sorts_ok=*/few);
    EXPECT_TRUE(uses(text, few ? "INDEX jobs_state (state=?)" : "INTEGER PRIMARY KEY (rowid>?)"))
        << ToString(state) << "\n"
        << text;
    // A state of one connection: a jobs_state range in id order.
    filter.connection = "acme";
    text = expect_indexed(queue::ListSql(filter));
    EXPECT_TRUE(uses(text, state == JobState::kQueued
                               ? "INTEGER PRIMARY KEY (rowid>?)"
                               : "INDEX jobs_state (state=? AND connection=? AND id>?)"))
        << ToString(state) << "\n"
        << text;
  }
}

TEST_F(JobQueueTest, ConcurrentEnqueuesShareCommits) {
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  const auto before = queue_->Counters();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = queue_->Enqueue(Doc(fmt::format("t{}-{}", t, i)));
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(r->outcome, EnqueueOutcome::kCreated);
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto after = queue_->Counters();
  EXPECT_EQ(after.requests - before.requests, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_LT(after.commits - before.commits, after.requests - before.requests);
  EXPECT_EQ((*queue_->Counts())[JobState::kQueued], kThreads * kEach);
}

TEST_F(JobQueueTest, EnqueueAsyncCompletesAfterCommit) {
  std::promise<Result<std::vector<EnqueueResult>>> p;
  queue_->EnqueueAsync({Doc("a")}, [&](Result<std::vector<EnqueueResult>> r) {
    // Already durable: a separate connection sees it.
    auto db = Database::Open(path());
    EXPECT_EQ(*(*db)->handle().QueryInt("SELECT count(*) FROM jobs"), 1);
    p.set_value(std::move(r));
  });
  auto r = p.get_future().get();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at(0).outcome, EnqueueOutcome::kCreated);
}

TEST_F(JobQueueTest, FailedRequestInAGroupDoesNotAffectOthers) {
  // Many concurrent async requests, some invalid: the valid ones all commit.
  std::atomic<int> ok{0}, bad{0}, pending{200};
  for (int i = 0; i < 200; ++i) {
    NewJob j = i % 3 == 0 ? NewJob{"acme", DocumentType::kInvoice, "", "{}"}
                          : Doc("d" + std::to_string(i));
    queue_->EnqueueAsync({j}, [&](Result<std::vector<EnqueueResult>> r) {
      (r ? ok : bad)++;
      pending--;
    });
  }
  ASSERT_TRUE(testing::WaitFor([&] { return pending.load() == 0; }));
  EXPECT_EQ(bad.load(), 67);
  EXPECT_EQ(ok.load(), 133);
  EXPECT_EQ((*queue_->Counts())[JobState::kQueued], 133);
}

}  // namespace
}  // namespace xerod
