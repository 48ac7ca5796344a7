// SPDX-License-Identifier: MIT
// What the copy pipeline needs of the queue: payments that wait for their
// invoice without using attempts (and wake when it is copied), jobs skipped
// with a reason, and the reconcile flag carried over when a document whose
// outcome was never learnt is enqueued again.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "queue_fixture.h"
#include "xerod/job_queue.h"

namespace xerod {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::QueueFixture;

class JobDependencyTest : public QueueFixture {
 protected:
  static NewJob Payment(const std::string& id, const std::string& invoice,
                        const std::string& amount = "10") {
    NewJob j = Doc(id, amount, "acme", DocumentType::kPayment);
    j.depends_on = invoice;
    return j;
  }
  std::vector<JobAttempt> Attempts(std::int64_t id) {
    auto d = queue_->Show(id);
    EXPECT_TRUE(d.has_value());
    return d ? d->attempts : std::vector<JobAttempt>{};
  }
};

class ChangeRecorder : public QueueListener {
 public:
  void OnJobStateChanged(const JobStateChange& c) override {
    std::lock_guard lock(mu);
    changes.push_back(c);
  }
  std::vector<JobStateChange> Take() {
    std::lock_guard lock(mu);
    return std::exchange(changes, {});
  }
  std::mutex mu;
  std::vector<JobStateChange> changes;
};

TEST_F(JobDependencyTest, AClaimedPaymentCarriesItsInvoicesState) {
  auto pay = Put(Payment("pay-1", "inv-1"));
  // No invoice at all yet.
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(jobs[0].dependency.has_value());
  EXPECT_EQ(jobs[0].depends_on, "inv-1");
  EXPECT_EQ(jobs[0].dependency->source_id, "inv-1");
  EXPECT_FALSE(jobs[0].dependency->pending_job.has_value());
  EXPECT_FALSE(jobs[0].dependency->xero_id.has_value());
  Finish(JobOutcome::Waiting(pay.job_id, "waiting for invoice inv-1", seconds(30)));

  // The invoice is queued: the payment sees its pending job.
  auto inv = Put(Doc("inv-1"));
  clock_.Advance(seconds(30));
  jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 2u);
  const Job& p = jobs[0].kind == DocumentType::kPayment ? jobs[0] : jobs[1];
  ASSERT_TRUE(p.dependency.has_value());
  EXPECT_EQ(p.dependency->pending_job, inv.job_id);
  EXPECT_EQ(p.dependency->pending_state, JobState::kRunning);  // claimed in the same batch
  // Invoices have no dependency.
  const Job& i = jobs[0].kind == DocumentType::kInvoice ? jobs[0] : jobs[1];
  EXPECT_FALSE(i.dependency.has_value());
  EXPECT_FALSE(i.depends_on.has_value());
  Finish(JobOutcome::Waiting(pay.job_id, "waiting", seconds(30)));
  Finish(JobOutcome::Succeeded(inv.job_id, "X-1", "https://x/1"));

  // Copied: the payment sees the InvoiceID and nothing pending.
  jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(jobs[0].dependency.has_value());
  EXPECT_EQ(jobs[0].dependency->xero_id, "X-1");
  EXPECT_FALSE(jobs[0].dependency->pending_job.has_value());
}

TEST_F(JobDependencyTest, WaitingUsesNoAttemptAndLeavesNoAttemptRow) {
  config_.max_attempts = 2;
  Reopen();
  auto pay = Put(Payment("pay-1", "inv-1"));
  for (int round = 0; round < 5; ++round) {  // more rounds than max_attempts
    auto jobs = ClaimAll();
    ASSERT_EQ(jobs.size(), 1u) << round;
    Finish(JobOutcome::Waiting(pay.job_id, "waiting for invoice inv-1 to be copied", minutes(2)));
    Job j = Get(pay.job_id);
    EXPECT_EQ(j.state, JobState::kQueued);
    EXPECT_EQ(j.attempts, 0);
    EXPECT_EQ(j.last_error, "waiting for invoice inv-1 to be copied");
    EXPECT_EQ(j.next_run_at, clock_.Now() + minutes(2));
    EXPECT_TRUE(Attempts(pay.job_id).empty());
    EXPECT_TRUE(ClaimAll().empty()) << "not due before the wait is over";
    clock_.Advance(minutes(2));
  }
}

