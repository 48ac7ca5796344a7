// SPDX-License-Identifier: MIT
//
// Helpers shared by the libFuzzer targets in fuzz/ (docs/fuzzing.md).
//
// FUZZ_CHECK(cond, detail): an invariant. When it does not hold, prints where,
// the condition and `detail` (a std::string expression, evaluated only then)
// and aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, detail)                                             \
  do {                                                                       \
    if (!(cond)) ::xerod::fuzz::Broken(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

namespace xerod::fuzz {

[[noreturn]] inline void Broken(const char* file, int line, const char* cond,
                                const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n  %s\n", file, line, cond, detail.c_str());
  std::abort();
}

// `text` cut at each '\n' (no line keeps its '\n'; a final '\n' adds no empty line).
inline std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t lf = text.find('\n');
    lines.push_back(text.substr(0, lf));
    text.remove_prefix(lf == std::string_view::npos ? text.size() : lf + 1);
  }
  return lines;
}

// The first line of `text` (without its '\n'), removed from `text`.
inline std::string_view TakeLine(std::string_view& text) {
  std::size_t lf = text.find('\n');
  std::string_view line = text.substr(0, lf);
  text.remove_prefix(lf == std::string_view::npos ? text.size() : lf + 1);
  return line;
}

// Printable for a report: control bytes and non-ASCII as \xNN.
inline std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

inline bool HasControl(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

}  // namespace xerod::fuzz
