// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace xerod {

// A text file compiled into the binary (see cmake/XerodEmbed.cmake).
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};

}  // namespace xerod
