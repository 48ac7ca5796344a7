// SPDX-License-Identifier: MIT
//
// xerod-ctl: the admin CLI of xerod. Talks only D-Bus (org.xerod.Xerod1).
// Exit codes: 0 success, 1 failed operation, 2 usage error, 3 xerod not running.
//
// The table of contents: declare the global options and the subcommands
// (each group in the file that implements it), parse, connect, run the one
// subcommand given.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "ctl/commands.h"
#include "xerod/version.h"

namespace {

namespace ctl = xerod::ctl;

void AddGlobalOptions(CLI::App& app, ctl::GlobalOptions& global) {
  app.add_option("--bus", global.bus, "Bus to reach xerod on")
      ->check(CLI::IsMember({"system", "session"}))
      ->capture_default_str();
  app.add_flag("--json", global.json, "Machine-readable output (one JSON document)");
  app.add_flag("--no-legend", global.no_legend, "Leave out table headers and footers");
  app.set_version_flag("-V,--version", std::string("xerod-ctl ") + xerod::kVersion);
}

// Connects to the bus and runs the chosen subcommand; returns the exit code.
int RunChosen(const ctl::Commands& commands) {
  try {
    ctl::Client client = ctl::Connect(commands.global.bus);
    return commands.chosen(client, commands.global);
  } catch (const sdbus::Error& e) {
    return ctl::ReportError(e, commands.global.bus);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xerod-ctl: %s\n", e.what());
    return ctl::kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // 1. The command line: global options, then the subcommands in --help order.
  CLI::App app{
      "xerod-ctl: control xerod (status, connections, enqueue, jobs, pause/resume, reload,\n"
      "watch, email test).\n"
      "Exit codes: 0 ok, 1 failed operation, 2 usage error, 3 xerod not running."};
  app.require_subcommand(1);
  app.fallthrough();
  ctl::Commands commands;
  AddGlobalOptions(app, commands.global);
  ctl::AddStatusCommand(app, commands);
  ctl::AddEnqueueCommands(app, commands);
  ctl::AddJobCommands(app, commands);
  ctl::AddPauseCommands(app, commands);
  ctl::AddConnectionCommands(app, commands);
  ctl::AddEmailCommands(app, commands);
  ctl::AddNotificationCommands(app, commands);
  ctl::AddReloadCommand(app, commands);
  ctl::AddWatchCommand(app, commands);

  // 2. Parse: a usage error (or --help, --version) ends here.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? ctl::kExitOk : ctl::kExitUsage;
  }
  if (!commands.chosen) return ctl::kExitUsage;

  // 3. Connect and run the subcommand given.
  return RunChosen(commands);
}
