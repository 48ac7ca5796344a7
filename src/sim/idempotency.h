// SPDX-License-Identifier: MIT
// Xero's Idempotency-Key: on POST/PUT/PATCH, a key seen within 6 minutes of its
// first use replays the first response byte for byte without re-executing;
// the same key with a different request (method, path, query, tenant or body)
// is refused with 400. Keys are scoped per app, at most 128 characters.
// Errors are remembered too (Xero caches internal errors as well).
// Not thread-safe: io_context thread only.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include "sim/accounting/http_types.h"
#include "sim/sim_clock.h"

namespace xero_sim {

inline constexpr auto kIdempotencyWindow = std::chrono::minutes(6);
inline constexpr std::size_t kMaxIdempotencyKey = 128;

class IdempotencyStore {
 public:
  enum class Outcome { kNew, kReplay, kMismatch };

  // Looks `key` up for `app`. kReplay fills `replay`.
  Outcome Find(const std::string& app, const std::string& key, const std::string& fingerprint,
               TimePoint now, Response* replay);
  void Store(const std::string& app, const std::string& key, const std::string& fingerprint,
             const Response& response, TimePoint now);
  // A digest of everything that makes two requests "the same".
  static std::string Fingerprint(const Request& request, const std::string& tenant);
  std::size_t size() const { return entries_.size(); }
  void Clear() { entries_.clear(); }

 private:
  struct Entry {
    std::string fingerprint;
    Response response;
    TimePoint first_seen;
  };
  void Prune(TimePoint now);

  std::unordered_map<std::string, Entry> entries_;  // app + '\n' + key
  TimePoint last_prune_{};
};

}  // namespace xero_sim
