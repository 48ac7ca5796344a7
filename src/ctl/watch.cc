// SPDX-License-Identifier: MIT
//
// `xerod-ctl watch`: polls GetStatus and shows progress: jobs sent (succeeded),
// waiting (queued, running, retrying, unknown), failed (dead), the observed send
// rate (smoothed) and the ETA of the waiting jobs at that rate, and the
// shortest ETA Xero's rate limits allow (GetStatus send_allowance_per_minute). A progress bar
// redrawn in place on a terminal, one line per update otherwise (or JSON lines
// with --json). Ends on Ctrl-C (exit 0), after --once / --count updates, or
// with --until-done once no job waits.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "ctl/commands.h"
#include "ctl/output.h"

namespace xerod::ctl {
namespace {

struct WatchOptions {
  double interval_seconds = 1.0;
  bool once = false;
  bool until_done = false;            // stop once nothing waits
  std::optional<std::int64_t> count;  // stop after this many updates
};

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int /*signal*/) { g_interrupted = true; }

struct Snapshot {
  std::uint64_t sent = 0, waiting = 0, failed = 0;
  std::uint64_t allowance_per_minute = 0;  // 0: unknown, or nothing may send
  bool paused = false;
};

Snapshot Take(Client& client) {
  VariantMap status = client.manager->GetStatus();
  Snapshot s;
  auto it = status.find("job_counts");
  if (it != status.end() &&
      it->second.containsValueOfType<std::map<std::string, std::uint64_t>>()) {
    auto counts = it->second.get<std::map<std::string, std::uint64_t>>();
    s.sent = counts["succeeded"];
    s.failed = counts["dead"];
    s.waiting = counts["queued"] + counts["running"] + counts["retrying"] + counts["unknown"];
  }
  auto allowance = status.find("send_allowance_per_minute");
  if (allowance != status.end() && allowance->second.containsValueOfType<std::uint64_t>()) {
    s.allowance_per_minute = allowance->second.get<std::uint64_t>();
  }
  auto paused = status.find("paused");
  s.paused = paused != status.end() && paused->second.containsValueOfType<bool>() &&
             paused->second.get<bool>();
  return s;
}

std::string Bar(double fraction, int width) {
  int filled = static_cast<int>(fraction * width + 0.5);
  filled = std::clamp(filled, 0, width);
  return std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.');
}

int RunWatch(Client& client, const GlobalOptions& global, const WatchOptions& options) {
  g_interrupted = false;
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const bool tty = !global.json && isatty(STDOUT_FILENO) == 1;
  const auto interval = std::chrono::duration<double>(std::max(options.interval_seconds, 0.05));

  Snapshot first = Take(client);
  Snapshot previous = first;
  auto previous_time = std::chrono::steady_clock::now();
  double rate = -1;  // jobs/s, smoothed; negative until measured
  std::int64_t updates = 0;
  while (true) {
    Snapshot now = updates == 0 ? first : Take(client);
    auto now_time = std::chrono::steady_clock::now();
    if (updates > 0) {
      double dt = std::chrono::duration<double>(now_time - previous_time).count();
      double instant =
          dt > 0 ? static_cast<double>(now.sent - std::min(now.sent, previous.sent)) / dt : 0;
      rate = rate < 0 ? instant : 0.7 * rate + 0.3 * instant;
    }
    std::string rate_text = rate < 0 ? "-" : fmt::format("{:.1f}/s", rate);
    std::string eta = "-";
    if (now.waiting == 0) {
      eta = "done";
    } else if (rate > 0) {
      eta = FormatDuration(static_cast<std::int64_t>(static_cast<double>(now.waiting) / rate));
    }
    // The best case: every waiting job sent at the rate Xero's limits allow.
    std::optional<std::int64_t> eta_min;
    if (now.waiting > 0 && now.allowance_per_minute > 0) {
      eta_min = static_cast<std::int64_t>(static_cast<double>(now.waiting) * 60.0 /
                                          static_cast<double>(now.allowance_per_minute));
      eta += fmt::format(" (>= {} at Xero's limits)", FormatDuration(*eta_min));
    }
    std::uint64_t done_since_start = now.sent - std::min(now.sent, first.sent);
    std::uint64_t total = done_since_start + now.waiting;
    double fraction =
        total == 0 ? 1.0 : static_cast<double>(done_since_start) / static_cast<double>(total);
    if (global.json) {
      nlohmann::json line = {{"sent", now.sent},
                             {"waiting", now.waiting},
                             {"failed", now.failed},
                             {"paused", now.paused},
                             {"rate", rate < 0 ? 0.0 : rate},
                             {"allowance_per_minute", now.allowance_per_minute}};
      if (eta_min) line["eta_min_seconds"] = *eta_min;
      if (rate > 0 && now.waiting > 0) {
        line["eta_seconds"] = static_cast<std::int64_t>(static_cast<double>(now.waiting) / rate);
      }
      PrintJson(line);
    } else {
      std::string text =
          fmt::format("sent {}  waiting {}  failed {}  rate {}  ETA {}{}", now.sent, now.waiting,
                      now.failed, rate_text, eta, now.paused ? "  (PAUSED)" : "");
      if (tty) {
        std::printf("\r[%s] %3.0f%%  %s\033[K", Bar(fraction, 30).c_str(), fraction * 100,
                    text.c_str());
      } else {
        std::printf("%s\n", text.c_str());
      }
    }
    std::fflush(stdout);
    ++updates;
    previous = now;
    previous_time = now_time;
    if (options.once || (options.count && updates >= *options.count)) break;
    if (options.until_done && now.waiting == 0) break;
    auto deadline = std::chrono::steady_clock::now() + interval;
    while (!g_interrupted && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (g_interrupted) break;
  }
  if (tty) std::printf("\n");
  return kExitOk;
}

}  // namespace

void AddWatchCommand(CLI::App& app, Commands& commands) {
  // The options, and --count as given (0: not given) until it becomes options.count.
  struct WatchArgs {
    WatchOptions options;
    std::int64_t count = 0;
  };
  auto watch = std::make_shared<WatchArgs>();
  auto* cmd = app.add_subcommand("watch", "Live progress: sent, waiting, failed, rate, ETA");
  cmd->add_option("--interval", watch->options.interval_seconds, "Seconds between updates")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  cmd->add_flag("--once", watch->options.once, "Print one update and exit");
  cmd->add_flag("--until-done", watch->options.until_done,
                "Exit once no job waits (nothing queued, running, retrying or unknown)");
  cmd->add_option("--count", watch->count, "Exit after this many updates")
      ->check(CLI::PositiveNumber);
  commands.Bind(*cmd, [watch](Client& c, const GlobalOptions& g) {
    if (watch->count > 0) watch->options.count = watch->count;
    return RunWatch(c, g, watch->options);
  });
}

}  // namespace xerod::ctl
