// SPDX-License-Identifier: MIT
#include "notify/mail_body.h"

#include <algorithm>

namespace xerod::notify {
namespace {

constexpr std::size_t kWidth = 72;

// Characters, not bytes: UTF-8 continuation bytes do not count.
std::size_t Columns(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The spans cut into words at spaces in text; a code span is glued to the text
// touching it, and never cut.
std::vector<std::string> Words(const Spans& spans) {
  std::vector<std::string> words;
  bool glue = false;  // the next piece continues the last word
  for (const Span& span : spans) {
    if (span.code) {
      if (glue && !words.empty()) {
        words.back() += span.text;
      } else {
        words.push_back(span.text);
      }
      glue = true;
      continue;
    }
    std::string_view rest = span.text;
    for (;;) {
      std::size_t sp = rest.find(' ');
      std::string_view piece = rest.substr(0, sp);
      if (!piece.empty()) {
        if (glue && !words.empty()) {
          words.back() += piece;
        } else {
          words.emplace_back(piece);
        }
      }
      if (sp == std::string_view::npos) {
        glue = !piece.empty() || glue;
        break;
      }
      glue = false;
      rest.remove_prefix(sp + 1);
    }
  }
  return words;
}

// `spans` as lines of at most kWidth characters (a longer word gets a line of
// its own): the first starting with `first`, the others with `indent`.
std::string Wrap(const Spans& spans, std::string_view first, std::string_view indent) {
  std::string out(first);
  std::size_t column = Columns(first);
  bool line_empty = true;
  for (const std::string& word : Words(spans)) {
    std::size_t width = Columns(word);
    if (!line_empty && column + 1 + width > kWidth) {
      out += '\n';
      out += indent;
      column = Columns(indent);
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += width;
    line_empty = false;
  }
  out += '\n';
  return out;
}

std::string HtmlSpans(const Spans& spans) {
  std::string out;
  for (const Span& span : spans) {
    if (span.code) out += "<code>";
    out += HtmlEscaped(span.text);
    if (span.code) out += "</code>";
  }
  return out;
}

bool Empty(const Spans& spans) {
  return std::all_of(spans.begin(), spans.end(), [](const Span& s) { return s.text.empty(); });
}

Spans Cleaned(Spans spans) {
  for (Span& span : spans) span.text = OneLine(span.text);
  return spans;
}

constexpr char kCell[] = " style=\"text-align: left; vertical-align: top; padding: 2px 8px\"";

}  // namespace

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto u = static_cast<unsigned char>(text[i]);
    auto next = [&](std::size_t k) {
      return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
    };
    if (u < 0x20 || u == 0x7F) {
      out += ' ';
    } else if (u == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {  // C1: U+0080..U+009F
      out += ' ';
      i += 1;
    } else if (u == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) {
      out += ' ';  // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void MailBody::Heading(std::string text) {
  blocks_.push_back({.kind = Kind::kHeading, .labels = {OneLine(text)}, .rows = {}});
}

void MailBody::Paragraph(Spans spans) {
  blocks_.push_back(
      {.kind = Kind::kParagraph, .labels = {}, .rows = {{Cleaned(std::move(spans))}}});
}

void MailBody::Steps(std::vector<Spans> steps) {
  Block block{.kind = Kind::kSteps, .labels = {}, .rows = {}};
  for (Spans& step : steps) block.rows.push_back({Cleaned(std::move(step))});
  blocks_.push_back(std::move(block));
}

void MailBody::Facts(std::vector<std::pair<std::string, Spans>> rows) {
  Block block{.kind = Kind::kFacts, .labels = {}, .rows = {}};
  for (auto& [label, value] : rows) {
    Spans cleaned = Cleaned(std::move(value));
    if (Empty(cleaned)) continue;
    block.labels.push_back(OneLine(label));
    block.rows.push_back({std::move(cleaned)});
  }
  blocks_.push_back(std::move(block));
}

void MailBody::Table(std::vector<std::string> headers, std::vector<std::vector<Spans>> rows) {
  Block block{.kind = Kind::kTable, .labels = {}, .rows = {}};
  for (std::string& header : headers) block.labels.push_back(OneLine(header));
  for (auto& row : rows) {
    std::vector<Spans> cells;
    for (Spans& cell : row) cells.push_back(Cleaned(std::move(cell)));
    block.rows.push_back(std::move(cells));
  }
  blocks_.push_back(std::move(block));
}

std::string MailBody::Text() const {
  std::string out;
  bool after_heading = false;
  for (const Block& block : blocks_) {
    if (!out.empty() && !after_heading) out += '\n';
    after_heading = block.kind == Kind::kHeading;
    switch (block.kind) {
      case Kind::kHeading:
        out += block.labels[0] + '\n';
        break;
      case Kind::kParagraph:
        out += Wrap(block.rows[0][0], "", "");
        break;
      case Kind::kSteps:
        for (std::size_t i = 0; i < block.rows.size(); ++i) {
          std::string number = "  " + std::to_string(i + 1) + ". ";
          out += Wrap(block.rows[i][0], number, std::string(number.size(), ' '));
        }
        break;
      case Kind::kFacts: {
        std::size_t label_width = 0;
        for (const std::string& label : block.labels) {
          label_width = std::max(label_width, Columns(label) + 1);
        }
        for (std::size_t i = 0; i < block.rows.size(); ++i) {
          std::string first = "  " + block.labels[i] + ":";
          first.append(label_width + 1 - Columns(block.labels[i]), ' ');
          out += Wrap(block.rows[i][0], first, std::string(label_width + 3, ' '));
        }
        break;
      }
      case Kind::kTable:
        for (const std::vector<Spans>& row : block.rows) {
          if (row.empty()) continue;
          out += Wrap(row[0], "  - ", "    ");
          for (std::size_t c = 1; c < row.size() && c < block.labels.size(); ++c) {
            if (Empty(row[c])) continue;
            out += Wrap(row[c], "      " + block.labels[c] + ": ", "        ");
          }
        }
        break;
    }
  }
  return out;
}

std::string MailBody::Html(std::string_view title) const {
  std::string out =
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>" + HtmlEscaped(title) +
      "</title>\n</head>\n<body style=\"font-family: sans-serif; line-height: 1.4\">\n";
  for (const Block& block : blocks_) {
    switch (block.kind) {
      case Kind::kHeading:
        out += "<h3>" + HtmlEscaped(block.labels[0]) + "</h3>\n";
        break;
      case Kind::kParagraph:
        out += "<p>" + HtmlSpans(block.rows[0][0]) + "</p>\n";
        break;
      case Kind::kSteps:
        out += "<ol>\n";
        for (const auto& row : block.rows) out += "<li>" + HtmlSpans(row[0]) + "</li>\n";
        out += "</ol>\n";
        break;
      case Kind::kFacts:
        out += "<table>\n";
        for (std::size_t i = 0; i < block.rows.size(); ++i) {
          out += std::string("<tr><th scope=\"row\"") + kCell + ">" + HtmlEscaped(block.labels[i]) +
                 "</th><td" + kCell + ">" + HtmlSpans(block.rows[i][0]) + "</td></tr>\n";
        }
        out += "</table>\n";
        break;
      case Kind::kTable:
        out += "<table style=\"border-collapse: collapse\">\n<tr>";
        for (const std::string& header : block.labels) {
          out += std::string("<th") + kCell + ">" + HtmlEscaped(header) + "</th>";
        }
        out += "</tr>\n";
        for (const auto& row : block.rows) {
          out += "<tr>";
          for (const Spans& cell : row)
            out += std::string("<td") + kCell + ">" + HtmlSpans(cell) + "</td>";
          out += "</tr>\n";
        }
        out += "</table>\n";
        break;
    }
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace xerod::notify
