// SPDX-License-Identifier: MIT
#include "xerod/scheduler.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <set>

#include "xerod/job_queue.h"

namespace xerod {

namespace asio = boost::asio;

struct Scheduler::Impl : std::enable_shared_from_this<Scheduler::Impl>, QueueListener {
  struct Conn {
    std::optional<TimePoint> next_due;  // earliest pending job, if any is known
    int in_flight = 0;
    bool held = false;       // paused or parked
    TimePoint gate_until{};  // SendGate asked to wait until then
  };

  Impl(asio::io_context& io_context, JobQueue& q, Sender& s, Clock& c, SendGate* g,
       SchedulerOptions o)
      : io(io_context),
        queue(q),
        sender(s),
        clock(c),
        gate(g),
        options(o),
        batch_size(std::max(q.config().batch_size, 1)),
        timer(io_context),
        purge_timer(io_context) {
    options.max_in_flight = std::max(options.max_in_flight, 1);
  }

  // --- QueueListener: the queue's completion executor (the loop, in the
  // daemon) or its writer thread. Coalesce, then drain once on the loop. ---
  void OnJobStateChanged(const JobStateChange& change) override {
    if (change.state != JobState::kQueued && change.state != JobState::kRetrying &&
        change.state != JobState::kUnknown) {
      return;
    }
    std::lock_guard lock(mu);
    auto [it, fresh] = due_updates.emplace(change.connection, change.next_run_at);
    if (!fresh) it->second = std::min(it->second, change.next_run_at);
    PostDrainLocked();
  }
  void OnHoldChanged(const HoldChange& change) override {
    std::lock_guard lock(mu);
    hold_updates[change.scope] = change.hold;
    PostDrainLocked();
  }
  void PostDrainLocked() {
    if (drain_posted) return;
    drain_posted = true;
    asio::post(io, [w = weak_from_this()] {
      if (auto self = w.lock()) self->Drain();
    });
  }

  // --- Everything below runs on the loop thread. ---
  void Drain() {
    std::map<std::string, TimePoint> due;
    std::map<std::string, Hold> holds;
    {
      std::lock_guard lock(mu);
      due.swap(due_updates);
      holds.swap(hold_updates);
      drain_posted = false;
    }
    for (auto& [name, t] : due) {
      Conn& c = conns[name];
      c.next_due = c.next_due ? std::min(*c.next_due, t) : t;
    }
    for (auto& [scope, h] : holds) ApplyHold(scope, h);
    Tick();
  }

  void ApplyHold(const std::string& scope, const Hold& h) {
    if (scope == "*") {
      global_held = h.paused || h.parked;
    } else {
      conns[scope].held = h.paused || h.parked;
    }
  }

  void Start() {
    queue.AddListener(this);
    listening = true;
    if (auto holds = queue.Holds()) {
      for (auto& [scope, h] : *holds) ApplyHold(scope, h);
    } else {
      spdlog::error("scheduler: cannot read queue holds: {}", holds.error().message());
    }
    if (auto due = queue.DueConnections()) {
      for (auto& [name, t] : *due) {
        Conn& c = conns[name];
        c.next_due = c.next_due ? std::min(*c.next_due, t) : t;
      }
    } else {
      spdlog::error("scheduler: cannot read pending work: {}", due.error().message());
    }
    started = true;
    Purge();
    Tick();
  }

  void Stop() {
    stopped = true;
    timer.cancel();
    purge_timer.cancel();
    if (listening) queue.RemoveListener(this);
    listening = false;
  }

  bool Eligible(const Conn& c) const {
    return !c.held && c.in_flight < options.max_in_flight && c.next_due.has_value();
  }

  void Tick() {
    if (!started || stopped) return;
    const TimePoint now = clock.Now();
    if (!global_held && !conns.empty()) {
      // Round robin: start after the connection served last.
      std::vector<std::string> order;
      order.reserve(conns.size());
      for (auto it = conns.upper_bound(cursor); it != conns.end(); ++it) order.push_back(it->first);
      for (auto it = conns.begin(); it != conns.end() && it->first <= cursor; ++it) {
        order.push_back(it->first);
      }
      for (const std::string& name : order) {
        Conn& c = conns[name];
        if (!Eligible(c) || *c.next_due > now || c.gate_until > now) continue;
        if (gate != nullptr) {
          if (auto wait = gate->Admit(name, batch_size)) {
            c.gate_until = now + std::max(*wait, Duration(1));
            ++gate_waits;
            continue;
          }
        }
        Dispatch(name, c);
        cursor = name;
      }
    }
    Arm(now);
  }

