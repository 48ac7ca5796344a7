// SPDX-License-Identifier: MIT
// Kills a process running the queue with SIGKILL at random moments, many times,
// and checks that every document was delivered exactly once in the end.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "store/sqlite.h"
#include "support/subprocess.h"
#include "support/test_support.h"
#include "xerod/job_queue.h"

namespace xerod {
namespace {

using namespace std::chrono_literals;

TEST(QueueCrashTest, SigkillNeverLosesOrDuplicatesAJob) {
  constexpr int kJobs = 5000;
  constexpr int kMinKills = 50;
  testing::TempDir dir;
  const std::string db = dir.File("q.db");
  const std::string ledger = dir.File("ledger.txt");
  const std::vector<std::string> argv = {QUEUE_CRASH_CHILD, db, ledger, std::to_string(kJobs)};
  std::mt19937 rng(20261124);
  // Short runs between kills: on an idle machine a round sends a few hundred jobs in 10 ms.
  std::uniform_int_distribution<int> delay_ms(0, 10);

  int kills = 0;
  bool done = false;
  for (int round = 0; round < 400 && !done; ++round) {
    testing::Subprocess child(argv, {}, dir.File(fmt::format("child-{}.log", round)));
    if (kills >= kMinKills) {
      auto status = child.Wait(60s);
      ASSERT_TRUE(status.has_value()) << "child did not finish";
      ASSERT_EQ(*status, 0) << child.Output();
      done = true;
      break;
    }
    // Most kills land while batches are being sent; every fifth during start-up
    // (opening, recovery, the bulk enqueue).
    if (round % 5 != 0) {
      ASSERT_TRUE(testing::WaitFor(
          [&] { return child.Output().find("READY") != std::string::npos || !child.Running(); },
          30s));
    }
    auto status = child.Wait(std::chrono::milliseconds(delay_ms(rng)));
    if (status) {
      ASSERT_EQ(*status, 0) << child.Output();
      ASSERT_NE(child.Output().find("DONE"), std::string::npos);
      done = true;
      break;
    }
    child.Signal(SIGKILL);
    child.Wait(10s);
    ++kills;
  }
  ASSERT_TRUE(done);
  EXPECT_GE(kills, kMinKills) << "the work finished before enough kills; make it longer";

  // The ledger (our "Xero") has every document exactly once.
  std::map<std::string, int> delivered;
  std::istringstream lines(testing::ReadFile(ledger));
  for (std::string line; std::getline(lines, line);) ++delivered[line];
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kJobs));
  int duplicates = 0;
  for (auto& [id, n] : delivered) {
    if (n != 1) ++duplicates;
  }
  EXPECT_EQ(duplicates, 0);

  // The queue has exactly one succeeded job per document, nothing else.
  auto opened = Database::Open(db);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  auto& h = (*opened)->handle();
  EXPECT_EQ(*h.QueryInt("SELECT count(*) FROM jobs"), kJobs);
  EXPECT_EQ(*h.QueryInt("SELECT count(*) FROM jobs WHERE state = 'succeeded'"), kJobs);
  EXPECT_EQ(*h.QueryInt("SELECT count(DISTINCT source_id) FROM jobs"), kJobs);
  const auto interrupted =
      *h.QueryInt("SELECT count(*) FROM job_attempts WHERE outcome = 'interrupted'");
  const auto reconciled =
      *h.QueryInt("SELECT count(*) FROM job_attempts WHERE outcome IN ('reconciled', 'not_found')");
  const auto found = *h.QueryInt("SELECT count(*) FROM job_attempts WHERE outcome = 'reconciled'");
  std::printf("kills=%d interrupted=%lld reconciled=%lld (found in ledger: %lld)\n", kills,
              static_cast<long long>(interrupted), static_cast<long long>(reconciled),
              static_cast<long long>(found));
  EXPECT_GT(interrupted, 0) << "no kill ever hit a running job";
  EXPECT_GT(reconciled, 0);
}

}  // namespace
}  // namespace xerod
