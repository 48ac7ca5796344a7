// SPDX-License-Identifier: MIT
// xero-sim: a faithful Xero simulator for xerod's tests, benchmarks and demo.
// See docs/xero-sim.md for the endpoints and the admin API.
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <string>

#include "sim/capture.h"
#include "sim/router.h"
#include "sim/server.h"
#include "sim/sim_state.h"

int main(int argc, char** argv) {
  // 1. Arguments.
  CLI::App app("xero-sim: a Xero simulator for tests, benchmarks and the demo");
  xero_sim::ServerOptions options;
  std::string port_file;
  std::string state_file;
  std::string capture_file;
  app.add_option("--listen", options.listen, "HOST:PORT to listen on (port 0: ephemeral)");
  app.add_option("--port-file", port_file, "write the bound port to this file");
  app.add_option("--state", state_file, "load state from FILE at start, save it on exit");
  app.add_option("--tls-cert", options.tls_cert, "PEM certificate chain (serve HTTPS)");
  app.add_option("--tls-key", options.tls_key, "PEM private key for --tls-cert");
  app.add_option("--capture", capture_file,
                 "append one JSON line per accounting write request to FILE");
  CLI11_PARSE(app, argc, argv);

  // 2. State, loaded from --state if the file exists.
  xero_sim::SimState state;
  if (!state_file.empty()) {
    if (auto err = xero_sim::LoadStateFile(state, state_file)) {
      std::cerr << "xero-sim: " << *err << "\n";
      return 1;
    }
  }

  // 3. The capture file (--capture), appended to.
  xero_sim::Capture capture;
  if (!capture_file.empty()) {
    if (auto err = capture.Open(capture_file)) {
      std::cerr << "xero-sim: " << *err << "\n";
      return 1;
    }
  }

  // 4. Listen, and tell the caller where.
  boost::asio::io_context ioc(1);
  xero_sim::Router router(state, state_file, capture.enabled() ? &capture : nullptr);
  xero_sim::Server server(ioc, router);
  if (auto err = server.Listen(options)) {
    std::cerr << "xero-sim: " << *err << "\n";
    return 1;
  }
  std::cout << "listening on " << server.url() << std::endl;
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << server.port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }

  // 5. SIGTERM/SIGINT: save the state (if --state) and stop.
  int exit_code = 0;
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    if (!state_file.empty()) {
      if (auto err = xero_sim::SaveStateFile(state, state_file)) {
        std::cerr << "xero-sim: " << *err << "\n";
        exit_code = 1;
      }
    }
    server.Stop();
    ioc.stop();
  });

  // 6. Serve.
  server.Start();
  ioc.run();
  return exit_code;
}
