// SPDX-License-Identifier: MIT
// A small document model for notification mails, rendered twice: as wrapped
// plain text and as HTML. The wording is written once (notify/messages.cc) and
// every value is escaped by the HTML renderer, never by the caller.
// Pure functions and a plain value type; safe to use from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xerod/html.h"

namespace xerod::notify {

// `text` with every control character (C0, DEL, C1, U+2028, U+2029) replaced by
// a space: the one-line form of a value that came from outside.
std::string OneLine(std::string_view text);

// A run of text inside a paragraph; `code` marks a command to type (monospace
// in HTML, never broken across lines in text).
struct Span {
  std::string text;
  bool code = false;
};
using Spans = std::vector<Span>;

inline Span Code(std::string text) { return Span{std::move(text), true}; }

class MailBody {
 public:
  // Each call appends a block; all texts are passed through OneLine().

  // A short title for the blocks after it.
  void Heading(std::string text);
  void Paragraph(Spans spans);
  // A numbered list.
  void Steps(std::vector<Spans> steps);
  // Label/value rows ("Connection: acme"); rows with an empty value are left out.
  void Facts(std::vector<std::pair<std::string, Spans>> rows);
  // A table with a header row. In text each row is an entry: its first cell,
  // then "Header: cell" for every other non-empty cell.
  void Table(std::vector<std::string> headers, std::vector<std::vector<Spans>> rows);

  // Plain text, LF line ends, wrapped at 72 characters where there is a space.
  std::string Text() const;
  // A whole HTML document titled `title`, LF line ends.
  std::string Html(std::string_view title) const;

 private:
  enum class Kind { kHeading, kParagraph, kSteps, kFacts, kTable };
  struct Block {
    Kind kind = Kind::kParagraph;
    std::vector<std::string> labels;  // kHeading: its text; kFacts: row labels; kTable: headers
    std::vector<std::vector<Spans>> rows;  // kParagraph: 1x1, kSteps: Nx1, kFacts: Nx1
  };
  std::vector<Block> blocks_;
};

}  // namespace xerod::notify
