// SPDX-License-Identifier: MIT
#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>

#include "config/validators.h"
#include "xerod/ascii.h"

namespace xerod::config {
namespace {

constexpr std::size_t kMaxShown = 60;

std::pair<int, int> Position(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.line < 0 || m.column < 0) return {0, 0};
  return {m.line + 1, m.column + 1};
}

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

bool IsIdentifier(const std::string& key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxShown)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

}  // namespace

void Reader::Error(const YAML::Node& at, const std::string& path, std::string message) {
  auto [line, column] = Position(at);
  ErrorAt(line, column, path, std::move(message));
}

void Reader::WarnAt(int line, int column, const std::string& path, std::string message) {
  warnings_.push_back(ConfigError{file_, line, column, path, EscapeControls(message)});
}

void Reader::ErrorAt(int line, int column, const std::string& path, std::string message) {
  errors_.push_back(ConfigError{file_, line, column, path, EscapeControls(message)});
}

void Reader::Map(const YAML::Node& node, const std::string& path,
                 const std::map<std::string_view, Handler>& handlers) {
  std::string known;
  for (const auto& [name, handler] : handlers) {
    if (!known.empty()) known += ", ";
    known += name;
  }
  AnyKeys(node, path, [&](const YAML::Node& key, const YAML::Node& value, const std::string& kp) {
    auto it = handlers.find(key.Scalar());
    if (it == handlers.end()) {
      Error(key, kp, "unknown key (expected one of " + known + ")");
      return;
    }
    if (value.IsNull()) return;
    value_positions_[kp] = Position(value);
    it->second(key, value, kp);
  });
}

void Reader::AnyKeys(const YAML::Node& node, const std::string& path, const Handler& each) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    Error(node, path, "expected a map (got " + Describe(node) + ")");
    return;
  }
  std::map<std::string, int> first_line;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // copies: it-> yields a temporary proxy
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      Error(key, path, "keys must be names (got " + Describe(key) + ")");
      continue;
    }
    std::string kp = Join(path, key.Scalar());
    auto [pos, inserted] = first_line.emplace(key.Scalar(), Position(key).first);
    if (!inserted) {
      Error(key, kp, "duplicate key (first given on line " + std::to_string(pos->second) + ")");
      continue;
    }
    each(key, value, kp);
  }
}

std::optional<long long> Reader::Int(const YAML::Node& node, const std::string& path, long long min,
                                     long long max) {
  std::string range = "must be between " + std::to_string(min) + " and " + std::to_string(max);
  if (!node.IsScalar() || !IsPlain(node)) {
    Error(node, path, "expected an integer (got " + Describe(node) + ")");
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  long long v = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, v);
  bool digits_only = !s.empty() && (s[0] == '-' ? s.size() > 1 : true) &&
                     std::all_of(s.begin() + (s[0] == '-' ? 1 : 0), s.end(),
                                 [](char c) { return c >= '0' && c <= '9'; });
  if (!digits_only || (ec != std::errc() && ec != std::errc::result_out_of_range) || ptr != end) {
    Error(node, path, "expected an integer (got " + Describe(node) + ")");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    Error(node, path, range + " (got " + Describe(node) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::Bool(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar() && IsPlain(node)) {
    if (EqualsIgnoreCase(node.Scalar(), "true")) return true;
    if (EqualsIgnoreCase(node.Scalar(), "false")) return false;
  }
  Error(node, path, "expected true or false (got " + Describe(node) + ")");
  return std::nullopt;
}

std::optional<std::string> Reader::String(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    Error(node, path, "expected a string (got " + Describe(node) + ")");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<Duration> Reader::Dur(const YAML::Node& node, const std::string& path, Duration min,
                                    Duration max) {
  if (!node.IsScalar()) {
    Error(node, path, "expected a duration such as 30s (got " + Describe(node) + ")");
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  auto d = ParseDuration(s);
  if (!d) {
    bool number =
        !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    Error(node, path,
          number ? "a duration needs a unit: ms, s, m, h or d (got " + Describe(node) + ")"
                 : "expected a duration such as 500ms, 30s, 15m, 6h, 30d or 1h30m (got " +
                       Describe(node) + ")");
    return std::nullopt;
  }
  if (*d < min || *d > max) {
    Error(node, path,
          "must be between " + FormatDuration(min) + " and " + FormatDuration(max) + " (got " +
              Describe(node) + ")");
    return std::nullopt;
  }
  return d;
}

void Reader::List(const YAML::Node& node, const std::string& path,
                  const std::function<void(const YAML::Node&, const std::string&)>& each) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsSequence()) {
    Error(node, path, "expected a list (got " + Describe(node) + ")");
    return;
  }
  std::size_t i = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++i) {
    each(*it, path + "[" + std::to_string(i) + "]");
  }
}

std::optional<std::pair<int, int>> Reader::ValuePosition(const std::string& path) const {
  auto it = value_positions_.find(path);
  if (it == value_positions_.end()) return std::nullopt;
  return it->second;
}

ConfigErrors Reader::TakeErrors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  return std::move(errors_);
}

std::string Reader::Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (IsPlain(node)) return Escape(node.Scalar());
  return "\"" + Escape(node.Scalar()) + "\"";
}

std::string Reader::Join(const std::string& parent, const std::string& key) {
  if (IsIdentifier(key)) return parent.empty() ? key : parent + "." + key;
  return parent + "[\"" + Escape(key) + "\"]";
}

std::string Reader::EscapeControls(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

bool Reader::EqualsIgnoreCase(std::string_view a, std::string_view b) const {
  return AsciiEqualsIgnoreCase(a, b);
}

}  // namespace xerod::config
