// SPDX-License-Identifier: MIT
// xerod-ctl notification list: the e-mail outbox.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "ctl/client.h"
#include "ctl/commands.h"
#include "ctl/output.h"

namespace xerod::ctl {
namespace {

using nlohmann::json;

struct NotificationListOptions {
  std::string state;
  std::int64_t before = 0;
  std::uint32_t limit = 50;
};

int RunNotificationList(Client& client, const GlobalOptions& global,
                        const NotificationListOptions& options) {
  VariantMap filter;
  if (!options.state.empty()) filter["state"] = sdbus::Variant(options.state);
  if (options.before > 0) filter["before"] = sdbus::Variant(options.before);
  filter["limit"] = sdbus::Variant(options.limit);
  std::vector<VariantMap> all = client.manager->ListNotifications(filter);
  if (global.json) {
    json out = json::array();
    for (const VariantMap& n : all) out.push_back(MapToJson(n));
    PrintJson({{"notifications", out}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{
      {"ID", "CREATED (UTC)", "KIND", "CONNECTION", "STATE", "TRIES", "TO", "SUBJECT", "ANSWER"}};
  for (const VariantMap& n : all) {
    std::string to;
    for (const auto& r : n.at("recipients").get<std::vector<std::string>>()) {
      to += (to.empty() ? "" : ", ") + r;
    }
    rows.push_back({std::to_string(GetInt(n, "id")), FormatUnixMillis(GetInt(n, "created_at_ms")),
                    GetString(n, "kind"), GetString(n, "connection"), GetString(n, "state"),
                    std::to_string(GetInt(n, "attempts")), to, GetString(n, "subject"),
                    GetString(n, "last_error")});
  }
  PrintTable(rows, global.no_legend);
  if (!global.no_legend) {
    std::printf("\n%zu notification(s).%s\n", all.size(),
                all.size() == options.limit
                    ? (" Older: --before " + std::to_string(GetInt(all.back(), "id"))).c_str()
                    : "");
  }
  return kExitOk;
}

}  // namespace

void AddNotificationCommands(CLI::App& app, Commands& commands) {
  auto* group = app.add_subcommand("notification", "The e-mail outbox");
  group->require_subcommand(1);
  auto list = std::make_shared<NotificationListOptions>();
  auto* cmd = group->add_subcommand(
      "list", "List notifications, newest first: queued, sent, failed (with the server's answer)");
  cmd->add_option("--state", list->state, "queued|sent|failed");
  cmd->add_option("--before", list->before, "Show notifications with ids lower than this");
  cmd->add_option("--limit", list->limit, "Notifications per page")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  commands.Bind(
      *cmd, [list](Client& c, const GlobalOptions& g) { return RunNotificationList(c, g, *list); });
}

}  // namespace xerod::ctl
