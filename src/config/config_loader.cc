// SPDX-License-Identifier: MIT
// LoadConfig/ParseConfig: file reading, YAML parsing and the exception boundary
// around yaml-cpp. The schema itself is walked in config_tree.cc and friends.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>

#include "config/config_tree.h"
#include "config/fd.h"
#include "config/yaml_reader.h"
#include "xerod/config.h"

namespace xerod {
namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

std::unexpected<ConfigErrors> OneError(const std::string& file, int line, int column,
                                       std::string message) {
  return std::unexpected(ConfigErrors{ConfigError{file, line, column, "", std::move(message)}});
}

using config::Fd;

// The whole file, or a message saying why it cannot be read.
std::expected<std::string, std::string> ReadWholeFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return std::unexpected(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return std::unexpected(std::string("cannot stat: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return std::unexpected(std::string("is a directory, not a file"));
  if (!S_ISREG(st.st_mode)) return std::unexpected(std::string("is not a regular file"));
  std::string text;
  std::array<char, 16384> buf{};
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("cannot read: ") + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      return std::unexpected(std::string("is larger than 1 MiB"));
    }
  }
  return text;
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  return out;
}

std::string FormatConfigErrors(const ConfigErrors& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    out += e.ToString();
    out += '\n';
  }
  return out;
}

std::expected<Config, ConfigErrors> ParseConfig(const std::string& text, const std::string& name) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    config::Reader reader(name);
    Config config;
    config.source = name;
    if (docs.size() > 1) {
      reader.Error(
          docs[1], "",
          "a config file holds one YAML document (got " + std::to_string(docs.size()) + ")");
    }
    if (!docs.empty()) config::ReadConfigTree(reader, docs[0], config);
    ConfigErrors errors = reader.TakeErrors();
    if (!errors.empty()) return std::unexpected(std::move(errors));
    config.warnings = reader.TakeWarnings();
    return config;
  } catch (const YAML::Exception& e) {
    int line = e.mark.line < 0 ? 0 : e.mark.line + 1;
    int column = e.mark.column < 0 ? 0 : e.mark.column + 1;
    return OneError(name, line, column,
                    "YAML syntax error: " + config::Reader::EscapeControls(e.msg));
  } catch (const std::exception& e) {
    return OneError(name, 0, 0, std::string("cannot parse: ") + e.what());
  } catch (...) {
    return OneError(name, 0, 0, "cannot parse: unknown error");
  }
}

std::expected<Config, ConfigErrors> LoadConfig(const std::string& path) {
  try {
    auto text = ReadWholeFile(path);
    if (!text) return OneError(path, 0, 0, text.error());
    return ParseConfig(*text, path);
  } catch (const std::exception& e) {
    return OneError(path, 0, 0, std::string("cannot load: ") + e.what());
  }
}

std::string_view ToString(BusKind v) {
  switch (v) {
    case BusKind::kSystem:
      return "system";
    case BusKind::kSession:
      return "session";
  }
  return "unknown";
}

std::string_view ToString(LogLevel v) {
  switch (v) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kCritical:
      return "critical";
    case LogLevel::kOff:
      return "off";
  }
  return "unknown";
}

std::string_view ToString(SmtpTls v) {
  switch (v) {
    case SmtpTls::kStartTls:
      return "starttls";
    case SmtpTls::kImplicit:
      return "implicit";
    case SmtpTls::kNone:
      return "none";
  }
  return "unknown";
}

std::string_view ToString(InvoiceStatus v) {
  switch (v) {
    case InvoiceStatus::kAuthorised:
      return "authorised";
    case InvoiceStatus::kSubmitted:
      return "submitted";
  }
  return "unknown";
}

}  // namespace xerod
