// SPDX-License-Identifier: MIT
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "queue_fixture.h"
#include "store/sqlite.h"
#include "xerod/job_queue.h"

namespace xerod {
namespace {

using std::chrono::hours;
using testing::QueueFixture;

class JobQueueOpsTest : public QueueFixture {};

TEST_F(JobQueueOpsTest, PauseResumeGlobalAndPerConnectionPersist) {
  Put(Doc("a"));
  Put(Doc("b", "v1", "other"));
  ASSERT_TRUE(queue_->Pause("acme"));
  EXPECT_TRUE(queue_->Claim("acme", 10)->held);
  EXPECT_EQ(ClaimAll("other").size(), 1u);
  ASSERT_TRUE(queue_->Pause());
  Put(Doc("c", "v1", "other"));
  Reopen();  // persisted across restarts
  auto holds = queue_->Holds();
  ASSERT_TRUE(holds.has_value());
  EXPECT_TRUE(holds->at("*").paused);
  EXPECT_TRUE(holds->at("acme").paused);
  EXPECT_TRUE(queue_->Claim("other", 10)->held);
  ASSERT_TRUE(queue_->Resume());
  EXPECT_EQ(ClaimAll("other").size(), 2u);  // c, and b (running at the restart: unknown)
  EXPECT_TRUE(queue_->Claim("acme", 10)->held);
  ASSERT_TRUE(queue_->Resume("acme"));
  EXPECT_EQ(ClaimAll("acme").size(), 1u);
  EXPECT_TRUE(queue_->Holds()->empty());
}

TEST_F(JobQueueOpsTest, PauseAndParkAreIndependent) {
  ASSERT_TRUE(queue_->Park("acme", "invalid_grant"));
  ASSERT_TRUE(queue_->Pause("acme"));
  ASSERT_TRUE(queue_->Unpark("acme"));
  auto h = queue_->Holds()->at("acme");
  EXPECT_TRUE(h.paused);
  EXPECT_FALSE(h.parked);
  ASSERT_TRUE(queue_->Resume("acme"));
  EXPECT_FALSE(queue_->Holds()->contains("acme"));
}

TEST_F(JobQueueOpsTest, CancelAllowedStates) {
  auto q = Put(Doc("q"));
  ASSERT_TRUE(queue_->Cancel(q.job_id));
  EXPECT_EQ(Get(q.job_id).state, JobState::kCancelled);
  EXPECT_EQ(Get(q.job_id).finished_at, clock_.Now());

  auto r = Put(Doc("r"));
  ClaimAll();
  auto running = queue_->Cancel(r.job_id);
  ASSERT_FALSE(running.has_value());
  EXPECT_EQ(running.error().code(), Code::kFailedPrecondition);
  Finish(JobOutcome::Transient(r.job_id, "503"));
  ASSERT_TRUE(queue_->Cancel(r.job_id));  // retrying

  auto u = Put(Doc("u"));
  ClaimAll();
  Finish(JobOutcome::Unknown(u.job_id, "timeout"));
  ASSERT_TRUE(queue_->Cancel(u.job_id));  // unknown

  auto d = Put(Doc("d"));
  ClaimAll();
  Finish(JobOutcome::Permanent(d.job_id, "bad"));
  ASSERT_TRUE(queue_->Cancel(d.job_id));  // dead

  auto s = Put(Doc("s"));
  ClaimAll();
  Finish(JobOutcome::Succeeded(s.job_id, "X"));
  EXPECT_EQ(queue_->Cancel(s.job_id).error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(queue_->Cancel(q.job_id).error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(queue_->Cancel(9999).error().code(), Code::kNotFound);
  // A cancelled document can be enqueued again.
  EXPECT_EQ(Put(Doc("q")).outcome, EnqueueOutcome::kCreated);
}

TEST_F(JobQueueOpsTest, RetryDeadJob) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Permanent(a.job_id, "bad"));
  ASSERT_TRUE(queue_->Retry(a.job_id));
  Job j = Get(a.job_id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
  EXPECT_FALSE(j.finished_at.has_value());
  EXPECT_EQ(queue_->Retry(a.job_id).error().code(), Code::kFailedPrecondition);  // not dead
  EXPECT_EQ(queue_->Retry(424242).error().code(), Code::kNotFound);
}

TEST_F(JobQueueOpsTest, RetryRefusesWhenANewerJobIsPending) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Permanent(a.job_id, "bad"));
  auto b = Put(Doc("a", "fixed"));
  EXPECT_EQ(b.outcome, EnqueueOutcome::kCreated);
  auto r = queue_->Retry(a.job_id);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(Get(a.job_id).state, JobState::kDead);
}

TEST_F(JobQueueOpsTest, RetryAllDeadOfAConnection) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Put(Doc("d" + std::to_string(i))).job_id);
  auto other = Put(Doc("x", "v1", "other"));
  ClaimAll();
  ClaimAll("other");
  for (auto id : ids) Finish(JobOutcome::Permanent(id, "bad"));
  Finish(JobOutcome::Permanent(other.job_id, "bad"));
  Put(Doc("d0", "v2"));  // supersedes d0: skipped
  auto n = queue_->RetryAllDead("acme");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 3);
  EXPECT_EQ(Get(ids[0]).state, JobState::kDead);
  EXPECT_EQ(Get(other.job_id).state, JobState::kDead);
  EXPECT_EQ((*queue_->Counts("acme"))[JobState::kQueued], 4);
}

