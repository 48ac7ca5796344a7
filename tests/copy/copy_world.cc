// SPDX-License-Identifier: MIT
#include "copy/copy_world.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "xerod/document.h"

namespace xerod::testing {

using nlohmann::json;

std::string CaptureFile(const std::string& name) {
  const char* dir = std::getenv("XEROD_BODIES_DIR");
  if (dir == nullptr || *dir == '\0') return "";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return (std::filesystem::path(dir) / (name + ".ndjson")).string();
}

ConnectionSettings TestSettings() {
  ConnectionSettings s;
  s.revenue_account = "200";
  s.payment_account = "090";
  return s;
}

json InvoiceDoc(const std::string& id, json patch) {
  json doc = {{"id", id},
              {"number", "INV-" + id},
              {"status", "sent"},
              {"client", {{"name", "Client of " + id}, {"email", "ap@example.test"}}},
              {"issue_date", "2026-11-02"},
              {"due_date", "2026-12-02"},
              {"currency", "NZD"},
              {"reference", "PO " + id},
              {"tax", "GST on Income"},
              {"lines",
               {{{"kind", "Services"},
                 {"description", "Design work"},
                 {"quantity", "10"},
                 {"unit_price", "120.00"}}}}};
  doc.merge_patch(patch);
  return doc;
}

json PaymentDoc(const std::string& id, const std::string& invoice_id, const std::string& amount,
                json patch) {
  json doc = {{"id", id},
              {"invoice_id", invoice_id},
              {"amount", amount},
              {"date", "2026-11-20"},
              {"reference", "Stripe " + id}};
  doc.merge_patch(patch);
  return doc;
}

CopyWorld::CopyWorld(const std::string& sim_url, const std::string& dir, CopyWorldOptions o) {
  WorldOptions wo;
  wo.limits = o.limits;
  wo.limiter = o.limiter;
  wo.request_timeout = o.request_timeout;
  const std::string db = dir + "/xerod.db";
  xero = std::make_unique<XeroWorld>(sim_url, db, wo);
  auto q = JobQueue::Open(db, o.queue, SystemClock());
  EXPECT_TRUE(q.has_value()) << q.error().ToString();
  if (q) queue = std::move(*q);
  auto tenant_of = [this](const std::string& name) -> std::optional<std::string> {
    auto info = xero->store->Get(name);
    if (!info) return std::nullopt;
    return info->tenant_id;
  };
  sender = std::make_unique<CopySender>(
      xero->io, *xero->client, SystemClock(),
      [this](const std::string& name) {
        auto it = settings.find(name);
        return it == settings.end() ? TestSettings() : it->second;
      },
      tenant_of, o.copy);
  gate = std::make_unique<LimiterGate>(*xero->limiter, SystemClock(), tenant_of);
  scheduler = std::make_unique<Scheduler>(xero->io, *queue, *sender, SystemClock(), gate.get());
  scheduler->Start();
}

CopyWorld::~CopyWorld() {
  if (scheduler) scheduler->Stop();
  // Let outcomes already on their way be recorded, then tear down in reverse.
  if (xero) xero->RunUntil([&] { return sender->InFlight() == 0; }, std::chrono::seconds(5));
  scheduler.reset();
  sender.reset();
  gate.reset();
  queue.reset();
  xero.reset();
}

std::string CopyWorld::Connect(const std::string& name, const std::string& org_name, json options) {
  options["name"] = org_name.empty() ? name + " Ltd" : org_name;
  auto org = xero->Admin(HttpMethod::kPost, "/_sim/orgs", options);
  std::string tenant = org.is_object() ? org.value("tenant_id", "") : "";
  EXPECT_FALSE(tenant.empty());
  auto grant = xero->CreateGrant({tenant});
  auto added = xero->Add(name, tenant, grant.value("refresh_token", ""));
  EXPECT_TRUE(added.has_value()) << (added ? "" : added.error().ToString());
  return tenant;
}

std::vector<std::int64_t> CopyWorld::EnqueueAll(const std::string& connection,
                                                const std::vector<json>& docs, DocumentType kind) {
  std::vector<NewJob> jobs;
  for (const json& d : docs) {
    auto parsed = ParseDocument(
        kind == DocumentType::kInvoice ? DocumentType::kInvoice : DocumentType::kPayment, d.dump());
    EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message()) << d.dump();
    if (!parsed) return {};
    jobs.push_back(NewJob{connection, kind, parsed->id, parsed->canonical, parsed->depends_on});
  }
  auto stored = queue->Enqueue(std::move(jobs));
  EXPECT_TRUE(stored.has_value()) << (stored ? "" : stored.error().ToString());
  std::vector<std::int64_t> ids;
  if (stored) {
    for (const EnqueueResult& r : *stored) ids.push_back(r.job_id);
  }
  return ids;
}

std::int64_t CopyWorld::Enqueue(const std::string& connection, const json& doc, DocumentType kind) {
  auto ids = EnqueueAll(connection, {doc}, kind);
  return ids.empty() ? 0 : ids.front();
}

bool CopyWorld::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  return xero->RunUntil(done, timeout);
}

bool CopyWorld::RunUntilFinished(const std::vector<std::int64_t>& ids,
                                 std::chrono::milliseconds timeout) {
  auto finished = [&] {
    for (std::int64_t id : ids) {
      auto d = queue->Show(id);
      if (!d || IsPending(d->job.state)) return false;
    }
    return true;
  };
  // Queue reads go through the writer thread: poll every 20 ms, not per event.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (finished()) return true;
    xero->RunUntil([] { return false; }, std::chrono::milliseconds(20));
  }
  return finished();
}

Job CopyWorld::JobOf(std::int64_t id) { return Detail(id).job; }

JobDetail CopyWorld::Detail(std::int64_t id) {
  auto d = queue->Show(id);
  EXPECT_TRUE(d.has_value()) << id;
  return d ? *d : JobDetail{};
}

json CopyWorld::SimInvoices(const std::string& tenant) {
  auto j = xero->Admin(HttpMethod::kGet, "/_sim/orgs/" + tenant + "/invoices");
  return j.is_object() && j.contains("Invoices") ? j["Invoices"] : json::array();
}

json CopyWorld::SimStats(const std::string& tenant) {
  auto j = xero->Admin(HttpMethod::kGet, "/_sim/stats");
  if (!j.is_object() || !j.contains("tenants") || !j["tenants"].contains(tenant)) return {};
  return j["tenants"][tenant];
}

int CopyWorld::SimCalls(const std::string& tenant, const std::string& endpoint) {
  json s = SimStats(tenant);
  if (!s.is_object() || !s.contains("endpoints") || !s["endpoints"].contains(endpoint)) return 0;
  return s["endpoints"][endpoint].get<int>();
}

XeroResult CopyWorld::Api(const std::string& connection, HttpMethod method, const std::string& path,
                          const json& body) {
  return xero->Call(connection, method, std::string(kAccountingPath) + path,
                    body.is_null() ? "" : body.dump());
}

void CopyWorld::Fault(const json& fault) { xero->Admin(HttpMethod::kPost, "/_sim/faults", fault); }

}  // namespace xerod::testing
