// SPDX-License-Identifier: MIT
#include "xerod/scheduler.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <mutex>
#include <thread>

#include "queue_fixture.h"

namespace xerod {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;
using testing::WaitFor;

class FakeSender : public Sender {
 public:
  using Respond = std::function<JobOutcome(const std::string&, const Job&)>;

  void Send(const std::string& connection, std::vector<Job> jobs,
            std::function<void(std::vector<JobOutcome>)> done) override {
    std::vector<JobOutcome> outs;
    std::vector<std::int64_t> ids;
    std::unique_lock lock(mu);
    for (const Job& j : jobs) {
      ids.push_back(j.id);
      if (j.needs_reconcile) reconciled.push_back(j.id);
      outs.push_back(respond ? respond(connection, j)
                             : JobOutcome::Succeeded(j.id, "X" + j.source_id));
    }
    batches.emplace_back(connection, ids);
    if (hold) {
      held.push_back([done, outs] { done(outs); });
      return;
    }
    lock.unlock();
    done(std::move(outs));
  }

  std::size_t batch_count() {
    std::lock_guard lock(mu);
    return batches.size();
  }
  void Release() {
    std::vector<std::function<void()>> h;
    {
      std::lock_guard lock(mu);
      h.swap(held);
      hold = false;
    }
    for (auto& f : h) f();
  }

  std::mutex mu;
  Respond respond;
  bool hold = false;
  std::vector<std::function<void()>> held;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> batches;
  std::vector<std::int64_t> reconciled;
};

class SchedulerTest : public testing::QueueFixture {
 protected:
  void SetUp() override {
    QueueFixture::SetUp();
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    OnLoop([this] { scheduler_.reset(); });
    guard_.reset();
    loop_.join();
    queue_.reset();  // drain the writer while io_ still exists
  }

  // Runs f on the loop thread and waits for it.
  void OnLoop(std::function<void()> f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().get();
  }

  void StartScheduler(SchedulerOptions options = {}, SendGate* gate = nullptr) {
    OnLoop([&] {
      scheduler_ = std::make_unique<Scheduler>(io_, *queue_, sender_, clock_, gate, options);
      scheduler_->Start();
    });
  }

  // Everything the scheduler may have started is finished: loop, writer, loop.
  void Settle() {
    for (int i = 0; i < 3; ++i) {
      OnLoop([] {});
      ASSERT_TRUE(queue_->Counts().has_value());
    }
    OnLoop([] {});
  }

  std::int64_t CountIn(JobState s, std::optional<std::string> connection = std::nullopt) {
    auto c = queue_->Counts(connection);
    return c ? c->at(s) : -1;
  }

  void EnqueueMany(const std::string& connection, int n, const std::string& prefix) {
    std::vector<NewJob> jobs;
    for (int i = 0; i < n; ++i) jobs.push_back(Doc(prefix + std::to_string(i), "v1", connection));
    ASSERT_TRUE(queue_->Enqueue(std::move(jobs)).has_value());
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  std::thread loop_;
  FakeSender sender_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, SendsEnqueuedJobsInBatches) {
  StartScheduler();
  EnqueueMany("acme", 120, "inv-");
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded) == 120; }));
  std::lock_guard lock(sender_.mu);
  std::size_t total = 0;
  for (auto& [conn, ids] : sender_.batches) {
    EXPECT_EQ(conn, "acme");
    EXPECT_LE(ids.size(), 50u);
    total += ids.size();
  }
  EXPECT_EQ(total, 120u);
  EXPECT_EQ(sender_.batches.size(), 3u);
  EXPECT_EQ(scheduler_->stats().timer_wakeups, 0u);  // no polling: events drove it
}

TEST_F(SchedulerTest, FairAcrossConnections) {
  EnqueueMany("alpha", 10000, "a-");
  EnqueueMany("beta", 10, "b-");
  EnqueueMany("gamma", 60, "g-");
  StartScheduler();
  ASSERT_TRUE(WaitFor([&] {
    return CountIn(JobState::kSucceeded, "beta") == 10 &&
           CountIn(JobState::kSucceeded, "gamma") == 60;
  }));
  OnLoop([&] { scheduler_->Stop(); });
  std::lock_guard lock(sender_.mu);
  int beta_last = -1, gamma_last = -1;
  for (std::size_t i = 0; i < sender_.batches.size(); ++i) {
    if (sender_.batches[i].first == "beta") beta_last = static_cast<int>(i);
    if (sender_.batches[i].first == "gamma") gamma_last = static_cast<int>(i);
  }
  EXPECT_LE(beta_last, 2) << "beta's 10 jobs must go within the first round";
  EXPECT_LE(gamma_last, 5) << "gamma's 60 jobs must go within two rounds";
}

