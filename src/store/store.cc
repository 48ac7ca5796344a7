// SPDX-License-Identifier: MIT
// Store: one Database, one writer thread, one read connection (see xerod/store.h).
#include "xerod/store.h"

#include <fmt/format.h>

#include <atomic>
#include <future>
#include <mutex>

#include "store/sqlite.h"
#include "store/writer.h"

namespace xerod {

class Store::Impl {
 public:
  Impl(std::unique_ptr<Database> database, store::Db reader, int max_group)
      : database_(std::move(database)),
        reader_(std::move(reader)),
        writer_(database_->handle(), max_group) {}

  std::unique_ptr<Database> database_;
  std::mutex read_mu_;
  store::Db reader_;  // query_only; guarded by read_mu_
  std::atomic<std::uint64_t> reads_{0};
  store::Writer writer_;  // last: drained and joined first on destruction
};

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, const StoreOptions& options) {
  auto database = Database::Open(path, options);
  if (!database) return Fail(database.error());
  // Opened after the migration: the file exists and is in WAL mode, so this
  // connection reads snapshots and never takes the write lock.
  auto reader = store::Db::Open(path, /*create=*/false);
  if (!reader) return Fail(reader.error());
  if (auto s = reader->Exec(fmt::format("PRAGMA query_only=ON; PRAGMA busy_timeout={};"
                                        "PRAGMA trusted_schema=OFF;",
                                        options.busy_timeout.count()));
      !s) {
    return Fail(s.error().code(), fmt::format("database {}: {}", path, s.error().message()));
  }
  auto impl = std::make_unique<Impl>(std::move(*database), std::move(*reader), options.max_group);
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->database_->path(); }
int Store::schema_version() const { return impl_->database_->schema_version(); }

void Store::Write(Work work, std::function<void(const Status&)> done, const Executor& executor) {
  store::Writer::Request request;
  request.work = std::move(work);
  request.done = [done = std::move(done), executor](const Status& s) {
    Dispatch(executor, [done, s] { done(s); });
  };
  impl_->writer_.Submit(std::move(request));
}

Status Store::WriteAndWait(Work work) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(work), [&promise](const Status& s) { promise.set_value(s); });
  return future.get();
}

Status Store::Read(const Work& work) {
  std::lock_guard lock(impl_->read_mu_);
  impl_->reads_.fetch_add(1, std::memory_order_relaxed);
  Status s = work(impl_->reader_);
  // No snapshot may outlive the read: a statement left stepping (or a read
  // that failed half-way) would pin the WAL and hide later writes from the
  // next read.
  sqlite3* raw = impl_->reader_.raw();
  for (sqlite3_stmt* st = sqlite3_next_stmt(raw, nullptr); st != nullptr;
       st = sqlite3_next_stmt(raw, st)) {
    if (sqlite3_stmt_busy(st) != 0) sqlite3_reset(st);
  }
  if (impl_->reader_.InTransaction()) (void)impl_->reader_.Exec("ROLLBACK");
  return s;
}

StoreStats Store::stats() const {
  StoreStats out;
  out.commits = impl_->writer_.commits();
  out.requests = impl_->writer_.requests();
  out.reads = impl_->reads_.load(std::memory_order_relaxed);
  out.background_checkpoints = impl_->database_->background_checkpoints();
  out.inline_checkpoints = impl_->database_->inline_checkpoints();
  return out;
}

}  // namespace xerod
