// SPDX-License-Identifier: MIT
//
// Reads typed values out of a yaml-cpp node tree while collecting every problem
// as a ConfigError at the offending node's position. Private to src/config/.
// Not thread-safe; one Reader per parse.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "xerod/clock.h"
#include "xerod/config.h"

namespace xerod::config {

// One accepted spelling of an enum value; `alias` spellings are accepted but not
// listed in error messages.
template <typename T>
struct EnumName {
  std::string_view name;
  T value;
  bool alias = false;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  // Called for each key present with a non-null value; `path` is the dotted key path.
  using Handler =
      std::function<void(const YAML::Node& key, const YAML::Node& value, const std::string& path)>;

  // Reports an error at `at` (1-based position from the node's mark).
  void Error(const YAML::Node& at, const std::string& path, std::string message);
  void ErrorAt(int line, int column, const std::string& path, std::string message);
  // A setting that is accepted but deserves attention (same format as errors).
  void WarnAt(int line, int column, const std::string& path, std::string message);

  // Iterates `node` (a map, or null meaning "empty") in file order. Unknown keys,
  // duplicate keys and non-scalar keys are errors at the key; a non-map is an error
  // at the node. Null values are skipped (the default stays). Records the position
  // of every key given so later cross-field checks can point at it.
  void Map(const YAML::Node& node, const std::string& path,
           const std::map<std::string_view, Handler>& handlers);

  // Like Map but every key is accepted and passed to `each` (maps keyed by names).
  void AnyKeys(const YAML::Node& node, const std::string& path, const Handler& each);

  // Each returns the value, or nothing after reporting why it is unusable.
  std::optional<long long> Int(const YAML::Node& node, const std::string& path, long long min,
                               long long max);
  std::optional<bool> Bool(const YAML::Node& node, const std::string& path);
  // Any scalar (plain or quoted).
  std::optional<std::string> String(const YAML::Node& node, const std::string& path);
  std::optional<Duration> Dur(const YAML::Node& node, const std::string& path, Duration min,
                              Duration max);

  template <typename T>
  std::optional<T> Enum(const YAML::Node& node, const std::string& path,
                        std::span<const EnumName<T>> names);

  // Calls `each(item, item_path)` for every item of a sequence (null: no items).
  void List(const YAML::Node& node, const std::string& path,
            const std::function<void(const YAML::Node&, const std::string&)>& each);

  // Position (1-based line, column) of the value of a key that Map() saw with a
  // non-null value; nothing when the key was not given.
  std::optional<std::pair<int, int>> ValuePosition(const std::string& path) const;

  // Errors in file order (stable for equal positions).
  ConfigErrors TakeErrors();
  ConfigErrors TakeWarnings() { return std::move(warnings_); }

  // "12", "\"abc\"" for quoted scalars, "a map", "a list", "null"; control
  // characters escaped, long values cut.
  static std::string Describe(const YAML::Node& node);
  // "parent.key" or parent["odd key"] when the key is not a plain identifier.
  static std::string Join(const std::string& parent, const std::string& key);
  // `text` with control characters written as \n, \t or \xNN: an error message
  // stays on one line and sends nothing raw to a terminal. Error() and ErrorAt()
  // apply it to every message (some quote file paths or yaml-cpp's words).
  static std::string EscapeControls(std::string_view text);

 private:
  bool EqualsIgnoreCase(std::string_view a, std::string_view b) const;

  std::string file_;
  ConfigErrors errors_;
  ConfigErrors warnings_;
  std::map<std::string, std::pair<int, int>> value_positions_;
};

template <typename T>
std::optional<T> Reader::Enum(const YAML::Node& node, const std::string& path,
                              std::span<const EnumName<T>> names) {
  std::string expected;
  for (const auto& n : names) {
    if (n.alias) continue;
    if (!expected.empty()) expected += ", ";
    expected += n.name;
  }
  if (node.IsScalar()) {
    for (const auto& n : names) {
      if (EqualsIgnoreCase(node.Scalar(), n.name)) return n.value;
    }
  }
  Error(node, path, "expected one of " + expected + " (got " + Describe(node) + ")");
  return std::nullopt;
}

}  // namespace xerod::config
