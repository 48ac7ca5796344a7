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
      "xerod-ctl: control xerod (status, connections, enqueue, jobs, pause/resume, reload,\n"
      "watch, email test).\n"
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

  // connection list|show|settings|add|connect|complete|check|disconnect
  auto* conn = app.add_subcommand("connection", "Xero connections (organisations)");
  conn->require_subcommand(1);
  std::string conn_name;
  conn->add_subcommand("list", "List connections and their state")->callback([&] {
    command = [&](Client& c) { return ctl::RunConnectionList(c, global); };
  });
  auto* conn_show = conn->add_subcommand("show", "Show a connection with its state history");
  conn_show->add_option("name", conn_name, "Connection name")->required();
  conn_show->callback(
      [&] { command = [&](Client& c) { return ctl::RunConnectionShow(c, global, conn_name); }; });
  auto* conn_settings =
      conn->add_subcommand("settings", "Show the copy settings in force for a connection");
  conn_settings->add_option("name", conn_name, "Connection name")->required();
  conn_settings->callback([&] {
    command = [&](Client& c) { return ctl::RunConnectionSettings(c, global, conn_name); };
  });

  ctl::ConnectionAddOptions add;
  auto* conn_add = conn->add_subcommand(
      "add", "Import a connection made by the platform's own Xero sign-in (refresh token)");
  conn_add->add_option("name", add.name, "Connection name")->required();
  conn_add->add_option("--tenant", add.tenant, "Xero tenant (organisation) id");
  auto* token_opt = conn_add->add_option(
      "--refresh-token-file", add.refresh_token_file,
      "File holding the refresh token (mode 0600; - for stdin); it is used once and rotated");
  auto* custom_flag = conn_add->add_flag(
      "--custom", add.custom, "Bind the name to the app's custom connection (client_credentials)");
  token_opt->excludes(custom_flag);
  conn_add->callback([&] {
    if (!add.custom && (add.tenant.empty() || add.refresh_token_file.empty())) {
      throw CLI::ValidationError("connection add",
                                 "needs --tenant ID --refresh-token-file FILE (or --custom)");
    }
    command = [&](Client& c) { return ctl::RunConnectionAdd(c, global, add); };
  });

  ctl::ConnectCliOptions connect;
  auto* conn_connect = conn->add_subcommand(
      "connect", "Connect an organisation: sign in to Xero in a browser (OAuth 2.0 + PKCE)");
  conn_connect->add_option("name", connect.name, "Connection name")->required();
  conn_connect->add_option("--tenant", connect.tenant,
                           "Organisation to bind when the sign-in grants several");
  auto* paste_flag = conn_connect->add_flag(
      "--paste", connect.paste, "Paste the redirected address here (browser on another machine)");
  conn_connect
      ->add_flag("--no-wait", connect.no_wait,
                 "Print the address and return; finish with `connection complete`")
      ->excludes(paste_flag);
  conn_connect->add_option("--timeout", connect.timeout_seconds, "Seconds the sign-in may take")
      ->check(CLI::Range(10, 3600))
      ->capture_default_str();
  conn_connect->callback(
      [&] { command = [&](Client& c) { return ctl::RunConnectionConnect(c, global, connect); }; });

  std::string redirect_url;
  auto* conn_complete = conn->add_subcommand(
      "complete", "Finish a connect with the address the browser was redirected to");
  conn_complete->add_option("name", conn_name, "Connection name")->required();
  conn_complete->add_option("address", redirect_url, "The redirected address")->required();
  conn_complete->callback([&] {
    command = [&](Client& c) {
      return ctl::RunConnectionComplete(c, global, conn_name, redirect_url);
    };
  });
  auto* conn_check = conn->add_subcommand("check", "Check a connection against Xero now");
  conn_check->add_option("name", conn_name, "Connection name")->required();
  conn_check->callback(
      [&] { command = [&](Client& c) { return ctl::RunConnectionCheck(c, global, conn_name); }; });
  auto* conn_disconnect = conn->add_subcommand(
      "disconnect", "Disconnect the organisation at Xero (history and jobs are kept)");
  conn_disconnect->add_option("name", conn_name, "Connection name")->required();
  conn_disconnect->callback([&] {
    command = [&](Client& c) { return ctl::RunConnectionDisconnect(c, global, conn_name); };
  });

  auto* email = app.add_subcommand("email", "Alert email");
  email->require_subcommand(1);
  std::string email_address;
  auto* email_test = email->add_subcommand(
      "test", "Send a test message (to ADDRESS, or to notify.admins) through the smtp server");
  email_test->add_option("address", email_address, "Recipient (default: notify.admins)");
  email_test->callback(
      [&] { command = [&](Client& c) { return ctl::RunEmailTest(c, global, email_address); }; });

  auto* reload = app.add_subcommand("reload", "Re-read the configuration and report errors");
  reload->callback([&] { command = [&](Client& c) { return ctl::RunReload(c, global); }; });

  ctl::WatchOptions watch;
  std::int64_t watch_count = 0;
  auto* watch_cmd = app.add_subcommand("watch", "Live progress: sent, waiting, failed, rate, ETA");
  watch_cmd->add_option("--interval", watch.interval_seconds, "Seconds between updates")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  watch_cmd->add_flag("--once", watch.once, "Print one update and exit");
  watch_cmd->add_flag("--until-done", watch.until_done,
                      "Exit once no job waits (nothing queued, running, retrying or unknown)");
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
