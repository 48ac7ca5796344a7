// SPDX-License-Identifier: MIT
//
// Child process of crash_test.cc: runs the queue and scheduler over N documents
// with a sender that "delivers" by appending the document id to a ledger file
// and fsyncing it BEFORE reporting success (the ledger plays Xero). The test
// SIGKILLs it at random moments and restarts it. A job handed over with
// needs_reconcile is looked up in the ledger first, as the pipeline looks
// invoices up in Xero. Prints DONE and exits 0 when every job has succeeded.
//
// usage: queue_crash_child DB LEDGER N
#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>

#include "xerod/job_queue.h"
#include "xerod/scheduler.h"

namespace {

using namespace xerod;

class LedgerSender : public Sender {
 public:
  explicit LedgerSender(const std::string& path) {
    // Drop a torn last line (killed mid-write): that delivery never completed.
    std::string text;
    if (int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); in >= 0) {
      char buf[65536];
      for (ssize_t n; (n = ::read(in, buf, sizeof buf)) > 0;) {
        text.append(buf, static_cast<std::size_t>(n));
      }
      ::close(in);
    }
    std::size_t end = text.rfind('\n');
    std::size_t keep = end == std::string::npos ? 0 : end + 1;
    if (keep != text.size() && ::truncate(path.c_str(), static_cast<off_t>(keep)) != 0) {
      std::perror("truncate");
    }
    std::size_t start = 0;
    while (start < keep) {
      std::size_t nl = text.find('\n', start);
      delivered_.insert(text.substr(start, nl - start));
      start = nl + 1;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) std::perror("open ledger");
  }
  ~LedgerSender() override { ::close(fd_); }

  void Send(const std::string&, std::vector<Job> jobs,
            std::function<void(std::vector<JobOutcome>)> done) override {
    std::vector<JobOutcome> outs;
    for (const Job& j : jobs) {
      if (j.needs_reconcile) {
        if (delivered_.contains(j.source_id)) {
          outs.push_back(JobOutcome::ReconciledFound(j.id, "L-" + j.source_id));
          continue;
        }
        if (j.id % 2 == 1) {  // half report "not found", half send at once
          outs.push_back(JobOutcome::ReconciledNotFound(j.id));
          continue;
        }
      }
      if (rng_() % 20 == 0) {  // 5 % transient failures exercise the retry path
        outs.push_back(JobOutcome::Transient(j.id, "simulated 503", 503));
        continue;
      }
      // Deliver: appended now, made durable below before any success is reported.
      std::string line = j.source_id + "\n";
      if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        outs.push_back(JobOutcome::Unknown(j.id, "ledger write failed"));
        continue;
      }
      delivered_.insert(j.source_id);
      outs.push_back(JobOutcome::Succeeded(j.id, "L-" + j.source_id));
    }
    if (::fdatasync(fd_) != 0) {
      std::perror("fdatasync");
      std::_Exit(3);  // never report a delivery that is not durable
    }
    done(std::move(outs));
  }

 private:
  int fd_ = -1;
  std::set<std::string> delivered_;
  std::mt19937 rng_{static_cast<unsigned>(::getpid())};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DB LEDGER N\n", argv[0]);
    return 2;
  }
  const std::string db = argv[1];
  const int n = std::stoi(argv[3]);
  QueueConfig config;
  config.max_attempts = 1000;
  config.backoff_base = Duration(1);
  config.backoff_cap = Duration(20);
  config.batch_size = 10;
  auto queue = JobQueue::Open(db, config, SystemClock());
  if (!queue) {
    std::fprintf(stderr, "open: %s\n", queue.error().ToString().c_str());
    return 1;
  }
  // Enqueue everything (again): dedupe makes a repeat after a restart a no-op.
  for (int start = 0; start < n; start += 500) {
    std::vector<NewJob> jobs;
    for (int i = start; i < std::min(n, start + 500); ++i) {
      std::string id = "doc-" + std::to_string(i);
      jobs.push_back(NewJob{"c" + std::to_string(i % 3), DocumentType::kInvoice, id,
                            "{\"id\":\"" + id + "\"}"});
    }
    if (auto r = (*queue)->Enqueue(std::move(jobs)); !r) {
      std::fprintf(stderr, "enqueue: %s\n", r.error().ToString().c_str());
      return 1;
    }
  }
  boost::asio::io_context io;
  LedgerSender sender(argv[2]);
  Scheduler scheduler(io, **queue, sender, SystemClock());
  scheduler.Start();
  std::printf("READY\n");
  std::fflush(stdout);
  boost::asio::steady_timer check(io);
  std::function<void()> arm = [&] {
    check.expires_after(std::chrono::milliseconds(20));
    check.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      auto counts = (*queue)->Counts();
      if (counts && counts->at(JobState::kSucceeded) == n) {
        std::printf("DONE\n");
        std::fflush(stdout);
        scheduler.Stop();
        io.stop();
        return;
      }
      arm();
    });
  };
  arm();
  io.run();
  return 0;
}
