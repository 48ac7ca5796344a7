// SPDX-License-Identifier: MIT
//
// The daemon-side access check on mutating methods (second layer after the bus
// policy): the caller must be root or a member of the configured admin group.
// The caller's uid comes from the bus (sd-bus creds of the message sender,
// with its groups cached per unique name, which the bus never reuses); group membership from
// the bus's supplementary gids when it provides them, else from the user
// database (getgrouplist), so it matches what `id USER` shows.
//
// Not thread-safe: use on the io_context thread, inside a method handler.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "xerod/status.h"

namespace sdbus {
class Message;
}

namespace xerod::dbus {

class AccessChecker {
 public:
  // `admin_group` is read on every check, so reloads apply at once.
  explicit AccessChecker(std::function<std::string()> admin_group);

  // Ok if the sender of `call` may run `method`; kPermissionDenied otherwise
  // (the message names the method and the group, never other users' data).
  Status CheckAdmin(const sdbus::Message& call, const std::string& method);
  // The same question without refusing: what a read-only method may show.
  bool IsCallerAdmin(const sdbus::Message& call, const std::string& method);

  // The pure decision, for tests: root, or one of `gids` is the admin group's gid.
  static bool IsAdmin(uid_t uid, const std::vector<gid_t>& gids, const std::string& admin_group);

 private:
  Status Check(const sdbus::Message& call, const std::string& method, bool log_refusal);

  std::function<std::string()> admin_group_;
  struct Caller {
    uid_t uid = 0;
    std::vector<gid_t> gids;
  };
  std::unordered_map<std::string, Caller> callers_;
};

}  // namespace xerod::dbus
