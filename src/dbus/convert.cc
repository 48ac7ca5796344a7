// SPDX-License-Identifier: MIT
#include "dbus/convert.h"

#include <fmt/format.h>

#include "dbus/names.h"

namespace xerod::dbus {
namespace {

constexpr int kMaxLimit = 1000;

template <typename T>
void SetOptional(VariantMap& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = sdbus::Variant(*value);
}

void SetTime(VariantMap& out, const char* key, TimePoint t) {
  out[key] = sdbus::Variant(static_cast<std::int64_t>(ToUnixMillis(t)));
}

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

sdbus::Error ToDbusError(const Error& error) {
  const char* name = kErrorFailed;
  switch (error.code()) {
    case Code::kInvalidArgument:
      name = kErrorInvalidArgument;
      break;
    case Code::kNotFound:
      name = kErrorNotFound;
      break;
    case Code::kPermissionDenied:
      name = kErrorPermissionDenied;
      break;
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
      name = kErrorFailedPrecondition;
      break;
    case Code::kUnavailable:
      name = kErrorUnavailable;
      break;
    default:
      name = kErrorFailed;
      break;
  }
  return sdbus::Error(name, error.message());
}

sdbus::Error ToDbusRemoteError(const Error& error) {
  if (error.code() == Code::kPermissionDenied) {
    return sdbus::Error(kErrorFailedPrecondition, error.message());
  }
  return ToDbusError(error);
}

VariantMap JobToVariants(const Job& job, bool with_payload) {
  VariantMap out;
  out["id"] = sdbus::Variant(static_cast<std::int64_t>(job.id));
  out["connection"] = sdbus::Variant(job.connection);
  out["kind"] = sdbus::Variant(Str(ToString(job.kind)));
  out["source_id"] = sdbus::Variant(job.source_id);
  out["operation"] = sdbus::Variant(Str(ToString(job.operation)));
  out["state"] = sdbus::Variant(Str(ToString(job.state)));
  out["attempts"] = sdbus::Variant(static_cast<std::int32_t>(job.attempts));
  out["max_attempts"] = sdbus::Variant(static_cast<std::int32_t>(job.max_attempts));
  out["needs_reconcile"] = sdbus::Variant(job.needs_reconcile);
  out["has_newer_content"] = sdbus::Variant(job.has_newer_content);
  SetTime(out, "created_at", job.created_at);
  SetTime(out, "updated_at", job.updated_at);
  SetTime(out, "next_run_at", job.next_run_at);
  if (job.finished_at) SetTime(out, "finished_at", *job.finished_at);
  SetOptional(out, "last_error", job.last_error);
  SetOptional(out, "xero_id", job.xero_id);
  SetOptional(out, "xero_link", job.xero_link);
  SetOptional(out, "warning", job.warning);
  SetOptional(out, "previous_xero_id", job.previous_xero_id);
  SetOptional(out, "depends_on", job.depends_on);
  if (with_payload) {
    out["payload"] = sdbus::Variant(job.payload);
    out["content_hash"] = sdbus::Variant(job.content_hash);
  }
  return out;
}

VariantMap AttemptToVariants(const JobAttempt& attempt) {
  VariantMap out;
  out["number"] = sdbus::Variant(static_cast<std::int32_t>(attempt.number));
  out["reconcile"] = sdbus::Variant(attempt.reconcile);
  SetTime(out, "started_at", attempt.started_at);
  if (attempt.finished_at) SetTime(out, "finished_at", *attempt.finished_at);
  SetOptional(out, "outcome", attempt.outcome);
  if (attempt.http_status) {
    out["http_status"] = sdbus::Variant(static_cast<std::int32_t>(*attempt.http_status));
  }
  SetOptional(out, "messages", attempt.messages);
  SetOptional(out, "request_id", attempt.request_id);
  return out;
}

std::map<std::string, std::uint64_t> CountsToMap(const StateCounts& counts) {
  std::map<std::string, std::uint64_t> out;
  for (JobState s :
       {JobState::kQueued, JobState::kRunning, JobState::kRetrying, JobState::kSucceeded,
        JobState::kDead, JobState::kCancelled, JobState::kUnknown}) {
    out[Str(ToString(s))] = 0;
  }
  for (const auto& [state, n] : counts) {
    out[Str(ToString(state))] = static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0));
  }
  return out;
}

