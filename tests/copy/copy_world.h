// SPDX-License-Identifier: MIT
// End-to-end fixture for the copy pipeline: the XeroWorld stack (curl,
// connections, tokens, rate limiter, XeroClient against a real xero-sim) plus
// the durable queue, the CopySender, the LimiterGate and the Scheduler, all on
// the test thread's io_context. Shared by tests/copy and bench/copy.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "connection/xero_world.h"
#include "xerod/copy_sender.h"
#include "xerod/job_queue.h"
#include "xerod/scheduler.h"

namespace xerod::testing {

struct CopyWorldOptions {
  // Xero's limits, which xero-sim enforces: the limiter keeps the tests free of
  // 429s they did not ask for (six organisation-data GETs side by side would
  // otherwise meet the limit of 5 concurrent calls).
  XeroLimits limits;
  RateLimiterOptions limiter;
  QueueConfig queue = FastQueue();
  CopyOptions copy = FastCopy();
  Duration request_timeout = std::chrono::seconds(5);

  static QueueConfig FastQueue() {
    QueueConfig q;
    q.max_attempts = 6;
    q.backoff_base = std::chrono::milliseconds(50);
    q.backoff_cap = std::chrono::milliseconds(200);
    q.batch_size = 50;
    return q;
  }
  static CopyOptions FastCopy() {
    CopyOptions c;
    c.payment_wait_min = std::chrono::milliseconds(50);
    c.payment_wait_max = std::chrono::milliseconds(200);
    return c;
  }
};

// Captures of request bodies go here (checked against Xero's OpenAPI spec by
// tests/xero_schema): one file per test.
std::string CaptureFile(const std::string& name);

class CopyWorld {
 public:
  CopyWorld(const std::string& sim_url, const std::string& dir, CopyWorldOptions options = {});
  ~CopyWorld();

  // A new organisation (admin `options` as POST /_sim/orgs takes them) and a
  // connection `name` to it; returns the tenant id.
  std::string Connect(const std::string& name, const std::string& org_name = "",
                      nlohmann::json options = nlohmann::json::object());

  // Validates and enqueues one document; returns its job id (0 and a test
  // failure if the document is invalid).
  std::int64_t Enqueue(const std::string& connection, const nlohmann::json& doc,
                       DocumentType kind = DocumentType::kInvoice);
  std::vector<std::int64_t> EnqueueAll(const std::string& connection,
                                       const std::vector<nlohmann::json>& docs,
                                       DocumentType kind = DocumentType::kInvoice);

  // Runs the loop until every job of `ids` is finished (or in `until`).
  bool RunUntilFinished(const std::vector<std::int64_t>& ids,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));
  Job JobOf(std::int64_t id);
  JobDetail Detail(std::int64_t id);

  // The simulator's view.
  nlohmann::json SimInvoices(const std::string& tenant);  // [...] of GET /_sim/orgs/T/invoices
  nlohmann::json SimStats(const std::string& tenant);     // tenants[T] of /_sim/stats
  int SimCalls(const std::string& tenant, const std::string& endpoint);
  // An API call as the connection (test set-up: items, contacts, payments).
  XeroResult Api(const std::string& connection, HttpMethod method, const std::string& path,
                 const nlohmann::json& body = nullptr);
  void Fault(const nlohmann::json& fault);

  std::map<std::string, ConnectionSettings> settings;  // by connection (defaults otherwise)
  std::unique_ptr<XeroWorld> xero;
  std::unique_ptr<JobQueue> queue;
  std::unique_ptr<CopySender> sender;
  std::unique_ptr<LimiterGate> gate;
  std::unique_ptr<Scheduler> scheduler;
};

// A realistic invoice document; `patch` is merged in.
nlohmann::json InvoiceDoc(const std::string& id, nlohmann::json patch = nlohmann::json::object());
nlohmann::json PaymentDoc(const std::string& id, const std::string& invoice_id,
                          const std::string& amount,
                          nlohmann::json patch = nlohmann::json::object());
// The settings the tests use unless they say otherwise: fallback revenue 200,
// payments to 090.
ConnectionSettings TestSettings();

}  // namespace xerod::testing
