// SPDX-License-Identifier: MIT
#include "xerod/job_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <random>

#include "queue/job_store.h"
#include "store/in_flight.h"
#include "store/sqlite.h"
#include "xerod/store.h"

namespace xerod {

struct JobQueue::Impl {
  Impl(Store& st, QueueConfig cfg, Clock& clk, const QueueOptions& opts)
      : store(st),
        config(std::move(cfg)),
        clock(clk),
        seed(opts.seed.value_or(std::random_device{}())),
        complete_on(opts.complete_on) {}

  ~Impl() { in_flight.Close(); }

  // Runs `work` on the store's writer thread; after the commit, publishes its
  // events and calls `done` on complete_on.
  template <typename T>
  void Submit(std::function<Result<T>(queue::JobStore&, queue::Events&)> work, Callback<T> done,
              bool inline_done = false) {
    struct Slot {
      std::optional<Result<T>> result;
      queue::Events events;
    };
    auto slot = std::make_shared<Slot>();
    in_flight.Add();
    store.Write(
        [this, slot, work = std::move(work)](store::Db& db) -> Status {
          if (!writer) writer.emplace(db, config, clock, seed);
          slot->result.emplace(work(*writer, slot->events));
          if (!*slot->result) return Fail(slot->result->error());
          return Ok();
        },
        [this, slot, done = std::move(done), inline_done](const Status& s) {
          Result<T> result = s ? std::move(*slot->result) : Result<T>(Fail(s.error()));
          auto events = s ? std::move(slot->events) : queue::Events{};
          auto publish = in_flight.Guarded([this, events = std::move(events)] { Publish(events); });
          if (inline_done) {
            Dispatch(complete_on, std::move(publish));
            done(std::move(result));
          } else {
            auto shared = std::make_shared<Result<T>>(std::move(result));
            Dispatch(complete_on,
                     [publish = std::move(publish),
                      finish = in_flight.Guarded([done, shared] { done(std::move(*shared)); })] {
                       publish();
                       finish();
                     });
          }
          in_flight.Done();
        });
  }

  // Blocking: `done` runs on the writer thread, so this never needs the loop.
  template <typename T>
  Result<T> Wait(std::function<Result<T>(queue::JobStore&, queue::Events&)> work) {
    std::promise<Result<T>> promise;
    auto future = promise.get_future();
    Submit<T>(
        std::move(work), [&promise](Result<T> r) { promise.set_value(std::move(r)); },
        /*inline_done=*/true);
    return future.get();
  }

  // Runs `work` on the store's read connection, on this thread.
  template <typename T>
  Result<T> Read(const std::function<Result<T>(queue::JobStore&)>& work) {
    std::optional<Result<T>> result;
    Status s = store.Read([&](store::Db& db) -> Status {
      if (!reader) reader.emplace(db, config, clock, seed);
      result.emplace(work(*reader));
      if (!*result) return Fail(result->error());
      return Ok();
    });
    if (!s) return Fail(s.error());
    return std::move(*result);
  }

  // A read for an *Async method: the callback on complete_on (inside the call without one).
  template <typename T>
  void ReadThen(const std::function<Result<T>(queue::JobStore&)>& work, Callback<T> done) {
    auto result = std::make_shared<Result<T>>(Read<T>(work));
    Dispatch(complete_on,
             in_flight.Guarded([done = std::move(done), result] { done(std::move(*result)); }));
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

  std::unique_ptr<Store> owned_store;  // Open(path, ...) only; declared first, destroyed last
  Store& store;
  QueueConfig config;
  Clock& clock;
  const std::uint64_t seed;
  const Executor complete_on;
  // Bound to the store's connections on first use: `writer` on the writer
  // thread only, `reader` under the store's read lock only.
  std::optional<queue::JobStore> writer;
  std::optional<queue::JobStore> reader;
  std::mutex listeners_mu;
  std::vector<QueueListener*> listeners;
  mutable std::mutex counters_mu;
  QueueCounters counters;
  store::InFlight in_flight;
};

using queue::Events;
using queue::JobStore;

namespace {
Status ToStatus(const Result<Hold>& r) {
  if (!r) return Fail(r.error());
  return Ok();
}
}  // namespace

Result<std::unique_ptr<JobQueue>> JobQueue::Open(Store& store, QueueConfig config, Clock& clock,
                                                 QueueOptions options) {
  return Open(std::unique_ptr<Store>(), store, std::move(config), clock, std::move(options));
}

Result<std::unique_ptr<JobQueue>> JobQueue::Open(const std::string& path, QueueConfig config,
                                                 Clock& clock, QueueOptions options) {
  auto store = Store::Open(path, options.store);
  if (!store) return Fail(store.error());
  Store& ref = **store;
  return Open(std::move(*store), ref, std::move(config), clock, std::move(options));
}

Result<std::unique_ptr<JobQueue>> JobQueue::Open(std::unique_ptr<Store> owned, Store& store,
                                                 QueueConfig config, Clock& clock,
                                                 QueueOptions options) {
  if (config.max_attempts < 1) {
    return Fail(Code::kInvalidArgument, "queue.max_attempts must be at least 1");
  }
  if (config.batch_size < 1) return Fail(Code::kInvalidArgument, "queue.batch_size must be >= 1");
  auto impl = std::make_unique<Impl>(store, std::move(config), clock, options);
  impl->owned_store = std::move(owned);
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
  return impl_->Read<std::map<std::string, Hold>>([](JobStore& s) { return s.Holds(); });
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
  return impl_->Read<JobPage>([&](JobStore& s) { return s.List(filter); });
}

Result<JobDetail> JobQueue::Show(std::int64_t job_id) {
  return impl_->Read<JobDetail>([job_id](JobStore& s) { return s.Show(job_id); });
}

Result<StateCounts> JobQueue::Counts(std::optional<std::string> connection) {
  return impl_->Read<StateCounts>([&](JobStore& s) { return s.Counts(connection); });
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
  return impl_->Read<std::map<std::string, TimePoint>>(
      [](JobStore& s) { return s.DueConnections(); });
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
  impl_->ReadThen<JobPage>([&filter](JobStore& s) { return s.List(filter); }, std::move(done));
}

void JobQueue::ShowAsync(std::int64_t job_id, Callback<JobDetail> done) {
  impl_->ReadThen<JobDetail>([job_id](JobStore& s) { return s.Show(job_id); }, std::move(done));
}

void JobQueue::CountsAsync(std::optional<std::string> connection, Callback<StateCounts> done) {
  impl_->ReadThen<StateCounts>([&connection](JobStore& s) { return s.Counts(connection); },
                               std::move(done));
}

void JobQueue::HoldsAsync(Callback<std::map<std::string, Hold>> done) {
  impl_->ReadThen<std::map<std::string, Hold>>([](JobStore& s) { return s.Holds(); },
                                               std::move(done));
}

void JobQueue::DueConnectionsAsync(Callback<std::map<std::string, TimePoint>> done) {
  impl_->ReadThen<std::map<std::string, TimePoint>>([](JobStore& s) { return s.DueConnections(); },
                                                    std::move(done));
}

QueueCounters JobQueue::Counters() const {
  std::lock_guard lock(impl_->counters_mu);
  QueueCounters c = impl_->counters;
  const StoreStats stats = impl_->store.stats();
  c.commits = stats.commits;
  c.requests = stats.requests;
  return c;
}

const QueueConfig& JobQueue::config() const { return impl_->config; }
Clock& JobQueue::clock() const { return impl_->clock; }

}  // namespace xerod
