// SPDX-License-Identifier: MIT
#include "xerod/job_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <random>

#include "queue/job_store.h"
#include "queue/writer.h"
#include "store/sqlite.h"

namespace xerod {

struct JobQueue::Impl {
  Impl(std::unique_ptr<Database> database, QueueConfig cfg, Clock& clk, const QueueOptions& opts)
      : db(std::move(database)),
        config(std::move(cfg)),
        clock(clk),
        store(db->handle(), config, clock, opts.seed.value_or(std::random_device{}())),
        writer(db->handle(), opts.max_group) {}

  // Runs `work` on the writer thread; publishes its events and calls `done`
  // after the commit.
  template <typename T>
  void Submit(std::function<Result<T>(queue::JobStore&, queue::Events&)> work, Callback<T> done) {
    struct Slot {
      std::optional<Result<T>> result;
      queue::Events events;
    };
    auto slot = std::make_shared<Slot>();
    queue::WriterThread::Request request;
    request.work = [this, slot, work = std::move(work)](store::Db&) -> Status {
      slot->result.emplace(work(store, slot->events));
      if (!*slot->result) return Fail(slot->result->error());
      return Ok();
    };
    request.done = [this, slot, done = std::move(done)](const Status& s) {
      if (!s) {
        done(Fail(s.error()));
        return;
      }
      Publish(slot->events);
      done(std::move(*slot->result));
    };
    writer.Submit(std::move(request));
  }

