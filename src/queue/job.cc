// SPDX-License-Identifier: MIT
#include "xerod/job.h"

#include <array>
#include <utility>

namespace xerod {
namespace {

constexpr std::array<std::string_view, 7> kStates = {"queued", "running",   "retrying", "succeeded",
                                                     "dead",   "cancelled", "unknown"};

}  // namespace

std::string_view ToString(JobState v) { return kStates[static_cast<std::size_t>(v)]; }
std::string_view ToString(JobOperation v) {
  return v == JobOperation::kCreate ? "create" : "update";
}

std::optional<JobState> ParseJobState(std::string_view s) {
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    if (kStates[i] == s) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

bool IsPending(JobState s) {
  return s == JobState::kQueued || s == JobState::kRunning || s == JobState::kRetrying ||
         s == JobState::kUnknown;
}

std::string_view ToString(EnqueueOutcome v) {
  switch (v) {
    case EnqueueOutcome::kCreated:
      return "created";
    case EnqueueOutcome::kUnchanged:
      return "unchanged";
    case EnqueueOutcome::kReplaced:
      return "replaced";
    case EnqueueOutcome::kUpdateCreated:
      return "update_created";
    case EnqueueOutcome::kDeferred:
      return "deferred";
  }
  return "?";
}

std::string_view ToString(OutcomeKind v) {
  switch (v) {
    case OutcomeKind::kSucceeded:
      return "succeeded";
    case OutcomeKind::kTransient:
      return "transient";
    case OutcomeKind::kPermanent:
      return "permanent";
    case OutcomeKind::kConnection:
      return "connection";
    case OutcomeKind::kUnknown:
      return "unknown";
    case OutcomeKind::kReconciledFound:
      return "reconciled";
    case OutcomeKind::kReconciledNotFound:
      return "not_found";
    case OutcomeKind::kWaiting:
      return "waiting";
    case OutcomeKind::kSkipped:
      return "skipped";
  }
  return "?";
}

JobOutcome JobOutcome::Succeeded(std::int64_t id, std::string xero_id, std::string link) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kSucceeded;
  o.xero_id = std::move(xero_id);
  o.xero_link = std::move(link);
  return o;
}

JobOutcome JobOutcome::Transient(std::int64_t id, std::string error, std::optional<int> http_status,
                                 std::optional<Duration> retry_after) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kTransient;
  o.messages = std::move(error);
  o.http_status = http_status;
  o.retry_after = retry_after;
  return o;
}

JobOutcome JobOutcome::Permanent(std::int64_t id, std::string messages, int http_status) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kPermanent;
  o.messages = std::move(messages);
  o.http_status = http_status;
  return o;
}

JobOutcome JobOutcome::ConnectionLevel(std::int64_t id, std::string error,
                                       std::optional<int> http_status) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kConnection;
  o.messages = std::move(error);
  o.http_status = http_status;
  return o;
}

JobOutcome JobOutcome::Unknown(std::int64_t id, std::string error) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kUnknown;
  o.messages = std::move(error);
  return o;
}

JobOutcome JobOutcome::ReconciledFound(std::int64_t id, std::string xero_id, std::string link) {
  JobOutcome o = Succeeded(id, std::move(xero_id), std::move(link));
  o.kind = OutcomeKind::kReconciledFound;
  return o;
}

JobOutcome JobOutcome::ReconciledNotFound(std::int64_t id) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kReconciledNotFound;
  return o;
}

JobOutcome JobOutcome::Waiting(std::int64_t id, std::string reason, Duration wait) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kWaiting;
  o.messages = std::move(reason);
  o.retry_after = wait;
  return o;
}

JobOutcome JobOutcome::Skipped(std::int64_t id, std::string reason) {
  JobOutcome o;
  o.job_id = id;
  o.kind = OutcomeKind::kSkipped;
  o.messages = std::move(reason);
  return o;
}

}  // namespace xerod
