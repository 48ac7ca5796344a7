// SPDX-License-Identifier: MIT
#include "queue/job_decisions.h"

namespace xerod::queue {

namespace {

EnqueueDecision Enqueued(EnqueueAction action, EnqueueOutcome outcome) {
  EnqueueDecision d;
  d.action = action;
  d.outcome = outcome;
  return d;
}

EnqueueDecision DecideForUnfinished(const UnfinishedJob& job, std::string_view hash) {
  const bool waiting = job.state == JobState::kQueued || job.state == JobState::kRetrying;
  if (waiting && !job.needs_reconcile) {
    if (hash == job.content_hash) {
      return Enqueued(EnqueueAction::kKeepUnfinished, EnqueueOutcome::kUnchanged);
    }
    return Enqueued(EnqueueAction::kReplaceContent, EnqueueOutcome::kReplaced);
  }
  // In flight (running, or unknown until reconciled), or waiting to look up
  // what it sent: the new content follows once that is known.
  if (hash == job.newer_hash.value_or(job.content_hash)) {
    return Enqueued(EnqueueAction::kKeepUnfinished, EnqueueOutcome::kUnchanged);
  }
  if (hash == job.content_hash) {
    return Enqueued(EnqueueAction::kClearNewerContent, EnqueueOutcome::kDeferred);
  }
  return Enqueued(EnqueueAction::kSetNewerContent, EnqueueOutcome::kDeferred);
}

// The outcome runs the job again, in `state`. Newer content waits while a
// reconcile is due (the job may be in Xero); otherwise it is what is sent next.
OutcomeDecision RunsAgain(const OutcomeFacts& f, JobState state, bool reconcile, RunAt at,
                          int refund) {
  OutcomeDecision d;
  d.state = state;
  d.needs_reconcile = reconcile;
  d.run_at = at;
  d.refund = refund;
  if (f.has_newer_content) d.newer = reconcile ? NewerContent::kKeep : NewerContent::kApply;
  return d;
}

// The job ends dead. Unless a reconcile is due, nothing of it reached Xero and
// newer content gets a job of its own.
OutcomeDecision EndsDead(const OutcomeFacts& f, bool reconcile) {
  OutcomeDecision d;
  d.state = JobState::kDead;
  d.needs_reconcile = reconcile;
  if (f.has_newer_content) {
    d.newer = reconcile ? NewerContent::kKeep : NewerContent::kFollowUpSameOperation;
  }
  return d;
}

OutcomeDecision EndsSucceeded(const OutcomeFacts& f) {
  OutcomeDecision d;
  d.state = JobState::kSucceeded;
  if (f.has_newer_content) d.newer = NewerContent::kFollowUpUpdate;
  d.wake_dependents = f.kind == DocumentType::kInvoice;
  return d;
}

// Not to be copied: cancelled, and the attempt did not happen.
OutcomeDecision EndsSkipped(const OutcomeFacts& f) {
  OutcomeDecision d;
  d.state = JobState::kCancelled;
  d.needs_reconcile = f.needs_reconcile;
  d.refund = 1;
  if (f.has_newer_content) d.newer = NewerContent::kDrop;
  return d;
}

}  // namespace

EnqueueDecision DecideEnqueue(const EnqueueFacts& facts) {
  if (facts.unfinished) return DecideForUnfinished(*facts.unfinished, facts.hash);
  if (facts.copied_hash && *facts.copied_hash == facts.hash) {
    return Enqueued(EnqueueAction::kKeepCopy, EnqueueOutcome::kUnchanged);
  }
  if (facts.copied_hash) {
    return Enqueued(EnqueueAction::kInsertUpdate, EnqueueOutcome::kUpdateCreated);
  }
  // Never copied. If an earlier job of it ended without its outcome being
  // known, the document may be in Xero: the new job looks it up first.
  EnqueueDecision d = Enqueued(EnqueueAction::kInsertCreate, EnqueueOutcome::kCreated);
  d.needs_reconcile = facts.unresolved;
  return d;
}

std::optional<OutcomeDecision> DecideOutcome(const OutcomeFacts& f) {
  const bool last_attempt = f.attempts >= f.max_attempts;
  switch (f.outcome) {
    case OutcomeKind::kSucceeded:
    case OutcomeKind::kReconciledFound:
      return EndsSucceeded(f);
    case OutcomeKind::kWaiting:
      // Not sent: the dependency is not ready. Queued again, attempt refunded.
      return RunsAgain(f, JobState::kQueued, f.needs_reconcile, RunAt::kAfterWait, 1);
    case OutcomeKind::kSkipped:
      return EndsSkipped(f);
    case OutcomeKind::kReconciledNotFound: {
      // Not in Xero: send it now; the lookup does not count as an attempt.
      OutcomeDecision d = RunsAgain(f, JobState::kQueued, false, RunAt::kNow, 1);
      d.keep_last_error = true;
      return d;
    }
    case OutcomeKind::kConnection: {
      OutcomeDecision d = RunsAgain(f, JobState::kQueued, f.needs_reconcile, RunAt::kNow, 1);
      d.park = true;
      return d;
    }
    case OutcomeKind::kPermanent:
      return EndsDead(f, f.needs_reconcile && !f.resolved);
    case OutcomeKind::kTransient:
      if (last_attempt) return EndsDead(f, f.needs_reconcile);
      return RunsAgain(f, JobState::kRetrying, f.needs_reconcile, RunAt::kBackoff, 0);
    case OutcomeKind::kUnknown:
      if (last_attempt) return EndsDead(f, true);
      return RunsAgain(f, JobState::kUnknown, true, RunAt::kBackoff, 0);
  }
  return std::nullopt;
}

}  // namespace xerod::queue
