// SPDX-License-Identifier: MIT
// Shared set-up for the queue tests: a real file DB in a temp dir and a FakeClock.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/test_support.h"
#include "xerod/job_queue.h"

namespace xerod::testing {

class QueueFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.max_attempts = 3;
    config_.backoff_base = std::chrono::seconds(10);
    config_.backoff_cap = std::chrono::minutes(10);
    config_.batch_size = 50;
    config_.retention = std::chrono::hours(24);
    Reopen();
  }

  void Reopen() {
    queue_.reset();
    QueueOptions options;
    options.seed = 1234;
    auto q = JobQueue::Open(path(), config_, clock_, options);
    ASSERT_TRUE(q.has_value()) << q.error().ToString();
    queue_ = std::move(*q);
  }

  std::string path() const { return dir_.File("queue.db"); }

  static NewJob Doc(const std::string& id, const std::string& body = "v1",
                    const std::string& connection = "acme",
                    DocumentType kind = DocumentType::kInvoice) {
    return NewJob{connection, kind, id, "{\"id\":\"" + id + "\",\"body\":\"" + body + "\"}"};
  }

  EnqueueResult Put(const NewJob& job) {
    auto r = queue_->Enqueue(job);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.value_or(EnqueueResult{EnqueueOutcome::kUnchanged, -1});
  }

  Job Get(std::int64_t id) {
    auto d = queue_->Show(id);
    EXPECT_TRUE(d.has_value()) << d.error().ToString();
    return d ? d->job : Job{};
  }

  std::vector<Job> ClaimAll(const std::string& connection = "acme", int max = 50) {
    auto b = queue_->Claim(connection, max);
    EXPECT_TRUE(b.has_value()) << b.error().ToString();
    return b ? b->jobs : std::vector<Job>{};
  }

  void Finish(const JobOutcome& o) {
    auto r = queue_->Complete({o});
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->stale, 0);
  }

  TempDir dir_;
  FakeClock clock_;
  QueueConfig config_;
  std::unique_ptr<JobQueue> queue_;
};

}  // namespace xerod::testing
