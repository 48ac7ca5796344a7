// SPDX-License-Identifier: MIT
//
// The mutating methods of the Manager: enqueue, retry, cancel, pause/resume,
// reload. Each checks the caller first (AccessChecker), then validates, then
// hands the work to the queue and replies when it is durable.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dbus/convert.h"
#include "dbus/guard.h"
#include "dbus/manager.h"
#include "dbus/names.h"

namespace xerod::dbus {
namespace {

constexpr const char* kInvalid = "invalid";

void CheckConnectionName(const std::string& connection) {
  if (auto ok = CheckName(connection, "connection"); !ok) throw ToDbusError(ok.error());
}

// The document's "id" when it has a string one (for results of invalid documents).
std::string IdOf(const nlohmann::json& value) {
  if (value.is_object()) {
    auto it = value.find("id");
    if (it != value.end() && it->is_string() && !IsExactNumber(*it)) return it->get<std::string>();
  }
  return {};
}

bool LooksLikeArray(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '[';
}

}  // namespace

void Manager::EnqueueInvoices(sdbus::Result<EnqueueResults>&& result, std::string connection,
                              std::vector<std::string> documents) {
  Enqueue(DocumentType::kInvoice, "EnqueueInvoices", std::move(result), std::move(connection),
          std::move(documents));
}

void Manager::EnqueuePayments(sdbus::Result<EnqueueResults>&& result, std::string connection,
                              std::vector<std::string> documents) {
  Enqueue(DocumentType::kPayment, "EnqueuePayments", std::move(result), std::move(connection),
          std::move(documents));
}

void Manager::Enqueue(DocumentType type, const char* method, sdbus::Result<EnqueueResults>&& result,
                      std::string connection, std::vector<std::string> documents) {
  Guarded(method, [&] {
    RequireAdmin(method);
    CheckConnectionName(connection);
    RequireKnownConnection(connection);
    const DocumentLimits& limits = options_.limits;
    // Size limits first: they fail the whole call.
    for (std::size_t i = 0; i < documents.size(); ++i) {
      std::size_t max = LooksLikeArray(documents[i])
                            ? limits.max_document_bytes * limits.max_documents
                            : limits.max_document_bytes;
      if (documents[i].size() > max) {
        throw sdbus::Error(kErrorInvalidArgument,
                           fmt::format("documents[{}]: larger than {} bytes (got {} bytes)", i, max,
                                       documents[i].size()));
      }
    }
    auto rows = std::make_shared<EnqueueResults>();
    std::vector<NewJob> jobs;
    std::vector<std::size_t> job_rows;  // rows[job_rows[k]] belongs to jobs[k]
    auto add_invalid = [&](std::string id, std::string error) {
      rows->emplace_back(static_cast<std::uint32_t>(rows->size()), std::move(id), kInvalid,
                         std::int64_t{0}, std::move(error));
    };
    for (const std::string& text : documents) {
      auto values = SplitBatch(text, limits);
      if (!values) {
        add_invalid("", values.error().message());
        continue;
      }
      if (rows->size() + values->size() > limits.max_documents) {
        throw sdbus::Error(kErrorInvalidArgument,
                           fmt::format("more than {} documents in one call", limits.max_documents));
      }
      for (const nlohmann::json& value : *values) {
        auto doc = ValidateDocument(type, value, limits);
        if (!doc) {
          add_invalid(IdOf(value), doc.error().message());
          continue;
        }
        job_rows.push_back(rows->size());
        rows->emplace_back(static_cast<std::uint32_t>(rows->size()), doc->id, "", std::int64_t{0},
                           "");
        jobs.push_back(NewJob{.connection = connection,
                              .kind = type,
                              .source_id = std::move(doc->id),
                              .payload = std::move(doc->canonical),
                              .depends_on = std::move(doc->depends_on)});
      }
    }
    if (rows->size() > limits.max_documents) {
      throw sdbus::Error(kErrorInvalidArgument,
                         fmt::format("more than {} documents in one call", limits.max_documents));
    }
    if (jobs.empty()) {
      result.returnResults(*rows);
      return;
    }
    auto reply = LoopOwned(io_, bus_, std::move(result));
    queue_.EnqueueAsync(
        std::move(jobs), [this, p = poster_, reply, rows, job_rows = std::move(job_rows)](
                             Result<std::vector<EnqueueResult>> stored) {
          p->Complete([reply, rows, job_rows, stored = std::move(stored)] {
            if (!stored) return reply->returnError(ToDbusError(stored.error()));
            for (std::size_t k = 0; k < stored->size() && k < job_rows.size(); ++k) {
              EnqueueResultRow& row = (*rows)[job_rows[k]];
              std::get<2>(row) = std::string(ToString((*stored)[k].outcome));
              std::get<3>(row) = (*stored)[k].job_id;
            }
            reply->returnResults(*rows);
          });
        });
  });
}

void Manager::RequireKnownConnection(const std::string& name) {
  if (connections_.store == nullptr) return;  // the queue API alone (tests)
  bool configured = false;
  if (hooks_.connection_settings) (void)hooks_.connection_settings(name, &configured);
  if (configured) return;  // its jobs wait, parked, until it is added
  auto known = connections_.store->Get(name);
  if (known) return;
  if (known.error().code() != Code::kNotFound) throw ToDbusError(known.error());
  throw sdbus::Error(kErrorInvalidArgument,
                     fmt::format("connection '{}' is not known to xerod: add it first (xerod-ctl "
                                 "connection add|connect {}), or configure it under connections: "
                                 "in the configuration file",
                                 name, name));
}

void Manager::RetryJob(sdbus::Result<>&& result, std::int64_t job_id) {
  Guarded("RetryJob", [&] {
    RequireAdmin("RetryJob");
    auto reply = LoopOwned(io_, bus_, std::move(result));
    queue_.RetryAsync(job_id, [this, p = poster_, reply](Result<void> done) {
      p->Complete([reply, done = std::move(done)] {
        if (!done) return reply->returnError(ToDbusError(done.error()));
        reply->returnResults();
      });
    });
  });
}

void Manager::RetryDeadJobs(sdbus::Result<std::uint32_t>&& result, std::string connection) {
  Guarded("RetryDeadJobs", [&] {
    RequireAdmin("RetryDeadJobs");
    CheckConnectionName(connection);
    auto reply = LoopOwned(io_, bus_, std::move(result));
    queue_.RetryAllDeadAsync(connection, [this, p = poster_, reply](Result<int> n) {
      p->Complete([reply, n = std::move(n)] {
        if (!n) return reply->returnError(ToDbusError(n.error()));
        reply->returnResults(static_cast<std::uint32_t>(std::max(*n, 0)));
      });
    });
  });
}

void Manager::CancelJob(sdbus::Result<>&& result, std::int64_t job_id) {
  Guarded("CancelJob", [&] {
    RequireAdmin("CancelJob");
    auto reply = LoopOwned(io_, bus_, std::move(result));
    queue_.CancelAsync(job_id, [this, p = poster_, reply](Result<void> done) {
      p->Complete([reply, done = std::move(done)] {
        if (!done) return reply->returnError(ToDbusError(done.error()));
        reply->returnResults();
      });
    });
  });
}

void Manager::Pause(sdbus::Result<>&& result, std::string connection) {
  SetPaused("Pause", std::move(result), std::move(connection), true);
}

void Manager::Resume(sdbus::Result<>&& result, std::string connection) {
  SetPaused("Resume", std::move(result), std::move(connection), false);
}

void Manager::SetPaused(const char* method, sdbus::Result<>&& result, std::string connection,
                        bool paused) {
  Guarded(method, [&] {
    RequireAdmin(method);
    std::optional<std::string> scope;
    if (!connection.empty()) {
      CheckConnectionName(connection);
      scope = connection;
    }
    auto reply = LoopOwned(io_, bus_, std::move(result));
    queue_.SetPausedAsync(scope, paused, [this, p = poster_, reply](Result<Hold> hold) {
      p->Complete([reply, hold = std::move(hold)] {
        if (!hold) return reply->returnError(ToDbusError(hold.error()));
        reply->returnResults();
      });
    });
  });
}

std::tuple<std::uint32_t, std::vector<std::string>> Manager::Reload() {
  return Guarded("Reload", [&] {
    RequireAdmin("Reload");
    ReloadOutcome outcome = hooks_.reload();
    if (!outcome.ok) {
      std::string message = fmt::format(
          "configuration not reloaded ({} error(s)); the running "
          "configuration stays in force",
          outcome.errors.size());
      for (const std::string& e : outcome.errors) message += "\n" + e;
      throw sdbus::Error(kErrorFailed, message);
    }
    OnConfigReloaded();
    return std::make_tuple(static_cast<std::uint32_t>(outcome.generation), outcome.warnings);
  });
}

}  // namespace xerod::dbus
