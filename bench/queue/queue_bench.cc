// SPDX-License-Identifier: MIT
// Benchmarks of the durable queue on a real file (WAL, synchronous=FULL) in $TMPDIR.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "queue/job_store.h"
#include "store/sqlite.h"
#include "xerod/job_queue.h"
#include "xerod/store.h"

namespace xerod {
namespace {

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/xerod-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string Payload(const std::string& id) {
  return fmt::format(
      R"({{"id":"{}","number":"INV-{}","kind":"invoice","status":"sent","client":{{"name":"Acme Ltd"}},"currency":"NZD","lines":[{{"description":"Design work","quantity":"10","unit_price":"120.00"}}]}})",
      id, id);
}

// XEROD_BENCH_CHECKPOINT=inline turns the background checkpointer off
// (src/store/checkpointer.h): commits checkpoint inline, as SQLite does by
// default. For comparing the two on one binary.
StoreOptions BenchStoreOptions() {
  StoreOptions options;
  const char* mode = std::getenv("XEROD_BENCH_CHECKPOINT");
  if (mode != nullptr && std::string_view(mode) == "inline") options.background_checkpoint = false;
  return options;
}

std::unique_ptr<JobQueue> OpenQueue(const std::string& path) {
  QueueOptions options;
  options.store = BenchStoreOptions();
  auto q = JobQueue::Open(path, QueueConfig{}, SystemClock(), options);
  if (!q) throw std::runtime_error(q.error().ToString());
  return std::move(*q);
}

// CPU time of the whole process (caller threads + the queue's writer thread), so
// results stay comparable when the machine is busy and wall time is not.
double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

void SetCpuPerItem(benchmark::State& state, double cpu_start, std::int64_t items) {
  if (items > 0) {
    state.counters["cpu_us_per_item"] =
        (ProcessCpuSeconds() - cpu_start) * 1e6 / static_cast<double>(items);
  }
}

void AddCommitCounters(benchmark::State& state, const JobQueue& q) {
  auto c = q.Counters();
  state.counters["requests_per_commit"] =
      c.commits > 0 ? static_cast<double>(c.requests) / static_cast<double>(c.commits) : 0;
}

// One Enqueue() call with 1,000 new documents: one transaction, one fsync.
void BM_EnqueueBatch1000(benchmark::State& state) {
  BenchDir dir;
  auto q = OpenQueue(dir.File("q.db"));
  std::int64_t next = 0;
  const double cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<NewJob> jobs;
    jobs.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
      std::string id = "inv-" + std::to_string(next++);
      jobs.push_back(NewJob{"c" + std::to_string(i % 10), DocumentType::kInvoice, id, Payload(id)});
    }
    state.ResumeTiming();
    auto r = q->Enqueue(std::move(jobs));
    if (!r) state.SkipWithError(r.error().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  SetCpuPerItem(state, cpu, state.iterations() * 1000);
}
BENCHMARK(BM_EnqueueBatch1000)->Unit(benchmark::kMillisecond)->UseRealTime();

// 8 producer threads each enqueueing single documents, each call durable
// before it returns; group commit shares the fsyncs.
void BM_DurableSingleEnqueue8Producers(benchmark::State& state) {
  BenchDir dir;
  auto q = OpenQueue(dir.File("q.db"));
  constexpr int kThreads = 8;
  constexpr int kEach = 250;
  std::atomic<std::int64_t> next{0};
  std::atomic<int> errors{0};
  const double cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          std::string id = "inv-" + std::to_string(next++);
          if (!q->Enqueue(
                  NewJob{"c" + std::to_string(t), DocumentType::kInvoice, id, Payload(id)})) {
            ++errors;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  if (errors > 0) state.SkipWithError("enqueue failed");
  state.SetItemsProcessed(state.iterations() * kThreads * kEach);
  SetCpuPerItem(state, cpu, state.iterations() * kThreads * kEach);
  AddCommitCounters(state, *q);
}
BENCHMARK(BM_DurableSingleEnqueue8Producers)->Unit(benchmark::kMillisecond)->UseRealTime();

// Claim a batch of 50 and record 50 successes: two durable transactions.
void BM_ClaimComplete(benchmark::State& state) {
  BenchDir dir;
  auto q = OpenQueue(dir.File("q.db"));
  constexpr int kBatch = 50;
  const int kPrefill = 100'000;
  for (int start = 0; start < kPrefill; start += 5000) {
    std::vector<NewJob> jobs;
    for (int i = start; i < start + 5000; ++i) {
      std::string id = "inv-" + std::to_string(i);
      jobs.push_back(NewJob{"acme", DocumentType::kInvoice, id, Payload(id)});
    }
    if (!q->Enqueue(std::move(jobs))) throw std::runtime_error("prefill failed");
  }
  std::int64_t done = 0;
  const double cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    auto batch = q->Claim("acme", kBatch);
    if (!batch || batch->jobs.empty()) {
      state.SkipWithError("nothing to claim");
      break;
    }
    std::vector<JobOutcome> outs;
    for (const Job& j : batch->jobs) outs.push_back(JobOutcome::Succeeded(j.id, "X"));
    if (!q->Complete(std::move(outs))) state.SkipWithError("complete failed");
    done += static_cast<std::int64_t>(batch->jobs.size());
  }
  state.SetItemsProcessed(done);
  SetCpuPerItem(state, cpu, done);
}
BENCHMARK(BM_ClaimComplete)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1500);

// Latency of claiming one job with 1,000,000 jobs in the table (100 connections
// of 10,000 pending jobs each): an index range, not a scan.
void Build1M(const std::string& path) {
  auto db = Database::Open(path);
  if (!db) throw std::runtime_error(db.error().ToString());
  auto& h = (*db)->handle();
  auto tx = store::Transaction::Begin(h);
  auto ins = h.Prepare(
      "INSERT INTO jobs (connection, kind, source_id, payload, content_hash, state, "
      "max_attempts, next_run_at, created_at, updated_at) "
      "VALUES (?1, 'invoice', ?2, ?3, ?4, 'queued', 12, ?5, ?5, ?5)");
  const std::int64_t now = ToUnixMillis(SystemClock().Now());
  for (int i = 0; i < 1'000'000; ++i) {
    std::string id = "inv-" + std::to_string(i);
    ins->Bind(1, "c" + std::to_string(i % 100))
        .Bind(2, id)
        .Bind(3, Payload(id))
        .Bind(4, std::to_string(i))
        .Bind(5, now - (i % 1000));
    if (!ins->Run()) throw std::runtime_error("insert failed");
    ins->Reset();
  }
  if (!tx->Commit()) throw std::runtime_error("commit failed");
}

void BM_ClaimLatency1M(benchmark::State& state) {
  BenchDir dir;
  const std::string path = dir.File("q.db");
  Build1M(path);
  auto q = OpenQueue(path);
  const double cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    auto batch = q->Claim("c42", 1);
    if (!batch || batch->jobs.size() != 1) {
      state.SkipWithError("claim failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  SetCpuPerItem(state, cpu, state.iterations());
}
BENCHMARK(BM_ClaimLatency1M)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(2000);

// The same claim (select + mark running + attempt row) without the commit's
// fsync: what the 1M-row table costs, separated from the disk's sync latency.
void BM_ClaimQuery1M(benchmark::State& state) {
  BenchDir dir;
  const std::string path = dir.File("q.db");
  Build1M(path);
  auto db = Database::Open(path);
  if (!db) throw std::runtime_error(db.error().ToString());
  QueueConfig config;
  queue::JobStore store((*db)->handle(), config, SystemClock(), 1);
  for (auto _ : state) {
    auto tx = store::Transaction::Begin((*db)->handle());
    queue::Events events;
    auto batch = store.Claim("c42", 1, events);
    if (!batch || batch->jobs.size() != 1) {
      state.SkipWithError("claim failed");
      break;
    }
    // tx rolls back: the table stays at 1M pending jobs.
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClaimQuery1M)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(2000);

// The disk's durable-append latency right now, for reading the numbers above.
void BM_Fdatasync(benchmark::State& state) {
  BenchDir dir;
  int fd = ::open(dir.File("f").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const char line[] = "0123456789abcdef0123456789abcdef\n";
  for (auto _ : state) {
    if (::write(fd, line, sizeof line - 1) < 0 || ::fdatasync(fd) != 0) {
      state.SkipWithError("fdatasync failed");
      break;
    }
  }
  ::close(fd);
}
BENCHMARK(BM_Fdatasync)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(300);

}  // namespace
}  // namespace xerod

BENCHMARK_MAIN();
