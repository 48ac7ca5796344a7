// SPDX-License-Identifier: MIT
#include "copy/org_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace xerod::copy {

struct OrgCache::Entry {
  std::string tenant;  // the organisation all of this belongs to ("" before Bind)
  OrgDataPtr data;     // null until the first load succeeded
  TimePoint loaded_at{};
  TimePoint since{};  // If-Modified-Since of the next refresh
  bool invalid = false;
  bool loading = false;
  std::vector<std::function<void(OrgLoaded)>> waiters;

  ContactBook contacts;
  bool contacts_loaded = false;
  bool contacts_loading = false;
  TimePoint contacts_at{};     // when the last look started
  TimePoint contacts_since{};  // If-Modified-Since of the next look
  std::vector<std::function<void(std::expected<void, XeroResult>)>> contact_waiters;
};

// One (re)load of the settings data: six GETs side by side.
struct OrgCache::Load {
  bool refresh = false;  // merge Accounts/Items changed since, keep the rest
  int pending = 0;
  std::optional<XeroResult> failure;
  OrgData next;
  TimePoint started;
};

namespace {

std::string Path(std::string_view resource) {
  return fmt::format("{}/{}", kAccountingPath, resource);
}

// A failed GET, or a 2xx whose body is not what Xero documents, as a result.
XeroResult Unusable(const XeroResult& from, std::string_view resource, const Error& error) {
  XeroResult r = from;
  r.result_class = XeroResultClass::kTransient;
  r.failure = XeroFailure::kBadAnswer;
  r.reason = fmt::format("GET {}: {}", resource, error.message());
  return r;
}

}  // namespace

OrgCache::OrgCache(boost::asio::io_context& io, XeroClient& client, Clock& clock,
                   OrgCacheOptions options)
    : io_(io),
      client_(client),
      clock_(clock),
      options_(options),
      alive_(std::make_shared<bool>(true)) {}

OrgCache::~OrgCache() { *alive_ = false; }

OrgCache::Entry& OrgCache::At(const std::string& connection) {
  auto& e = entries_[connection];
  if (!e) e = std::make_unique<Entry>();
  return *e;
}

TimePoint OrgCache::LoadedAt(const std::string& connection) const {
  auto it = entries_.find(connection);
  return it == entries_.end() ? TimePoint{} : it->second->loaded_at;
}

void OrgCache::Invalidate(const std::string& connection) { At(connection).invalid = true; }

void OrgCache::Bind(const std::string& connection, const std::string& tenant) {
  Entry& e = At(connection);
  if (e.tenant == tenant) return;
  if (!e.tenant.empty() && !e.loading && !e.contacts_loading) {
    spdlog::info("connection {}: now bound to organisation {}; what xerod knew of {} is dropped",
                 connection, tenant, e.tenant);
    entries_[connection] = std::make_unique<Entry>();
  } else if (!e.tenant.empty()) {
    return;  // a load is running for the old one: its waiters keep their entry
  }
  At(connection).tenant = tenant;
}

ContactBook& OrgCache::Contacts(const std::string& connection) { return At(connection).contacts; }

void OrgCache::Get(const std::string& connection, XeroRequest request, XeroCallback done) {
  ++calls_;
  client_.Call(connection, std::move(request), std::move(done));
}

void OrgCache::Get(const std::string& connection, std::function<void(OrgLoaded)> done) {
  Entry& e = At(connection);
  const bool stale = clock_.Now() - e.loaded_at >= options_.refresh_interval;
  if (e.data && !e.invalid && !stale) {
    boost::asio::post(io_, [done = std::move(done), data = e.data] { done(data); });
    return;
  }
  e.waiters.push_back(std::move(done));
  if (!e.loading) StartLoad(connection, e);
}

void OrgCache::StartLoad(const std::string& connection, Entry& e) {
  e.loading = true;
  auto load = std::make_shared<Load>();
  load->refresh = e.data != nullptr && !e.invalid;
  load->started = clock_.Now();
  if (load->refresh) load->next = *e.data;
  const std::optional<TimePoint> since =
      load->refresh ? std::optional<TimePoint>(e.since) : std::nullopt;
  load->pending = 6;
  LoadPart(connection, load, "Organisation", std::nullopt,
           [](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto org = ParseOrganisation(r.body);
             if (!org) return org.error();
             next.organisation = std::move(*org);
             return std::nullopt;
           });
  LoadPart(connection, load, "Currencies", std::nullopt,
           [](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto list = ParseCurrencies(r.body);
             if (!list) return list.error();
             next.currencies = std::move(*list);
             return std::nullopt;
           });
  LoadPart(connection, load, "TaxRates", std::nullopt,
           [](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto list = ParseTaxRates(r.body);
             if (!list) return list.error();
             next.tax_rates = std::move(*list);
             return std::nullopt;
           });
  // Accounts and Items: on a refresh only those changed since, merged in.
  const bool merge = load->refresh;
  LoadPart(connection, load, "Accounts", since,
           [merge](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto list = ParseAccounts(r.body);
             if (!list) return list.error();
             if (!merge) next.accounts.clear();
             for (Account& a : *list) next.accounts[FoldKey(a.code)] = std::move(a);
             return std::nullopt;
           });
  LoadPart(connection, load, "Items", since,
           [merge](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto list = ParseItems(r.body);
             if (!list) return list.error();
             if (!merge) next.items.clear();
             for (Item& i : *list) next.items[FoldKey(i.code)] = std::move(i);
             return std::nullopt;
           });
  LoadPart(connection, load, "TrackingCategories", std::nullopt,
           [](const XeroResult& r, OrgData& next) -> std::optional<Error> {
             auto list = ParseTrackingCategories(r.body);
             if (!list) return list.error();
             next.tracking.clear();
             for (TrackingCategory& c : *list) next.tracking[FoldKey(c.name)] = std::move(c);
             return std::nullopt;
           });
}

