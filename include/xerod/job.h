// SPDX-License-Identifier: MIT
//
// The job model of the durable queue: what a job is, the states it moves
// through, and the outcome a Sender reports for one attempt. See docs/queue.md
// for the state diagram.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/document_type.h"

namespace xerod {

// queued -> running -> succeeded | retrying | dead | unknown | queued (parked);
// retrying/unknown -> running; queued/retrying/dead/unknown -> cancelled;
// dead -> queued (operator retry). `unknown`: the outcome of the last attempt
// is not known (crash while running, timeout); the next attempt must reconcile.
enum class JobState { kQueued, kRunning, kRetrying, kSucceeded, kDead, kCancelled, kUnknown };

enum class JobOperation { kCreate, kUpdate };

// Stable lower-case names as stored in the database ("invoice", "retrying", ...).
std::string_view ToString(JobState v);
std::string_view ToString(JobOperation v);
std::optional<JobState> ParseJobState(std::string_view s);
// queued, running, retrying or unknown: the job still has work to do.
bool IsPending(JobState s);

// A document to copy. payload is the normalised JSON text; its SHA-256 is the
// content hash used for dedupe.
struct NewJob {
  std::string connection;  // connection name
  DocumentType kind = DocumentType::kInvoice;
  std::string source_id;  // the platform's id: the dedupe key within (connection, kind)
  std::string payload;
  // Payments: the platform's id of the invoice they pay. The job waits (without
  // using attempts) until that invoice has been copied. Empty for invoices.
  std::string depends_on = {};
};

enum class EnqueueOutcome {
  kCreated,        // a new create job
  kUnchanged,      // same content is pending or already copied: nothing to do
  kReplaced,       // a waiting job now carries the new content
  kUpdateCreated,  // the document was copied before and changed: an update job
  kDeferred,       // a job for it is in flight; the new content follows when it ends
};
std::string_view ToString(EnqueueOutcome v);

struct EnqueueResult {
  EnqueueOutcome outcome;
  std::int64_t job_id;  // the job created/replaced/holding the content
};

// A claimed job's dependency (a payment's invoice) as it stands when claimed.
struct JobDependency {
  std::string source_id;                    // the invoice's platform id
  std::optional<std::string> xero_id;       // InvoiceID of its newest successful copy
  std::optional<std::int64_t> pending_job;  // an unfinished job of the invoice (create/update)
  std::optional<JobState> pending_state;
};

struct Job {
  std::int64_t id = 0;
  std::string connection;
  DocumentType kind = DocumentType::kInvoice;
  std::string source_id;
  JobOperation operation = JobOperation::kCreate;
  std::optional<std::string> previous_xero_id;  // update jobs: the Xero object to update
  std::string payload;                          // empty in List() results
  std::string content_hash;                     // hex SHA-256 of payload
  JobState state = JobState::kQueued;
  // Set when an attempt's outcome is unknown: the sender must look the document
  // up in Xero before sending (and report kReconciledFound / kReconciledNotFound).
  bool needs_reconcile = false;
  int attempts = 0;
  int max_attempts = 0;
  TimePoint next_run_at;
  std::optional<std::string> last_error;
  std::optional<std::string> xero_id;
  std::optional<std::string> xero_link;
  std::optional<std::string> warning;
  bool has_newer_content = false;           // content arrived while in flight (kDeferred)
  std::optional<std::string> depends_on;    // payments: the invoice's platform id
  std::optional<JobDependency> dependency;  // set by Claim() for jobs with depends_on
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> finished_at;
};

struct JobAttempt {
  int number = 0;
  bool reconcile = false;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  std::optional<std::string> outcome;  // succeeded|transient|permanent|connection|unknown|
                                       // reconciled|not_found|interrupted; empty while running
  std::optional<int> http_status;
  std::optional<std::string> messages;
  std::optional<std::string> request_id;
};

// How one attempt ended, as classified by the sender (DESIGN.md "Reliability model").
enum class OutcomeKind {
  kSucceeded,           // Xero accepted it: xero_id (+ link, warning)
  kTransient,           // network, 5xx, 429: retry with backoff; retry_after wins
  kPermanent,           // validation: dead at once, messages kept
  kConnection,          // 401/403/invalid_grant: park the connection, attempt not counted
  kUnknown,             // timeout / lost response: reconcile before resending
  kReconciledFound,     // reconcile found it in Xero: succeeded with xero_id
  kReconciledNotFound,  // reconcile did not find it: send it now (attempt not counted)
  kWaiting,             // a dependency is not ready: queued again after retry_after; the
                        // attempt is not counted and leaves no attempt row
  kSkipped,             // not to be copied (e.g. payments off for the connection):
                        // cancelled with the reason in `messages`; no attempt row
};
std::string_view ToString(OutcomeKind v);

struct JobOutcome {
  std::int64_t job_id = 0;
  OutcomeKind kind = OutcomeKind::kSucceeded;
  std::string xero_id;    // kSucceeded, kReconciledFound
  std::string xero_link;  // "View on Xero"
  std::string warning;    // succeeded with a caveat
  std::string messages;   // error text / Xero's validation messages
  std::optional<int> http_status;
  std::optional<Duration> retry_after;  // from Retry-After; overrides the backoff
  std::string request_id;               // Xero's correlation id
  // kPermanent of a job whose last outcome was unknown: the question is
  // settled (a person must look), so a retry by an operator sends it as it is.
  bool resolved = false;

  static JobOutcome Succeeded(std::int64_t id, std::string xero_id, std::string link = {});
  static JobOutcome Transient(std::int64_t id, std::string error,
                              std::optional<int> http_status = std::nullopt,
                              std::optional<Duration> retry_after = std::nullopt);
  static JobOutcome Permanent(std::int64_t id, std::string messages, int http_status = 400);
  static JobOutcome ConnectionLevel(std::int64_t id, std::string error,
                                    std::optional<int> http_status = std::nullopt);
  static JobOutcome Unknown(std::int64_t id, std::string error);
  static JobOutcome ReconciledFound(std::int64_t id, std::string xero_id, std::string link = {});
  static JobOutcome ReconciledNotFound(std::int64_t id);
  static JobOutcome Waiting(std::int64_t id, std::string reason, Duration wait);
  static JobOutcome Skipped(std::int64_t id, std::string reason);
};

}  // namespace xerod