TEST_F(JobQueueOpsTest, ListFiltersAndKeysetPagination) {
  for (int i = 0; i < 25; ++i) Put(Doc("i" + std::to_string(i)));
  for (int i = 0; i < 5; ++i)
    Put(Doc("p" + std::to_string(i), "v1", "acme", DocumentType::kPayment));
  for (int i = 0; i < 3; ++i) Put(Doc("o" + std::to_string(i), "v1", "other"));
  ClaimAll("other");
  std::vector<std::int64_t> seen;
  JobFilter f{.connection = "acme", .kind = DocumentType::kInvoice, .limit = 10};
  int pages = 0;
  while (true) {
    auto page = queue_->List(f);
    ASSERT_TRUE(page.has_value());
    ++pages;
    for (const Job& j : page->jobs) {
      EXPECT_EQ(j.connection, "acme");
      EXPECT_EQ(j.kind, DocumentType::kInvoice);
      EXPECT_TRUE(j.payload.empty());
      if (!seen.empty()) {
        EXPECT_GT(j.id, seen.back());
      }
      seen.push_back(j.id);
    }
    if (!page->next_after_id) break;
    f.after_id = *page->next_after_id;
  }
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(pages, 3);
  auto running = queue_->List(JobFilter{.state = JobState::kRunning});
  EXPECT_EQ(running->jobs.size(), 3u);
  EXPECT_FALSE(running->next_after_id.has_value());
}

TEST_F(JobQueueOpsTest, CountsGlobalAndPerConnection) {
  Put(Doc("a"));
  Put(Doc("b"));
  Put(Doc("c", "v1", "other"));
  queue_->Claim("acme", 1);
  auto all = queue_->Counts();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->at(JobState::kQueued), 2);
  EXPECT_EQ(all->at(JobState::kRunning), 1);
  EXPECT_EQ(all->at(JobState::kDead), 0);
  auto acme = queue_->Counts("acme");
  EXPECT_EQ(acme->at(JobState::kQueued), 1);
  EXPECT_EQ(acme->at(JobState::kRunning), 1);
}

