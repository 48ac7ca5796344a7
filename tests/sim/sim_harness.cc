// SPDX-License-Identifier: MIT
#include "sim/sim_harness.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <fstream>

namespace xero_sim::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

http::request<http::string_body> MakeRequest(const std::string& method, const std::string& target,
                                             const std::string& body,
                                             const std::map<std::string, std::string>& headers,
                                             const std::string& host, bool keep_alive) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(keep_alive);
  req.body() = body;
  req.prepare_payload();
  return req;
}

HttpResult ToResult(const http::response<http::string_body>& res) {
  HttpResult r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.headers[name] = std::string(f.value());
  }
  r.body = res.body();
  return r;
}

template <class Stream>
std::optional<HttpResult> Exchange(Stream& stream, http::request<http::string_body>& req) {
  beast::error_code ec;
  http::write(stream, req, ec);
  if (ec) return std::nullopt;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);  // faults may answer with bodies of tens of MB
  http::read(stream, buffer, parser, ec);
  if (ec) return std::nullopt;
  return ToResult(parser.get());
}

}  // namespace

TestClient::TestClient(std::string host, int port, std::string ca_file, std::string sni)
    : host_(std::move(host)), port_(port), ca_file_(std::move(ca_file)), sni_(std::move(sni)) {}

std::optional<HttpResult> TestClient::TryRequest(
    const std::string& method, const std::string& target, const std::string& body,
    const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  tcp::endpoint ep(net::ip::make_address(host_), static_cast<unsigned short>(port_));
  auto req = MakeRequest(method, target, body, headers, host_ + ":" + std::to_string(port_), false);
  beast::error_code ec;
  if (ca_file_.empty()) {
    beast::tcp_stream stream(ioc);
    stream.connect(ep, ec);
    if (ec) return std::nullopt;
    return Exchange(stream, req);
  }
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(ca_file_, ec);
  if (ec) return std::nullopt;
  ctx.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  std::string name = sni_.empty() ? host_ : sni_;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's macro casts to void*
  SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
#pragma GCC diagnostic pop
  stream.set_verify_callback(net::ssl::host_name_verification(name));
  beast::get_lowest_layer(stream).connect(ep, ec);
  if (ec) return std::nullopt;
  stream.handshake(net::ssl::stream_base::client, ec);
  if (ec) return std::nullopt;
  return Exchange(stream, req);
}

HttpResult TestClient::Request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  auto r = TryRequest(method, target, body, headers);
  EXPECT_TRUE(r.has_value()) << method << " " << target << ": no response";
  return r.value_or(HttpResult{});
}

HttpResult TestClient::Json(const std::string& method, const std::string& target,
                            const nlohmann::json& body) {
  return Request(method, target, body.dump(), {{"Content-Type", "application/json"}});
}

std::string TestClient::Raw(const std::string& bytes) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address(host_), static_cast<unsigned short>(port_)),
                 ec);
  if (ec) return {};
  net::write(stream, net::buffer(bytes), ec);
  std::string out;
  std::array<char, 65536> chunk{};
  stream.expires_after(std::chrono::seconds(30));  // the deadline for the server to close
  for (;;) {
    std::size_t n = stream.read_some(net::buffer(chunk), ec);
    out.append(chunk.data(), n);
    if (ec) break;  // eof (closed) or timeout
  }
  return out;
}

std::vector<int> TestClient::KeepAlive(const std::string& target, int count) {
  std::vector<int> statuses;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address(host_), static_cast<unsigned short>(port_)),
                 ec);
  if (ec) return statuses;
  for (int i = 0; i < count; ++i) {
    auto req = MakeRequest("GET", target, "", {}, host_ + ":" + std::to_string(port_), true);
    auto r = Exchange(stream, req);
    if (!r) break;
    statuses.push_back(r->status);
  }
  return statuses;
}

SimProcess::SimProcess(std::vector<std::string> extra_args) {
  std::string port_file = dir_.File("port");
  std::vector<std::string> argv = {xerod::testing::BinaryPath("xero-sim"), "--listen",
                                   "127.0.0.1:0", "--port-file", port_file};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<xerod::testing::Subprocess>(
      argv, std::map<std::string, std::string>{}, dir_.File("log"));
  bool up = xerod::testing::WaitFor([&] {
    std::string text = xerod::testing::ReadFile(port_file);
    if (text.empty() || text.back() != '\n') return !process_->Running();
    port_ = std::stoi(text);
    return true;
  });
  EXPECT_TRUE(up && port_ > 0) << "xero-sim did not start: " << Output();
  std::string out = Output();
  first_line_ = out.substr(0, out.find('\n'));
}

SimProcess::~SimProcess() {
  if (process_->Running()) {
    process_->Signal(SIGTERM);
    process_->Wait(std::chrono::seconds(10));
  }
}

std::string SimProcess::CreateOrg(const std::string& name) {
  auto r = Client().Json("POST", "/_sim/orgs", {{"name", name}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.Json()["tenant_id"].get<std::string>() : std::string();
}

nlohmann::json SimProcess::CreateGrant(const std::vector<std::string>& tenant_ids,
                                       const std::vector<std::string>& scopes) {
  nlohmann::json body = {{"tenant_ids", tenant_ids}};
  if (!scopes.empty()) body["scopes"] = scopes;
  auto r = Client().Json("POST", "/_sim/grants", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.Json() : nlohmann::json::object();
}

void SimProcess::AdvanceClock(long seconds) {
  auto r = Client().Json("POST", "/_sim/clock", {{"advance_seconds", seconds}});
  EXPECT_EQ(r.status, 200) << r.body;
}

nlohmann::json SimProcess::Stats() {
  auto r = Client().Request("GET", "/_sim/stats");
  EXPECT_EQ(r.status, 200);
  return r.Json();
}

std::map<std::string, std::string> ApiHeaders(const std::string& access_token,
                                              const std::string& tenant_id) {
  std::map<std::string, std::string> h = {{"Authorization", "Bearer " + access_token},
                                          {"Accept", "application/json"}};
  if (!tenant_id.empty()) h["xero-tenant-id"] = tenant_id;
  return h;
}

HttpResult TokenRequest(TestClient& client, const std::string& form, const std::string& client_id,
                        const std::string& secret) {
  std::string plain = client_id + ":" + secret;
  std::string encoded(beast::detail::base64::encoded_size(plain.size()), '\0');
  encoded.resize(beast::detail::base64::encode(encoded.data(), plain.data(), plain.size()));
  return client.Request("POST", "/connect/token", form,
                        {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Authorization", "Basic " + encoded}});
}

}  // namespace xero_sim::testing
