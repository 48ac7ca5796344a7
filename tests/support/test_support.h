// SPDX-License-Identifier: MIT
// Helpers shared by the tests. Nothing here sleeps-and-hopes: waits poll a
// condition until a deadline and fail the test with a message when it passes.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "xerod/clock.h"

namespace xerod::testing {

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = FromUnixMillis(1'780'000'000'000))
      : now_(ToUnixMillis(start)) {}
  TimePoint Now() const override { return FromUnixMillis(now_.load()); }
  void Advance(Duration d) { now_ += d.count(); }
  void Set(TimePoint t) { now_ = ToUnixMillis(t); }

 private:
  std::atomic<std::int64_t> now_;
};

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Polls `cond` every few milliseconds until it is true or `timeout` passes.
// Returns whether it became true.
bool WaitFor(const std::function<bool()>& cond,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Writes `text` to `path` (replacing it) with the given mode.
void WriteFile(const std::string& path, const std::string& text, unsigned mode = 0644);
std::string ReadFile(const std::string& path);

// Path of a built program ("xerod", "xero-sim", ...): $XEROD_BIN_DIR/name, as set by ctest.
std::string BinaryPath(const std::string& name);
// The source tree root ($XEROD_SOURCE_DIR).
std::string SourceDir();
// ../shared beside the checkout ($XEROD_SHARED_DIR); empty if it does not exist.
std::string SharedDir();

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read, close).
int FreeLoopbackPort();

}  // namespace xerod::testing