  template <typename T>
  Result<T> Wait(std::function<Result<T>(queue::JobStore&, queue::Events&)> work) {
    std::promise<Result<T>> promise;
    auto future = promise.get_future();
    Submit<T>(std::move(work), [&promise](Result<T> r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  void Publish(const queue::Events& events) {
    Add(events.counters);
    std::lock_guard lock(listeners_mu);
    for (QueueListener* l : listeners) {
      for (const auto& h : events.holds) l->OnHoldChanged(h);
      for (const auto& j : events.jobs) l->OnJobStateChanged(j);
    }
  }

  void Add(const QueueCounters& d) {
    std::lock_guard lock(counters_mu);
    auto& c = counters;
    c.created += d.created;
    c.unchanged += d.unchanged;
    c.replaced += d.replaced;
    c.update_created += d.update_created;
    c.deferred += d.deferred;
    c.claimed += d.claimed;
    c.succeeded += d.succeeded;
    c.retried += d.retried;
    c.dead += d.dead;
    c.unknown += d.unknown;
    c.cancelled += d.cancelled;
    c.parked += d.parked;
    c.purged += d.purged;
    c.recovered += d.recovered;
  }

  std::unique_ptr<Database> db;
  QueueConfig config;
  Clock& clock;
  queue::JobStore store;
  std::mutex listeners_mu;
  std::vector<QueueListener*> listeners;
  mutable std::mutex counters_mu;
  QueueCounters counters;
  queue::WriterThread writer;  // last: stopped (drained) first on destruction
};

using queue::Events;
using queue::JobStore;

namespace {
Status ToStatus(const Result<Hold>& r) {
  if (!r) return Fail(r.error());
  return Ok();
}
}  // namespace

Result<std::unique_ptr<JobQueue>> JobQueue::Open(const std::string& path, QueueConfig config,
                                                 Clock& clock, QueueOptions options) {
  if (config.max_attempts < 1) {
    return Fail(Code::kInvalidArgument, "queue.max_attempts must be at least 1");
  }
  if (config.batch_size < 1) return Fail(Code::kInvalidArgument, "queue.batch_size must be >= 1");
  auto db = Database::Open(path, options.store);
  if (!db) return Fail(db.error());
  auto impl = std::make_unique<Impl>(std::move(*db), std::move(config), clock, options);
  std::unique_ptr<JobQueue> q(new JobQueue(std::move(impl)));
  auto recovered = q->impl_->Wait<int>([](JobStore& s, Events& e) { return s.Recover(e); });
  if (!recovered) return Fail(recovered.error());
  if (*recovered > 0) {
    spdlog::warn(
        "job queue: {} job(s) were running when xerod stopped; they are now 'unknown' "
        "and will be looked up in Xero before being sent again",
        *recovered);
  }
  return q;
}

JobQueue::JobQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JobQueue::~JobQueue() = default;

void JobQueue::AddListener(QueueListener* listener) {
  std::lock_guard lock(impl_->listeners_mu);
  impl_->listeners.push_back(listener);
}

void JobQueue::RemoveListener(QueueListener* listener) {
  std::lock_guard lock(impl_->listeners_mu);
  std::erase(impl_->listeners, listener);
}

void JobQueue::EnqueueAsync(std::vector<NewJob> jobs, Callback<std::vector<EnqueueResult>> done) {
  impl_->Submit<std::vector<EnqueueResult>>(
      [jobs = std::move(jobs)](JobStore& s, Events& e) { return s.Enqueue(jobs, e); },
      std::move(done));
}

Result<std::vector<EnqueueResult>> JobQueue::Enqueue(std::vector<NewJob> jobs) {
  return impl_->Wait<std::vector<EnqueueResult>>(
      [&jobs](JobStore& s, Events& e) { return s.Enqueue(jobs, e); });
}

Result<EnqueueResult> JobQueue::Enqueue(NewJob job) {
  std::vector<NewJob> one;
  one.push_back(std::move(job));
  auto r = Enqueue(std::move(one));
  if (!r) return Fail(r.error());
  return r->front();
}

void JobQueue::ClaimAsync(std::string connection, int max, Callback<ClaimedBatch> done) {
  impl_->Submit<ClaimedBatch>([connection = std::move(connection), max](
                                  JobStore& s, Events& e) { return s.Claim(connection, max, e); },
                              std::move(done));
}

Result<ClaimedBatch> JobQueue::Claim(const std::string& connection, int max) {
  return impl_->Wait<ClaimedBatch>(
      [&](JobStore& s, Events& e) { return s.Claim(connection, max, e); });
}

void JobQueue::CompleteAsync(std::vector<JobOutcome> outcomes, Callback<CompleteResult> done) {
  impl_->Submit<CompleteResult>(
      [outcomes = std::move(outcomes)](JobStore& s, Events& e) { return s.Complete(outcomes, e); },
      std::move(done));
}

Result<CompleteResult> JobQueue::Complete(std::vector<JobOutcome> outcomes) {
  return impl_->Wait<CompleteResult>(
      [&](JobStore& s, Events& e) { return s.Complete(outcomes, e); });
}

void JobQueue::SetPausedAsync(std::optional<std::string> connection, bool paused,
                              Callback<Hold> done) {
  impl_->Submit<Hold>(
      [scope = connection.value_or("*"), paused](JobStore& s, Events& e) {
        return s.SetHold(scope, paused, std::nullopt, "", e);
      },
      std::move(done));
}

Status JobQueue::Pause(std::optional<std::string> connection) {
  return ToStatus(impl_->Wait<Hold>([scope = connection.value_or("*")](JobStore& s, Events& e) {
    return s.SetHold(scope, true, std::nullopt, "", e);
  }));
}

Status JobQueue::Resume(std::optional<std::string> connection) {
  return ToStatus(impl_->Wait<Hold>([scope = connection.value_or("*")](JobStore& s, Events& e) {
    return s.SetHold(scope, false, std::nullopt, "", e);
  }));
}

void JobQueue::SetParkedAsync(std::string connection, bool parked, std::string reason,
                              Callback<Hold> done) {
  impl_->Submit<Hold>(
      [connection = std::move(connection), parked, reason = std::move(reason)](JobStore& s,
                                                                               Events& e) {
        return s.SetHold(connection, std::nullopt, parked, reason, e);
      },
      std::move(done));
}

Status JobQueue::Park(const std::string& connection, const std::string& reason) {
  if (connection == "*") return Fail(Code::kInvalidArgument, "park needs a connection name");
  return ToStatus(impl_->Wait<Hold>([&](JobStore& s, Events& e) {
    return s.SetHold(connection, std::nullopt, true, reason, e);
  }));
}

Status JobQueue::Unpark(const std::string& connection) {
  return ToStatus(impl_->Wait<Hold>(
      [&](JobStore& s, Events& e) { return s.SetHold(connection, std::nullopt, false, "", e); }));
}

Result<std::map<std::string, Hold>> JobQueue::Holds() {
  return impl_->Wait<std::map<std::string, Hold>>([](JobStore& s, Events&) { return s.Holds(); });
}

Status JobQueue::Retry(std::int64_t job_id) {
  return impl_->Wait<void>([job_id](JobStore& s, Events& e) { return s.Retry(job_id, e); });
}

Result<int> JobQueue::RetryAllDead(const std::string& connection) {
  return impl_->Wait<int>([&](JobStore& s, Events& e) { return s.RetryAllDead(connection, e); });
}

Status JobQueue::Cancel(std::int64_t job_id) {
  return impl_->Wait<void>([job_id](JobStore& s, Events& e) { return s.Cancel(job_id, e); });
}

Result<JobPage> JobQueue::List(const JobFilter& filter) {
  return impl_->Wait<JobPage>([&](JobStore& s, Events&) { return s.List(filter); });
}

Result<JobDetail> JobQueue::Show(std::int64_t job_id) {
  return impl_->Wait<JobDetail>([job_id](JobStore& s, Events&) { return s.Show(job_id); });
}

Result<StateCounts> JobQueue::Counts(std::optional<std::string> connection) {
  return impl_->Wait<StateCounts>([&](JobStore& s, Events&) { return s.Counts(connection); });
}

Result<std::int64_t> JobQueue::Purge(TimePoint before, int limit) {
  return impl_->Wait<std::int64_t>(
      [=](JobStore& s, Events& e) { return s.Purge(before, limit, e); });
}

void JobQueue::PurgeAsync(TimePoint before, int limit, Callback<std::int64_t> done) {
  impl_->Submit<std::int64_t>([=](JobStore& s, Events& e) { return s.Purge(before, limit, e); },
                              std::move(done));
}

Result<std::map<std::string, TimePoint>> JobQueue::DueConnections() {
  return impl_->Wait<std::map<std::string, TimePoint>>(
      [](JobStore& s, Events&) { return s.DueConnections(); });
}

void JobQueue::RetryAsync(std::int64_t job_id, Callback<void> done) {
  impl_->Submit<void>([job_id](JobStore& s, Events& e) { return s.Retry(job_id, e); },
                      std::move(done));
}

void JobQueue::RetryAllDeadAsync(std::string connection, Callback<int> done) {
  impl_->Submit<int>([connection = std::move(connection)](
                         JobStore& s, Events& e) { return s.RetryAllDead(connection, e); },
                     std::move(done));
}

void JobQueue::CancelAsync(std::int64_t job_id, Callback<void> done) {
  impl_->Submit<void>([job_id](JobStore& s, Events& e) { return s.Cancel(job_id, e); },
                      std::move(done));
}

void JobQueue::ListAsync(JobFilter filter, Callback<JobPage> done) {
  impl_->Submit<JobPage>(
      [filter = std::move(filter)](JobStore& s, Events&) { return s.List(filter); },
      std::move(done));
}

void JobQueue::ShowAsync(std::int64_t job_id, Callback<JobDetail> done) {
  impl_->Submit<JobDetail>([job_id](JobStore& s, Events&) { return s.Show(job_id); },
                           std::move(done));
}

void JobQueue::CountsAsync(std::optional<std::string> connection, Callback<StateCounts> done) {
  impl_->Submit<StateCounts>(
      [connection = std::move(connection)](JobStore& s, Events&) { return s.Counts(connection); },
      std::move(done));
}

void JobQueue::HoldsAsync(Callback<std::map<std::string, Hold>> done) {
  impl_->Submit<std::map<std::string, Hold>>([](JobStore& s, Events&) { return s.Holds(); },
                                             std::move(done));
}

void JobQueue::DueConnectionsAsync(Callback<std::map<std::string, TimePoint>> done) {
  impl_->Submit<std::map<std::string, TimePoint>>(
      [](JobStore& s, Events&) { return s.DueConnections(); }, std::move(done));
}

QueueCounters JobQueue::Counters() const {
  std::lock_guard lock(impl_->counters_mu);
  QueueCounters c = impl_->counters;
  c.commits = impl_->writer.commits();
  c.requests = impl_->writer.requests();
  return c;
}

const QueueConfig& JobQueue::config() const { return impl_->config; }
Clock& JobQueue::clock() const { return impl_->clock; }

}  // namespace xerod
