// SPDX-License-Identifier: MIT
// Throughput and memory of the libcurl-on-Asio HTTP client against a loopback
// keep-alive server running in a child process (so its memory and CPU time are
// not the client's). One loop thread on the client side.
//
//   http_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "http/test_server.h"
#include "xerod/http_client.h"

namespace {
using xerod::HttpClient;
using xerod::HttpRequest;
using xerod::HttpResponse;

int g_port = 0;

std::string Url(const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(g_port) + path;
}

long StatusKiB(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  }
  return -1;
}

// Keeps `window` requests in flight until `total` completed. Returns failures.
int RunBatch(boost::asio::io_context& io, HttpClient& client, int total, int window,
             const std::string& path) {
  int started = 0;
  int completed = 0;
  int failed = 0;
  std::function<void()> start = [&] {
    ++started;
    client.Send(HttpRequest{.url = Url(path)}, [&](HttpResponse r) {
      ++completed;
      if (!r.ok() || r.status != 200) ++failed;
      if (started < total) start();
    });
  };
  for (int i = 0; i < window && started < total; ++i) start();
  io.restart();
  while (completed < total) io.run_one();
  return failed;
}

void BM_PeakRss1000Concurrent(benchmark::State& state) {
  boost::asio::io_context io;
  xerod::HttpClientOptions options;
  options.max_host_connections = 0;
  options.max_total_connections = 0;
  auto client = *xerod::MakeCurlHttpClient(io, options);
  long before = StatusKiB("VmRSS:");
  int failed = 0;
  for (auto _ : state) failed += RunBatch(io, *client, 1000, 1000, "/slow");
  state.counters["rss_before_MiB"] = static_cast<double>(before) / 1024.0;
  state.counters["VmHWM_MiB"] = static_cast<double>(StatusKiB("VmHWM:")) / 1024.0;
  state.counters["failed"] = failed;
}
BENCHMARK(BM_PeakRss1000Concurrent)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Requests(benchmark::State& state) {
  boost::asio::io_context io;
  xerod::HttpClientOptions options;
  options.max_host_connections = 16;
  auto client = *xerod::MakeCurlHttpClient(io, options);
  const int window = static_cast<int>(state.range(0));
  constexpr int kBatch = 2000;
  int failed = 0;
  for (auto _ : state) failed += RunBatch(io, *client, kBatch, window, "/fast");
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["failed"] = failed;
}
BENCHMARK(BM_Requests)->Arg(1)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;  // 1,000 connections need > 1,024 descriptors
  setrlimit(RLIMIT_NOFILE, &nofile);

  int port_pipe[2];
  int life_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(life_pipe) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    close(port_pipe[0]);
    close(life_pipe[1]);
    xerod::testing::TestHttpServer server([](const xerod::testing::RecordedRequest& req) {
      xerod::testing::ScriptedReply r;
      r.headers = {{"Content-Type", "application/json"}, {"X-MinLimit-Remaining", "59"}};
      r.body = R"({"Id":"5d5d5d5d-0000-4000-8000-000000000000","Status":"OK","Invoices":[]})";
      if (req.target == "/slow") r.delay = std::chrono::milliseconds(500);
      return r;
    });
    server.SetRecording(false);
    int port = server.port();
    if (write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(1);
    char c;
    while (read(life_pipe[0], &c, 1) > 0) {
    }  // until the parent exits
    _exit(0);
  }
  close(port_pipe[1]);
  close(life_pipe[0]);
  if (read(port_pipe[0], &g_port, sizeof g_port) != sizeof g_port) return 1;

  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  close(life_pipe[1]);
  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);
  return 0;
}