Result<JobFilter> ParseJobFilter(const VariantMap& filter) {
  JobFilter out;
  for (const auto& [key, value] : filter) {
    auto wrong_type = [&, k = key](const char* want) {
      return Fail(Code::kInvalidArgument, fmt::format("filter.{}: must be of type '{}' (got '{}')",
                                                      k, want, value.peekValueType()));
    };
    if (key == "state" || key == "connection" || key == "kind") {
      if (!value.containsValueOfType<std::string>()) return wrong_type("s");
      auto text = value.get<std::string>();
      if (text.empty()) continue;
      if (key == "state") {
        out.state = ParseJobState(text);
        if (!out.state) {
          return Fail(Code::kInvalidArgument,
                      fmt::format("filter.state: unknown state '{}' (queued, running, retrying, "
                                  "succeeded, dead, cancelled, unknown)",
                                  text));
        }
      } else if (key == "kind") {
        out.kind = ParseDocumentType(text);
        if (!out.kind) {
          return Fail(Code::kInvalidArgument,
                      fmt::format("filter.kind: unknown kind '{}' (invoice, payment)", text));
        }
      } else {
        out.connection = text;
      }
    } else if (key == "after") {
      if (!value.containsValueOfType<std::int64_t>()) return wrong_type("x");
      out.after_id = value.get<std::int64_t>();
      if (out.after_id < 0) return Fail(Code::kInvalidArgument, "filter.after: must be >= 0");
    } else if (key == "limit") {
      if (!value.containsValueOfType<std::uint32_t>()) return wrong_type("u");
      auto limit = value.get<std::uint32_t>();
      if (limit < 1 || limit > kMaxLimit) {
        return Fail(Code::kInvalidArgument,
                    fmt::format("filter.limit: must be 1..{} (got {})", kMaxLimit, limit));
      }
      out.limit = static_cast<int>(limit);
    } else {
      return Fail(
          Code::kInvalidArgument,
          fmt::format("filter.{}: unknown key (state, connection, kind, after, limit)", key));
    }
  }
  return out;
}

VariantMap ConnectionToVariants(const ConnectionInfo& info) {
  VariantMap out;
  out["name"] = sdbus::Variant(info.name);
  out["tenant_id"] = sdbus::Variant(info.tenant_id);
  out["tenant_name"] = sdbus::Variant(info.tenant_name);
  out["xero_connection_id"] = sdbus::Variant(info.xero_connection_id);
  out["kind"] = sdbus::Variant(Str(ToString(info.kind)));
  out["state"] = sdbus::Variant(Str(ToString(info.state)));
  out["reason"] = sdbus::Variant(info.reason);
  out["scopes"] = sdbus::Variant(info.scopes);
  out["token_set"] = sdbus::Variant(static_cast<std::int64_t>(info.token_set_id));
  SetTime(out, "created_at", info.created_at);
  SetTime(out, "updated_at", info.updated_at);
  SetTime(out, "state_changed_at", info.state_changed_at);
  if (info.last_refresh_at) SetTime(out, "last_refresh_at", *info.last_refresh_at);
  if (info.last_success_at) SetTime(out, "last_success_at", *info.last_success_at);
  return out;
}

void AddHold(VariantMap& out, const Hold* hold) {
  out["paused"] = sdbus::Variant(hold != nullptr && hold->paused);
  out["parked"] = sdbus::Variant(hold != nullptr && hold->parked);
  out["hold_reason"] = sdbus::Variant(hold != nullptr ? hold->reason : std::string());
}

VariantMap ConnectionEventToVariants(const ConnectionEvent& event) {
  VariantMap out;
  SetTime(out, "at", event.at);
  out["state"] = sdbus::Variant(Str(ToString(event.state)));
  out["reason"] = sdbus::Variant(event.reason);
  return out;
}

VariantMap SettingsToVariants(const ConnectionSettings& settings, bool configured) {
  VariantMap out;
  out["configured"] = sdbus::Variant(configured);
  out["notify"] = sdbus::Variant(settings.notify);
  out["revenue_account"] = sdbus::Variant(settings.revenue_account);
  out["payment_account"] = sdbus::Variant(settings.payment_account);
  out["invoice_status"] = sdbus::Variant(Str(ToString(settings.invoice_status)));
  out["copy_payments"] = sdbus::Variant(settings.copy_payments);
  out["tax_map"] = sdbus::Variant(settings.tax_map);
  return out;
}

Result<ConnectOptions> ParseConnectOptions(const VariantMap& options) {
  ConnectOptions out;
  for (const auto& [key, value] : options) {
    const std::string type = value.peekValueType();
    auto wrong = [&](const char* want) {
      return Fail(Code::kInvalidArgument,
                  fmt::format("options.{}: must be of D-Bus type {} (got {})", key, want, type));
    };
    if (key == "tenant_id") {
      if (type != "s") return wrong("s");
      out.tenant_id = value.get<std::string>();
      if (out.tenant_id.size() > 100) {
        return Fail(Code::kInvalidArgument, "options.tenant_id: longer than 100 bytes");
      }
    } else if (key == "listen") {
      if (type != "b") return wrong("b");
      out.listen = value.get<bool>();
    } else if (key == "timeout_sec") {
      if (type != "u") return wrong("u");
      auto seconds = value.get<std::uint32_t>();
      if (seconds < 10 || seconds > 3600) {
        return Fail(Code::kInvalidArgument,
                    fmt::format("options.timeout_sec: must be 10..3600 (got {})", seconds));
      }
      out.timeout = std::chrono::seconds(seconds);
    } else {
      return Fail(
          Code::kInvalidArgument,
          fmt::format("options: unknown key `{}` (known: tenant_id, listen, timeout_sec)", key));
    }
  }
  return out;
}

Status CheckName(const std::string& name, const char* field) {
  constexpr std::size_t kMaxName = 100;
  if (name.empty()) return Fail(Code::kInvalidArgument, fmt::format("{}: required", field));
  if (name.size() > kMaxName) {
    return Fail(Code::kInvalidArgument, fmt::format("{}: longer than {} bytes", field, kMaxName));
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Fail(Code::kInvalidArgument, fmt::format("{}: contains a control character", field));
    }
  }
  return Ok();
}

}  // namespace xerod::dbus
