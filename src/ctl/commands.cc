// SPDX-License-Identifier: MIT
#include "ctl/commands.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "ctl/batched_enqueue.h"
#include "ctl/input.h"
#include "ctl/output.h"

namespace xerod::ctl {
namespace {

struct EnqueueOptions {
  std::string connection;
  std::vector<std::string> files;
  std::size_t batch = 500;
};

struct ListOptions {
  std::string state, connection, kind;
  std::uint32_t limit = 100;
  std::int64_t after = 0;
};

using nlohmann::json;

std::string Scope(const std::string& connection) {
  return connection.empty() ? std::string("all connections")
                            : fmt::format("connection '{}'", connection);
}

int RunStatus(Client& client, const GlobalOptions& global) {
  VariantMap status = client.manager->GetStatus();
  if (global.json) {
    PrintJson(MapToJson(status));
    return kExitOk;
  }
  json s = MapToJson(status);
  std::printf("xerod %s, up %s (pid %lld)\n", GetString(status, "version").c_str(),
              FormatDuration(GetInt(status, "uptime_usec") / 1000000).c_str(),
              static_cast<long long>(GetInt(status, "pid")));
  std::printf("bus: %s, database: %s, configuration generation %lld\n",
              GetString(status, "bus").c_str(), GetString(status, "database").c_str(),
              static_cast<long long>(GetInt(status, "config_generation")));
  bool paused = s.value("paused", false);
  std::printf("queue: %s\n", paused ? "PAUSED (xerod-ctl resume)" : "running");
  if (s.contains("holds")) {
    for (const auto& [scope, hold] : s["holds"].items()) {
      if (scope == "*") continue;
      const bool held = hold.value("paused", false);
      const bool parked = hold.value("parked", false);
      if (!held && !parked) continue;
      std::string text = held ? "paused" : "";
      if (parked) text += fmt::format("{}parked: {}", held ? ", " : "", hold.value("reason", ""));
      std::printf("  connection %s: %s\n", scope.c_str(), text.c_str());
    }
  }
  if (s.contains("copied") && s["copied"].is_object()) {
    const auto& c = s["copied"];
    auto n = [&](const char* key) { return c.value(key, std::uint64_t{0}); };
    std::printf(
        "copied since start: %llu invoice(s), %llu payment(s), %llu refused, %llu "
        "contact(s) created, %llu Xero call(s)\n",
        static_cast<unsigned long long>(n("invoices")),
        static_cast<unsigned long long>(n("payments")),
        static_cast<unsigned long long>(n("refused")),
        static_cast<unsigned long long>(n("contacts_created")),
        static_cast<unsigned long long>(n("xero_calls")));
  }
  if (s.contains("send_allowance_per_minute")) {
    std::printf(
        "Xero's limits allow now: %llu document(s) per minute\n",
        static_cast<unsigned long long>(s.value("send_allowance_per_minute", std::uint64_t{0})));
  }
  std::vector<std::vector<std::string>> rows{{"STATE", "JOBS"}};
  if (s.contains("job_counts")) {
    for (const auto& [state, n] : s["job_counts"].items()) {
      rows.push_back({state, std::to_string(n.get<std::uint64_t>())});
    }
  }
  PrintTable(rows, global.no_legend);
  if (s.contains("sending") && s["sending"].is_object() && !s["sending"].empty()) {
    std::printf("\n");
    std::vector<std::vector<std::string>> limits{
        {"CONNECTION", "SENDS", "CALLS LEFT (MIN)", "CALLS LEFT (DAY)", "IN FLIGHT", "PAUSED"}};
    for (const auto& [name, c] : s["sending"].items()) {
      const std::int64_t paused_ms = c.value("paused_ms", std::int64_t{0});
      limits.push_back({name, c.value("may_send", false) ? "yes" : "no",
                        std::to_string(c.value("minute_remaining", 0)),
                        std::to_string(c.value("day_remaining", 0)),
                        std::to_string(c.value("in_flight", 0)),
                        paused_ms > 0 ? FormatDuration((paused_ms + 999) / 1000) : "-"});
    }
    PrintTable(limits, global.no_legend);
  }
  return kExitOk;
}

int RunEnqueue(Client& client, const GlobalOptions& global, bool payments,
               const EnqueueOptions& options) {
  auto docs = ReadDocuments(options.files);
  if (!docs) {
    std::fprintf(stderr, "xerod-ctl: %s\n", docs.error().message().c_str());
    return kExitFailed;
  }
  std::map<std::string, std::uint64_t> totals;
  json results = json::array();
  bool any_invalid = false;
  const std::size_t batch = std::max<std::size_t>(options.batch, 1);
  std::vector<std::vector<std::string>> batches;
  for (std::size_t start = 0; start < docs->size(); start += batch) {
    std::size_t end = std::min(docs->size(), start + batch);
    std::vector<std::string> texts;
    texts.reserve(end - start);
    for (std::size_t i = start; i < end; ++i) texts.push_back((*docs)[i].text);
    batches.push_back(std::move(texts));
  }
  auto replies =
      EnqueueBatches(*client.connection, payments ? "EnqueuePayments" : "EnqueueInvoices",
                     options.connection, batches);
  for (std::size_t b = 0; b < replies.size(); ++b) {
    const std::size_t start = b * batch;
    const std::size_t end = std::min(docs->size(), start + batch);
    for (const auto& row : replies[b]) {
      const std::uint32_t index = std::get<0>(row);
      const std::string& id = std::get<1>(row);
      const std::string& outcome = std::get<2>(row);
      const std::int64_t job_id = std::get<3>(row);
      const std::string& error = std::get<4>(row);
      const InputDocument& doc = (*docs)[start + std::min<std::size_t>(index, end - start - 1)];
      ++totals[outcome];
      if (outcome == "invalid") {
        any_invalid = true;
        if (!global.json) {
          std::fprintf(stderr, "%s: %s%s%s\n", doc.origin.c_str(), id.empty() ? "" : id.c_str(),
                       id.empty() ? "" : ": ", error.c_str());
        }
      }
      if (global.json) {
        json r = {{"origin", doc.origin}, {"id", id}, {"outcome", outcome}};
        if (job_id != 0) r["job_id"] = job_id;
        if (!error.empty()) r["error"] = error;
        results.push_back(std::move(r));
      }
    }
  }
  if (global.json) {
    PrintJson({{"results", results}, {"totals", totals}});
  } else {
    std::string summary;
    for (const auto& [outcome, n] : totals) {
      summary += fmt::format("{}{} {}", summary.empty() ? "" : ", ", n, outcome);
    }
    std::printf("%zu %s document(s): %s\n", docs->size(), payments ? "payment" : "invoice",
                summary.empty() ? "nothing to do" : summary.c_str());
  }
  return any_invalid ? kExitFailed : kExitOk;
}

int RunJobList(Client& client, const GlobalOptions& global, const ListOptions& options) {
  VariantMap filter;
  if (!options.state.empty()) filter["state"] = sdbus::Variant(options.state);
  if (!options.connection.empty()) filter["connection"] = sdbus::Variant(options.connection);
  if (!options.kind.empty()) filter["kind"] = sdbus::Variant(options.kind);
  if (options.after > 0) filter["after"] = sdbus::Variant(options.after);
  filter["limit"] = sdbus::Variant(options.limit);
  auto [jobs, next_after] = client.manager->ListJobs(filter);
  if (global.json) {
    json list = json::array();
    for (const auto& job : jobs) list.push_back(MapToJson(job));
    json out = {{"jobs", list}};
    if (next_after > 0) out["next_after"] = next_after;
    PrintJson(out);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "CONNECTION", "KIND", "SOURCE ID", "STATE",
                                              "ATTEMPTS", "UPDATED (UTC)", "LAST ERROR"}};
  for (const auto& job : jobs) {
    rows.push_back({std::to_string(GetInt(job, "id")), GetString(job, "connection"),
                    GetString(job, "kind"), GetString(job, "source_id"), GetString(job, "state"),
                    fmt::format("{}/{}", GetInt(job, "attempts"), GetInt(job, "max_attempts")),
                    FormatUnixMillis(GetInt(job, "updated_at")), GetString(job, "last_error")});
  }
  PrintTable(rows, global.no_legend);
  if (!global.no_legend) {
    std::printf("\n%zu job(s).%s\n", jobs.size(),
                next_after > 0 ? fmt::format(" More: --after {}", next_after).c_str() : "");
  }
  return kExitOk;
}

int RunJobShow(Client& client, const GlobalOptions& global, std::int64_t id) {
  auto [job, attempts] = client.manager->ShowJob(id);
  if (global.json) {
    json list = json::array();
    for (const auto& a : attempts) list.push_back(MapToJson(a));
    json out = MapToJson(job);
    out["attempts_log"] = list;
    PrintJson(out);
    return kExitOk;
  }
  json j = MapToJson(job);
  // Labels a person reads; --json has the API's names.
  const std::pair<const char*, const char*> fields[] = {
      {"id", "job"},
      {"connection", "connection"},
      {"kind", "kind"},
      {"source_id", "document"},
      {"depends_on", "pays invoice"},
      {"operation", "operation"},
      {"state", "state"},
      {"attempts", "attempts"},
      {"max_attempts", "max attempts"},
      {"last_error", "last error"},
      {"warning", "warning"},
      {"xero_id", j.value("kind", "") == "payment" ? "Xero PaymentID" : "Xero InvoiceID"},
      {"xero_link", "View on Xero"},
      {"previous_xero_id", "updates"},
      {"needs_reconcile", "look up first"},
      {"has_newer_content", "newer content"},
      {"content_hash", "content hash"}};
  for (const auto& [key, label] : fields) {
    if (!j.contains(key)) continue;
    std::string value = j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
    std::printf("%-18s %s\n", (std::string(label) + ":").c_str(), value.c_str());
  }
  for (const char* key : {"created_at", "updated_at", "next_run_at", "finished_at"}) {
    if (j.contains(key)) {
      std::printf("%-18s %s UTC\n", (std::string(key) + ":").c_str(),
                  FormatUnixMillis(j[key].get<std::int64_t>()).c_str());
    }
  }
  std::printf("payload:           %s\n\n", GetString(job, "payload").c_str());
  // "r": the attempt looked the document up in Xero first. The correlation id
  // is what Xero's support asks for.
  std::vector<std::vector<std::string>> rows{{"#", "STARTED (UTC)", "FINISHED (UTC)", "OUTCOME",
                                              "HTTP", "XERO CORRELATION ID", "MESSAGES"}};
  for (const auto& a : attempts) {
    std::string correlation = GetString(a, "request_id");
    rows.push_back({std::to_string(GetInt(a, "number")) +
                        (a.count("reconcile") && a.at("reconcile").get<bool>() ? "r" : ""),
                    FormatUnixMillis(GetInt(a, "started_at")),
                    FormatUnixMillis(GetInt(a, "finished_at")), GetString(a, "outcome"),
                    a.count("http_status") ? std::to_string(GetInt(a, "http_status")) : "-",
                    correlation.empty() ? "-" : correlation, GetString(a, "messages")});
  }
  PrintTable(rows, global.no_legend);
  return kExitOk;
}

int RunJobRetry(Client& client, const GlobalOptions& /*global*/, std::int64_t id) {
  client.manager->RetryJob(id);
  std::printf("job %lld queued again\n", static_cast<long long>(id));
  return kExitOk;
}

int RunJobRetryAll(Client& client, const GlobalOptions& global, const std::string& connection) {
  std::uint32_t n = client.manager->RetryDeadJobs(connection);
  if (global.json) {
    PrintJson({{"retried", n}});
  } else {
    std::printf("%u dead job(s) of %s queued again\n", n, Scope(connection).c_str());
  }
  return kExitOk;
}

int RunJobCancel(Client& client, const GlobalOptions& /*global*/, std::int64_t id) {
  client.manager->CancelJob(id);
  std::printf("job %lld cancelled\n", static_cast<long long>(id));
  return kExitOk;
}

int RunPause(Client& client, const GlobalOptions& /*global*/, const std::string& connection,
             bool pause) {
  if (pause) {
    client.manager->Pause(connection);
  } else {
    client.manager->Resume(connection);
  }
  std::printf("%s %s\n", pause ? "paused" : "resumed", Scope(connection).c_str());
  return kExitOk;
}

int RunReload(Client& client, const GlobalOptions& global) {
  auto [generation, warnings] = client.manager->Reload();
  if (global.json) {
    PrintJson({{"generation", generation}, {"warnings", warnings}});
    return kExitOk;
  }
  std::printf("configuration reloaded (generation %u)\n", generation);
  for (const auto& w : warnings) std::printf("warning: %s\n", w.c_str());
  return kExitOk;
}

// Registration of the subcommands. Option values live in shared_ptrs that the
// subcommand's callback holds, so they last as long as the app.

// job retry: one job by id, or every dead job of a connection.
struct RetryOptions {
  std::optional<std::int64_t> id;
  bool all_failed = false;
  std::string connection;
};

void CheckJobRetry(const RetryOptions& retry) {
  if (retry.all_failed == retry.id.has_value()) {
    throw CLI::ValidationError("job retry", "give a job id or --all-failed --connection N");
  }
  if (retry.all_failed && retry.connection.empty()) {
    throw CLI::ValidationError("job retry", "--all-failed needs --connection N");
  }
}

void AddJobList(CLI::App& job, Commands& commands) {
  auto list = std::make_shared<ListOptions>();
  auto* cmd = job.add_subcommand("list", "List jobs (oldest first), filtered, by pages");
  cmd->add_option("--state", list->state,
                  "queued|running|retrying|succeeded|dead|cancelled|unknown");
  cmd->add_option("--connection,-c", list->connection, "Connection name");
  cmd->add_option("--kind", list->kind, "invoice|payment");
  cmd->add_option("--limit", list->limit, "Jobs per page")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--after", list->after, "Show jobs with ids greater than this");
  commands.Bind(*cmd,
                [list](Client& c, const GlobalOptions& g) { return RunJobList(c, g, *list); });
}

// job show ID, job cancel ID.
void AddJobIdCommand(CLI::App& job, Commands& commands, const std::string& name,
                     const std::string& help,
                     int (*run)(Client&, const GlobalOptions&, std::int64_t)) {
  auto id = std::make_shared<std::int64_t>(0);
  auto* cmd = job.add_subcommand(name, help);
  cmd->add_option("id", *id, "Job id")->required();
  commands.Bind(*cmd, [id, run](Client& c, const GlobalOptions& g) { return run(c, g, *id); });
}

void AddJobRetry(CLI::App& job, Commands& commands) {
  auto retry = std::make_shared<RetryOptions>();
  auto* cmd = job.add_subcommand("retry", "Retry a dead job, or all dead jobs");
  cmd->add_option("id", retry->id, "Job id");
  auto* all_flag =
      cmd->add_flag("--all-failed", retry->all_failed, "Retry every dead job of --connection");
  cmd->add_option("--connection,-c", retry->connection, "Connection (with --all-failed)")
      ->needs(all_flag);
  commands.Bind(
      *cmd,
      [retry](Client& c, const GlobalOptions& g) {
        return retry->all_failed ? RunJobRetryAll(c, g, retry->connection)
                                 : RunJobRetry(c, g, *retry->id);
      },
      [retry] { CheckJobRetry(*retry); });
}

}  // namespace

