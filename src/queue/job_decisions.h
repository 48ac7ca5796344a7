// SPDX-License-Identifier: MIT
//
// The queue's decisions as pure functions: what an enqueued document and a
// reported outcome do to the jobs, given what the store found. JobStore reads
// the rows, asks here, and writes what the answer says; the rules live (and
// are tested, tests/queue/job_decisions_test.cc) in one place. See
// docs/queue.md for the states and dedupe.
//
// The inputs hold views and flags, not copies: deciding allocates nothing.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "xerod/document_type.h"
#include "xerod/job.h"

namespace xerod::queue {

// ---- Enqueue: one document against its history. ----

// The document's unfinished job (jobs_pending_key: at most one).
struct UnfinishedJob {
  JobState state = JobState::kQueued;  // queued, running, retrying or unknown
  std::string_view content_hash;       // of the content it sends (or is sending)
  // Content that arrived while it was in flight (kDeferred), if any.
  std::optional<std::string_view> newer_hash;
  // Its last attempt's outcome is unknown: what it sent may be in Xero and is
  // what the reconcile looks up, so it is not replaced.
  bool needs_reconcile = false;
};

// What Enqueue knows when it decides. The views must outlive the call only.
struct EnqueueFacts {
  std::string_view hash;  // the new content's
  std::optional<UnfinishedJob> unfinished;
  // The settled history; ignored while `unfinished` is set (so need not be read):
  std::optional<std::string_view> copied_hash;  // the newest success's content, if any
  bool unresolved = false;  // a later job ended dead or cancelled, its outcome unknown
};

enum class EnqueueAction {
  kKeepUnfinished,     // the unfinished job carries this content already
  kKeepCopy,           // the newest success copied this content
  kReplaceContent,     // the unfinished job waits to run: it gets the new content
  kSetNewerContent,    // it is in flight: the new content follows when it ends
  kClearNewerContent,  // it is in flight with this very content: drop what was to follow
  kInsertUpdate,       // a new job updating the newest success's Xero object
  kInsertCreate,       // a new job creating the document
};

struct EnqueueDecision {
  EnqueueAction action = EnqueueAction::kInsertCreate;
  // What the caller is told. Its job: the unfinished job (kKeepUnfinished,
  // kReplaceContent, k*NewerContent), the newest success (kKeepCopy), else the new one.
  EnqueueOutcome outcome = EnqueueOutcome::kCreated;
  // kInsertCreate: an earlier job may have reached Xero (`unresolved`), so the
  // new job looks the document up before sending.
  bool needs_reconcile = false;

  bool operator==(const EnqueueDecision&) const = default;
};

// Dedupe by content hash. An unfinished job that has not started (queued,
// retrying) takes the new content in place; one in flight (running, unknown)
// keeps it for after this attempt. Without one, content equal to the newest
// success's is a no-op, other content an update of that copy, and a document
// never copied a create.
EnqueueDecision DecideEnqueue(const EnqueueFacts& facts);

// ---- Complete: one running job's reported outcome. ----

// What ApplyOutcome knows of a job that was running, and its outcome.
struct OutcomeFacts {
  OutcomeKind outcome = OutcomeKind::kSucceeded;
  DocumentType kind = DocumentType::kInvoice;
  int attempts = 0;  // including the one that ended
  int max_attempts = 0;
  bool needs_reconcile = false;    // the job's flag during the attempt
  bool resolved = false;           // JobOutcome::resolved
  bool has_newer_content = false;  // content arrived while it was in flight
};

// When a job that runs again is next due.
enum class RunAt {
  kUnchanged,  // it does not run again: next_run_at is left alone
  kNow,
  kAfterWait,  // after the outcome's retry_after (none or negative: now)
  kBackoff,    // after RetryDelay() for its attempts
};

// What becomes of content that arrived while the job was in flight.
enum class NewerContent {
  kNone,                   // there is none
  kKeep,                   // stays until the job's fate is known (it may be in Xero)
  kDrop,                   // cleared with the job (cancelled)
  kApply,                  // becomes the job's content for its next attempt
  kFollowUpUpdate,         // a new job updating the copy just made (cleared from this one)
  kFollowUpSameOperation,  // a new job with this one's operation (nothing reached Xero)
};

struct OutcomeDecision {
  // The job's new state: kSucceeded, kCancelled or kDead ends it; kQueued,
  // kRetrying or kUnknown runs it again (at `run_at`).
  JobState state = JobState::kQueued;
  bool needs_reconcile = false;  // the job's flag from now on
  RunAt run_at = RunAt::kUnchanged;
  int refund = 0;                // attempts given back: the attempt did not count
  bool park = false;             // park the job's connection first
  bool keep_last_error = false;  // the job's error stays; else it is the outcome's messages
  NewerContent newer = NewerContent::kNone;
  bool wake_dependents = false;  // payments waiting for this invoice may go now

  bool operator==(const OutcomeDecision&) const = default;
};

// The state machine of docs/queue.md for one finished attempt. A transient or
// unknown outcome at the last attempt ends the job dead (an unknown one still
// needing a reconcile); a permanent one ends it dead at once, needing a
// reconcile unless `resolved`. A job still needing a reconcile keeps newer
// content for later; otherwise that content is sent next. nullopt if
// `facts.outcome` is not an OutcomeKind (a bug: nothing is to be written).
std::optional<OutcomeDecision> DecideOutcome(const OutcomeFacts& facts);

}  // namespace xerod::queue
