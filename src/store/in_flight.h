// SPDX-License-Identifier: MIT
//
// What a module that writes through the Store needs to be destroyed safely:
// its write requests run on the writer thread and use the module, and their
// completions may be posted to a loop after it is gone.
//
//   InFlight in_flight_;   // a member
//   in_flight_.Add();      // before Store::Write; the request's `done` ends with
//   in_flight_.Done();     // (after dispatching the completion)
//   Guarded(...)           // the posted completion runs only while the module lives
//   ~Module() { in_flight_.Close(); }  // waits for the writer to be done with us
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

namespace xerod::store {

class InFlight {
 public:
  InFlight() = default;
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  void Done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) idle_.notify_all();
  }
  // Waits until no request is in flight, and makes later Guarded() tasks no-ops.
  // Call it from the thread the completions are posted to (or with none).
  void Close() {
    alive_->store(false);
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return count_ == 0; });
  }
  // `task`, made to do nothing once Close() has run.
  std::function<void()> Guarded(std::function<void()> task) const {
    return [alive = alive_, task = std::move(task)] {
      if (alive->load()) task();
    };
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int count_ = 0;
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace xerod::store