TEST_F(JobDependencyTest, ACopiedInvoiceWakesThePaymentsWaitingForIt) {
  ChangeRecorder recorder;
  queue_->AddListener(&recorder);
  auto inv = Put(Doc("inv-1"));
  auto p1 = Put(Payment("pay-1", "inv-1", "10"));
  auto p2 = Put(Payment("pay-2", "inv-1", "20"));
  auto other = Put(Payment("pay-3", "inv-2", "30"));
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 4u);
  for (std::int64_t id : {p1.job_id, p2.job_id, other.job_id}) {
    Finish(JobOutcome::Waiting(id, "waiting", std::chrono::hours(1)));
  }
  recorder.Take();
  clock_.Advance(seconds(5));
  Finish(JobOutcome::Succeeded(inv.job_id, "X-1", "https://x/1"));
  EXPECT_EQ(Get(p1.job_id).next_run_at, clock_.Now());
  EXPECT_EQ(Get(p2.job_id).next_run_at, clock_.Now());
  EXPECT_EQ(Get(other.job_id).next_run_at, clock_.Now() - seconds(5) + std::chrono::hours(1));
  // The scheduler learns they are due, and subscribers learn what Xero gave back.
  std::vector<std::int64_t> woken;
  bool saw_success = false;
  for (const JobStateChange& c : recorder.Take()) {
    if (c.state == JobState::kQueued) woken.push_back(c.job_id);
    if (c.state == JobState::kSucceeded) {
      saw_success = true;
      EXPECT_EQ(c.xero_id, "X-1");
      EXPECT_EQ(c.xero_link, "https://x/1");
    }
  }
  std::sort(woken.begin(), woken.end());
  EXPECT_EQ(woken, (std::vector<std::int64_t>{p1.job_id, p2.job_id}));
  EXPECT_TRUE(saw_success);
  auto due = ClaimAll();
  EXPECT_EQ(due.size(), 2u);
  queue_->RemoveListener(&recorder);
}