void Commands::Bind(CLI::App& command, Run run, std::function<void()> check) {
  command.callback([this, run = std::move(run), check = std::move(check)] {
    if (check) check();
    chosen = run;
  });
}

void AddStatusCommand(CLI::App& app, Commands& commands) {
  commands.Bind(*app.add_subcommand("status", "Show the daemon's state and job counts"), RunStatus);
}

void AddEnqueueCommands(CLI::App& app, Commands& commands) {
  auto enqueue = std::make_shared<EnqueueOptions>();
  for (bool payments : {false, true}) {
    auto* group = app.add_subcommand(payments ? "payment" : "invoice",
                                     payments ? "Payment documents" : "Invoice documents");
    group->require_subcommand(1);
    auto* cmd = group->add_subcommand(
        "enqueue", "Queue documents from FILEs (one object, an array, or NDJSON; - for stdin)");
    cmd->add_option("--connection,-c", enqueue->connection, "Connection name")->required();
    cmd->add_option("--batch", enqueue->batch, "Documents per D-Bus call")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("files", enqueue->files, "Files, or - for stdin")->required();
    commands.Bind(*cmd, [enqueue, payments](Client& c, const GlobalOptions& g) {
      return RunEnqueue(c, g, payments, *enqueue);
    });
  }
}

void AddJobCommands(CLI::App& app, Commands& commands) {
  auto* job = app.add_subcommand("job", "Inspect and manage jobs");
  job->require_subcommand(1);
  AddJobList(*job, commands);
  AddJobIdCommand(*job, commands, "show", "Show one job with its attempts", RunJobShow);
  AddJobRetry(*job, commands);
  AddJobIdCommand(*job, commands, "cancel", "Cancel a job that is not running", RunJobCancel);
}

void AddPauseCommands(CLI::App& app, Commands& commands) {
  auto connection = std::make_shared<std::string>();
  for (bool pause : {true, false}) {
    auto* cmd =
        app.add_subcommand(pause ? "pause" : "resume",
                           pause ? "Stop sending (enqueueing still works)" : "Start sending again");
    cmd->add_option("connection", *connection, "Connection (default: everything)");
    commands.Bind(*cmd, [connection, pause](Client& c, const GlobalOptions& g) {
      return RunPause(c, g, *connection, pause);
    });
  }
}

void AddReloadCommand(CLI::App& app, Commands& commands) {
  commands.Bind(*app.add_subcommand("reload", "Re-read the configuration and report errors"),
                RunReload);
}

}  // namespace xerod::ctl
