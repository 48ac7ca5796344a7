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
  std::optional<std::int64_t> count;  // stop after this many updates
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

}  // namespace xerod::ctl
