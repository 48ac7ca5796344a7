// SPDX-License-Identifier: MIT
#include "mail/smtp_sink.h"

#include <filesystem>

namespace xerod::testing {
namespace fs = std::filesystem;

SmtpSink::SmtpSink(std::vector<std::string> args) : SmtpSink(std::move(args), 0) {}

SmtpSink::SmtpSink(std::vector<std::string> args, int port) {
  // FreeLoopbackPort() can race with another process taking the port: retry.
  for (int attempt = 0; attempt < 3 && !ok_; ++attempt) {
    port_ = port != 0 ? port : FreeLoopbackPort();
    std::string out = dir_.File("out-" + std::to_string(attempt));
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     SourceDir() + "/tests/support/smtp_sink.py",
                                     "--port",
                                     std::to_string(port_),
                                     "--dir",
                                     out};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                            dir_.File("sink-" + std::to_string(attempt) + ".log"));
    WaitFor([&] { return fs::exists(out + "/ready") || !process_->Running(); });
    ok_ = fs::exists(out + "/ready");
    if (ok_) dir_out_ = out;
  }
}

SmtpSink::~SmtpSink() = default;

std::string SmtpSink::Url(const std::string& scheme) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_);
}

int SmtpSink::Count() const {
  int n = 0;
  while (fs::exists(dir_out_ + "/msg-" + std::to_string(n + 1) + ".json")) ++n;
  return n;
}

bool SmtpSink::WaitForMessages(int n, std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return Count() >= n; }, timeout);
}

nlohmann::json SmtpSink::Message(int n) const {
  return nlohmann::json::parse(ReadFile(dir_out_ + "/msg-" + std::to_string(n) + ".json"));
}

std::string SmtpSink::Raw(int n) const {
  return ReadFile(dir_out_ + "/msg-" + std::to_string(n) + ".eml");
}

int SmtpSink::AuthFailures() const {
  std::string path = dir_out_ + "/auth-failures";
  return fs::exists(path) ? std::stoi(ReadFile(path)) : 0;
}

std::string SmtpSink::Output() const { return process_ ? process_->Output() : std::string(); }

}  // namespace xerod::testing
