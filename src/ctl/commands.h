// SPDX-License-Identifier: MIT
//
// The subcommands of xerod-ctl. Each returns an exit code (client.h) and
// prints its result on stdout (a table, or one JSON document with --json) and
// problems on stderr. D-Bus errors are thrown as sdbus::Error and reported by
// main() through ReportError().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ctl/client.h"

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
