// SPDX-License-Identifier: MIT
// Locale-independent ASCII helpers (header names, config enum spellings, URLs).
#pragma once

#include <cstddef>
#include <string_view>

namespace xerod {

// True when `a` and `b` are equal ignoring the case of ASCII letters.
inline bool AsciiEqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// `url` without the slashes it ends with ("https://api.xero.com/" -> "https://api.xero.com"),
// so that paths starting with '/' can be appended.
inline std::string_view WithoutTrailingSlashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

}  // namespace xerod
