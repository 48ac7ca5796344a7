// SPDX-License-Identifier: MIT
//
// Guarded(): runs a D-Bus handler body so that only sdbus::Error leaves it.
// sdbus-c++ 1.2.0 catches nothing else in method callbacks (fixed in 1.5.0), so
// any other exception would unwind through libsystemd's C frames.
#pragma once

#include <fmt/format.h>
#include <sdbus-c++/Error.h>
#include <spdlog/spdlog.h>

#include "dbus/names.h"

namespace xerod::dbus {

template <typename F>
auto Guarded(const char* method, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", method, e.what());
    throw sdbus::Error(kErrorFailed, fmt::format("{}: internal error: {}", method, e.what()));
  } catch (...) {
    spdlog::error("{}: unknown exception", method);
    throw sdbus::Error(kErrorFailed, fmt::format("{}: internal error", method));
  }
}

}  // namespace xerod::dbus
