// SPDX-License-Identifier: MIT
//
// Process-wide logging set-up. Modules log through spdlog's default logger
// (spdlog::info(...)). Nothing secret may be passed to a log call: tokens and
// passwords travel as xerod::Secret, which formats as "***".
#pragma once

#include <string>

#include "xerod/config.h"

namespace xerod {

enum class LogFormat {
  kPlain,    // "2026-11-24 17:00:00.123 info  message" on stderr
  kJournal,  // "<6>message" on stderr: journald reads the priority, adds the time
};

// kJournal when stderr is connected to the journal (systemd sets $JOURNAL_STREAM to
// "DEV:INODE" of the stream it gave us), otherwise kPlain.
LogFormat DetectLogFormat();

// Installs the default logger writing to stderr in `format` at `level`.
// Call once at start-up, before any other thread exists.
void InitLogging(LogFormat format, LogLevel level);

// Changes the level of the default logger (e.g. on reload). Thread-safe.
void SetLogLevel(LogLevel level);

// Parses "trace".."off"; false if unknown.
bool ParseLogLevel(const std::string& text, LogLevel* level);

}  // namespace xerod
