// SPDX-License-Identifier: MIT
#include "sim/idempotency.h"

#include "sim/tokens.h"

namespace xero_sim {

IdempotencyStore::Outcome IdempotencyStore::Find(const std::string& app, const std::string& key,
                                                 const std::string& fingerprint, TimePoint now,
                                                 Response* replay) {
  Prune(now);
  auto it = entries_.find(app + '\n' + key);
  if (it == entries_.end()) return Outcome::kNew;
  if (now - it->second.first_seen >= kIdempotencyWindow || now < it->second.first_seen) {
    entries_.erase(it);  // expired: processed as new, so a duplicate is possible (as in Xero)
    return Outcome::kNew;
  }
  if (it->second.fingerprint != fingerprint) return Outcome::kMismatch;
  *replay = it->second.response;
  return Outcome::kReplay;
}

void IdempotencyStore::Store(const std::string& app, const std::string& key,
                             const std::string& fingerprint, const Response& response,
                             TimePoint now) {
  entries_[app + '\n' + key] = Entry{fingerprint, response, now};
}

std::string IdempotencyStore::Fingerprint(const Request& request, const std::string& tenant) {
  std::string all = request.method + '\n' + request.path + '\n' + tenant + '\n';
  for (const auto& [k, v] : request.query) all += k + '=' + v + '&';
  all += '\n';
  all += request.body;
  return Sha256(all);
}

void IdempotencyStore::Prune(TimePoint now) {
  if (now - last_prune_ < std::chrono::seconds(30)) return;
  last_prune_ = now;
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.first_seen >= kIdempotencyWindow || now < kv.second.first_seen;
  });
}

}  // namespace xero_sim
