// SPDX-License-Identifier: MIT
// A real SMTP server for tests: tests/support/smtp_sink.py (aiosmtpd) run with
// Debian's /usr/bin/python3 on a loopback port, storing what it receives in a
// directory. Also used by the notifier tests.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/test_support.h"

namespace xerod::testing {

class SmtpSink {
 public:
  // Starts the sink with smtp_sink.py's `args` (e.g. {"--user", "u", "--password", "p"})
  // and waits until it listens. Check ok() (with Output() for the reason).
  explicit SmtpSink(std::vector<std::string> args = {});
  // On `port` (the sink is stopped and started again there: a relay that was
  // down comes back).
  SmtpSink(std::vector<std::string> args, int port);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  bool ok() const { return ok_; }
  int port() const { return port_; }
  // "smtp://127.0.0.1:PORT" (or smtps://).
  std::string Url(const std::string& scheme = "smtp") const;

  // Messages stored so far (complete ones only).
  int Count() const;
  // Waits until at least `n` messages are stored.
  bool WaitForMessages(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Message `n` (1-based): the envelope and Python's decoding of it (see smtp_sink.py).
  nlohmann::json Message(int n) const;
  // Message `n` exactly as received after dot-unstuffing.
  std::string Raw(int n) const;
  // How many logins the sink refused.
  int AuthFailures() const;
  std::string Output() const;

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  int port_ = 0;
  bool ok_ = false;
  std::string dir_out_;  // the sink's --dir
};

}  // namespace xerod::testing
