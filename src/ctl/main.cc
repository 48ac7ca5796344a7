// SPDX-License-Identifier: MIT
//
// xerod-ctl: the admin CLI of xerod. Talks only D-Bus (org.xerod.Xerod1).
// Exit codes: 0 success, 1 failed operation, 2 usage error, 3 xerod not running.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "ctl/commands.h"
#include "xerod/version.h"

namespace {

using xerod::ctl::Client;

}  // namespace

int main(int argc, char** argv) {
  namespace ctl = xerod::ctl;
  CLI::App app{
      "xerod-ctl: control xerod (status, enqueue, jobs, pause/resume, reload, watch).\n"
      "Exit codes: 0 ok, 1 failed operation, 2 usage error, 3 xerod not running."};
  app.require_subcommand(1);
  app.fallthrough();
  ctl::GlobalOptions global;
  app.add_option("--bus", global.bus, "Bus to reach xerod on")
      ->check(CLI::IsMember({"system", "session"}))
      ->capture_default_str();
  app.add_flag("--json", global.json, "Machine-readable output (one JSON document)");
  app.add_flag("--no-legend", global.no_legend, "Leave out table headers and footers");
  app.set_version_flag("-V,--version", std::string("xerod-ctl ") + xerod::kVersion);

  std::function<int(Client&)> command;

  auto* status = app.add_subcommand("status", "Show the daemon's state and job counts");
  status->callback([&] { command = [&](Client& c) { return ctl::RunStatus(c, global); }; });

  ctl::EnqueueOptions enqueue;
  for (bool payments : {false, true}) {
    auto* group = app.add_subcommand(payments ? "payment" : "invoice",
                                     payments ? "Payment documents" : "Invoice documents");
    group->require_subcommand(1);
    auto* cmd = group->add_subcommand(
        "enqueue", "Queue documents from FILEs (one object, an array, or NDJSON; - for stdin)");
    cmd->add_option("--connection,-c", enqueue.connection, "Connection name")->required();
    cmd->add_option("--batch", enqueue.batch, "Documents per D-Bus call")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("files", enqueue.files, "Files, or - for stdin")->required();
    cmd->callback([&, payments] {
      command = [&, payments](Client& c) { return ctl::RunEnqueue(c, global, payments, enqueue); };
    });
  }

  auto* job = app.add_subcommand("job", "Inspect and manage jobs");
  job->require_subcommand(1);
  ctl::ListOptions list;
  auto* job_list = job->add_subcommand("list", "List jobs (oldest first), filtered, by pages");
  job_list->add_option("--state", list.state,
                       "queued|running|retrying|succeeded|dead|cancelled|unknown");
  job_list->add_option("--connection,-c", list.connection, "Connection name");
  job_list->add_option("--kind", list.kind, "invoice|payment");
  job_list->add_option("--limit", list.limit, "Jobs per page")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  job_list->add_option("--after", list.after, "Show jobs with ids greater than this");
  job_list->callback(
      [&] { command = [&](Client& c) { return ctl::RunJobList(c, global, list); }; });

  std::int64_t job_id = 0;
  auto* job_show = job->add_subcommand("show", "Show one job with its attempts");
  job_show->add_option("id", job_id, "Job id")->required();
  job_show->callback(
      [&] { command = [&](Client& c) { return ctl::RunJobShow(c, global, job_id); }; });

  std::optional<std::int64_t> retry_id;
  bool all_failed = false;
  std::string retry_connection;
  auto* job_retry = job->add_subcommand("retry", "Retry a dead job, or all dead jobs");
  job_retry->add_option("id", retry_id, "Job id");
  auto* all_flag =
      job_retry->add_flag("--all-failed", all_failed, "Retry every dead job of --connection");
  job_retry->add_option("--connection,-c", retry_connection, "Connection (with --all-failed)")
      ->needs(all_flag);
  job_retry->callback([&] {
    if (all_failed == retry_id.has_value()) {
      throw CLI::ValidationError("job retry", "give a job id or --all-failed --connection N");
    }
    if (all_failed && retry_connection.empty()) {
      throw CLI::ValidationError("job retry", "--all-failed needs --connection N");
    }
    command = [&](Client& c) {
      return all_failed ? ctl::RunJobRetryAll(c, global, retry_connection)
                        : ctl::RunJobRetry(c, global, *retry_id);
    };
  });

  auto* job_cancel = job->add_subcommand("cancel", "Cancel a job that is not running");
  job_cancel->add_option("id", job_id, "Job id")->required();
  job_cancel->callback(
      [&] { command = [&](Client& c) { return ctl::RunJobCancel(c, global, job_id); }; });

  std::string pause_connection;
  for (bool pause : {true, false}) {
    auto* cmd =
        app.add_subcommand(pause ? "pause" : "resume",
                           pause ? "Stop sending (enqueueing still works)" : "Start sending again");
    cmd->add_option("connection", pause_connection, "Connection (default: everything)");
    cmd->callback([&, pause] {
      command = [&, pause](Client& c) { return ctl::RunPause(c, global, pause_connection, pause); };
    });
  }

  auto* reload = app.add_subcommand("reload", "Re-read the configuration and report errors");
  reload->callback([&] { command = [&](Client& c) { return ctl::RunReload(c, global); }; });

  ctl::WatchOptions watch;
  std::int64_t watch_count = 0;
  auto* watch_cmd = app.add_subcommand("watch", "Live progress: sent, waiting, failed, rate, ETA");
  watch_cmd->add_option("--interval", watch.interval_seconds, "Seconds between updates")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  watch_cmd->add_flag("--once", watch.once, "Print one update and exit");
  watch_cmd->add_option("--count", watch_count, "Exit after this many updates")
      ->check(CLI::PositiveNumber);
  watch_cmd->callback([&] {
    if (watch_count > 0) watch.count = watch_count;
    command = [&](Client& c) { return ctl::RunWatch(c, global, watch); };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? ctl::kExitOk : ctl::kExitUsage;
  }
  if (!command) return ctl::kExitUsage;
  try {
    Client client = ctl::Connect(global.bus);
    return command(client);
  } catch (const sdbus::Error& e) {
    return ctl::ReportError(e, global.bus);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xerod-ctl: %s\n", e.what());
    return ctl::kExitFailed;
  }
}
