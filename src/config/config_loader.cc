// SPDX-License-Identifier: MIT
// LoadConfig/ParseConfig: file reading, YAML parsing and the exception boundary
// around yaml-cpp. The schema itself is walked in config_tree.cc and friends.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>

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

// Sees where each YAML document starts, building nothing.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Seen(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Seen(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Seen(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Seen(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Seen(mark);
  }
  void OnMapEnd() override {}

  std::optional<YAML::Mark> first;  // of the document just handled

 private:
  void Seen(const YAML::Mark& mark) {
    if (!first) first = mark;
  }
};

// YAML::LoadAll, after checking that it ends. yaml-cpp 0.7's LoadAll loops
// forever on some malformed input (e.g. "&a x ]=" ... found by
// fuzz/config_fuzz.cc), adding a null document at the same place each time
// until memory runs out (fixed upstream in yaml-cpp PR #1319). The same walk
// without building nodes stops there with a syntax error instead.
std::vector<YAML::Node> LoadDocuments(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  std::optional<YAML::Mark> previous;
  while (true) {
    DocumentStarts starts;
    if (!parser.HandleNextDocument(starts)) break;
    if (starts.first && previous && starts.first->pos == previous->pos) {
      throw YAML::ParserException(*starts.first, "unexpected character");
    }
    previous = starts.first;
  }
  return YAML::LoadAll(text);
}

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
    std::vector<YAML::Node> docs = LoadDocuments(text);
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
