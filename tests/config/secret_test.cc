// SPDX-License-Identifier: MIT
#include "xerod/secret.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <optional>
#include <sstream>

#include "support/test_support.h"
#include "xerod/config.h"

namespace xerod {
namespace {

using testing::TempDir;
using testing::WriteFile;

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// WriteFile's chmod is subject to nothing, but make the mode explicit and checked.
void WriteSecret(const std::string& path, const std::string& text, unsigned mode) {
  WriteFile(path, text, mode);
  ASSERT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0);
}

TEST(SecretTest, FormattingHidesTheValue) {
  Secret s("hunter2");
  EXPECT_EQ(fmt::format("{}", s), "***");
  EXPECT_EQ(fmt::format("secret={:>5}", s), "secret=  ***");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(s.reveal(), "hunter2");
  EXPECT_FALSE(s.empty());
}

TEST(SecretTest, CopyAndMoveKeepTheValue) {
  Secret a("abc");
  Secret b = a;
  Secret c;
  c = std::move(a);
  EXPECT_EQ(b.reveal(), "abc");
  EXPECT_EQ(c.reveal(), "abc");
  b = c;
  EXPECT_EQ(b.reveal(), "abc");
}

TEST(LoadSecretTest, Mode0600IsReadAndTrailingNewlineStripped) {
  TempDir dir;
  WriteSecret(dir.File("s"), "s3cr3t value\n", 0600);
  auto s = LoadSecret(dir.File("s"));
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->reveal(), "s3cr3t value");
  WriteSecret(dir.File("crlf"), "v\r\n", 0400);
  EXPECT_EQ(LoadSecret(dir.File("crlf"))->reveal(), "v");
  WriteSecret(dir.File("inner"), "line1\nline2\n\n", 0600);
  EXPECT_EQ(LoadSecret(dir.File("inner"))->reveal(), "line1\nline2\n");
}

TEST(LoadSecretTest, GroupOrWorldReadableIsRefusedWithTheFix) {
  TempDir dir;
  for (unsigned mode : {0640u, 0644u, 0604u, 0440u}) {
    std::string f = dir.File(fmt::format("s{:o}", mode));
    WriteSecret(f, "topsecret\n", mode);
    auto s = LoadSecret(f);
    ASSERT_FALSE(s.has_value()) << fmt::format("{:o}", mode);
    EXPECT_EQ(s.error().code(), Code::kPermissionDenied);
    EXPECT_EQ(s.error().message(),
              fmt::format("secret file {} is readable by group or others (mode {:04o}); "
                          "fix with: chmod 600 {}",
                          f, mode, f));
    EXPECT_EQ(s.error().message().find("topsecret"), std::string::npos);
  }
}

TEST(LoadSecretTest, CredentialsDirectoryLookup) {
  TempDir dir;
  WriteSecret(dir.File("client-secret"), "from-credentials\n", 0400);
  ScopedEnv env("CREDENTIALS_DIRECTORY", dir.path().string());
  auto s = LoadSecret("client-secret");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->reveal(), "from-credentials");
  auto missing = LoadSecret("other");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_EQ(missing.error().message(),
            "no such credential in $CREDENTIALS_DIRECTORY (the value is not shown: if it is the "
            "secret itself, put it in a file and give that file's path, or load it with "
            "LoadCredential=)");
}

TEST(LoadSecretTest, CredentialNameWithoutCredentialsDirectory) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", "");
  auto s = LoadSecret("client-secret");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kNotFound);
  EXPECT_EQ(s.error().message(),
            "the credential cannot be found: $CREDENTIALS_DIRECTORY is not set (give an "
            "absolute path, or use systemd LoadCredential=; the value is not shown: if it is the "
            "secret itself, put it in a file and give that file's path)");
}

// A secret pasted into a *_file key (or xerod-ctl's --refresh-token-file) by
// mistake is never repeated: not by LoadSecret, not by the config loader.
TEST(LoadSecretTest, APastedSecretIsNeverEchoed) {
  const std::string pasted[] = {"xs3cr3t-Pasted+Value==", "abc/def+ghi/jkl==", "rt_9f8e7d6c5b4a"};
  for (const std::string& value : pasted) {
    for (const char* dir : {"", "/nonexistent-credentials"}) {
      ScopedEnv env("CREDENTIALS_DIRECTORY", dir);
      auto s = LoadSecret(value);
      ASSERT_FALSE(s.has_value()) << value;
      EXPECT_EQ(s.error().message().find(value), std::string::npos) << s.error().message();
    }
  }
  TempDir dir;
  const std::string config = dir.File("xerod.yaml");
  for (const std::string& value : pasted) {
    WriteSecret(config,
                "database: /tmp/x.db\nxero: {client_id: app, client_secret_file: \"" + value +
                    "\"}\nsmtp: {url: \"smtp://127.0.0.1:25\", tls: none, from: a@b.test, "
                    "username: u, password_file: \"" +
                    value + "\"}\n",
                0600);
    auto loaded = LoadConfig(config);
    ASSERT_FALSE(loaded.has_value()) << value;
    std::string all;
    for (const ConfigError& e : loaded.error()) all += e.ToString() + "\n";
    EXPECT_NE(all.find("client_secret_file"), std::string::npos) << all;
    EXPECT_NE(all.find("password_file"), std::string::npos) << all;
    EXPECT_EQ(all.find(value), std::string::npos) << all;
  }
}

TEST(LoadSecretTest, RefusesEmptyRelativeMissingAndNonFiles) {
  TempDir dir;
  WriteSecret(dir.File("empty"), "\n", 0600);
  auto empty = LoadSecret(dir.File("empty"));
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(), "secret file " + dir.File("empty") + " is empty");

  auto rel = LoadSecret("secrets/x");
  ASSERT_FALSE(rel.has_value());
  EXPECT_EQ(rel.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(rel.error().message(),
            "the secret file must be an absolute path or a credential name without '/' (the value "
            "is not shown: if it is the secret itself, put it in a file readable only by xerod "
            "and give that file's path)");

  EXPECT_EQ(LoadSecret("").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(LoadSecret(dir.File("nope")).error().code(), Code::kNotFound);

  ASSERT_EQ(::mkdir(dir.File("d").c_str(), 0700), 0);
  auto d = LoadSecret(dir.File("d"));
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().message(), "secret file " + dir.File("d") + " is not a regular file");

  ASSERT_EQ(::mkfifo(dir.File("fifo").c_str(), 0600), 0);
  auto fifo = LoadSecret(dir.File("fifo"));  // must not block
  ASSERT_FALSE(fifo.has_value());
  EXPECT_EQ(fifo.error().code(), Code::kInvalidArgument);

  WriteSecret(dir.File("big"), std::string(64 * 1024 + 1, 'x'), 0600);
  auto big = LoadSecret(dir.File("big"));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().message(), "secret file " + dir.File("big") + " is larger than 64 KiB");
}

}  // namespace
}  // namespace xerod
