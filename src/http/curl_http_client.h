// SPDX-License-Identifier: MIT
// HttpClient on libcurl's multi-socket interface, driven by a boost::asio
// io_context: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION)
// and when to wake it (CURLMOPT_TIMERFUNCTION); we wait with
// posix::stream_descriptor / steady_timer and call curl_multi_socket_action.
// One multi handle holds the connection cache, so keep-alive connections are
// reused across requests; easy handles are pooled.
#pragma once

#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/curl_handles.h"
#include "http/curl_transfer.h"
#include "http/extra_ca.h"
#include "xerod/http_client.h"

namespace xerod::http {

class CurlHttpClient final : public HttpClient {
 public:
  static Result<std::unique_ptr<CurlHttpClient>> Create(boost::asio::io_context& io,
                                                        HttpClientOptions options);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  void Send(HttpRequest request, HttpCallback done) override;
  void Shutdown() override;
  std::size_t InFlight() const override { return transfers_.size(); }

 private:
  // One socket curl asked us to watch. Shared with pending async_wait handlers,
  // which check `closed` (curl said CURL_POLL_REMOVE) before doing anything.
  struct Socket {
    explicit Socket(boost::asio::io_context& io) : descriptor(io) {}
    boost::asio::posix::stream_descriptor descriptor;
    int what = 0;  // CURL_POLL_IN / OUT / INOUT: what curl wants now
    bool reading = false;
    bool writing = false;
    bool closed = false;
  };
  enum class Direction { kRead, kWrite };

  CurlHttpClient(boost::asio::io_context& io, HttpClientOptions options,
                 std::optional<ExtraCa> extra_ca);
  // libcurl's global state and the multi handle, made by the first request.
  Status StartMulti();

  static int SocketCallback(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp);
  static int TimerCallback(CURLM* multi, long timeout_ms, void* userp);

  void OnSocket(curl_socket_t fd, int what);
  void Watch(const std::shared_ptr<Socket>& socket, Direction direction);
  void OnSocketReady(const std::shared_ptr<Socket>& socket, curl_socket_t fd, Direction direction,
                     const boost::system::error_code& ec);
  void CloseSocket(curl_socket_t fd);
  void OnTimer(long timeout_ms);
  void Action(curl_socket_t fd, int events);
  void DrainCompletions();
  void Finish(CURL* easy, CURLcode result);
  void Deliver(HttpCallback done, HttpResponse response);
  CurlEasy TakeEasy();
  void ReturnEasy(CurlEasy easy);

  boost::asio::io_context& io_;
  HttpClientOptions options_;
  std::optional<ExtraCa> extra_ca_;
  std::string user_agent_;
  CurlMulti multi_;  // null until the first request
  boost::asio::steady_timer timer_;
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> transfers_;
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
  std::vector<CurlEasy> idle_easy_;
  bool shut_down_ = false;
  // Handlers hold a weak_ptr to this: expired means the client is gone.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace xerod::http
