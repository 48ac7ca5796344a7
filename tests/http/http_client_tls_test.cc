// SPDX-License-Identifier: MIT
// HTTPS against a server whose certificate is signed by a CA made at test time.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "http/http_test_util.h"
#include "http/test_server.h"
#include "support/test_support.h"
#include "xerod/http_client.h"

namespace xerod {
namespace {
using testing::Fetch;
using testing::TestHttpServer;

class HttpClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::MakeTestPki(dir_.path().string())) << "openssl CLI failed";
    server_ = std::make_unique<TestHttpServer>(
        nullptr, testing::TlsFiles{dir_.File("server.pem"), dir_.File("server.key")});
  }
  testing::TempDir dir_;
  std::unique_ptr<TestHttpServer> server_;
  boost::asio::io_context io_;
};

TEST_F(HttpClientTlsTest, TrustsServerWithExtraCaFile) {
  HttpClientOptions options;
  options.ca_file = dir_.File("ca.pem");
  auto client = MakeCurlHttpClient(io_, options);
  ASSERT_TRUE(client.has_value()) << client.error().ToString();
  for (int i = 0; i < 3; ++i) {
    auto r = Fetch(io_, **client,
                   HttpRequest{.method = HttpMethod::kPost,
                               .url = server_->Url("/tls"),
                               .body = "secure " + std::to_string(i)});
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->ok()) << r->error_message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "secure " + std::to_string(i));
  }
  EXPECT_EQ(server_->connections(), 1);  // TLS sessions are kept alive too
}

TEST_F(HttpClientTlsTest, RejectsServerWithoutCaFile) {
  auto client = MakeCurlHttpClient(io_, HttpClientOptions{});
  ASSERT_TRUE(client.has_value());
  auto r = Fetch(io_, **client, HttpRequest{.url = server_->Url("/tls")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kTlsVerify) << r->error_message;
  EXPECT_FALSE(MaybeSent(r->error));
  EXPECT_NE(r->error_message.find("certificate"), std::string::npos) << r->error_message;
  EXPECT_EQ(server_->requests(), 0);
}

TEST_F(HttpClientTlsTest, WrongCaIsRejected) {
  testing::TempDir other;
  ASSERT_TRUE(testing::MakeTestPki(other.path().string()));
  HttpClientOptions options;
  options.ca_file = other.File("ca.pem");
  auto client = MakeCurlHttpClient(io_, options);
  ASSERT_TRUE(client.has_value());
  auto r = Fetch(io_, **client, HttpRequest{.url = server_->Url("/tls")});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, HttpError::kTlsVerify) << r->error_message;
}

TEST_F(HttpClientTlsTest, UnreadableCaFileIsAConfigurationError) {
  HttpClientOptions options;
  options.ca_file = dir_.File("missing.pem");
  auto missing = MakeCurlHttpClient(io_, options);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), Code::kInvalidArgument);
  testing::WriteFile(dir_.File("junk.pem"), "not a certificate\n");
  options.ca_file = dir_.File("junk.pem");
  auto junk = MakeCurlHttpClient(io_, options);
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace xerod
