// SPDX-License-Identifier: MIT
//
// xerod-ctl connection ... and email test. Calls that wait for Xero or an SMTP
// server go through a raw proxy with a long timeout; the rest use the
// generated proxy.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "ctl/commands.h"
#include "ctl/output.h"
#include "dbus/names.h"
#include "xerod/secret.h"

namespace xerod::ctl {
namespace {

struct ConnectionAddOptions {
  std::string name;
  std::string tenant;
  std::string refresh_token_file;  // FILE (mode 0600), a credential name, or - for stdin
  bool custom = false;             // the app's custom connection (no refresh token)
};

struct ConnectCliOptions {
  std::string name;
  std::string tenant;    // needed when the user may pick several organisations
  bool paste = false;    // read the redirect address from stdin (no loopback listener)
  bool no_wait = false;  // print the address and return
  std::uint32_t timeout_seconds = 600;
};

using nlohmann::json;

// Xero may take a request timeout (60 s) plus a token refresh to answer.
constexpr auto kXeroCallTimeout = std::chrono::seconds(150);

// Calls `method` on xerod with `timeout`, returning the reply for unpacking.
sdbus::MethodReply CallLong(Client& client, const std::string& method,
                            std::chrono::microseconds timeout,
                            const std::function<void(sdbus::MethodCall&)>& args) {
  auto proxy = sdbus::createProxy(*client.connection, dbus::kBusName, dbus::kObjectPath);
  sdbus::MethodCall call = proxy->createMethodCall(dbus::kManagerInterface, method);
  args(call);
  return proxy->callMethod(call, static_cast<std::uint64_t>(timeout.count()));
}

VariantMap CallForConnection(Client& client, const std::string& method,
                             const std::function<void(sdbus::MethodCall&)>& args,
                             std::chrono::microseconds timeout = kXeroCallTimeout) {
  sdbus::MethodReply reply = CallLong(client, method, timeout, args);
  VariantMap out;
  reply >> out;
  return out;
}

std::string Ms(const VariantMap& map, const std::string& key) {
  return map.count(key) ? FormatUnixMillis(GetInt(map, key)) : std::string("-");
}

bool GetBool(const VariantMap& map, const std::string& key) {
  auto it = map.find(key);
  return it != map.end() && it->second.containsValueOfType<bool>() && it->second.get<bool>();
}

std::string HoldText(const VariantMap& c) {
  std::string out;
  if (GetBool(c, "paused")) out = "paused";
  if (GetBool(c, "parked")) out += out.empty() ? "parked" : ", parked";
  return out.empty() ? "-" : out;
}

// One line for people after add/connect/check.
void PrintConnectionLine(const VariantMap& c) {
  std::string state = GetString(c, "state");
  std::printf("connection %s: %s, organisation %s (%s)%s%s\n", GetString(c, "name").c_str(),
              state.c_str(), GetString(c, "tenant_name").c_str(), GetString(c, "tenant_id").c_str(),
              state == "active" ? "" : ": ",
              state == "active" ? "" : GetString(c, "reason").c_str());
}

int PrintConnectionResult(const GlobalOptions& global, const VariantMap& c) {
  if (global.json) {
    PrintJson(MapToJson(c));
  } else {
    PrintConnectionLine(c);
    // A check says what it found at each step.
    if (auto it = c.find("findings"); it != c.end()) {
      for (const auto& line : it->second.get<std::vector<std::string>>()) {
        std::printf("  %s\n", line.c_str());
      }
    }
  }
  return GetString(c, "state") == "active" ? kExitOk : kExitFailed;
}

// The refresh token from FILE (a secret file: 0600, or a credential name) or stdin.
Result<std::string> ReadRefreshToken(const std::string& file) {
  std::string token;
  if (file == "-") {
    if (!std::getline(std::cin, token)) {
      return Fail(Code::kInvalidArgument, "no refresh token on standard input");
    }
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  } else {
    std::string path = file.find('/') == std::string::npos && !std::filesystem::exists(file)
                           ? file  // a systemd credential name
                           : std::filesystem::absolute(file).string();
    auto secret = LoadSecret(path);
    if (!secret) return Fail(secret.error());
    token = secret->reveal();
  }
  if (token.empty()) return Fail(Code::kInvalidArgument, "the refresh token is empty");
  return token;
}

int RunConnectionList(Client& client, const GlobalOptions& global) {
  std::vector<VariantMap> all = client.manager->ListConnections();
  if (global.json) {
    json out = json::array();
    for (const VariantMap& c : all) out.push_back(MapToJson(c));
    PrintJson({{"connections", out}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "STATE", "ORGANISATION", "TENANT", "KIND", "LAST REFRESH", "JOBS", "REASON"}};
  for (const VariantMap& c : all) {
    std::string state = GetString(c, "state");
    rows.push_back({GetString(c, "name"), state, GetString(c, "tenant_name"),
                    GetString(c, "tenant_id"), GetString(c, "kind"), Ms(c, "last_refresh_at"),
                    HoldText(c), state == "active" ? "" : GetString(c, "reason")});
  }
  PrintTable(rows, global.no_legend);
  if (!global.no_legend) std::printf("\n%zu connection(s).\n", all.size());
  return kExitOk;
}

int RunConnectionShow(Client& client, const GlobalOptions& global, const std::string& name) {
  auto [c, history] = client.manager->ShowConnection(name);
  if (global.json) {
    json events = json::array();
    for (const VariantMap& e : history) events.push_back(MapToJson(e));
    json out = MapToJson(c);
    out["history"] = events;
    PrintJson(out);
    return kExitOk;
  }
  json j = MapToJson(c);
  auto line = [](const char* key, const std::string& value) {
    std::printf("%16s: %s\n", key, value.empty() ? "-" : value.c_str());
  };
  line("name", GetString(c, "name"));
  line("state",
       GetString(c, "state") +
           (GetString(c, "reason").empty() ? std::string() : " (" + GetString(c, "reason") + ")"));
  line("organisation", GetString(c, "tenant_name"));
  line("tenant", GetString(c, "tenant_id"));
  line("kind", GetString(c, "kind"));
  line("scopes", GetString(c, "scopes"));
  line("since", Ms(c, "state_changed_at"));
  line("created", Ms(c, "created_at"));
  line("last refresh", Ms(c, "last_refresh_at"));
  line("last success", Ms(c, "last_success_at"));
  std::string hold = HoldText(c);
  if (hold != "-" && !GetString(c, "hold_reason").empty())
    hold += ": " + GetString(c, "hold_reason");
  line("jobs held", hold);
  if (j.contains("job_counts")) {
    std::string counts;
    for (const auto& [state, n] : j["job_counts"].items()) {
      if (n.get<std::uint64_t>() == 0) continue;
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n.get<std::uint64_t>(), state);
    }
    line("jobs", counts.empty() ? "none" : counts);
  }
  if (j.contains("settings")) {
    const json& s = j["settings"];
    line("settings", s.value("configured", false) ? "from the configuration file"
                                                  : "defaults (no connections: entry)");
    line("invoice status", s.value("invoice_status", ""));
    line("revenue account", s.value("revenue_account", ""));
    line("payment account", s.value("payment_account", ""));
    line("copy payments", s.value("copy_payments", false) ? "yes" : "no");
  }
  std::printf("\n");
  std::vector<std::vector<std::string>> rows{{"WHEN", "STATE", "REASON"}};
  for (const VariantMap& e : history) {
    rows.push_back({Ms(e, "at"), GetString(e, "state"), GetString(e, "reason")});
  }
  PrintTable(rows, global.no_legend);
  return kExitOk;
}

int RunConnectionSettings(Client& client, const GlobalOptions& global, const std::string& name) {
  VariantMap settings = client.manager->GetConnectionSettings(name);
  json s = MapToJson(settings);
  if (global.json) {
    PrintJson(s);
    return kExitOk;
  }
  std::printf("connection %s: %s\n", name.c_str(),
              s.value("configured", false) ? "settings from the configuration file"
                                           : "default settings (no connections: entry)");
  std::vector<std::vector<std::string>> rows{{"SETTING", "VALUE"}};
  rows.push_back({"invoice_status", s.value("invoice_status", "")});
  rows.push_back({"revenue_account", s.value("revenue_account", "")});
  rows.push_back({"payment_account", s.value("payment_account", "")});
  rows.push_back({"copy_payments", s.value("copy_payments", false) ? "true" : "false"});
  std::string notify;
  if (s.contains("notify")) {
    for (const json& a : s["notify"]) notify += (notify.empty() ? "" : ", ") + a.get<std::string>();
  }
  rows.push_back({"notify", notify});
  if (s.contains("tax_map")) {
    for (const auto& [from, to] : s["tax_map"].items()) {
      rows.push_back({"tax_map[" + from + "]", to.get<std::string>()});
    }
  }
  for (auto& row : rows) {
    if (row[1].empty()) row[1] = "-";
  }
  PrintTable(rows, global.no_legend);
  return kExitOk;
}

int RunConnectionAdd(Client& client, const GlobalOptions& global,
                     const ConnectionAddOptions& options) {
  VariantMap c;
  if (options.custom) {
    c = CallForConnection(client, "AddCustomConnection",
                          [&](sdbus::MethodCall& m) { m << options.name << options.tenant; });
  } else {
    auto token = ReadRefreshToken(options.refresh_token_file);
    if (!token) {
      std::fprintf(stderr, "xerod-ctl: --refresh-token-file: %s\n",
                   token.error().message().c_str());
      return kExitFailed;
    }
    c = CallForConnection(client, "AddConnection", [&](sdbus::MethodCall& m) {
      m << options.name << options.tenant << *token;
    });
  }
  return PrintConnectionResult(global, c);
}

int RunConnectionConnect(Client& client, const GlobalOptions& global,
                         const ConnectCliOptions& options) {
  VariantMap begin;
  if (!options.tenant.empty()) begin["tenant_id"] = sdbus::Variant(options.tenant);
  begin["listen"] = sdbus::Variant(!options.paste);
  begin["timeout_sec"] = sdbus::Variant(options.timeout_seconds);
  std::string url = client.manager->BeginConnect(options.name, begin);
  if (options.no_wait) {
    if (global.json) {
      PrintJson({{"name", options.name}, {"authorize_url", url}});
    } else {
      std::printf(
          "Open this address in a browser, sign in to Xero and allow access:\n\n  %s\n\n"
          "xerod receives the redirect itself when the browser runs on this machine; "
          "otherwise copy the address the browser ends on and run\n"
          "  xerod-ctl connection complete %s 'ADDRESS'\n"
          "within %u seconds.\n",
          url.c_str(), options.name.c_str(), options.timeout_seconds);
    }
    return kExitOk;
  }
  // Instructions go to stderr so that --json keeps stdout to one document.
  std::fprintf(stderr,
               "Open this address in a browser, sign in to Xero and allow access:\n\n  %s\n\n",
               url.c_str());
  VariantMap c;
  if (options.paste) {
    std::fprintf(stderr,
                 "Then paste the address the browser ended on (it starts with xerod's "
                 "redirect URI) and press Enter:\n");
    std::string redirect;
    if (!std::getline(std::cin, redirect) || redirect.empty()) {
      client.manager->CancelConnect(options.name);
      std::fprintf(stderr, "xerod-ctl: no address given; connect cancelled\n");
      return kExitFailed;
    }
    c = CallForConnection(client, "CompleteConnect",
                          [&](sdbus::MethodCall& m) { m << options.name << redirect; });
  } else {
    std::fprintf(stderr,
                 "Waiting up to %u seconds for the browser to come back "
                 "(Ctrl-C stops waiting; finish later with `xerod-ctl connection complete`)...\n",
                 options.timeout_seconds);
    c = CallForConnection(
        client, "AwaitConnect", [&](sdbus::MethodCall& m) { m << options.name; },
        std::chrono::seconds(options.timeout_seconds) + kXeroCallTimeout);
  }
  return PrintConnectionResult(global, c);
}

int RunConnectionComplete(Client& client, const GlobalOptions& global, const std::string& name,
                          const std::string& redirect_url) {
  VariantMap c = CallForConnection(client, "CompleteConnect",
                                   [&](sdbus::MethodCall& m) { m << name << redirect_url; });
  return PrintConnectionResult(global, c);
}

int RunConnectionCheck(Client& client, const GlobalOptions& global, const std::string& name) {
  VariantMap c =
      CallForConnection(client, "CheckConnection", [&](sdbus::MethodCall& m) { m << name; });
  return PrintConnectionResult(global, c);
}

int RunConnectionDisconnect(Client& client, const GlobalOptions& global, const std::string& name) {
  CallLong(client, "DisconnectConnection", kXeroCallTimeout,
           [&](sdbus::MethodCall& m) { m << name; });
  if (global.json) {
    PrintJson({{"name", name}, {"state", "disconnected"}});
  } else {
    std::printf(
        "connection %s disconnected; its history is kept and its jobs wait.\n"
        "Reconnect with `xerod-ctl connection connect %s`. To remove the app from the "
        "organisation entirely, also disconnect it in Xero (Settings > Connected apps).\n",
        name.c_str(), name.c_str());
  }
  return kExitOk;
}

int RunEmailTest(Client& client, const GlobalOptions& global, const std::string& address) {
  sdbus::MethodReply reply = CallLong(client, "SendTestEmail", kXeroCallTimeout,
                                      [&](sdbus::MethodCall& m) { m << address; });
  std::string message_id;
  std::vector<std::string> recipients;
  reply >> message_id >> recipients;
  if (global.json) {
    PrintJson({{"message_id", message_id}, {"recipients", recipients}});
    return kExitOk;
  }
  std::string to;
  for (const auto& r : recipients) to += (to.empty() ? "" : ", ") + r;
  std::printf("test email %s accepted by the SMTP server for %s\n", message_id.c_str(), to.c_str());
  return kExitOk;
}

// Registration of the subcommands. Option values live in shared_ptrs that the
// subcommand's callback holds, so they last as long as the app.

// connection complete NAME ADDRESS.
struct CompleteOptions {
  std::string name;
  std::string redirect_url;
};

void CheckConnectionAdd(const ConnectionAddOptions& add) {
  if (!add.custom && (add.tenant.empty() || add.refresh_token_file.empty())) {
    throw CLI::ValidationError("connection add",
                               "needs --tenant ID --refresh-token-file FILE (or --custom)");
  }
}

// connection show|settings|check|disconnect NAME.
void AddNamedConnectionCommand(CLI::App& conn, Commands& commands, const std::string& verb,
                               const std::string& help,
                               int (*run)(Client&, const GlobalOptions&, const std::string&)) {
  auto name = std::make_shared<std::string>();
  auto* cmd = conn.add_subcommand(verb, help);
  cmd->add_option("name", *name, "Connection name")->required();
  commands.Bind(*cmd, [name, run](Client& c, const GlobalOptions& g) { return run(c, g, *name); });
}

void AddConnectionAdd(CLI::App& conn, Commands& commands) {
  auto add = std::make_shared<ConnectionAddOptions>();
  auto* cmd = conn.add_subcommand(
      "add", "Import a connection made by the platform's own Xero sign-in (refresh token)");
  cmd->add_option("name", add->name, "Connection name")->required();
  cmd->add_option("--tenant", add->tenant, "Xero tenant (organisation) id");
  auto* token_opt = cmd->add_option(
      "--refresh-token-file", add->refresh_token_file,
      "File holding the refresh token (mode 0600; - for stdin); it is used once and rotated");
  auto* custom_flag = cmd->add_flag(
      "--custom", add->custom, "Bind the name to the app's custom connection (client_credentials)");
  token_opt->excludes(custom_flag);
  commands.Bind(
      *cmd, [add](Client& c, const GlobalOptions& g) { return RunConnectionAdd(c, g, *add); },
      [add] { CheckConnectionAdd(*add); });
}

void AddConnectionConnect(CLI::App& conn, Commands& commands) {
  auto connect = std::make_shared<ConnectCliOptions>();
  auto* cmd = conn.add_subcommand(
      "connect", "Connect an organisation: sign in to Xero in a browser (OAuth 2.0 + PKCE)");
  cmd->add_option("name", connect->name, "Connection name")->required();
  cmd->add_option("--tenant", connect->tenant,
                  "Organisation to bind when the sign-in grants several");
  auto* paste_flag = cmd->add_flag(
      "--paste", connect->paste, "Paste the redirected address here (browser on another machine)");
  cmd->add_flag("--no-wait", connect->no_wait,
                "Print the address and return; finish with `connection complete`")
      ->excludes(paste_flag);
  cmd->add_option("--timeout", connect->timeout_seconds, "Seconds the sign-in may take")
      ->check(CLI::Range(10, 3600))
      ->capture_default_str();
  commands.Bind(*cmd, [connect](Client& c, const GlobalOptions& g) {
    return RunConnectionConnect(c, g, *connect);
  });
}

void AddConnectionComplete(CLI::App& conn, Commands& commands) {
  auto complete = std::make_shared<CompleteOptions>();
  auto* cmd = conn.add_subcommand(
      "complete", "Finish a connect with the address the browser was redirected to");
  cmd->add_option("name", complete->name, "Connection name")->required();
  cmd->add_option("address", complete->redirect_url, "The redirected address")->required();
  commands.Bind(*cmd, [complete](Client& c, const GlobalOptions& g) {
    return RunConnectionComplete(c, g, complete->name, complete->redirect_url);
  });
}

}  // namespace

void AddConnectionCommands(CLI::App& app, Commands& commands) {
  auto* conn = app.add_subcommand("connection", "Xero connections (organisations)");
  conn->require_subcommand(1);
  commands.Bind(*conn->add_subcommand("list", "List connections and their state"),
                RunConnectionList);
  AddNamedConnectionCommand(*conn, commands, "show", "Show a connection with its state history",
                            RunConnectionShow);
  AddNamedConnectionCommand(*conn, commands, "settings",
                            "Show the copy settings in force for a connection",
                            RunConnectionSettings);
  AddConnectionAdd(*conn, commands);
  AddConnectionConnect(*conn, commands);
  AddConnectionComplete(*conn, commands);
  AddNamedConnectionCommand(*conn, commands, "check", "Check a connection against Xero now",
                            RunConnectionCheck);
  AddNamedConnectionCommand(*conn, commands, "disconnect",
                            "Disconnect the organisation at Xero (history and jobs are kept)",
                            RunConnectionDisconnect);
}

void AddEmailCommands(CLI::App& app, Commands& commands) {
  auto* email = app.add_subcommand("email", "Alert email");
  email->require_subcommand(1);
  auto address = std::make_shared<std::string>();
  auto* test = email->add_subcommand(
      "test", "Send a test message (to ADDRESS, or to notify.admins) through the smtp server");
  test->add_option("address", *address, "Recipient (default: notify.admins)");
  commands.Bind(
      *test, [address](Client& c, const GlobalOptions& g) { return RunEmailTest(c, g, *address); });
}

}  // namespace xerod::ctl
