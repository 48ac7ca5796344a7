// SPDX-License-Identifier: MIT
//
// OrgCache: what xerod knows of each connection's Xero organisation
// (OrgData), and its contacts by name (ContactBook).
//
// - Loaded on first need: GET Organisation, Currencies, TaxRates, Accounts,
//   Items and TrackingCategories, side by side (the rate limiter spaces them).
// - Refreshed when a batch needs it and the data is older than
//   `refresh_interval`: Accounts and Items with If-Modified-Since (merged into
//   what is known), the small lists whole. A refresh that fails transiently
//   keeps the data already known (logged); only a first load can fail a batch.
// - Invalidate() after a validation error that suggests the data is stale: the
//   next Get() reloads everything.
// - Contacts: all of them on first need (pages of 1000), then only those
//   changed since (If-Modified-Since), when a batch names a client the book does
//   not know and the last look is older than `contacts_fresh`.
// Every call goes through the XeroClient, hence through the rate limiter.
// Concurrent callers for one connection share one load (single flight).
//
// Thread-safety: none; io_context thread only. Callbacks run on it, never
// inside the call that asked.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "copy/org_data.h"
#include "xerod/clock.h"
#include "xerod/xero_client.h"

namespace xerod::copy {

struct OrgCacheOptions {
  Duration refresh_interval = std::chrono::hours(1);  // settings data older than this is refreshed
  Duration contacts_fresh = std::chrono::minutes(1);  // no new look at contacts more often
  // If-Modified-Since is our clock minus this, so that a skew between our
  // clock and Xero's never hides a change (a few records twice are harmless).
  Duration since_margin = std::chrono::minutes(5);
  int contacts_page_size = 1000;  // Xero's largest page
};

// The data of one organisation as handed out: shared, so a batch keeps using
// the version it started with while a refresh replaces it.
using OrgDataPtr = std::shared_ptr<const OrgData>;
// A failed load: the XeroResult of the call that failed (class, cause, reason).
using OrgLoaded = std::expected<OrgDataPtr, XeroResult>;

class OrgCache {
 public:
  // All references must outlive the cache.
  OrgCache(boost::asio::io_context& io, XeroClient& client, Clock& clock,
           OrgCacheOptions options = {});
  ~OrgCache();
  OrgCache(const OrgCache&) = delete;
  OrgCache& operator=(const OrgCache&) = delete;

  // The organisation's data, loading or refreshing it first when needed.
  void Get(const std::string& connection, std::function<void(OrgLoaded)> done);
  // The next Get() reloads everything (Xero refused something that suggests
  // the data is stale).
  void Invalidate(const std::string& connection);
  // The connection is bound to organisation `tenant` now: if what is known
  // belongs to another one (the name was connected to another organisation),
  // it is all forgotten, contacts included.
  void Bind(const std::string& connection, const std::string& tenant);
  // When the data now handed out was loaded (epoch when never).
  TimePoint LoadedAt(const std::string& connection) const;

  // The connection's contacts as known now (empty before LoadContacts()).
  ContactBook& Contacts(const std::string& connection);
  // Makes the book current: everything on the first call, then the contacts
  // changed since the last look, unless that look is younger than
  // `contacts_fresh` and `force` is false. `done` gets the failed call on error.
  void LoadContacts(const std::string& connection, bool force,
                    std::function<void(std::expected<void, XeroResult>)> done);

  // GET calls made so far (all of them, for the stats).
  std::uint64_t calls() const { return calls_; }

 private:
  struct Entry;
  struct Load;
  Entry& At(const std::string& connection);
  void StartLoad(const std::string& connection, Entry& e);
  void FinishLoad(const std::string& connection, std::shared_ptr<Load> load);
  void FetchContactsPage(const std::string& connection, int page, std::optional<TimePoint> since,
                         TimePoint started);
  void LoadPart(const std::string& connection, std::shared_ptr<Load> load, std::string resource,
                std::optional<TimePoint> since,
                std::function<std::optional<Error>(const XeroResult&, OrgData&)> apply);
  void FinishContacts(const std::string& connection, std::expected<void, XeroResult> result);
  void Get(const std::string& connection, XeroRequest request, XeroCallback done);

  boost::asio::io_context& io_;
  XeroClient& client_;
  Clock& clock_;
  OrgCacheOptions options_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  std::uint64_t calls_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace xerod::copy
