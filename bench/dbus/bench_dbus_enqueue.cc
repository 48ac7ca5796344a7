// SPDX-License-Identifier: MIT
//
// Enqueue throughput through D-Bus, durable (the queue commits with
// synchronous=FULL before the reply). The service runs in-process over a real
// JobQueue on a private dbus-daemon (session-type), as in tests/dbus.
//   BM_CtlNdjsonBatches: the real xerod-ctl reading an NDJSON file of 20,000
//     invoices, 500 per call (target >= 20,000 invoices/s).
//   BM_ParallelSingleInvoiceClients: 8 threads, each with its own bus
//     connection, one invoice per call (target >= 2,000 invoices/s).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "dbus/bus_fixture.h"
#include "dbus/test_client.h"

namespace {

using xerod::testing::InProcessService;
using xerod::testing::PrivateBus;
using xerod::testing::TempDir;

std::string Invoice(const std::string& id) {
  return nlohmann::json{{"id", id},
                        {"number", "INV-" + id},
                        {"status", "sent"},
                        {"client", {{"name", "Acme Ltd"}, {"email", "ap@acme.test"}}},
                        {"issue_date", "2026-11-02"},
                        {"due_date", "2026-12-02"},
                        {"currency", "NZD"},
                        {"reference", "PO 7781"},
                        {"lines",
                         {{{"kind", "Services"},
                           {"description", "Design work"},
                           {"quantity", "10"},
                           {"unit_price", "120.00"}}}}}
      .dump();
}

struct Env {
  TempDir dir;
  std::unique_ptr<PrivateBus> bus;
  std::unique_ptr<InProcessService> service;
  bool ok = false;
  Env() {
    bus = std::make_unique<PrivateBus>(dir);
    if (bus->address().empty()) return;
    setenv("DBUS_SESSION_BUS_ADDRESS", bus->address().c_str(), 1);
    service = std::make_unique<InProcessService>(dir, xerod::BusKind::kSession);
    ok = service->start_error().empty();
  }
};

void BM_CtlNdjsonBatches(benchmark::State& state) {
  Env env;
  if (!env.ok) return state.SkipWithError("cannot start the bus or the service");
  constexpr int kInvoices = 20000;
  int round = 0;
  std::int64_t total = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string file = env.dir.File("invoices.ndjson");
    {
      std::ofstream out(file);
      for (int i = 0; i < kInvoices; ++i) {
        out << Invoice("r" + std::to_string(round) + "-" + std::to_string(i)) << '\n';
      }
    }
    ++round;
    std::string cmd = std::string(XEROD_CTL_PATH) +
                      " --bus session invoice enqueue --connection acme --batch 500 " + file +
                      " > /dev/null";
    state.ResumeTiming();
    if (std::system(cmd.c_str()) != 0) return state.SkipWithError("xerod-ctl failed");
    total += kInvoices;
  }
  state.counters["invoices_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CtlNdjsonBatches)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_ParallelSingleInvoiceClients(benchmark::State& state) {
  Env env;
  if (!env.ok) return state.SkipWithError("cannot start the bus or the service");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  int round = 0;
  std::int64_t total = 0;
  for (auto _ : state) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          auto connection = sdbus::createSessionBusConnection();
          auto proxy = sdbus::createProxy(*connection, "org.xerod.Xerod1", "/org/xerod/Xerod1");
          for (int i = 0; i < kPerThread; ++i) {
            std::vector<std::string> docs{Invoice("p" + std::to_string(round) + "-" +
                                                  std::to_string(t) + "-" + std::to_string(i))};
            std::vector<
                sdbus::Struct<std::uint32_t, std::string, std::string, std::int64_t, std::string>>
                rows;
            proxy->callMethod("EnqueueInvoices")
                .onInterface("org.xerod.Xerod1.Manager")
                .withArguments(std::string("acme"), docs)
                .storeResultsTo(rows);
            if (rows.size() != 1 || std::get<2>(rows[0]) != "created") ++failures;
          }
        } catch (const std::exception&) {
          ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    ++round;
    if (failures > 0) return state.SkipWithError("some enqueues failed");
    total += kThreads * kPerThread;
  }
  state.counters["invoices_per_s"] =
      benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParallelSingleInvoiceClients)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
