// SPDX-License-Identifier: MIT
//
// Names of xerod's D-Bus API (DESIGN.md "Names"), shared by the daemon side,
// xerod-ctl and the tests.
#pragma once

namespace xerod::dbus {

inline constexpr const char* kBusName = "org.xerod.Xerod1";
inline constexpr const char* kObjectPath = "/org/xerod/Xerod1";
inline constexpr const char* kManagerInterface = "org.xerod.Xerod1.Manager";

// Error names: org.xerod.Xerod1.Error.<Name>.
inline constexpr const char* kErrorInvalidArgument = "org.xerod.Xerod1.Error.InvalidArgument";
inline constexpr const char* kErrorNotFound = "org.xerod.Xerod1.Error.NotFound";
inline constexpr const char* kErrorPermissionDenied = "org.xerod.Xerod1.Error.PermissionDenied";
inline constexpr const char* kErrorFailedPrecondition = "org.xerod.Xerod1.Error.FailedPrecondition";
inline constexpr const char* kErrorUnavailable = "org.xerod.Xerod1.Error.Unavailable";
inline constexpr const char* kErrorFailed = "org.xerod.Xerod1.Error.Failed";

}  // namespace xerod::dbus
