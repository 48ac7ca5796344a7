// SPDX-License-Identifier: MIT
//
// The scheduler: runs on the daemon's Asio loop and feeds batches of due jobs
// to the Sender (the Xero pipeline), fairly across connections.
//
// - No polling: a steady_timer sleeps until the earliest due job; enqueues,
//   holds and completions wake it through JobQueue listener events.
// - Fair: connections are served round-robin, one batch per turn, so a busy
//   connection cannot starve the others.
// - Per connection at most `max_in_flight` batches (default 1); paused/parked
//   connections (and a global pause) get nothing.
// - Before a batch it asks the SendGate (the Xero rate limiter); a "wait D"
//   answer defers that connection by D without claiming anything.
// - Jobs are claimed (running + attempt row) in one committed transaction
//   BEFORE Sender::Send is called.
// - Finished jobs are purged every `purge_interval` (QueueConfig::retention).
//
// Clock: due times come from the injected Clock but the timer runs on the
// steady clock. After moving a FakeClock, call Poke() to re-evaluate.
//
// Threading: construct, Start(), Stop() and destroy on the loop thread.
// Poke() may be called from any thread. Sender/queue callbacks may arrive on
// any thread; the scheduler posts them to the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/job.h"

namespace xerod {

class JobQueue;

// Sends a batch of claimed jobs of ONE connection (the Xero pipeline; a fake
// in tests). Jobs flagged needs_reconcile must be looked up first.
class Sender {
 public:
  virtual ~Sender() = default;
  // Called on the loop thread. Must call `done` exactly once, from any thread,
  // with one outcome per job; a job without an outcome is recorded as kUnknown.
  virtual void Send(const std::string& connection, std::vector<Job> jobs,
                    std::function<void(std::vector<JobOutcome>)> done) = 0;
};

// Admission control before a batch is claimed (the rate limiter implements it).
class SendGate {
 public:
  virtual ~SendGate() = default;
  // nullopt: go now; otherwise ask again after the returned delay.
  // `n` is the most jobs the batch will hold.
  virtual std::optional<Duration> Admit(const std::string& connection, int n) = 0;
};

struct SchedulerOptions {
  int max_in_flight = 1;                            // batches in flight per connection
  Duration purge_interval = std::chrono::hours(1);  // retention purge period
  Duration error_delay = std::chrono::seconds(1);   // wait after a failed queue call
};

struct SchedulerStats {
  std::uint64_t batches = 0;     // handed to the Sender
  std::uint64_t jobs = 0;        // in those batches
  std::uint64_t gate_waits = 0;  // SendGate said "later"
  std::uint64_t timer_wakeups = 0;
  std::uint64_t in_flight = 0;  // batches now with the Sender
};

class Scheduler {
 public:
  // `queue`, `sender`, `gate` (may be null: always admit) and `clock` must
  // outlive the scheduler.
  Scheduler(boost::asio::io_context& io, JobQueue& queue, Sender& sender, Clock& clock,
            SendGate* gate = nullptr, SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Loads pending connections and holds, then starts dispatching.
  void Start();
  // Stops handing out batches and cancels timers. Outcomes of batches already
  // with the Sender are still recorded if they arrive while the loop runs.
  void Stop();
  // Re-evaluates due work now (after a FakeClock moved). Thread-safe.
  void Poke();

  SchedulerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace xerod
