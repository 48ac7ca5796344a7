// SPDX-License-Identifier: MIT
#include "http/curl_http_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <mutex>

#include "http/request_log.h"
#include "xerod/version.h"

namespace xerod::http {
namespace asio = boost::asio;

Status CurlGlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    const std::string& load = CurlLoaderError();
    return Fail(Code::kInternal,
                load.empty() ? std::string("curl_global_init failed: ") + curl_easy_strerror(result)
                             : load);
  }
  return Ok();
}

namespace {

HttpResponse Aborted(std::string why) {
  HttpResponse r;
  r.error = HttpError::kAborted;
  r.error_message = std::move(why);
  return r;
}

// Idle easy handles kept for reuse; more than this are freed.
constexpr std::size_t kMaxIdleEasy = 256;

}  // namespace

Result<std::unique_ptr<CurlHttpClient>> CurlHttpClient::Create(asio::io_context& io,
                                                               HttpClientOptions options) {
  // An extra CA is checked now, so a bad ca_file stops the start. libcurl (and
  // with it OpenSSL, whose initialisation alone costs over 2 MiB of memory) is
  // set up by the first request: a daemon with nothing to send stays small.
  std::optional<ExtraCa> extra_ca;
  if (!options.ca_file.empty()) {
    Result<ExtraCa> ca = ExtraCa::Load(options.ca_file);
    if (!ca) return Fail(ca.error());
    extra_ca = std::move(*ca);
  }
  return std::unique_ptr<CurlHttpClient>(
      new CurlHttpClient(io, std::move(options), std::move(extra_ca)));
}

CurlHttpClient::CurlHttpClient(asio::io_context& io, HttpClientOptions options,
                               std::optional<ExtraCa> extra_ca)
    : io_(io),
      options_(std::move(options)),
      extra_ca_(std::move(extra_ca)),
      user_agent_(options_.user_agent.empty() ? std::string("xerod/") + kVersion
                                              : options_.user_agent),
      timer_(io) {}

Status CurlHttpClient::StartMulti() {
  if (multi_) return Ok();
  if (Status s = CurlGlobalInit(); !s) return s;
  multi_.reset(curl_multi_init());
  if (!multi_) return Fail(Code::kInternal, "curl_multi_init failed");
  CURLM* m = multi_.get();
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &CurlHttpClient::SocketCallback);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::TimerCallback);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, this);
  curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_host_connections);
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_total_connections);
  // Keep as many idle connections as we may open, so keep-alive survives bursts.
  long cache = options_.max_total_connections > 0 ? options_.max_total_connections : 64;
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, cache);
  return Ok();
}

CurlHttpClient::~CurlHttpClient() {
  Shutdown();
  idle_easy_.clear();
  // Closing cached connections calls SocketCallback(CURL_POLL_REMOVE) while
  // every member is still alive.
  multi_.reset();
  for (auto& [fd, socket] : sockets_) {
    socket->closed = true;
    socket->descriptor.release();
  }
  sockets_.clear();
}

void CurlHttpClient::Send(HttpRequest request, HttpCallback done) {
  if (shut_down_) {
    Deliver(std::move(done), Aborted("HTTP client is shut down"));
    return;
  }
  if (Status started = StartMulti(); !started) {
    HttpResponse r;
    r.error = HttpError::kOther;
    r.error_message = started.error().message();
    Deliver(std::move(done), std::move(r));
    return;
  }
  auto transfer = std::make_unique<CurlTransfer>(std::move(request), std::move(done), TakeEasy());
  if (!transfer->easy()) {
    HttpResponse r;
    r.error = HttpError::kOther;
    r.error_message = "curl_easy_init failed";
    Deliver(transfer->TakeCallback(), std::move(r));
    return;
  }
  TransferDefaults defaults{options_.connect_timeout, options_.request_timeout, &user_agent_,
                            extra_ca_ ? &*extra_ca_ : nullptr};
  if (Status s = transfer->Configure(defaults); !s) {
    HttpResponse r;
    r.error = HttpError::kOther;
    r.error_message = s.error().message();
    ReturnEasy(transfer->ReleaseEasy());
    Deliver(transfer->TakeCallback(), std::move(r));
    return;
  }
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("http: send {}", DescribeRequest(transfer->request()));
  }
  CURL* easy = transfer->easy();
  transfers_.emplace(easy, std::move(transfer));
  if (CURLMcode rc = curl_multi_add_handle(multi_.get(), easy); rc != CURLM_OK) {
    auto node = transfers_.extract(easy);
    HttpResponse r;
    r.error = HttpError::kOther;
    r.error_message = std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc);
    ReturnEasy(node.mapped()->ReleaseEasy());
    Deliver(node.mapped()->TakeCallback(), std::move(r));
  }
}

void CurlHttpClient::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  timer_.cancel();
  auto transfers = std::move(transfers_);
  transfers_.clear();
  for (auto& [easy, transfer] : transfers) {
    curl_multi_remove_handle(multi_.get(), easy);
    spdlog::debug("http: aborted {} {}", ToString(transfer->request().method),
                  RedactUrl(transfer->request().url));
    Deliver(transfer->TakeCallback(), Aborted("HTTP client shut down with transfer in flight"));
  }
  // The easy handles of aborted transfers are freed, not pooled: they may hold
  // half-used connections, which curl closes.
}

void CurlHttpClient::Deliver(HttpCallback done, HttpResponse response) {
  asio::post(io_, [done = std::move(done), response = std::move(response)]() mutable {
    done(std::move(response));
  });
}