TEST_F(JobDependencyTest, PaymentsEnqueuedAfterTheFirstSuccessOrBeforeARestartAreWoken) {
  // No payment yet: an invoice's success has nothing to wake.
  auto inv1 = Put(Doc("inv-1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Succeeded(inv1.job_id, "X-1", ""));
  // The first payment arrives after that: its invoice's success wakes it.
  auto inv2 = Put(Doc("inv-2"));
  auto pay2 = Put(Payment("pay-2", "inv-2"));
  ASSERT_EQ(ClaimAll().size(), 2u);
  Finish(JobOutcome::Waiting(pay2.job_id, "waiting", std::chrono::hours(1)));
  clock_.Advance(seconds(5));
  Finish(JobOutcome::Succeeded(inv2.job_id, "X-2", ""));
  EXPECT_EQ(Get(pay2.job_id).next_run_at, clock_.Now());
  Finish(JobOutcome::Succeeded(ClaimAll().at(0).id, "P-2", ""));
  // A payment waits across a restart: its invoice's success still wakes it.
  auto inv3 = Put(Doc("inv-3"));
  auto pay3 = Put(Payment("pay-3", "inv-3"));
  ASSERT_EQ(ClaimAll().size(), 2u);
  Finish(JobOutcome::Waiting(pay3.job_id, "waiting", std::chrono::hours(1)));
  Finish(JobOutcome::Unknown(inv3.job_id, "timeout"));
  Reopen();
  clock_.Advance(minutes(10));  // the unknown outcome's backoff
  auto again = ClaimAll();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, inv3.job_id);
  clock_.Advance(seconds(5));
  Finish(JobOutcome::ReconciledFound(inv3.job_id, "X-3", ""));
  EXPECT_EQ(Get(pay3.job_id).next_run_at, clock_.Now());
}

TEST_F(JobDependencyTest, SkippedJobsAreCancelledWithTheReasonAndNoAttempt) {
  auto pay = Put(Payment("pay-1", "inv-1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Skipped(pay.job_id, "payments are not copied for connection acme"));
  Job j = Get(pay.job_id);
  EXPECT_EQ(j.state, JobState::kCancelled);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_EQ(j.last_error, "payments are not copied for connection acme");
  EXPECT_TRUE(j.finished_at.has_value());
  EXPECT_TRUE(Attempts(pay.job_id).empty());
  // Enqueued again later (say the setting changed): a new job.
  auto again = Put(Payment("pay-1", "inv-1"));
  EXPECT_EQ(again.outcome, EnqueueOutcome::kCreated);
  EXPECT_NE(again.job_id, pay.job_id);
}

TEST_F(JobDependencyTest, ReEnqueueAfterAnUnresolvedJobReconcilesFirst) {
  // Cancelled while its outcome was unknown.
  auto first = Put(Doc("inv-1", "v1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Unknown(first.job_id, "timeout"));
  ASSERT_TRUE(queue_->Cancel(first.job_id));
  auto second = Put(Doc("inv-1", "v2"));
  EXPECT_EQ(second.outcome, EnqueueOutcome::kCreated);
  EXPECT_TRUE(Get(second.job_id).needs_reconcile);
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_TRUE(jobs[0].needs_reconcile);
  EXPECT_TRUE(Attempts(second.job_id).front().reconcile);

  // Dead with its outcome unknown (attempts used up): the same.
  config_.max_attempts = 1;
  Reopen();
  auto third = Put(Doc("inv-2", "v1"));
  ASSERT_EQ(ClaimAll().size(), 2u);  // inv-1 (running at the reopen, so unknown) and inv-2
  Finish(JobOutcome::Unknown(third.job_id, "timeout"));
  ASSERT_EQ(Get(third.job_id).state, JobState::kDead);
  auto fourth = Put(Doc("inv-2", "v1"));
  EXPECT_EQ(fourth.outcome, EnqueueOutcome::kCreated);
  EXPECT_TRUE(Get(fourth.job_id).needs_reconcile);
}

TEST_F(JobDependencyTest, AnUnresolvedUpdateAfterASuccessStaysAnUpdateOfThatInvoice) {
  auto first = Put(Doc("inv-1", "v1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Succeeded(first.job_id, "X-1", ""));
  // The update's outcome is never learnt and it is cancelled.
  auto update = Put(Doc("inv-1", "v2"));
  ASSERT_EQ(update.outcome, EnqueueOutcome::kUpdateCreated);
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Unknown(update.job_id, "timeout"));
  ASSERT_TRUE(queue_->Cancel(update.job_id));
  // The invoice is in Xero as X-1 either way: the next change updates it.
  auto third = Put(Doc("inv-1", "v3"));
  EXPECT_EQ(third.outcome, EnqueueOutcome::kUpdateCreated);
  Job j = Get(third.job_id);
  EXPECT_EQ(j.operation, JobOperation::kUpdate);
  EXPECT_EQ(j.previous_xero_id, "X-1");
  // Content equal to the newest success is still "unchanged".
  ASSERT_TRUE(queue_->Cancel(third.job_id));
  EXPECT_EQ(Put(Doc("inv-1", "v1")).outcome, EnqueueOutcome::kUnchanged);
}

TEST_F(JobDependencyTest, ReEnqueueAfterAKnownFailureSendsPlainly) {
  auto first = Put(Doc("inv-1", "v1"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  Finish(JobOutcome::Permanent(first.job_id, "Invoice # must be unique."));
  ASSERT_EQ(Get(first.job_id).state, JobState::kDead);
  auto second = Put(Doc("inv-1", "v2"));
  EXPECT_EQ(second.outcome, EnqueueOutcome::kCreated);
  EXPECT_FALSE(Get(second.job_id).needs_reconcile);
  // Another document's unresolved past does not leak into this one.
  auto other = Put(Doc("inv-9"));
  ASSERT_EQ(ClaimAll().size(), 2u);
  Finish(JobOutcome::Unknown(other.job_id, "timeout"));
  ASSERT_TRUE(queue_->Cancel(other.job_id));
  EXPECT_FALSE(Get(Put(Doc("inv-3")).job_id).needs_reconcile);
}

TEST_F(JobDependencyTest, NewerContentOfAPaymentKeepsItsInvoice) {
  auto pay = Put(Payment("pay-1", "inv-1", "10"));
  ASSERT_EQ(ClaimAll().size(), 1u);
  auto deferred = Put(Payment("pay-1", "inv-1", "12"));
  EXPECT_EQ(deferred.outcome, EnqueueOutcome::kDeferred);
  Finish(JobOutcome::Succeeded(pay.job_id, "P-1"));
  auto jobs = ClaimAll();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].operation, JobOperation::kUpdate);
  EXPECT_EQ(jobs[0].depends_on, "inv-1");
}

}  // namespace
}  // namespace xerod
