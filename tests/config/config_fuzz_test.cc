// SPDX-License-Identifier: MIT
// Random mutations of the example config: ParseConfig must never throw or crash,
// and must return either a config or at least one well-formed error.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "support/test_support.h"
#include "xerod/config.h"

namespace xerod {
namespace {

// Override with XEROD_FUZZ_ITERATIONS / XEROD_FUZZ_SEED for longer runs.
constexpr int kDefaultIterations = 2000;
constexpr std::string_view kTokens[] = {":",       "-",
                                        "[",       "]",
                                        "{",       "}",
                                        ",",       "\"",
                                        "'",       "#",
                                        "&a",      "*a",
                                        "!!str",   "? ",
                                        "|",       ">",
                                        "\t",      "\n",
                                        "  ",      "~",
                                        "null",    "0",
                                        "-1",      "99999999999999999999",
                                        "30s",     "1h30m",
                                        "\xff",    std::string_view("\0", 1),
                                        "---\n",   "%YAML 1.2\n",
                                        "<<: *a",  "smtp:",
                                        "http://", "@"};

std::string Mutate(std::string text, std::mt19937& rng) {
  std::uniform_int_distribution<int> ops(0, 5);
  std::uniform_int_distribution<int> count(1, 4);
  int n = count(rng);
  for (int i = 0; i < n && !text.empty(); ++i) {
    std::uniform_int_distribution<std::size_t> pos(0, text.size() - 1);
    std::size_t p = pos(rng);
    switch (ops(rng)) {
      case 0:  // flip a byte
        text[p] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        break;
      case 1:  // delete a span
        text.erase(p, std::uniform_int_distribution<std::size_t>(1, 40)(rng));
        break;
      case 2: {  // insert a YAML-significant token
        std::uniform_int_distribution<std::size_t> t(0, std::size(kTokens) - 1);
        text.insert(p, kTokens[t(rng)]);
        break;
      }
      case 3: {  // duplicate a span (duplicate keys, repeated sections)
        std::size_t len = std::uniform_int_distribution<std::size_t>(1, 200)(rng);
        text.insert(p, text.substr(p, len));
        break;
      }
      case 4: {  // move a span elsewhere (reorders keys and indentation)
        std::size_t len = std::min<std::size_t>(text.size() - p, 80);
        std::string span = text.substr(p, len);
        text.erase(p, len);
        text.insert(pos(rng) % (text.size() + 1), span);
        break;
      }
      default:  // change indentation at a line start
        if (std::size_t nl = text.find('\n', p); nl != std::string::npos) {
          text.insert(nl + 1,
                      std::string(std::uniform_int_distribution<std::size_t>(1, 3)(rng), ' '));
        }
        break;
    }
  }
  return text;
}

// Returns whether the text was a valid config.
bool CheckOutcome(const std::string& text) {
  std::expected<Config, ConfigErrors> result;
  EXPECT_NO_THROW(result = ParseConfig(text, "fuzz.yaml"));
  if (result.has_value()) return true;
  EXPECT_FALSE(result.error().empty());
  int last_line = 0;
  int last_column = 0;
  for (const ConfigError& e : result.error()) {
    EXPECT_EQ(e.file, "fuzz.yaml");
    EXPECT_GE(e.line, 0);
    EXPECT_GE(e.column, 0);
    EXPECT_FALSE(e.message.empty());
    EXPECT_TRUE(std::pair(e.line, e.column) >= std::pair(last_line, last_column))
        << "errors out of file order";
    last_line = e.line;
    last_column = e.column;
  }
  return false;
}

TEST(ConfigFuzzTest, RandomMutationsOfTheExampleNeverThrow) {
  std::string example = testing::ReadFile(XEROD_EXAMPLE_CONFIG);
  ASSERT_FALSE(example.empty());
  unsigned seed = 20261124;
  if (const char* s = std::getenv("XEROD_FUZZ_SEED")) seed = static_cast<unsigned>(std::atoi(s));
  int iterations = kDefaultIterations;
  if (const char* s = std::getenv("XEROD_FUZZ_ITERATIONS")) iterations = std::atoi(s);
  std::mt19937 rng(seed);
  int valid = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string text = Mutate(example, rng);
    SCOPED_TRACE("seed " + std::to_string(seed) + " iteration " + std::to_string(i));
    if (CheckOutcome(text)) ++valid;
    if (::testing::Test::HasFailure()) break;
  }
  // Mutations must mostly break the file, or the test is not exploring errors.
  EXPECT_LT(valid, iterations / 2);
}

TEST(ConfigFuzzTest, HostileInputsNeverThrow) {
  std::string deep(5000, '[');
  std::string deep_map;
  for (int i = 0; i < 3000; ++i) deep_map += "{a: ";
  std::string aliases = "a: &a [x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    aliases += std::string(1, c) + ": &" + c + " [*" + static_cast<char>(c - 1) + ", *" +
               static_cast<char>(c - 1) + "]\n";
  }
  aliases += "notify: {admins: *j}\nconnections: {acme: {notify: *j}}\n";
  for (const std::string& text :
       {deep, deep_map, aliases, std::string("\0\0\0", 3), std::string("\xef\xbb\xbfqueue: {}\n"),
        std::string("queue: *undefined\n"), std::string("? ? ? ?\n"), std::string(":\n:\n"),
        std::string("connections: {acme: {tax_map: {[x]: OUTPUT}}}\n"),
        std::string("queue: !!binary aGVsbG8=\n"), std::string("xero: {scopes: [[], {}]}\n")}) {
    CheckOutcome(text);
  }
}

}  // namespace
}  // namespace xerod
