// SPDX-License-Identifier: MIT
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "xerod/log.h"

namespace xerod {
namespace {

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kCritical:
      return spdlog::level::critical;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// syslog(3) priorities, as journald expects them in a "<N>" line prefix.
int JournalPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;  // LOG_DEBUG
    case spdlog::level::info:
      return 6;  // LOG_INFO
    case spdlog::level::warn:
      return 4;  // LOG_WARNING
    case spdlog::level::err:
      return 3;  // LOG_ERR
    case spdlog::level::critical:
      return 2;  // LOG_CRIT
    default:
      return 6;
  }
}

// Writes one line per message to stderr. In journal mode each line carries the
// priority prefix; multi-line messages are split so every line keeps it.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StderrSink(LogFormat format) : format_(format) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string out;
    if (format_ == LogFormat::kJournal) {
      const int prio = JournalPriority(msg.level);
      size_t start = 0;
      while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        out += '<';
        out += static_cast<char>('0' + prio);
        out += '>';
        out.append(text.substr(start, end - start));
        out += '\n';
        start = end + 1;
      }
    } else {
      spdlog::memory_buf_t formatted;
      formatter_->format(msg, formatted);
      out.assign(formatted.data(), formatted.size());
    }
    std::fwrite(out.data(), 1, out.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  LogFormat format_;
};

}  // namespace

LogFormat DetectLogFormat() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr || *stream == '\0') return LogFormat::kPlain;
  // Only trust it if stderr really is that stream (it is inherited by children).
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return LogFormat::kPlain;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return LogFormat::kPlain;
  if (static_cast<unsigned long long>(st.st_dev) == dev &&
      static_cast<unsigned long long>(st.st_ino) == ino) {
    return LogFormat::kJournal;
  }
  return LogFormat::kPlain;
}

void InitLogging(LogFormat format, LogLevel level) {
  auto sink = std::make_shared<StderrSink>(format);
  auto logger = std::make_shared<spdlog::logger>("xerod", sink);
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %-5l %v");
  logger->set_level(ToSpd(level));
  logger->flush_on(spdlog::level::trace);  // stderr is unbuffered in spirit: lose nothing on crash
  spdlog::set_default_logger(logger);
}

void SetLogLevel(LogLevel level) { spdlog::default_logger()->set_level(ToSpd(level)); }

bool ParseLogLevel(const std::string& text, LogLevel* level) {
  static const std::pair<const char*, LogLevel> kNames[] = {
      {"trace", LogLevel::kTrace}, {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},   {"error", LogLevel::kError}, {"critical", LogLevel::kCritical},
      {"off", LogLevel::kOff}};
  for (const auto& [name, value] : kNames) {
    if (text == name) {
      *level = value;
      return true;
    }
  }
  return false;
}

}  // namespace xerod