CurlEasy CurlHttpClient::TakeEasy() {
  if (idle_easy_.empty()) return CurlEasy(curl_easy_init());
  CurlEasy easy = std::move(idle_easy_.back());
  idle_easy_.pop_back();
  curl_easy_reset(easy.get());
  return easy;
}

void CurlHttpClient::ReturnEasy(CurlEasy easy) {
  if (easy && idle_easy_.size() < kMaxIdleEasy) idle_easy_.push_back(std::move(easy));
}

int CurlHttpClient::SocketCallback(CURL* /*easy*/, curl_socket_t fd, int what, void* userp,
                                   void* /*socketp*/) {
  static_cast<CurlHttpClient*>(userp)->OnSocket(fd, what);
  return 0;
}

void CurlHttpClient::OnSocket(curl_socket_t fd, int what) {
  if (what == CURL_POLL_REMOVE) {
    CloseSocket(fd);
    return;
  }
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) {
    auto socket = std::make_shared<Socket>(io_);
    boost::system::error_code ec;
    socket->descriptor.assign(fd, ec);
    if (ec) {
      spdlog::error("http: cannot watch socket {}: {}", fd, ec.message());
      return;  // curl times the transfer out
    }
    it = sockets_.emplace(fd, std::move(socket)).first;
  }
  std::shared_ptr<Socket> socket = it->second;
  socket->what = what;
  if ((what & CURL_POLL_IN) != 0 && !socket->reading) Watch(socket, Direction::kRead);
  if ((what & CURL_POLL_OUT) != 0 && !socket->writing) Watch(socket, Direction::kWrite);
}

void CurlHttpClient::CloseSocket(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  it->second->closed = true;
  // curl owns the fd and closes it right after this callback: only stop
  // watching (release() deregisters and cancels pending waits).
  it->second->descriptor.release();
  sockets_.erase(it);
}

void CurlHttpClient::Watch(const std::shared_ptr<Socket>& socket, Direction direction) {
  bool read = direction == Direction::kRead;
  (read ? socket->reading : socket->writing) = true;
  curl_socket_t fd = socket->descriptor.native_handle();
  socket->descriptor.async_wait(
      read ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
      [this, alive = std::weak_ptr<char>(alive_), socket, fd,
       direction](const boost::system::error_code& ec) {
        if (alive.expired()) return;
        OnSocketReady(socket, fd, direction, ec);
      });
}

void CurlHttpClient::OnSocketReady(const std::shared_ptr<Socket>& socket, curl_socket_t fd,
                                   Direction direction, const boost::system::error_code& ec) {
  bool read = direction == Direction::kRead;
  (read ? socket->reading : socket->writing) = false;
  if (shut_down_ || socket->closed || ec == asio::error::operation_aborted) return;
  int wanted = read ? CURL_POLL_IN : CURL_POLL_OUT;
  if ((socket->what & wanted) == 0) return;  // curl lost interest meanwhile
  int events = ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
  Action(fd, events);
  // curl may have removed the socket or changed its interest during Action.
  if (!socket->closed && (socket->what & wanted) != 0 &&
      !(read ? socket->reading : socket->writing)) {
    Watch(socket, direction);
  }
}

int CurlHttpClient::TimerCallback(CURLM* /*multi*/, long timeout_ms, void* userp) {
  static_cast<CurlHttpClient*>(userp)->OnTimer(timeout_ms);
  return 0;
}

void CurlHttpClient::OnTimer(long timeout_ms) {
  if (timeout_ms < 0) {
    timer_.cancel();
    return;
  }
  // Never call curl from inside its callback: even a 0 ms timeout goes
  // through the loop.
  timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  timer_.async_wait(
      [this, alive = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
        if (alive.expired() || ec == asio::error::operation_aborted) return;
        Action(CURL_SOCKET_TIMEOUT, 0);
      });
}

void CurlHttpClient::Action(curl_socket_t fd, int events) {
  if (shut_down_) return;
  int running = 0;
  CURLMcode rc = curl_multi_socket_action(multi_.get(), fd, events, &running);
  if (rc != CURLM_OK) spdlog::error("http: curl_multi_socket_action: {}", curl_multi_strerror(rc));
  DrainCompletions();
}

void CurlHttpClient::DrainCompletions() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // Copy before removing the handle: msg is invalid afterwards.
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    Finish(easy, result);
  }
}

void CurlHttpClient::Finish(CURL* easy, CURLcode result) {
  auto node = transfers_.extract(easy);
  curl_multi_remove_handle(multi_.get(), easy);
  if (node.empty()) return;
  CurlTransfer& t = *node.mapped();
  HttpResponse response = t.TakeResponse(result);
  if (spdlog::should_log(spdlog::level::debug)) {
    if (response.ok()) {
      spdlog::debug("http: {} {} -> {} ({} bytes, {} ms)", ToString(t.request().method),
                    RedactUrl(t.request().url), response.status, response.body.size(),
                    response.total_time.count());
    } else {
      spdlog::debug("http: {} {} -> {}: {}", ToString(t.request().method),
                    RedactUrl(t.request().url), ToString(response.error), response.error_message);
    }
  }
  ReturnEasy(t.ReleaseEasy());
  Deliver(t.TakeCallback(), std::move(response));
}

}  // namespace xerod::http

namespace xerod {

Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(boost::asio::io_context& io,
                                                       HttpClientOptions options) {
  auto client = http::CurlHttpClient::Create(io, std::move(options));
  if (!client) return Fail(client.error());
  return std::unique_ptr<HttpClient>(std::move(*client));
}

}  // namespace xerod