void OrgCache::LoadPart(const std::string& connection, std::shared_ptr<Load> load,
                        std::string resource, std::optional<TimePoint> since,
                        std::function<std::optional<Error>(const XeroResult&, OrgData&)> apply) {
  XeroRequest request;
  request.path = Path(resource);
  request.if_modified_since = since;
  Get(connection, std::move(request),
      [this, alive = alive_, connection, load, resource, apply = std::move(apply)](XeroResult r) {
        if (!*alive) return;
        if (!load->failure) {
          if (!r.ok()) {
            r.reason = fmt::format("GET {}: {}", resource, r.reason);
            load->failure = std::move(r);
          } else if (auto error = apply(r, load->next)) {
            load->failure = Unusable(r, resource, *error);
          }
        }
        if (--load->pending == 0) FinishLoad(connection, load);
      });
}

void OrgCache::FinishLoad(const std::string& connection, std::shared_ptr<Load> load) {
  Entry& e = At(connection);
  e.loading = false;
  auto waiters = std::move(e.waiters);
  e.waiters.clear();
  if (load->failure) {
    const XeroResult& f = *load->failure;
    if (e.data && f.result_class != XeroResultClass::kConnection) {
      // A refresh failed: the data known is better than nothing. Try again in
      // a few minutes rather than before every batch.
      spdlog::warn(
          "connection {}: refreshing the organisation's data failed ({}); using what "
          "was loaded before",
          connection, f.reason);
      e.loaded_at = clock_.Now() - options_.refresh_interval + std::chrono::minutes(5);
      for (auto& w : waiters) w(e.data);
      return;
    }
    for (auto& w : waiters) w(std::unexpected(f));
    return;
  }
  e.data = std::make_shared<const OrgData>(std::move(load->next));
  e.loaded_at = load->started;
  e.since = load->started - options_.since_margin;
  e.invalid = false;
  spdlog::debug(
      "connection {}: organisation {} loaded ({} accounts, {} items, {} tax rates, {} "
      "tracking categories)",
      connection, e.data->organisation.name, e.data->accounts.size(), e.data->items.size(),
      e.data->tax_rates.size(), e.data->tracking.size());
  for (auto& w : waiters) w(e.data);
}

void OrgCache::LoadContacts(const std::string& connection, bool force,
                            std::function<void(std::expected<void, XeroResult>)> done) {
  Entry& e = At(connection);
  const TimePoint now = clock_.Now();
  if (e.contacts_loaded && !force && now - e.contacts_at < options_.contacts_fresh) {
    boost::asio::post(io_, [done = std::move(done)] { done({}); });
    return;
  }
  e.contact_waiters.push_back(std::move(done));
  if (e.contacts_loading) return;
  e.contacts_loading = true;
  std::optional<TimePoint> since;
  if (e.contacts_loaded) since = e.contacts_since;
  FetchContactsPage(connection, 1, since, now);
}

void OrgCache::FetchContactsPage(const std::string& connection, int page,
                                 std::optional<TimePoint> since, TimePoint started) {
  XeroRequest request;
  // A look at what changed must see contacts archived since, to forget them.
  request.path = fmt::format("{}?page={}&pageSize={}{}", Path("Contacts"), page,
                             options_.contacts_page_size, since ? "&includeArchived=true" : "");
  request.if_modified_since = since;
  Get(connection, std::move(request),
      [this, alive = alive_, connection, page, since, started](XeroResult r) {
        if (!*alive) return;
        if (!r.ok()) {
          r.reason = fmt::format("GET Contacts: {}", r.reason);
          return FinishContacts(connection, std::unexpected(std::move(r)));
        }
        auto contacts = ParseContacts(r.body);
        if (!contacts) {
          return FinishContacts(connection,
                                std::unexpected(Unusable(r, "Contacts", contacts.error())));
        }
        // Pages are counted on what Xero returned, left-out elements included.
        const std::size_t returned = r.body["Contacts"].size();
        Entry& e = At(connection);
        for (Contact& c : *contacts) e.contacts.Put(std::move(c));
        if (returned >= static_cast<std::size_t>(options_.contacts_page_size)) {
          return FetchContactsPage(connection, page + 1, since, started);
        }
        e.contacts_loaded = true;
        e.contacts_at = started;
        e.contacts_since = started - options_.since_margin;
        FinishContacts(connection, {});
      });
}

void OrgCache::FinishContacts(const std::string& connection,
                              std::expected<void, XeroResult> result) {
  Entry& e = At(connection);
  e.contacts_loading = false;
  auto waiters = std::move(e.contact_waiters);
  e.contact_waiters.clear();
  for (auto& w : waiters) w(result);
}

}  // namespace xerod::copy
