// SPDX-License-Identifier: MIT
#include "queue/job_decisions.h"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <string_view>

namespace xerod::queue {

// Failure messages name the fields (found by ADL).
std::ostream& operator<<(std::ostream& os, const EnqueueDecision& d) {
  static constexpr std::string_view kActions[] = {
      "keep_unfinished", "keep_copy",     "replace_content", "set_newer_content",
      "clear_newer",     "insert_update", "insert_create"};
  return os << "{" << kActions[static_cast<int>(d.action)] << ", " << ToString(d.outcome)
            << ", reconcile=" << d.needs_reconcile << "}";
}

std::ostream& operator<<(std::ostream& os, const OutcomeDecision& d) {
  static constexpr std::string_view kRunAt[] = {"unchanged", "now", "after_wait", "backoff"};
  static constexpr std::string_view kNewer[] = {
      "none", "keep", "drop", "apply", "follow_up_update", "follow_up_same"};
  return os << "{" << ToString(d.state) << ", reconcile=" << d.needs_reconcile
            << ", run_at=" << kRunAt[static_cast<int>(d.run_at)] << ", refund=" << d.refund
            << ", park=" << d.park << ", keep_last_error=" << d.keep_last_error
            << ", newer=" << kNewer[static_cast<int>(d.newer)] << ", wake=" << d.wake_dependents
            << "}";
}

namespace {

// ---- DecideEnqueue ----

// The new content's hash is always "new"; "cur" and "nwr" are other contents.
constexpr std::string_view kNew = "new";

UnfinishedJob Unfinished(JobState state, std::string_view content,
                         std::optional<std::string_view> newer = std::nullopt,
                         bool needs_reconcile = false) {
  return UnfinishedJob{state, content, newer, needs_reconcile};
}

struct EnqueueRow {
  const char* name;
  EnqueueFacts facts;
  EnqueueAction action;
  EnqueueOutcome outcome;
  bool needs_reconcile = false;
};

const EnqueueRow kEnqueueRows[] = {
    // No unfinished job: the settled history decides.
    {"never seen", {.hash = kNew}, EnqueueAction::kInsertCreate, EnqueueOutcome::kCreated},
    {"an earlier job's outcome unknown: reconcile first",
     {.hash = kNew, .unresolved = true},
     EnqueueAction::kInsertCreate,
     EnqueueOutcome::kCreated,
     true},
    {"copied with this content",
     {.hash = kNew, .copied_hash = "new"},
     EnqueueAction::kKeepCopy,
     EnqueueOutcome::kUnchanged},
    {"copied with other content",
     {.hash = kNew, .copied_hash = "cur"},
     EnqueueAction::kInsertUpdate,
     EnqueueOutcome::kUpdateCreated},
    {"copied, changed, and a later end unresolved: a plain update",
     {.hash = kNew, .copied_hash = "cur", .unresolved = true},
     EnqueueAction::kInsertUpdate,
     EnqueueOutcome::kUpdateCreated},
    // An unfinished job that has not started takes the content in place.
    {"queued with this content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kQueued, "new")},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"queued with other content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kQueued, "cur")},
     EnqueueAction::kReplaceContent,
     EnqueueOutcome::kReplaced},
    {"retrying with this content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRetrying, "new")},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"retrying with other content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRetrying, "cur")},
     EnqueueAction::kReplaceContent,
     EnqueueOutcome::kReplaced},
    {"queued: newer content plays no part",
     {.hash = kNew, .unfinished = Unfinished(JobState::kQueued, "cur", "new")},
     EnqueueAction::kReplaceContent,
     EnqueueOutcome::kReplaced},
    // One waiting to look up what it sent keeps that; the new content follows.
    {"retrying, reconcile due, with other content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRetrying, "cur", std::nullopt, true)},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
    {"retrying, reconcile due, older content to follow: replaced",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRetrying, "cur", "nwr", true)},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
    {"queued, reconcile due, this content to follow already",
     {.hash = kNew, .unfinished = Unfinished(JobState::kQueued, "cur", "new", true)},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"queued, reconcile due, with this content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kQueued, "new", std::nullopt, true)},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    // One in flight keeps the content for after the attempt.
    {"running with this content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRunning, "new")},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"running with other content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRunning, "cur")},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
    {"running, this content to follow already",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRunning, "cur", "new")},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"running with this content, other content to follow: dropped",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRunning, "new", "nwr")},
     EnqueueAction::kClearNewerContent,
     EnqueueOutcome::kDeferred},
    {"running, other content to follow: replaced",
     {.hash = kNew, .unfinished = Unfinished(JobState::kRunning, "cur", "nwr")},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
    {"unknown with this content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kUnknown, "new")},
     EnqueueAction::kKeepUnfinished,
     EnqueueOutcome::kUnchanged},
    {"unknown with other content",
     {.hash = kNew, .unfinished = Unfinished(JobState::kUnknown, "cur")},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
    {"unfinished: the settled history plays no part",
     {.hash = kNew,
      .unfinished = Unfinished(JobState::kRunning, "cur"),
      .copied_hash = "new",
      .unresolved = true},
     EnqueueAction::kSetNewerContent,
     EnqueueOutcome::kDeferred},
};

TEST(JobDecisionsTest, Enqueue) {
  std::set<EnqueueAction> seen;
  for (const EnqueueRow& row : kEnqueueRows) {
    SCOPED_TRACE(row.name);
    EnqueueDecision want;
    want.action = row.action;
    want.outcome = row.outcome;
    want.needs_reconcile = row.needs_reconcile;
    EXPECT_EQ(DecideEnqueue(row.facts), want);
    seen.insert(row.action);
  }
  EXPECT_EQ(seen.size(), 7u) << "a row per action";
}

// ---- DecideOutcome ----

struct OutcomeRow {
  const char* name;
  OutcomeFacts facts;
  OutcomeDecision want;
};

constexpr auto kInvoice = DocumentType::kInvoice;
constexpr auto kPayment = DocumentType::kPayment;

const OutcomeRow kOutcomeRows[] = {
    {"succeeded invoice wakes its payments",
     {.outcome = OutcomeKind::kSucceeded, .kind = kInvoice, .attempts = 1, .max_attempts = 3},
     {.state = JobState::kSucceeded, .wake_dependents = true}},
    {"succeeded payment; newer content becomes an update",
     {.outcome = OutcomeKind::kSucceeded,
      .kind = kPayment,
      .attempts = 3,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kSucceeded, .newer = NewerContent::kFollowUpUpdate}},
    {"found by the reconcile: succeeded",
     {.outcome = OutcomeKind::kReconciledFound,
      .kind = kInvoice,
      .attempts = 2,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kSucceeded,
      .newer = NewerContent::kFollowUpUpdate,
      .wake_dependents = true}},
    {"waiting: queued after the wait, attempt refunded, newer content sent next",
     {.outcome = OutcomeKind::kWaiting,
      .kind = kPayment,
      .attempts = 1,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kQueued,
      .run_at = RunAt::kAfterWait,
      .refund = 1,
      .newer = NewerContent::kApply}},
    {"waiting at the last attempt, reconcile due: newer content kept",
     {.outcome = OutcomeKind::kWaiting,
      .kind = kPayment,
      .attempts = 3,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kQueued,
      .needs_reconcile = true,
      .run_at = RunAt::kAfterWait,
      .refund = 1,
      .newer = NewerContent::kKeep}},
    {"skipped: cancelled, attempt refunded, newer content dropped",
     {.outcome = OutcomeKind::kSkipped,
      .kind = kPayment,
      .attempts = 1,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kCancelled,
      .needs_reconcile = true,
      .refund = 1,
      .newer = NewerContent::kDrop}},
    {"skipped without newer content",
     {.outcome = OutcomeKind::kSkipped, .kind = kPayment, .attempts = 1, .max_attempts = 3},
     {.state = JobState::kCancelled, .refund = 1}},
    {"not found by the reconcile: sent now, error kept, newer content sent",
     {.outcome = OutcomeKind::kReconciledNotFound,
      .kind = kInvoice,
      .attempts = 3,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kQueued,
      .run_at = RunAt::kNow,
      .refund = 1,
      .keep_last_error = true,
      .newer = NewerContent::kApply}},
    {"not found by the reconcile, no newer content",
     {.outcome = OutcomeKind::kReconciledNotFound,
      .kind = kInvoice,
      .attempts = 1,
      .max_attempts = 3,
      .needs_reconcile = true},
     {.state = JobState::kQueued, .run_at = RunAt::kNow, .refund = 1, .keep_last_error = true}},
    {"connection-level at the last attempt: parked, queued, refunded",
     {.outcome = OutcomeKind::kConnection,
      .kind = kInvoice,
      .attempts = 3,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kQueued,
      .run_at = RunAt::kNow,
      .refund = 1,
      .park = true,
      .newer = NewerContent::kApply}},
    {"connection-level, reconcile due",
     {.outcome = OutcomeKind::kConnection,
      .kind = kInvoice,
      .attempts = 1,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kQueued,
      .needs_reconcile = true,
      .run_at = RunAt::kNow,
      .refund = 1,
      .park = true,
      .newer = NewerContent::kKeep}},
    {"permanent at the first attempt: dead, newer content gets its own job",
     {.outcome = OutcomeKind::kPermanent,
      .kind = kInvoice,
      .attempts = 1,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kDead, .newer = NewerContent::kFollowUpSameOperation}},
    {"permanent after an unknown outcome: still unresolved, newer content kept",
     {.outcome = OutcomeKind::kPermanent,
      .kind = kInvoice,
      .attempts = 2,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kDead, .needs_reconcile = true, .newer = NewerContent::kKeep}},
    {"permanent after an unknown outcome, resolved",
     {.outcome = OutcomeKind::kPermanent,
      .kind = kInvoice,
      .attempts = 2,
      .max_attempts = 3,
      .needs_reconcile = true,
      .resolved = true,
      .has_newer_content = true},
     {.state = JobState::kDead, .newer = NewerContent::kFollowUpSameOperation}},
    {"permanent without newer content",
     {.outcome = OutcomeKind::kPermanent, .kind = kInvoice, .attempts = 1, .max_attempts = 3},
     {.state = JobState::kDead}},
    {"transient: retrying after the backoff",
     {.outcome = OutcomeKind::kTransient, .kind = kInvoice, .attempts = 2, .max_attempts = 3},
     {.state = JobState::kRetrying, .run_at = RunAt::kBackoff}},
    {"transient, newer content sent next",
     {.outcome = OutcomeKind::kTransient,
      .kind = kInvoice,
      .attempts = 1,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kRetrying, .run_at = RunAt::kBackoff, .newer = NewerContent::kApply}},
    {"transient, reconcile due: the flag stays, newer content kept",
     {.outcome = OutcomeKind::kTransient,
      .kind = kInvoice,
      .attempts = 1,
      .max_attempts = 3,
      .needs_reconcile = true,
      .has_newer_content = true},
     {.state = JobState::kRetrying,
      .needs_reconcile = true,
      .run_at = RunAt::kBackoff,
      .newer = NewerContent::kKeep}},
    {"transient at the last attempt: dead",
     {.outcome = OutcomeKind::kTransient,
      .kind = kInvoice,
      .attempts = 3,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kDead, .newer = NewerContent::kFollowUpSameOperation}},
    {"transient past the last attempt, reconcile due: dead, unresolved",
     {.outcome = OutcomeKind::kTransient,
      .kind = kInvoice,
      .attempts = 4,
      .max_attempts = 3,
      .needs_reconcile = true},
     {.state = JobState::kDead, .needs_reconcile = true}},
    {"unknown: reconcile after the backoff, newer content kept",
     {.outcome = OutcomeKind::kUnknown,
      .kind = kInvoice,
      .attempts = 2,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kUnknown,
      .needs_reconcile = true,
      .run_at = RunAt::kBackoff,
      .newer = NewerContent::kKeep}},
    {"unknown at the last attempt: dead, unresolved",
     {.outcome = OutcomeKind::kUnknown,
      .kind = kInvoice,
      .attempts = 3,
      .max_attempts = 3,
      .has_newer_content = true},
     {.state = JobState::kDead, .needs_reconcile = true, .newer = NewerContent::kKeep}},
};

TEST(JobDecisionsTest, Outcome) {
  std::set<OutcomeKind> seen;
  for (const OutcomeRow& row : kOutcomeRows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(DecideOutcome(row.facts), row.want);
    seen.insert(row.facts.outcome);
  }
  EXPECT_EQ(seen.size(), 9u) << "a row per OutcomeKind";
}

TEST(JobDecisionsTest, NoDecisionForAValueOutsideOutcomeKind) {
  OutcomeFacts facts;
  facts.outcome = static_cast<OutcomeKind>(99);
  EXPECT_EQ(DecideOutcome(facts), std::nullopt);
}

}  // namespace
}  // namespace xerod::queue
