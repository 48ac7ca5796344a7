// SPDX-License-Identifier: MIT
// sim_load: a small load generator for xero-sim. It creates an organisation
// and a grant through the admin API, turns rate limits off, then keeps
// `--connections` HTTP/1.1 keep-alive connections busy with authenticated
// GET /api.xro/2.0/Organisation calls (the full gate: JWT check, tenant,
// scope, limiter bookkeeping, accounting handler) for `--seconds`, and prints
// requests per second. Single-threaded Asio client.
//
//   build-x/src/xero-sim --listen 127.0.0.1:8089 &
//   build-x/bench/sim/sim_load --port 8089 --connections 32 --seconds 5
#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// One blocking admin call (setup only).
nlohmann::json Admin(const tcp::endpoint& ep, const std::string& target,
                     const nlohmann::json& body) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(ep);
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.body() = body.dump();
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (res.result_int() >= 300) throw std::runtime_error(target + ": " + res.body());
  return nlohmann::json::parse(res.body());
}

struct Totals {
  long ok = 0;
  long other = 0;
  Clock::time_point deadline;
};

class Worker : public std::enable_shared_from_this<Worker> {
 public:
  Worker(net::io_context& ioc, tcp::endpoint ep, http::request<http::string_body> req, Totals& t)
      : stream_(ioc), ep_(ep), req_(std::move(req)), totals_(t) {}
  void Start() {
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->DoWrite();
    });
  }

 private:
  void DoWrite() {
    if (Clock::now() >= totals_.deadline) return;
    http::async_write(stream_, req_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec) self->DoRead();
                      });
  }
  void DoRead() {
    res_ = {};
    http::async_read(stream_, buffer_, res_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       (self->res_.result_int() == 200 ? self->totals_.ok : self->totals_.other)++;
                       self->DoWrite();
                     });
  }

  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  http::request<http::string_body> req_;
  Totals& totals_;
  beast::flat_buffer buffer_;
  http::response<http::string_body> res_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("sim_load: requests/s against a running xero-sim");
  int port = 0, connections = 32;
  double seconds = 5;
  std::string path = "/api.xro/2.0/Organisation";
  app.add_option("--port", port, "xero-sim port on 127.0.0.1")->required();
  app.add_option("--connections", connections, "keep-alive connections");
  app.add_option("--seconds", seconds, "duration");
  app.add_option("--path", path, "API path to GET");
  CLI11_PARSE(app, argc, argv);

  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  try {
    std::string tenant = Admin(ep, "/_sim/orgs", {{"name", "Load Ltd"}})["tenant_id"];
    std::string token = Admin(ep, "/_sim/grants", {{"tenant_ids", {tenant}}})["access_token"];
    Admin(ep, "/_sim/limits", {{"enabled", false}});
    http::request<http::string_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token);
    req.set("xero-tenant-id", tenant);
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);

    net::io_context ioc(1);
    Totals totals;
    auto start = Clock::now();
    totals.deadline =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int i = 0; i < connections; ++i) std::make_shared<Worker>(ioc, ep, req, totals)->Start();
    ioc.run();
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%ld ok, %ld other in %.2f s over %d connections: %.0f requests/s\n", totals.ok,
                totals.other, elapsed, connections, static_cast<double>(totals.ok) / elapsed);
    return totals.other == 0 && totals.ok > 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sim_load: " << e.what() << "\n";
    return 1;
  }
}