  void Arm(TimePoint now) {
    std::optional<TimePoint> earliest;
    if (!global_held) {
      for (auto& [name, c] : conns) {
        if (!Eligible(c)) continue;
        TimePoint t = std::max(*c.next_due, c.gate_until);
        if (!earliest || t < *earliest) earliest = t;
      }
    }
    if (!earliest) {
      timer.cancel();
      return;
    }
    Duration delay = std::max(*earliest - now, Duration(0));
    timer.expires_after(delay);
    timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // re-armed or cancelled
      if (auto self = w.lock()) {
        ++self->timer_wakeups;
        self->Tick();
      }
    });
  }

  template <typename F>
  auto OnLoop(F f) {
    return [w = weak_from_this(), f = std::move(f)](auto result) mutable {
      auto self = w.lock();
      if (!self) return;
      // The daemon's queue completes on the loop already; a queue without an
      // executor (tests) completes on its writer thread.
      if (self->io.get_executor().running_in_this_thread()) return f(*self, std::move(result));
      asio::post(self->io, [w, f = std::move(f), result = std::move(result)]() mutable {
        if (auto s = w.lock()) f(*s, std::move(result));
      });
    };
  }

  void Dispatch(const std::string& name, Conn& c) {
    ++c.in_flight;
    ++in_flight;
    c.next_due.reset();  // the claim reports the next one
    queue.ClaimAsync(name, batch_size, OnLoop([name](Impl& self, Result<ClaimedBatch> r) {
                       self.OnClaimed(name, std::move(r));
                     }));
  }

  void Done(const std::string& name) {
    Conn& c = conns[name];
    --c.in_flight;
    --in_flight;
  }

  void OnClaimed(const std::string& name, Result<ClaimedBatch> r) {
    Conn& c = conns[name];
    if (!r) {
      spdlog::error("scheduler: claiming jobs of {} failed: {}", name, r.error().message());
      Done(name);
      c.next_due = clock.Now() + options.error_delay;
      Tick();
      return;
    }
    c.next_due = r->next_due;
    if (r->held) c.held = true;
    if (r->jobs.empty()) {
      Done(name);
      Tick();
      return;
    }
    ++batches;
    jobs_sent += r->jobs.size();
    std::vector<std::int64_t> ids;
    ids.reserve(r->jobs.size());
    for (const Job& j : r->jobs) ids.push_back(j.id);
    sender.Send(name, std::move(r->jobs),
                OnLoop([name, ids = std::move(ids)](Impl& self, std::vector<JobOutcome> outs) {
                  self.OnSent(name, ids, std::move(outs));
                }));
    Tick();  // more batches of this connection (max_in_flight > 1) or of others
  }

  void OnSent(const std::string& name, const std::vector<std::int64_t>& ids,
              std::vector<JobOutcome> outs) {
    std::set<std::int64_t> reported;
    for (const auto& o : outs) reported.insert(o.job_id);
    for (std::int64_t id : ids) {
      if (!reported.contains(id)) {
        outs.push_back(JobOutcome::Unknown(id, "the sender reported no outcome for this job"));
      }
    }
    Record(name, std::move(outs));
  }

  void Record(const std::string& name, std::vector<JobOutcome> outs) {
    auto copy = outs;
    queue.CompleteAsync(std::move(outs), OnLoop([name, copy = std::move(copy)](
                                                    Impl& self, Result<CompleteResult> r) mutable {
                          self.OnCompleted(name, std::move(r), std::move(copy));
                        }));
  }

  void OnCompleted(const std::string& name, Result<CompleteResult> r,
                   std::vector<JobOutcome> outs) {
    if (!r) {
      // The jobs stay `running` until this is recorded; keep trying.
      spdlog::error("scheduler: recording outcomes for {} failed: {}; retrying", name,
                    r.error().message());
      auto t = std::make_shared<asio::steady_timer>(io, options.error_delay);
      t->async_wait([w = weak_from_this(), t, name,
                     outs = std::move(outs)](const boost::system::error_code&) mutable {
        if (auto self = w.lock()) self->Record(name, std::move(outs));
      });
      return;
    }
    Done(name);
    for (auto& [conn, due] : r->next_due) conns[conn].next_due = due;
    if (!r->next_due.contains(name)) conns[name].next_due = clock.Now();  // re-probe
    Tick();
  }

  void Purge() {
    if (stopped) return;
    const int kChunk = 10000;
    queue.PurgeAsync(clock.Now() - queue.config().retention, kChunk,
                     OnLoop([](Impl& self, Result<std::int64_t> n) {
                       if (!n) {
                         spdlog::error("scheduler: retention purge failed: {}",
                                       n.error().message());
                       } else if (*n > 0) {
                         spdlog::info("job queue: purged {} finished job(s)", *n);
                       }
                       if (n && *n >= kChunk) {
                         self.Purge();
                         return;
                       }
                       self.ArmPurge();
                     }));
  }

  void ArmPurge() {
    if (stopped) return;
    purge_timer.expires_after(options.purge_interval);
    purge_timer.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = w.lock()) self->Purge();
    });
  }

  asio::io_context& io;
  JobQueue& queue;
  Sender& sender;
  Clock& clock;
  SendGate* gate;
  SchedulerOptions options;
  const int batch_size;
  asio::steady_timer timer;
  asio::steady_timer purge_timer;
  std::map<std::string, Conn> conns;
  std::string cursor;
  bool global_held = false;
  bool started = false;
  bool stopped = false;
  bool listening = false;

  std::mutex mu;  // guards the three below (written by the queue's writer thread)
  std::map<std::string, TimePoint> due_updates;
  std::map<std::string, Hold> hold_updates;
  bool drain_posted = false;

  std::atomic<std::uint64_t> batches{0}, jobs_sent{0}, gate_waits{0}, timer_wakeups{0},
      in_flight{0};
};

Scheduler::Scheduler(asio::io_context& io, JobQueue& queue, Sender& sender, Clock& clock,
                     SendGate* gate, SchedulerOptions options)
    : impl_(std::make_shared<Impl>(io, queue, sender, clock, gate, options)) {}

Scheduler::~Scheduler() { impl_->Stop(); }

void Scheduler::Start() { impl_->Start(); }
void Scheduler::Stop() { impl_->Stop(); }

void Scheduler::Poke() {
  asio::post(impl_->io, [w = std::weak_ptr<Impl>(impl_)] {
    if (auto self = w.lock()) self->Tick();
  });
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  s.batches = impl_->batches.load();
  s.jobs = impl_->jobs_sent.load();
  s.gate_waits = impl_->gate_waits.load();
  s.timer_wakeups = impl_->timer_wakeups.load();
  s.in_flight = impl_->in_flight.load();
  return s;
}

}  // namespace xerod
