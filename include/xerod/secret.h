// SPDX-License-Identifier: MIT
//
// Secrets (OAuth client secret, SMTP password) and how they are read from disk.
// A Secret never shows its value by accident: streaming it or formatting it with
// fmt prints "***"; the value is only reachable through reveal(), so every place
// that uses it is easy to find. Config holds only references (paths or systemd
// credential names); the daemon calls LoadSecret() when it needs the value.
#pragma once

#include <fmt/format.h>

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

#include "xerod/status.h"

namespace xerod {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&&) noexcept = default;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  // Overwrites the bytes before freeing them.
  ~Secret();

  // The secret itself. Do not log it, put it in an error message or in a D-Bus reply.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

// Overwrites `s`'s bytes (volatile writes: the compiler cannot drop them) and
// clears it. For buffers that held a secret: a request body with a refresh
// token, an Authorization header, a revealed copy.
void WipeString(std::string& s);

// Prints "***", never the value.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Reads a secret. `file_or_credential_name` is either an absolute path, read
// directly, or a plain name without '/', looked up as
// $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=/SetCredential=).
// One trailing line break (LF or CRLF) is removed.
// Errors (messages name the file, never its content):
//   kInvalidArgument  empty name, relative path, "." or "..";
//                     the file is empty, not a regular file, or larger than 64 KiB
//   kNotFound         the file does not exist, or a credential name is given but
//                     $CREDENTIALS_DIRECTORY is not set
//   kPermissionDenied the file is readable by group or others (mode & 044): the
//                     message gives the mode and the fix ("chmod 600 FILE"),
//                     or the file cannot be opened for lack of permission
//   kIo               any other read failure
// Thread-safe (reads the environment, which callers must not modify concurrently).
Result<Secret> LoadSecret(const std::string& file_or_credential_name);

}  // namespace xerod

// fmt::format("{}", secret) gives "***".
template <>
struct fmt::formatter<xerod::Secret> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const xerod::Secret& /*secret*/, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view("***"), ctx);
  }
};
