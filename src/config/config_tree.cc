// SPDX-License-Identifier: MIT
#include "config/config_tree.h"

#include <unistd.h>

#include <array>
#include <filesystem>
#include <set>

#include "config/validators.h"
#include "xerod/secret.h"

namespace xerod::config {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Node = YAML::Node;

constexpr std::array<EnumName<BusKind>, 2> kBusNames = {{
    {"system", BusKind::kSystem},
    {"session", BusKind::kSession},
}};

constexpr std::array<EnumName<LogLevel>, 8> kLogLevels = {{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"warning", LogLevel::kWarn, true},
    {"error", LogLevel::kError},
    {"critical", LogLevel::kCritical},
    {"off", LogLevel::kOff},
}};

void ReadDbus(Reader& r, const Node& node, const std::string& path, DbusConfig& dbus) {
  r.Map(node, path,
        {{"bus",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto e = r.Enum<BusKind>(v, p, kBusNames)) dbus.bus = *e;
          }},
         {"admin_group", [&](const Node&, const Node& v, const std::string& p) {
            auto s = r.String(v, p);
            if (!s) return;
            if (!s->empty() && !IsGroupName(*s)) {
              r.Error(v, p,
                      "expected a group name [a-z_][a-z0-9_-]{0,31}, or \"\" for none (got " +
                          Reader::Describe(v) + ")");
              return;
            }
            dbus.admin_group = *s;
          }}});
}

void ReadLog(Reader& r, const Node& node, const std::string& path, LogConfig& log) {
  r.Map(node, path, {{"level", [&](const Node&, const Node& v, const std::string& p) {
                        if (auto e = r.Enum<LogLevel>(v, p, kLogLevels)) log.level = *e;
                      }}});
}

void ReadQueue(Reader& r, const Node& node, const std::string& path, QueueConfig& q) {
  r.Map(node, path,
        {{"max_attempts",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto i = r.Int(v, p, 1, 1000)) q.max_attempts = static_cast<int>(*i);
          }},
         {"backoff_base",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(1), days(1))) q.backoff_base = *d;
          }},
         {"backoff_cap",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, milliseconds(1), days(30))) q.backoff_cap = *d;
          }},
         {"batch_size",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto i = r.Int(v, p, 1, 50)) q.batch_size = static_cast<int>(*i);
          }},
         {"retention", [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, seconds(1), days(3650))) q.retention = *d;
          }}});
  if (q.backoff_base > q.backoff_cap) {
    std::string base = FormatDuration(q.backoff_base);
    std::string cap = FormatDuration(q.backoff_cap);
    if (auto pos = r.ValuePosition(path + ".backoff_base")) {
      r.ErrorAt(
          pos->first, pos->second, path + ".backoff_base",
          "must not be greater than " + path + ".backoff_cap (got " + base + " > " + cap + ")");
    } else if (auto pos2 = r.ValuePosition(path + ".backoff_cap")) {
      r.ErrorAt(pos2->first, pos2->second, path + ".backoff_cap",
                "must not be less than " + path + ".backoff_base (got " + cap + " < " + base + ")");
    }
  }
}

void ReadMonitor(Reader& r, const Node& node, const std::string& path, MonitorConfig& m) {
  r.Map(node, path,
        {{"interval",
          [&](const Node&, const Node& v, const std::string& p) {
            if (auto d = r.Dur(v, p, seconds(1), days(7))) m.interval = *d;
          }},
         {"failure_threshold", [&](const Node&, const Node& v, const std::string& p) {
            if (auto i = r.Int(v, p, 1, 1000)) m.failure_threshold = static_cast<int>(*i);
          }}});
}

}  // namespace

void CheckSecretRef(Reader& r, const Node& node, const std::string& path, const std::string& ref) {
  auto secret = LoadSecret(ref);
  if (!secret) r.Error(node, path, secret.error().message());
}

std::optional<std::string> ReadCaFile(Reader& r, const Node& v, const std::string& p) {
  auto s = r.String(v, p);
  if (!s || s->empty()) return std::nullopt;
  if (s->front() != '/') {
    r.Error(v, p, "must be an absolute path (got " + Reader::Describe(v) + ")");
    return std::nullopt;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(*s, ec) || ::access(s->c_str(), R_OK) != 0) {
    r.Error(v, p, "is not a readable file (got " + Reader::Describe(v) + ")");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> ReadEmail(Reader& r, const Node& node, const std::string& path) {
  auto s = r.String(node, path);
  if (!s) return std::nullopt;
  if (!IsEmailAddress(*s)) {
    r.Error(node, path,
            "expected an e-mail address like ops@example.com (got " + Reader::Describe(node) + ")");
    return std::nullopt;
  }
  return s;
}

std::vector<std::string> ReadEmailList(Reader& r, const Node& node, const std::string& path) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  r.List(node, path, [&](const Node& item, const std::string& p) {
    auto s = ReadEmail(r, item, p);
    if (!s) return;
    if (!seen.insert(*s).second) {
      r.Error(item, p, "duplicate address (got " + Reader::Describe(item) + ")");
      return;
    }
    out.push_back(*s);
  });
  return out;
}

void ReadConfigTree(Reader& r, const Node& root, Config& c) {
  r.Map(
      root, "",
      {{"database",
        [&](const Node&, const Node& v, const std::string& p) {
          auto s = r.String(v, p);
          if (!s) return;
          if (s->empty() || s->front() != '/' || s->back() == '/') {
            r.Error(v, p, "must be an absolute path to a file (got " + Reader::Describe(v) + ")");
            return;
          }
          c.database = *s;
        }},
       {"dbus",
        [&](const Node&, const Node& v, const std::string& p) { ReadDbus(r, v, p, c.dbus); }},
       {"log", [&](const Node&, const Node& v, const std::string& p) { ReadLog(r, v, p, c.log); }},
       {"xero",
        [&](const Node&, const Node& v, const std::string& p) { ReadXero(r, v, p, c.xero); }},
       {"queue",
        [&](const Node&, const Node& v, const std::string& p) { ReadQueue(r, v, p, c.queue); }},
       {"monitor",
        [&](const Node&, const Node& v, const std::string& p) { ReadMonitor(r, v, p, c.monitor); }},
       {"smtp",
        [&](const Node& k, const Node& v, const std::string& p) { ReadSmtp(r, k, v, p, c.smtp); }},
       {"notify",
        [&](const Node&, const Node& v, const std::string& p) { ReadNotify(r, v, p, c.notify); }},
       {"connections", [&](const Node&, const Node& v, const std::string& p) {
          ReadConnections(r, v, p, c.connections);
        }}});
}

}  // namespace xerod::config
