// SPDX-License-Identifier: MIT
#include "connection/xero_world.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

namespace xerod::testing {
namespace {

constexpr std::chrono::seconds kAdminTimeout{60};

}  // namespace

SimServer::SimServer(std::vector<std::string> args, std::string scheme) {
  std::vector<std::string> argv = {BinaryPath("xero-sim"), "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<Subprocess>(argv, std::map<std::string, std::string>{},
                                          dir_.File("sim.log"));
  const std::string prefix = "listening on " + scheme + "://127.0.0.1:";
  bool up = WaitFor([&] {
    std::string out = Output();
    auto nl = out.find('\n');
    if (nl == std::string::npos) return !process_->Running();
    std::string first = out.substr(0, nl);
    if (!first.starts_with(prefix)) return true;
    port_ = std::stoi(first.substr(prefix.size()));
    return true;
  });
  EXPECT_TRUE(up && port_ > 0) << "xero-sim did not start: " << Output();
  url_ = scheme + "://127.0.0.1:" + std::to_string(port_);
}

SimServer::~SimServer() {
  if (process_->Running()) {
    process_->Signal(SIGTERM);
    process_->Wait(std::chrono::seconds(10));
  }
}

XeroWorld::XeroWorld(const std::string& url, const std::string& db_path, WorldOptions o)
    : sim_url(url) {
  config.client_id = o.client_id;
  config.identity_url = url;
  config.api_url = url;
  config.authorize_url = url + "/connect/authorize";
  config.redirect_uri = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/callback";
  config.ca_file = o.ca_file;
  config.request_timeout = o.request_timeout;
  config.limits = o.limits;
  HttpClientOptions ho = HttpClientOptions::FromConfig(config);
  ho.max_host_connections = o.max_host_connections;
  ho.max_total_connections = o.max_host_connections * 2;
  auto h = MakeCurlHttpClient(io, ho);
  EXPECT_TRUE(h.has_value()) << h.error().ToString();
  if (h) http = std::move(*h);
  auto d = Store::Open(db_path);
  EXPECT_TRUE(d.has_value()) << d.error().ToString();
  if (d) db = std::move(*d);
  store = std::make_unique<ConnectionStore>(*db, SystemClock(), LoopExecutor(io));
  tokens = std::make_unique<TokenManager>(io, *http, *store, SystemClock(), config,
                                          Secret(o.client_secret), o.token);
  tokens->SetUnusableHook([this](const std::string& n, ConnectionState s, const std::string&) {
    unusable.push_back(n + "=" + std::string(ToString(s)));
  });
  limiter = std::make_unique<RateLimiter>(o.limits, o.limiter);
  XeroClientOptions xo;
  xo.api_url = config.api_url;
  xo.request_timeout = o.request_timeout;
  client = std::make_unique<XeroClient>(io, *http, *tokens, *store, *limiter, SystemClock(), xo);
  connections = std::make_unique<ConnectionManager>(io, *http, *store, *tokens, config);
}

XeroWorld::~XeroWorld() {
  connections.reset();
  client.reset();
  if (http) http->Shutdown();
  io.restart();
  io.poll();
}

bool XeroWorld::RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(20));
    io.restart();
  }
  return done();
}

std::optional<HttpResponse> XeroWorld::Fetch(HttpRequest request) {
  auto result = std::make_shared<std::optional<HttpResponse>>();
  // The client's own timeout ends the request; the wait only backs it up.
  const auto wait = std::max<std::chrono::milliseconds>(
      std::chrono::seconds(20),
      std::chrono::duration_cast<std::chrono::milliseconds>(
          request.total_timeout.value_or(config.request_timeout) + std::chrono::seconds(5)));
  http->Send(std::move(request), [result](HttpResponse r) { *result = std::move(r); });
  RunUntil([&] { return result->has_value(); }, wait);
  return *result;
}

nlohmann::json XeroWorld::Admin(HttpMethod method, const std::string& path,
                                const nlohmann::json& body) {
  HttpRequest r;
  r.method = method;
  r.url = sim_url + path;
  // A control request is not under test: it gets far longer than the client's
  // request_timeout (a test may shorten that to seconds), so a loaded machine
  // (sanitizers, a 20 MiB answer just sent) cannot fail it.
  r.total_timeout = kAdminTimeout;
  if (method != HttpMethod::kGet) {
    r.body = body.dump();
    r.Header("Content-Type", "application/json");
  }
  auto res = Fetch(std::move(r));
  EXPECT_TRUE(res && res->ok() && res->status / 100 == 2)
      << path << ": "
      << (res ? res->error_message + " " + std::to_string(res->status) + " " + res->body
              : "no answer");
  if (!res || res->body.empty()) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

std::string XeroWorld::CreateOrg(const std::string& name) {
  auto j = Admin(HttpMethod::kPost, "/_sim/orgs", {{"name", name}});
  return j.is_object() ? j.value("tenant_id", "") : "";
}

nlohmann::json XeroWorld::CreateGrant(const std::vector<std::string>& tenants,
                                      const std::vector<std::string>& scopes) {
  nlohmann::json body = {{"tenant_ids", tenants}};
  if (!scopes.empty()) body["scopes"] = scopes;
  return Admin(HttpMethod::kPost, "/_sim/grants", body);
}

int XeroWorld::TokenRefreshes() {
  auto j = Admin(HttpMethod::kGet, "/_sim/stats");
  return j.is_object() ? j.value("token_refreshes", -1) : -1;
}

Result<ConnectionInfo> XeroWorld::Add(const std::string& name, const std::string& tenant,
                                      const std::string& refresh_token) {
  std::optional<Result<ConnectionInfo>> out;
  connections->Add(name, tenant, refresh_token, [&](Result<ConnectionInfo> r) { out = r; });
  RunUntil([&] { return out.has_value(); });
  if (!out) return Fail(Code::kUnavailable, "test timeout");
  return *out;
}

XeroResult XeroWorld::Call(const std::string& connection, HttpMethod method,
                           const std::string& path, const std::string& body,
                           std::optional<std::string> key) {
  std::optional<XeroResult> out;
  client->Call(connection, method, path, body, std::move(key),
               [&](XeroResult r) { out = std::move(r); });
  RunUntil([&] { return out.has_value(); }, std::chrono::seconds(30));
  if (!out) {
    XeroResult r;
    r.result_class = XeroResultClass::kUnknown;
    r.reason = "test timeout";
    return r;
  }
  return *out;
}

}  // namespace xerod::testing
