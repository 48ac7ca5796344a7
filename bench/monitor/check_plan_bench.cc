// SPDX-License-Identifier: MIT
// CheckPlan::TakeDue per check, and moving every check after an outage.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
#include <string>

#include "monitor/check_plan.h"

namespace xerod::monitor {
namespace {

constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
const TimePoint kStart = FromUnixMillis(1'767'225'600'000);

CheckPlan Plan(std::int64_t n) {
  CheckPlan plan(std::chrono::seconds(60), 42);
  for (std::int64_t i = 0; i < n; ++i) plan.Add("conn-" + std::to_string(i), kStart);
  return plan;
}

// The loop's steady state: TakeDue every 100 ms; items = checks returned.
void BM_TakeDueSteady(benchmark::State& state) {
  CheckPlan plan = Plan(state.range(0));
  TimePoint now = kStart;
  std::int64_t checks = 0;
  for (auto _ : state) {
    auto due = plan.TakeDue(now, kAll);
    checks += static_cast<std::int64_t>(due.size());
    benchmark::DoNotOptimize(due);
    now += std::chrono::milliseconds(100);
  }
  state.SetItemsProcessed(checks);
}
BENCHMARK(BM_TakeDueSteady)->Arg(10000)->Arg(100000);

// The first TakeDue after a 3 h outage moves every connection; items = connections.
void BM_TakeDueAfterOutage(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    CheckPlan plan = Plan(state.range(0));
    state.ResumeTiming();
    benchmark::DoNotOptimize(plan.TakeDue(kStart + std::chrono::hours(3), kAll));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TakeDueAfterOutage)->Arg(10000);

}  // namespace
}  // namespace xerod::monitor

BENCHMARK_MAIN();
