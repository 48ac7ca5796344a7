// SPDX-License-Identifier: MIT
#include "ctl/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "dbus/wire_types.h"

namespace xerod::ctl {

nlohmann::json VariantToJson(const sdbus::Variant& value) {
  const std::string type = value.peekValueType();
  if (type == "s") return value.get<std::string>();
  if (type == "b") return value.get<bool>();
  if (type == "i") return value.get<std::int32_t>();
  if (type == "u") return value.get<std::uint32_t>();
  if (type == "x") return value.get<std::int64_t>();
  if (type == "t") return value.get<std::uint64_t>();
  if (type == "a{st}") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.get<std::map<std::string, std::uint64_t>>()) out[k] = v;
    return out;
  }
  if (type == "a{s(bbs)}") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.get<std::map<std::string, dbus::HoldRow>>()) {
      out[k] = {{"paused", std::get<0>(v)}, {"parked", std::get<1>(v)}, {"reason", std::get<2>(v)}};
    }
    return out;
  }
  if (type == "as") return value.get<std::vector<std::string>>();
  if (type == "a{ss}") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.get<std::map<std::string, std::string>>()) out[k] = v;
    return out;
  }
  if (type == "a{sv}") return MapToJson(value.get<VariantMap>());
  if (type == "a{sa{sv}}") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : value.get<std::map<std::string, VariantMap>>()) out[k] = MapToJson(v);
    return out;
  }
  return fmt::format("<{}>", type);
}

nlohmann::json MapToJson(const VariantMap& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : map) out[k] = VariantToJson(v);
  return out;
}

std::string GetString(const VariantMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end() || !it->second.containsValueOfType<std::string>()) return {};
  return it->second.get<std::string>();
}

std::int64_t GetInt(const VariantMap& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return 0;
  const sdbus::Variant& v = it->second;
  if (v.containsValueOfType<std::int64_t>()) return v.get<std::int64_t>();
  if (v.containsValueOfType<std::int32_t>()) return v.get<std::int32_t>();
  if (v.containsValueOfType<std::uint32_t>()) return v.get<std::uint32_t>();
  if (v.containsValueOfType<std::uint64_t>())
    return static_cast<std::int64_t>(v.get<std::uint64_t>());
  return 0;
}

std::string FormatUnixMillis(std::int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

std::string FormatDuration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  std::int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
               s = seconds % 60;
  if (d > 0) return fmt::format("{}d {}h", d, h);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  if (m > 0) return fmt::format("{}m {}s", m, s);
  return fmt::format("{}s", s);
}

void PrintTable(const std::vector<std::vector<std::string>>& rows, bool no_legend) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (std::size_t r = no_legend ? 1 : 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      if (i + 1 == rows[r].size()) {
        line += rows[r][i];
      } else {
        line += rows[r][i] + std::string(widths[i] - rows[r][i].size() + 2, ' ');
      }
    }
    std::printf("%s\n", line.c_str());
  }
}

void PrintJson(const nlohmann::json& value) {
  std::printf("%s\n", value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

}  // namespace xerod::ctl