TEST_F(SchedulerTest, RetryWaitsForTheDueTimeOnTheInjectedClock) {
  std::atomic<int> calls{0};
  sender_.respond = [&](const std::string&, const Job& j) {
    return calls++ == 0 ? JobOutcome::Transient(j.id, "503", 503, seconds(30))
                        : JobOutcome::Succeeded(j.id, "X");
  };
  StartScheduler();
  auto a = Put(Doc("a"));
  ASSERT_TRUE(WaitFor([&] { return Get(a.job_id).state == JobState::kRetrying; }));
  Settle();
  EXPECT_EQ(sender_.batch_count(), 1u);  // not yet due
  clock_.Advance(seconds(29));
  scheduler_->Poke();
  Settle();
  EXPECT_EQ(sender_.batch_count(), 1u);
  clock_.Advance(seconds(1));
  scheduler_->Poke();
  ASSERT_TRUE(WaitFor([&] { return Get(a.job_id).state == JobState::kSucceeded; }));
  EXPECT_EQ(Get(a.job_id).attempts, 2);
}

TEST_F(SchedulerTest, TimerFiresAtTheDueTime) {
  std::atomic<int> calls{0};
  sender_.respond = [&](const std::string&, const Job& j) {
    return calls++ == 0 ? JobOutcome::Transient(j.id, "429", 429, Duration(30))
                        : JobOutcome::Succeeded(j.id, "X");
  };
  StartScheduler();
  auto a = Put(Doc("a"));
  ASSERT_TRUE(WaitFor([&] { return Get(a.job_id).state == JobState::kRetrying; }));
  // Let the scheduler take in the "retrying" event first: handled after the
  // clock moves, that event alone would send the job, without the timer.
  Settle();
  clock_.Advance(Duration(30));  // no Poke: the armed steady_timer must wake it
  ASSERT_TRUE(WaitFor([&] { return Get(a.job_id).state == JobState::kSucceeded; }));
  EXPECT_GE(scheduler_->stats().timer_wakeups, 1u);
}

TEST_F(SchedulerTest, PauseAndResumeGlobalAndPerConnection) {
  StartScheduler();
  ASSERT_TRUE(queue_->Pause("acme"));
  Put(Doc("a"));
  Put(Doc("o", "v1", "other"));
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded, "other") == 1; }));
  Settle();
  EXPECT_EQ(CountIn(JobState::kQueued, "acme"), 1);
  ASSERT_TRUE(queue_->Pause());
  ASSERT_TRUE(queue_->Resume("acme"));
  Put(Doc("o2", "v1", "other"));
  Settle();
  EXPECT_EQ(sender_.batch_count(), 1u);
  ASSERT_TRUE(queue_->Resume());
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded) == 3; }));
}

TEST_F(SchedulerTest, PauseSurvivesRestart) {
  ASSERT_TRUE(queue_->Pause("acme"));
  Put(Doc("a"));
  Put(Doc("b", "v1", "other"));
  StartScheduler();
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded, "other") == 1; }));
  Settle();
  EXPECT_EQ(CountIn(JobState::kQueued, "acme"), 1);
}

TEST_F(SchedulerTest, ConnectionLevelFailureParksUntilUnparked) {
  std::atomic<bool> broken{true};
  sender_.respond = [&](const std::string& conn, const Job& j) {
    if (conn == "acme" && broken) return JobOutcome::ConnectionLevel(j.id, "invalid_grant", 400);
    return JobOutcome::Succeeded(j.id, "X");
  };
  StartScheduler();
  EnqueueMany("acme", 5, "a-");
  ASSERT_TRUE(WaitFor([&] {
    auto h = queue_->Holds();
    return h && h->contains("acme") && h->at("acme").parked;
  }));
  Settle();
  EXPECT_EQ(sender_.batch_count(), 1u);  // parked after the first batch
  EXPECT_EQ(CountIn(JobState::kQueued, "acme"), 5);
  auto page = queue_->List(JobFilter{.connection = "acme"});
  for (const Job& j : page->jobs) EXPECT_EQ(j.attempts, 0);
  Put(Doc("o", "v1", "other"));  // other connections are unaffected
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded, "other") == 1; }));
  broken = false;
  ASSERT_TRUE(queue_->Unpark("acme"));
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded, "acme") == 5; }));
  page = queue_->List(JobFilter{.connection = "acme"});
  for (const Job& j : page->jobs) EXPECT_EQ(j.attempts, 1);
}

