// SPDX-License-Identifier: MIT
//
// The subcommands of xerod-ctl, declared on the command line by the Add*
// functions (each in the file that implements its group). A subcommand's run
// function returns an exit code (client.h) and prints its result on stdout (a
// table, or one JSON document with --json) and problems on stderr. D-Bus
// errors are thrown as sdbus::Error and reported by main() through
// ReportError().
#pragma once

#include <functional>
#include <string>

#include "ctl/client.h"

namespace CLI {
class App;
}  // namespace CLI

namespace xerod::ctl {

struct GlobalOptions {
  std::string bus = "system";
  bool json = false;
  bool no_legend = false;
};

// The command line's choice: the global options, and the subcommand to run
// once parsing has succeeded. main() owns it; the Add* functions below refer
// to it from the subcommands' callbacks, so it must outlive the app and stay
// where it is.
struct Commands {
  using Run = std::function<int(Client& client, const GlobalOptions& global)>;

  Commands() = default;
  Commands(const Commands&) = delete;
  Commands& operator=(const Commands&) = delete;

  // Binds `run` to `command`: when `command` is given, calls `check` first
  // (it may throw CLI::ValidationError, a usage error), then chooses `run`.
  void Bind(CLI::App& command, Run run, std::function<void()> check = nullptr);

  GlobalOptions global;
  Run chosen;  // empty until a subcommand's callback has run
};

// Each declares one group of subcommands on `app` (in the order --help lists
// them: the order of the calls) with their options and validation.
void AddStatusCommand(CLI::App& app, Commands& commands);         // status
void AddEnqueueCommands(CLI::App& app, Commands& commands);       // invoice|payment enqueue
void AddJobCommands(CLI::App& app, Commands& commands);           // job list|show|retry|cancel
void AddPauseCommands(CLI::App& app, Commands& commands);         // pause, resume
void AddConnectionCommands(CLI::App& app, Commands& commands);    // connection ...
void AddEmailCommands(CLI::App& app, Commands& commands);         // email test
void AddReloadCommand(CLI::App& app, Commands& commands);         // reload
void AddWatchCommand(CLI::App& app, Commands& commands);          // watch
void AddNotificationCommands(CLI::App& app, Commands& commands);  // notification list

}  // namespace xerod::ctl
