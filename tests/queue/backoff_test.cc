// SPDX-License-Identifier: MIT
#include "queue/backoff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "xerod/sha256.h"

namespace xerod::queue {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

QueueConfig Config() {
  QueueConfig c;
  c.backoff_base = seconds(30);
  c.backoff_cap = hours(6);
  return c;
}

TEST(BackoffTest, CeilingDoublesAndCaps) {
  QueueConfig c = Config();
  EXPECT_EQ(BackoffCeiling(c, 1), seconds(30));
  EXPECT_EQ(BackoffCeiling(c, 2), seconds(60));
  EXPECT_EQ(BackoffCeiling(c, 5), seconds(480));
  EXPECT_EQ(BackoffCeiling(c, 10), seconds(15360));
  EXPECT_EQ(BackoffCeiling(c, 11), hours(6));    // 30720 s > 6 h
  EXPECT_EQ(BackoffCeiling(c, 1000), hours(6));  // no overflow
}

TEST(BackoffTest, FullJitterIsUniformWithinBounds) {
  QueueConfig c = Config();
  std::mt19937_64 rng(42);
  for (int attempt : {1, 3, 6, 12}) {
    const Duration ceiling = BackoffCeiling(c, attempt);
    std::vector<std::int64_t> v;
    for (int i = 0; i < 20000; ++i) {
      Duration d = RetryDelay(c, attempt, std::nullopt, rng);
      ASSERT_GE(d, kBackoffFloor);
      ASSERT_LE(d, ceiling);
      ASSERT_LE(d, c.backoff_cap);
      v.push_back(d.count());
    }
    std::sort(v.begin(), v.end());
    const double span = static_cast<double>(ceiling.count() - kBackoffFloor.count());
    auto quantile = [&](double q) {
      return static_cast<double>(
                 v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))] -
                 kBackoffFloor.count()) /
             span;
    };
    double mean = 0;
    for (auto x : v) mean += static_cast<double>(x - kBackoffFloor.count()) / span;
    mean /= static_cast<double>(v.size());
    // Uniform on [floor, ceiling]: mean 0.5, quartiles 0.25/0.5/0.75, spread to both ends.
    EXPECT_NEAR(mean, 0.5, 0.02) << "attempt " << attempt;
    EXPECT_NEAR(quantile(0.25), 0.25, 0.02) << "attempt " << attempt;
    EXPECT_NEAR(quantile(0.5), 0.5, 0.02) << "attempt " << attempt;
    EXPECT_NEAR(quantile(0.75), 0.75, 0.02) << "attempt " << attempt;
    EXPECT_LT(quantile(0.001), 0.01);
    EXPECT_GT(quantile(0.999), 0.99);
  }
}

TEST(BackoffTest, FloorNeverExceedsCeiling) {
  QueueConfig c;
  c.backoff_base = Duration(10);
  c.backoff_cap = Duration(50);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) {
    Duration d = RetryDelay(c, 1, std::nullopt, rng);
    EXPECT_EQ(d, Duration(10));  // floor clamps to the 10 ms ceiling
    Duration e = RetryDelay(c, 4, std::nullopt, rng);
    EXPECT_EQ(e, Duration(50));
  }
}

TEST(BackoffTest, RetryAfterWins) {
  QueueConfig c = Config();
  std::mt19937_64 rng(7);
  EXPECT_EQ(RetryDelay(c, 1, seconds(120), rng), seconds(120));  // longer than backoff
  EXPECT_EQ(RetryDelay(c, 12, seconds(2), rng), seconds(2));     // shorter than backoff
  EXPECT_EQ(RetryDelay(c, 3, hours(24), rng), hours(24));        // even beyond the cap
}

std::string Sha256HexOk(std::string_view data) {
  auto hex = Sha256Hex(data);
  EXPECT_TRUE(hex.has_value()) << hex.error().ToString();
  return hex.value_or("");
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256HexOk(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256HexOk("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256HexOk("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256HexOk(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Content hashes stored by earlier versions stay comparable: the digest of a
// typical payload is the one the previous (own) implementation produced.
TEST(Sha256Test, SameDigestAsBefore) {
  EXPECT_EQ(
      Sha256HexOk(R"({"id":"inv-12345","number":"INV-inv-12345","kind":"invoice","status":"sent",)"
                  R"("client":{"name":"Acme Ltd"},"currency":"NZD","lines":[{"description":)"
                  R"("Design work","quantity":"10","unit_price":"120.00"}]})"),
      "8567d964dec6f54b8e8b5ce679e9ca7c3c567128525516d2438cd671d70cf262");
}

TEST(Sha256Test, EachThreadHashes) {
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&got, t] { got[t] = Sha256Hex("abc").value_or(""); });
  }
  for (auto& th : threads) th.join();
  for (const auto& g : got) {
    EXPECT_EQ(g, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}

}  // namespace
}  // namespace xerod::queue
