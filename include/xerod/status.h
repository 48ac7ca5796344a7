// SPDX-License-Identifier: MIT
//
// Error values for expected failures. Every fallible xerod call returns
// Result<T> (a std::expected<T, Error>) or Status (Result<void>); exceptions
// from third-party libraries are caught in the adapter that calls them and
// never cross a header in include/xerod/.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace xerod {

enum class Code {
  kInvalidArgument,     // the caller's input is wrong; retrying it unchanged fails again
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a thing with that name or key exists already
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kPermissionDenied,    // the caller may not do this
  kUnavailable,         // transient: a resource is busy or unreachable; retry later
  kCorrupt,             // stored data is damaged or from an incompatible version
  kIo,                  // an operating-system call failed
  kInternal,            // a bug: an invariant was broken
};

// Stable lower-case name of a code ("invalid_argument", ...).
std::string_view CodeName(Code code);

// An error: a code for programs and a message for people. The message never
// contains secrets (tokens, passwords); callers must not put them there.
class Error {
 public:
  Error(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "code: message", for logs.
  std::string ToString() const;

 private:
  Code code_;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

// Helpers to build the error side: `return Fail(Code::kNotFound, "job 7");`
inline std::unexpected<Error> Fail(Code code, std::string message) {
  return std::unexpected<Error>(std::in_place, code, std::move(message));
}
inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }

inline Status Ok() { return {}; }

}  // namespace xerod
