// SPDX-License-Identifier: MIT
#include "ctl/input.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "xerod/document.h"

namespace xerod::ctl {

std::vector<InputDocument> SplitInput(const std::string& name, const std::string& text) {
  std::vector<InputDocument> out;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return out;
  // One JSON value (an object or an array)?
  if (auto value = ParseExactJson(text)) {
    if (value->is_array()) {
      for (std::size_t i = 0; i < value->size(); ++i) {
        out.push_back({fmt::format("{}[{}]", name, i), DumpExactJson((*value)[i])});
      }
      return out;
    }
    out.push_back({name, text});
    return out;
  }
  // NDJSON: one document per non-blank line.
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string line = text.substr(pos, end - pos);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      out.push_back({fmt::format("{}:{}", name, line_no), std::move(line)});
    }
    pos = end + 1;
  }
  return out;
}

Result<std::vector<InputDocument>> ReadDocuments(const std::vector<std::string>& paths) {
  std::vector<InputDocument> out;
  for (const std::string& path : paths) {
    std::string text;
    if (path == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) return Fail(Code::kIo, fmt::format("{}: {}", path, std::strerror(errno)));
      std::ostringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
    auto docs = SplitInput(path, text);
    out.insert(out.end(), std::make_move_iterator(docs.begin()),
               std::make_move_iterator(docs.end()));
  }
  return out;
}

}  // namespace xerod::ctl
