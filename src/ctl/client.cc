// SPDX-License-Identifier: MIT
#include "ctl/client.h"

#include <cstdio>
#include <string_view>

#include "dbus/names.h"

namespace xerod::ctl {

ManagerClient::ManagerClient(sdbus::IConnection& connection)
    : ProxyInterfaces(connection, dbus::kBusName, dbus::kObjectPath) {
  registerProxy();
}

ManagerClient::~ManagerClient() { unregisterProxy(); }

Client Connect(const std::string& bus) {
  Client client;
  client.bus = bus;
  client.connection =
      bus == "session" ? sdbus::createSessionBusConnection() : sdbus::createSystemBusConnection();
  client.manager = std::make_unique<ManagerClient>(*client.connection);
  return client;
}

int ReportError(const sdbus::Error& error, const std::string& bus) {
  const std::string& name = error.getName();
  if (name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
      name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
    std::fprintf(stderr,
                 "xerod-ctl: xerod is not running (nobody owns %s on the %s bus); "
                 "start it with: systemctl start xerod\n",
                 dbus::kBusName, bus.c_str());
    return kExitNotRunning;
  }
  if (name == "org.freedesktop.DBus.Error.AccessDenied" || name == dbus::kErrorPermissionDenied) {
    std::fprintf(stderr,
                 "xerod-ctl: permission denied: %s\n(run as root or as a member of the "
                 "xerod-admin group)\n",
                 error.getMessage().c_str());
    return kExitFailed;
  }
  if (name == "org.freedesktop.DBus.Error.UnknownMethod") {
    std::fprintf(stderr,
                 "xerod-ctl: the running xerod does not support this command (%s); "
                 "is it older than xerod-ctl?\n",
                 error.getMessage().c_str());
    return kExitFailed;
  }
  std::string_view short_name = name;
  if (auto dot = short_name.rfind('.'); dot != std::string_view::npos) {
    short_name.remove_prefix(dot + 1);
  }
  std::fprintf(stderr, "xerod-ctl: %.*s: %s\n", static_cast<int>(short_name.size()),
               short_name.data(), error.getMessage().c_str());
  return kExitFailed;
}

}  // namespace xerod::ctl
