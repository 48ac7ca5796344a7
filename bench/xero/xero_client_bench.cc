// SPDX-License-Identifier: MIT
// XeroClient against a real xero-sim with its limits off, one loop thread:
//   BM_XeroClientThroughput  GET /Organisation, `concurrency` calls kept in flight
//   BM_XeroClient1000Concurrent  1,000 calls in flight at once; reports peak RSS
// Run: XEROD_BIN_DIR=build/src build/bench/xero/xero_client_bench
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "connection/xero_world.h"

namespace xerod {
namespace {

const std::string kOrg = std::string(kAccountingPath) + "/Organisation";

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct Setup {
  testing::TempDir dir;
  testing::SimServer sim;
  std::unique_ptr<testing::XeroWorld> world;
  explicit Setup(int concurrency) {
    testing::WorldOptions o;
    o.limits = XeroLimits{concurrency, 100'000'000, 100'000'000, 100'000'000};
    o.max_host_connections = std::min(concurrency, 256);
    o.request_timeout = std::chrono::seconds(60);
    world = std::make_unique<testing::XeroWorld>(sim.url(), dir.File("b.db"), o);
    world->Admin(HttpMethod::kPost, "/_sim/limits", {{"enabled", false}});
    std::string t = world->CreateOrg("Bench");
    auto c = world->Add("bench", t, world->CreateGrant({t})["refresh_token"]);
    if (!c) throw std::runtime_error(c.error().ToString());
    world->Call("bench", HttpMethod::kGet, kOrg);  // warm: token, connections
  }
};

// Keeps `in_flight` calls running until `total` completed; returns failures.
int Drive(testing::XeroWorld& w, int total, int in_flight) {
  int started = 0, done = 0, failed = 0;
  std::function<void()> start = [&] {
    ++started;
    w.client->Call("bench", HttpMethod::kGet, kOrg, "", std::nullopt, [&](XeroResult r) {
      ++done;
      failed += !r.ok();
      if (started < total) start();
    });
  };
  for (int i = 0; i < in_flight && started < total; ++i) start();
  w.RunUntil([&] { return done == total; }, std::chrono::minutes(5));
  return failed + (total - done);
}

void BM_XeroClientThroughput(benchmark::State& state) {
  int concurrency = static_cast<int>(state.range(0));
  Setup s(concurrency);
  const int kCalls = 20'000;
  int failed = 0;
  for (auto _ : state) failed += Drive(*s.world, kCalls, concurrency);
  state.SetItemsProcessed(state.iterations() * kCalls);
  state.counters["failed"] = failed;
  state.counters["requests_per_s"] = benchmark::Counter(
      static_cast<double>(kCalls), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_XeroClientThroughput)
    ->Arg(8)
    ->Arg(32)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_XeroClient1000Concurrent(benchmark::State& state) {
  Setup s(1000);
  double before = PeakRssMiB();
  int failed = 0;
  for (auto _ : state) failed += Drive(*s.world, 1000, 1000);
  state.counters["failed"] = failed;
  state.counters["rss_before_MiB"] = before;
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_XeroClient1000Concurrent)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace xerod

BENCHMARK_MAIN();
