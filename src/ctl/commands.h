// SPDX-License-Identifier: MIT
//
// The subcommands of xerod-ctl. Each returns an exit code (client.h) and
// prints its result on stdout (a table, or one JSON document with --json) and
// problems on stderr. D-Bus errors are thrown as sdbus::Error and reported by
// main() through ReportError().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

struct WatchOptions {
  double interval_seconds = 1.0;
  bool once = false;
  bool until_done = false;            // stop once nothing waits
  std::optional<std::int64_t> count;  // stop after this many updates
};

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
void AddStatusCommand(CLI::App& app, Commands& commands);       // status
void AddEnqueueCommands(CLI::App& app, Commands& commands);     // invoice|payment enqueue
void AddJobCommands(CLI::App& app, Commands& commands);         // job list|show|retry|cancel
void AddPauseCommands(CLI::App& app, Commands& commands);       // pause, resume
void AddConnectionCommands(CLI::App& app, Commands& commands);  // connection ...
void AddEmailCommands(CLI::App& app, Commands& commands);       // email test
void AddReloadCommand(CLI::App& app, Commands& commands);       // reload
void AddWatchCommand(CLI::App& app, Commands& commands);        // watch

int RunStatus(Client& client, const GlobalOptions& global);
int RunEnqueue(Client& client, const GlobalOptions& global, bool payments,
               const EnqueueOptions& options);
int RunJobList(Client& client, const GlobalOptions& global, const ListOptions& options);
int RunJobShow(Client& client, const GlobalOptions& global, std::int64_t id);
int RunJobRetry(Client& client, const GlobalOptions& global, std::int64_t id);
int RunJobRetryAll(Client& client, const GlobalOptions& global, const std::string& connection);
int RunJobCancel(Client& client, const GlobalOptions& global, std::int64_t id);
int RunPause(Client& client, const GlobalOptions& global, const std::string& connection,
             bool pause);
int RunReload(Client& client, const GlobalOptions& global);
int RunWatch(Client& client, const GlobalOptions& global, const WatchOptions& options);

// connection_commands.cc
int RunConnectionList(Client& client, const GlobalOptions& global);
int RunConnectionShow(Client& client, const GlobalOptions& global, const std::string& name);
int RunConnectionSettings(Client& client, const GlobalOptions& global, const std::string& name);
int RunConnectionAdd(Client& client, const GlobalOptions& global,
                     const ConnectionAddOptions& options);
int RunConnectionConnect(Client& client, const GlobalOptions& global,
                         const ConnectCliOptions& options);
int RunConnectionComplete(Client& client, const GlobalOptions& global, const std::string& name,
                          const std::string& redirect_url);
int RunConnectionCheck(Client& client, const GlobalOptions& global, const std::string& name);
int RunConnectionDisconnect(Client& client, const GlobalOptions& global, const std::string& name);
int RunEmailTest(Client& client, const GlobalOptions& global, const std::string& address);

}  // namespace xerod::ctl