// Counts and state-filtered listing read partial indexes (queued jobs are
// counted in jobs_ready, the rest in jobs_state): they must agree with a plain
// table scan for any mix of states.
TEST_F(JobQueueOpsTest, CountsAndListsAgreeWithATableScan) {
  const std::string connections[] = {"acme", "beta", "gamma"};
  for (int i = 0; i < 300; ++i) Put(Doc(fmt::format("d{}", i), "v1", connections[i % 3]));
  auto db = Database::Open(path());
  ASSERT_TRUE(db.has_value());
  auto& h = (*db)->handle();
  // Random states (every document distinct, so jobs_pending_key holds).
  ASSERT_TRUE(
      h.Exec("UPDATE jobs SET state = CASE abs(random()) % 7 WHEN 0 THEN 'queued' "
             "WHEN 1 THEN 'running' WHEN 2 THEN 'retrying' WHEN 3 THEN 'succeeded' "
             "WHEN 4 THEN 'dead' WHEN 5 THEN 'cancelled' ELSE 'unknown' END"));
  auto scan_count = [&](JobState state, const std::string& connection) {
    auto q = h.Prepare(
        "SELECT count(*) FROM jobs NOT INDEXED WHERE state = ?1 AND (?2 = '' OR connection = ?2)");
    EXPECT_TRUE(q.has_value());
    q->Bind(1, ToString(state)).Bind(2, connection);
    EXPECT_TRUE(*q->Step());
    return q->Int(0);
  };
  auto scan_ids = [&](JobState state, const std::string& connection) {
    auto q = h.Prepare(
        "SELECT id FROM jobs NOT INDEXED WHERE state = ?1 AND (?2 = '' OR connection = ?2) "
        "ORDER BY id");
    EXPECT_TRUE(q.has_value());
    q->Bind(1, ToString(state)).Bind(2, connection);
    std::vector<std::int64_t> ids;
    while (*q->Step()) ids.push_back(q->Int(0));
    return ids;
  };
  auto all = queue_->Counts();
  ASSERT_TRUE(all.has_value());
  std::int64_t total = 0;
  for (int s = 0; s <= static_cast<int>(JobState::kUnknown); ++s) {
    const auto state = static_cast<JobState>(s);
    EXPECT_EQ(all->at(state), scan_count(state, "")) << ToString(state);
    total += all->at(state);
    for (const auto& c : connections) {
      EXPECT_EQ(queue_->Counts(c)->at(state), scan_count(state, c)) << ToString(state) << " " << c;
    }
    for (const std::string c : {"", "beta"}) {
      JobFilter f;
      f.state = state;
      if (!c.empty()) f.connection = c;
      f.limit = 7;
      std::vector<std::int64_t> listed;
      while (true) {
        auto page = queue_->List(f);
        ASSERT_TRUE(page.has_value()) << page.error().ToString();
        for (const auto& j : page->jobs) listed.push_back(j.id);
        if (!page->next_after_id) break;
        f.after_id = *page->next_after_id;
      }
      EXPECT_EQ(listed, scan_ids(state, c)) << ToString(state) << " '" << c << "'";
    }
  }
  EXPECT_EQ(total, 300);
}

