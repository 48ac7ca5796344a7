// SPDX-License-Identifier: MIT
//
// The two calls every module that keeps its SQL behind the Store makes
// (ConnectionStore, Outbox, Digests): a write whose typed result reaches the
// caller's executor after the commit, and a read that gives a typed result.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "store/in_flight.h"
#include "xerod/executor.h"
#include "xerod/status.h"
#include "xerod/store.h"

namespace xerod::store {

// Runs `work` on the store's writer thread, inside the group transaction.
// `done` (may be empty) gets its result, or the commit's error, on `executor`
// after the commit, and only while the module that owns `in_flight` lives.
template <typename T>
void WriteThen(Store& store, InFlight& in_flight, const Executor& executor,
               std::function<Result<T>(Db&)> work, std::function<void(Result<T>)> done) {
  auto slot = std::make_shared<std::optional<Result<T>>>();
  in_flight.Add();
  store.Write(
      [slot, work = std::move(work)](Db& db) -> Status {
        slot->emplace(work(db));
        return (*slot)->has_value() ? Ok() : Status(Fail((*slot)->error()));
      },
      [&in_flight, executor, slot, done = std::move(done)](const Status& s) {
        if (!s) slot->emplace(Fail(s.error()));
        Dispatch(executor, in_flight.Guarded([slot, done] {
          if (done) done(std::move(**slot));
        }));
        in_flight.Done();  // last: the module may go once this returns
      });
}

// Runs `work` on the store's read connection, on this thread.
template <typename T>
Result<T> ReadResult(Store& store, const std::function<Result<T>(Db&)>& work) {
  std::optional<Result<T>> out;
  Status s = store.Read([&](Db& db) -> Status {
    out.emplace(work(db));
    return out->has_value() ? Ok() : Status(Fail(out->error()));
  });
  if (!s) return Fail(s.error());
  return std::move(*out);
}

}  // namespace xerod::store
