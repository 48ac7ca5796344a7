// SPDX-License-Identifier: MIT
// A child process for end-to-end tests: started with argv and extra environment,
// stdout+stderr captured to a file that tests can read while it runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xerod::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with the current environment plus `env`
  // (a value of "" removes the variable). Output goes to `log_path`.
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env,
             std::string log_path);
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits up to `timeout` for exit. Returns the exit status (as from waitpid's
  // WEXITSTATUS, or 128+signal) or nothing on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  // Everything the child has printed so far.
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

}  // namespace xerod::testing