TEST_F(JobQueueOpsTest, RetentionPurgeKeepsDeadAndLatestSuccess) {
  auto old_done = Put(Doc("a"));
  auto cancelled = Put(Doc("c"));
  auto dead = Put(Doc("d"));
  ClaimAll();
  Finish(JobOutcome::Succeeded(old_done.job_id, "XA"));
  Finish(JobOutcome::Permanent(dead.job_id, "bad"));
  ASSERT_TRUE(queue_->Complete({JobOutcome::Transient(cancelled.job_id, "503")}));
  ASSERT_TRUE(queue_->Cancel(cancelled.job_id));
  auto update = Put(Doc("a", "v2"));  // update job for a
  clock_.Set(Get(update.job_id).next_run_at);
  ClaimAll();
  Finish(JobOutcome::Succeeded(update.job_id, "XA"));
  clock_.Advance(hours(25));
  auto fresh = Put(Doc("f"));
  ClaimAll();
  Finish(JobOutcome::Succeeded(fresh.job_id, "XF"));
  auto n = queue_->Purge(clock_.Now() - config_.retention);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 2);  // the first success of a (superseded) and the cancelled job
  EXPECT_EQ(queue_->Show(old_done.job_id).error().code(), Code::kNotFound);
  EXPECT_EQ(queue_->Show(cancelled.job_id).error().code(), Code::kNotFound);
  EXPECT_EQ(Get(update.job_id).state, JobState::kSucceeded);  // latest success of a: kept
  EXPECT_EQ(Get(dead.job_id).state, JobState::kDead);         // waits for a person
  EXPECT_EQ(Get(fresh.job_id).state, JobState::kSucceeded);   // younger than retention
  // Dedupe still knows a's Xero id.
  auto again = Put(Doc("a", "v3"));
  EXPECT_EQ(again.outcome, EnqueueOutcome::kUpdateCreated);
  EXPECT_EQ(Get(again.job_id).previous_xero_id, "XA");
  // Attempt rows went with their jobs.
  auto db = Database::Open(path());
  EXPECT_EQ(*(*db)->handle().QueryInt(fmt::format(
                "SELECT count(*) FROM job_attempts WHERE job_id = {}", old_done.job_id)),
            0);
}

TEST_F(JobQueueOpsTest, DueConnections) {
  Put(Doc("a"));
  Put(Doc("b", "v1", "beta"));
  auto c = Put(Doc("c", "v1", "gamma"));
  ClaimAll("gamma");
  Finish(JobOutcome::Transient(c.job_id, "503", 503, std::chrono::seconds(30)));
  Put(Doc("d", "v1", "delta"));
  ClaimAll("delta");  // running: not due
  auto due = queue_->DueConnections();
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ(due->at("acme"), clock_.Now());
  EXPECT_EQ(due->at("beta"), clock_.Now());
  EXPECT_EQ(due->at("gamma"), clock_.Now() + std::chrono::seconds(30));
}

class Recorder : public QueueListener {
 public:
  void OnJobStateChanged(const JobStateChange& c) override {
    std::lock_guard lock(mu);
    states.push_back(c.state);
  }
  void OnHoldChanged(const HoldChange& c) override {
    std::lock_guard lock(mu);
    holds.push_back(c.scope);
  }
  std::mutex mu;
  std::vector<JobState> states;
  std::vector<std::string> holds;
};

TEST_F(JobQueueOpsTest, ListenersSeeCommittedChangesAndCounters) {
  Recorder rec;
  queue_->AddListener(&rec);
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Transient(a.job_id, "503"));
  clock_.Set(Get(a.job_id).next_run_at);
  ClaimAll();
  Finish(JobOutcome::Succeeded(a.job_id, "X"));
  ASSERT_TRUE(queue_->Pause("acme"));
  // A failed request publishes nothing.
  EXPECT_FALSE(queue_->Enqueue(NewJob{"acme", DocumentType::kInvoice, "", "x"}).has_value());
  queue_->RemoveListener(&rec);
  Put(Doc("b"));
  std::lock_guard lock(rec.mu);
  EXPECT_EQ(rec.states,
            (std::vector<JobState>{JobState::kQueued, JobState::kRunning, JobState::kRetrying,
                                   JobState::kRunning, JobState::kSucceeded}));
  EXPECT_EQ(rec.holds, std::vector<std::string>{"acme"});
  auto c = queue_->Counters();
  EXPECT_EQ(c.created, 2u);
  EXPECT_EQ(c.claimed, 2u);
  EXPECT_EQ(c.retried, 1u);
  EXPECT_EQ(c.succeeded, 1u);
}

TEST_F(JobQueueOpsTest, RefusesNonsenseConfig) {
  QueueConfig bad = config_;
  bad.max_attempts = 0;
  EXPECT_EQ(JobQueue::Open(dir_.File("b.db"), bad, clock_).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace xerod
