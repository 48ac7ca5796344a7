// SPDX-License-Identifier: MIT
//
// xerod: the table of contents. Parse arguments, load and check the config,
// set up logging, start the services, run until told to stop.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "daemon/daemon.h"
#include "daemon/harden.h"
#include "xerod/config.h"
#include "xerod/log.h"
#include "xerod/version.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  // 0. Before anything reads a secret: no core dump can hold one.
  if (auto s = xerod::daemon::HardenProcess(); !s) {
    std::fprintf(stderr, "xerod: %s\n", s.error().message().c_str());
    return kExitFailure;
  }
  // 1. Arguments.
  CLI::App app{"xerod: copies invoices and payments into Xero, durably."};
  std::string config_path = "/etc/xerod/xerod.yaml";
  std::string log_level_text;
  std::string bus;
  bool check_config = false;
  bool version = false;
  app.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  app.add_flag("--check-config", check_config,
               "Validate the configuration and exit (0 valid, 1 not)");
  app.add_option("--log-level", log_level_text,
                 "Override log.level: trace|debug|info|warn|error|critical|off");
  app.add_option("--bus", bus, "Override dbus.bus: system|session")
      ->check(CLI::IsMember({"system", "session"}));
  app.add_flag("-V,--version", version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (version) {
    std::printf("xerod %s\n", xerod::kVersion);
    return kExitOk;
  }
  std::optional<xerod::LogLevel> log_level;
  if (!log_level_text.empty()) {
    xerod::LogLevel level{};
    if (!xerod::ParseLogLevel(log_level_text, &level)) {
      std::fprintf(stderr, "xerod: --log-level: unknown level '%s'\n", log_level_text.c_str());
      return kExitUsage;
    }
    log_level = level;
  }

  // 2. Configuration: every problem is reported at once, then we stop.
  auto config = xerod::LoadConfig(config_path);
  if (!config) {
    for (const auto& error : config.error()) std::fprintf(stderr, "%s\n", error.ToString().c_str());
    std::fprintf(stderr, "xerod: %zu error(s) in %s\n", config.error().size(), config_path.c_str());
    return kExitFailure;
  }
  if (!bus.empty())
    config->dbus.bus = bus == "session" ? xerod::BusKind::kSession : xerod::BusKind::kSystem;
  if (check_config) {
    for (const auto& warning : config->warnings) {
      std::fprintf(stderr, "warning: %s\n", warning.ToString().c_str());
    }
    std::printf("%s: configuration is valid\n", config_path.c_str());
    return kExitOk;
  }

  // 3. Logging: journald priorities when systemd gave us the journal as stderr.
  xerod::InitLogging(xerod::DetectLogFormat(), log_level.value_or(config->log.level));

  // 4. Services, then the loop until SIGTERM/SIGINT.
  xerod::Daemon daemon({.config_path = config_path, .log_level = log_level}, std::move(*config));
  if (auto started = daemon.Start(); !started) {
    spdlog::critical("cannot start: {}", started.error().message());
    return kExitFailure;
  }
  return daemon.Run();
}