class CountingGate : public SendGate {
 public:
  std::optional<Duration> Admit(const std::string& connection, int n) override {
    last_n = n;
    if (connection == "acme" && denials > 0) {
      --denials;
      return seconds(5);
    }
    return std::nullopt;
  }
  std::atomic<int> denials{1};
  std::atomic<int> last_n{0};
};

TEST_F(SchedulerTest, SendGateDefersWithoutClaiming) {
  CountingGate gate;
  StartScheduler({}, &gate);
  auto a = Put(Doc("a"));
  Settle();
  EXPECT_EQ(sender_.batch_count(), 0u);
  EXPECT_EQ(Get(a.job_id).state, JobState::kQueued);  // not claimed
  EXPECT_EQ(Get(a.job_id).attempts, 0);
  EXPECT_EQ(scheduler_->stats().gate_waits, 1u);
  EXPECT_EQ(gate.last_n.load(), config_.batch_size);
  clock_.Advance(seconds(5));
  scheduler_->Poke();
  ASSERT_TRUE(WaitFor([&] { return Get(a.job_id).state == JobState::kSucceeded; }));
}

TEST_F(SchedulerTest, PerConnectionConcurrency) {
  sender_.hold = true;
  StartScheduler(SchedulerOptions{.max_in_flight = 2});
  EnqueueMany("acme", 200, "a-");
  ASSERT_TRUE(WaitFor([&] { return sender_.batch_count() == 2; }));
  Settle();
  EXPECT_EQ(sender_.batch_count(), 2u);
  EXPECT_EQ(scheduler_->stats().in_flight, 2u);
  EXPECT_EQ(CountIn(JobState::kRunning), 100);
  sender_.Release();
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded) == 200; }));
}

TEST_F(SchedulerTest, RecoveredJobsAreReconciledBeforeResend) {
  auto a = Put(Doc("a"));
  auto b = Put(Doc("b"));
  ASSERT_EQ(queue_->Claim("acme", 1)->jobs.size(), 1u);  // a was being sent...
  Reopen();                                              // ...when xerod died
  sender_.respond = [&](const std::string&, const Job& j) {
    if (j.needs_reconcile) return JobOutcome::ReconciledFound(j.id, "X-found");
    return JobOutcome::Succeeded(j.id, "X-new");
  };
  StartScheduler();
  ASSERT_TRUE(WaitFor([&] { return CountIn(JobState::kSucceeded) == 2; }));
  EXPECT_EQ(Get(a.job_id).xero_id, "X-found");
  EXPECT_EQ(Get(b.job_id).xero_id, "X-new");
  std::lock_guard lock(sender_.mu);
  EXPECT_EQ(sender_.reconciled, std::vector<std::int64_t>{a.job_id});
}

TEST_F(SchedulerTest, MissingOutcomeBecomesUnknown) {
  sender_.respond = nullptr;
  struct Partial : Sender {
    void Send(const std::string&, std::vector<Job> jobs,
              std::function<void(std::vector<JobOutcome>)> done) override {
      done({JobOutcome::Succeeded(jobs.front().id, "X")});  // forgets the rest
    }
  } partial;
  Put(Doc("a"));
  auto b = Put(Doc("b"));
  OnLoop([&] {
    scheduler_ = std::make_unique<Scheduler>(io_, *queue_, partial, clock_);
    scheduler_->Start();
  });
  ASSERT_TRUE(WaitFor([&] { return Get(b.job_id).state == JobState::kUnknown; }));
  EXPECT_TRUE(Get(b.job_id).needs_reconcile);
  OnLoop([&] { scheduler_.reset(); });
}

TEST_F(SchedulerTest, PurgesFinishedJobsOnStart) {
  auto a = Put(Doc("a"));
  ClaimAll();
  Finish(JobOutcome::Succeeded(a.job_id, "X"));
  ASSERT_TRUE(queue_->Cancel(Put(Doc("c")).job_id));
  clock_.Advance(config_.retention + seconds(1));
  StartScheduler();
  ASSERT_TRUE(WaitFor([&] { return queue_->Counters().purged == 1; }));
  EXPECT_EQ(CountIn(JobState::kCancelled), 0);
  EXPECT_EQ(CountIn(JobState::kSucceeded), 1);  // latest success of "a" is kept
}

}  // namespace
}  // namespace xerod
