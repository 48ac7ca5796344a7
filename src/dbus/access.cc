// SPDX-License-Identifier: MIT
#include "dbus/access.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace xerod::dbus {
namespace {

constexpr std::size_t kMaxCachedSenders = 4096;

std::optional<gid_t> GroupId(const std::string& name) {
  if (name.empty()) return std::nullopt;
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  return found->gr_gid;
}

// Groups of a user per the user database (primary + supplementary).
std::vector<gid_t> GroupsOfUser(uid_t uid) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return {};
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) == -1) {
    groups.resize(static_cast<std::size_t>(count));
    if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) == -1) return {};
  }
  groups.resize(static_cast<std::size_t>(count));
  return groups;
}

}  // namespace

AccessChecker::AccessChecker(std::function<std::string()> admin_group)
    : admin_group_(std::move(admin_group)) {}

bool AccessChecker::IsAdmin(uid_t uid, const std::vector<gid_t>& gids,
                            const std::string& admin_group) {
  if (uid == 0) return true;
  std::optional<gid_t> admin_gid = GroupId(admin_group);
  return admin_gid && std::find(gids.begin(), gids.end(), *admin_gid) != gids.end();
}

Status AccessChecker::CheckAdmin(const sdbus::Message& call, const std::string& method) {
  return Check(call, method, /*log_refusal=*/true);
}

bool AccessChecker::IsCallerAdmin(const sdbus::Message& call, const std::string& method) {
  return Check(call, method, /*log_refusal=*/false).has_value();
}

Status AccessChecker::Check(const sdbus::Message& call, const std::string& method,
                            bool log_refusal) {
  const std::string group = admin_group_();
  Caller caller;
  try {
    std::string sender = call.getSender();
    if (auto cached = callers_.find(sender); cached != callers_.end()) {
      caller = cached->second;
    } else {
      caller.uid = call.getCredsUid();
      if (caller.uid != 0) {
        try {
          caller.gids = call.getCredsSupplementaryGids();
          caller.gids.push_back(call.getCredsGid());
        } catch (const sdbus::Error&) {
          caller.gids.clear();  // the bus does not tell us: ask the user database
        }
        if (caller.gids.empty()) caller.gids = GroupsOfUser(caller.uid);
      }
      if (callers_.size() >= kMaxCachedSenders) callers_.clear();
      callers_.emplace(std::move(sender), caller);
    }
  } catch (const std::exception& e) {
    spdlog::warn("{}: cannot identify the caller: {}", method, e.what());
    return Fail(Code::kPermissionDenied, fmt::format("{}: cannot identify the caller", method));
  }
  const uid_t uid = caller.uid;
  const std::vector<gid_t>& gids = caller.gids;
  if (IsAdmin(uid, gids, group)) return Ok();
  if (log_refusal) {
    spdlog::info("{}: refused for uid {} (not root, not in group {})", method, uid, group);
  }
  return Fail(Code::kPermissionDenied,
              fmt::format("{} needs root or membership of group '{}'", method, group));
}

}  // namespace xerod::dbus
