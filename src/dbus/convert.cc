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
        out.kind = ParseJobKind(text);
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

}  // namespace xerod::dbus
