// SPDX-License-Identifier: MIT
//
// The copy pipeline (docs/copy.md): CopySender copies a batch of claimed jobs
// of one connection into Xero, and LimiterGate tells the scheduler when a
// connection may make a call.
//
// One Send():
//   1. the organisation's data (loaded on first need, refreshed as it ages:
//      src/copy/org_cache.h) and its contacts when a client is new to xerod;
//   2. every document mapped (src/copy/mapper.h); a refusal ends the job
//      `dead` with its reason before any call is made;
//   3. jobs whose last outcome is unknown are looked up first (invoices by
//      InvoiceNumber among those the app created, payments on their invoice);
//   4. missing contacts created once (one PUT for the whole batch);
//   5. new invoices in one PUT, changed ones in one POST (by InvoiceID),
//      payments in one PUT, each with summarizeErrors=false and an
//      Idempotency-Key; every element's result goes to its own job;
//   6. follow-ups: "Invoice # must be unique" for an invoice this app created
//      is that invoice (success with its id); an update refused because Xero
//      has the invoice PAID or VOIDED (or paid in part) ends with a warning.
// Payments wait, without using attempts, until their invoice has been copied;
// with copy_payments off they end `cancelled` with that reason.
//
// Thread-safety: io_context thread only; `done` runs on it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/job.h"
#include "xerod/rate_limiter.h"
#include "xerod/scheduler.h"
#include "xerod/xero_client.h"

namespace xerod {

struct CopyOptions {
  // The organisation's settings data is refreshed when older than this.
  Duration org_refresh = std::chrono::hours(1);
  // A refusal or validation error that may come from stale data is trusted
  // only if the data is younger than this; otherwise it is reloaded first.
  Duration org_fresh = std::chrono::minutes(1);
  // A look at contacts changed since the last one, at most this often.
  Duration contacts_fresh = std::chrono::minutes(1);
  // A payment waiting for its invoice asks again after half its age,
  // within these bounds (and at once when the invoice is copied).
  Duration payment_wait_min = std::chrono::seconds(10);
  Duration payment_wait_max = std::chrono::minutes(10);
};

// Counters since start (for GetStatus and the benchmarks).
struct CopyStats {
  std::uint64_t batches = 0;
  std::uint64_t invoices_copied = 0;  // created or updated (or found) in Xero
  std::uint64_t payments_copied = 0;
  std::uint64_t refused = 0;  // refused before any call, or by Xero
  std::uint64_t contacts_created = 0;
  std::uint64_t calls = 0;  // Xero API calls made (org data included)
};

class CopySender final : public Sender {
 public:
  // The settings in force for a connection (its `connections:` entry, or the
  // defaults); read for every batch, so a reload applies to the next one.
  using SettingsFn = std::function<ConnectionSettings(const std::string& connection)>;
  // The organisation a connection is bound to now (nullopt: not added). What
  // is known of an organisation is forgotten when its connection is bound to
  // another one.
  using TenantFn = std::function<std::optional<std::string>(const std::string& connection)>;

  // All references must outlive the sender.
  CopySender(boost::asio::io_context& io, XeroClient& client, Clock& clock, SettingsFn settings,
             TenantFn tenant_of = {}, CopyOptions options = {});
  ~CopySender() override;
  CopySender(const CopySender&) = delete;
  CopySender& operator=(const CopySender&) = delete;

  void Send(const std::string& connection, std::vector<Job> jobs,
            std::function<void(std::vector<JobOutcome>)> done) override;

  CopyStats stats() const;
  // Batches being copied now.
  std::size_t InFlight() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The scheduler's admission control: a connection may start a batch when its
// tenant could make one call now (calls are counted, not jobs; every call of
// the batch then goes through the same limiter). A connection whose tenant is
// unknown is admitted: the sender finds out and parks it.
class LimiterGate final : public SendGate {
 public:
  using TenantFn = std::function<std::optional<std::string>(const std::string& connection)>;
  LimiterGate(RateLimiter& limiter, Clock& clock, TenantFn tenant_of);
  std::optional<Duration> Admit(const std::string& connection, int n) override;

 private:
  RateLimiter& limiter_;
  Clock& clock_;
  TenantFn tenant_of_;
};

}  // namespace xerod
