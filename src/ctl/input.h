// SPDX-License-Identifier: MIT
//
// Reading documents for `invoice enqueue` / `payment enqueue`: each FILE (or
// "-" for stdin) holds one JSON object, a JSON array of objects, or NDJSON (one
// object per line). Documents are passed on as text; numbers keep their exact
// text (arrays are split with ParseExactJson/DumpExactJson). Validation is the
// daemon's job: a line that is not JSON is still sent, and comes back invalid.
#pragma once

#include <string>
#include <vector>

#include "xerod/status.h"

namespace xerod::ctl {

struct InputDocument {
  std::string origin;  // "invoices.ndjson:12", "batch.json[3]", "-:1"
  std::string text;
};

// Errors: kIo when a file cannot be read.
Result<std::vector<InputDocument>> ReadDocuments(const std::vector<std::string>& paths);

// Splits the text of one input (named `name`) into documents.
std::vector<InputDocument> SplitInput(const std::string& name, const std::string& text);

}  // namespace xerod::ctl
