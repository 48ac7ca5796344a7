// SPDX-License-Identifier: MIT
// Text into HTML: the notification mails' HTML part and the OAuth redirect
// listener's answer page both show values that came from outside.
#pragma once

#include <string>
#include <string_view>

namespace xerod {

// `text` with & < > " ' replaced by character references.
inline std::string HtmlEscaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace xerod
