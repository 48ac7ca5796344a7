// SPDX-License-Identifier: MIT
// XeroClient: token + limiter + request + classification.
#include "xerod/xero_client.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>

#include "connection/token_endpoint.h"

namespace xerod {

struct XeroClient::CallState {
  std::string connection;
  HttpMethod method = HttpMethod::kGet;
  std::string path;
  std::string body;
  std::optional<std::string> idempotency_key;
  XeroCallback done;
  AccessGrant grant;
  bool retried_token = false;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

XeroClient::XeroClient(boost::asio::io_context& io, HttpClient& http, TokenManager& tokens,
                       RateLimiter& limiter, XeroClientOptions options)
    : io_(io),
      http_(http),
      tokens_(tokens),
      limiter_(limiter),
      options_(options),
      start_(std::chrono::steady_clock::now()),
      alive_(std::make_shared<bool>(true)) {}

XeroClient::~XeroClient() { *alive_ = false; }

TimePoint XeroClient::LimiterNow() const {
  if (options_.limiter_time_scale == 1.0) return tokens_.clock().Now();
  auto real = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
  auto scaled = static_cast<std::int64_t>(real.count() * options_.limiter_time_scale);
  return FromUnixMillis(1'000'000'000'000 + scaled);
}

void XeroClient::Call(const std::string& connection, HttpMethod method, std::string path,
                      std::string body, std::optional<std::string> idempotency_key,
                      XeroCallback done) {
  auto call = std::make_shared<CallState>();
  call->connection = connection;
  call->method = method;
  call->path = std::move(path);
  call->body = std::move(body);
  call->idempotency_key = std::move(idempotency_key);
  call->done = std::move(done);
  ++in_flight_;
  Start(std::move(call));
}

void XeroClient::GetOrganisation(const std::string& connection, XeroCallback done) {
  Call(connection, HttpMethod::kGet, std::string(kAccountingPath) + "/Organisation", "",
       std::nullopt, std::move(done));
}

void XeroClient::Start(std::shared_ptr<CallState> call) {
  tokens_.GetAccessToken(
      call->connection, [this, alive = alive_, call](Result<AccessGrant> grant) mutable {
        if (!*alive) return;
        if (!grant) {
          XeroResult r;
          r.reason = grant.error().message();
          switch (grant.error().code()) {
            case Code::kFailedPrecondition:
            case Code::kPermissionDenied: {
              r.result_class = XeroResultClass::kConnection;
              auto info = tokens_.store().Get(call->connection);
              if (info) r.connection_state = info->state;
              break;
            }
            case Code::kNotFound:
            case Code::kInvalidArgument:
              r.result_class = XeroResultClass::kPermanent;
              break;
            default:
              r.result_class = XeroResultClass::kTransient;  // token endpoint or store busy
              break;
          }
          r.messages.push_back(r.reason);
          return Finish(std::move(call), std::move(r));
        }
        call->grant = std::move(*grant);
        Acquire(std::move(call));
      });
}

void XeroClient::Acquire(std::shared_ptr<CallState> call) {
  auto wait = limiter_.TryAcquire(call->grant.tenant_id, LimiterNow());
  if (!wait) return Send(std::move(call));
  if (*wait == Duration::max()) {
    XeroResult r;
    r.result_class = XeroResultClass::kPermanent;
    r.reason = "the configured rate limits can never admit this call";
    return Finish(std::move(call), std::move(r));
  }
  auto real = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double, std::milli>(static_cast<double>(wait->count()) /
                                                options_.limiter_time_scale));
  if (real < std::chrono::milliseconds(1)) real = std::chrono::milliseconds(1);
  if (!call->timer) call->timer = std::make_unique<boost::asio::steady_timer>(io_);
  call->timer->expires_after(real);
  call->timer->async_wait([this, alive = alive_, call](boost::system::error_code ec) mutable {
    if (!*alive || ec) return;
    Acquire(std::move(call));
  });
}

void XeroClient::Send(std::shared_ptr<CallState> call) {
  HttpRequest req;
  req.method = call->method;
  req.url = tokens_.app().api_url + call->path;
  req.Header("Authorization", "Bearer " + call->grant.access_token, true);
  req.Header("xero-tenant-id", call->grant.tenant_id);
  req.Header("Accept", "application/json");
  if (!call->body.empty()) req.Header("Content-Type", "application/json");
  if (call->idempotency_key) req.Header("Idempotency-Key", *call->idempotency_key);
  req.body = call->body;
  req.total_timeout = options_.request_timeout;
  http_.Send(std::move(req), [this, alive = alive_, call](HttpResponse response) mutable {
    if (!*alive) return;
    OnResponse(std::move(call), std::move(response));
  });
}

void XeroClient::OnResponse(std::shared_ptr<CallState> call, HttpResponse response) {
  const std::string& tenant = call->grant.tenant_id;
  if (!response.ok() && !MaybeSent(response.error)) {
    limiter_.Abandon(tenant);
  } else {
    TimePoint now = LimiterNow();
    limiter_.Release(tenant, now);
    if (response.ok()) {
      RateHeaders rh = ParseRateHeaders(response.headers);
      if (rh.retry_after && options_.limiter_time_scale != 1.0) {
        rh.retry_after = Duration(static_cast<std::int64_t>(
            std::ceil(static_cast<double>(rh.retry_after->count()) * options_.limiter_time_scale)));
      }
      limiter_.Observe(tenant, rh, response.status, now);
    }
  }
  XeroResult r = ClassifyResponse(call->method, response);
  if (r.status == 401 && r.reason.starts_with("token") && !call->retried_token) {
    // The access token was refused: refresh once and retry once.
    call->retried_token = true;
    tokens_.Invalidate(call->grant.token_set_id, call->grant.access_token);
    return Start(std::move(call));
  }
  if (r.result_class == XeroResultClass::kConnection) {
    ConnectionState state = ConnectionState::kDisconnected;
    if (r.status == 401) {
      state = r.reason.starts_with("missing scope") ? ConnectionState::kMissingScope
                                                    : ConnectionState::kExpired;
      if (state == ConnectionState::kExpired) r.reason = "expired: 401 after refresh";
    }
    (void)tokens_.MarkUnusable(call->connection, state, r.reason);
    r.connection_state = state;
  } else if (r.ok()) {
    TimePoint now = tokens_.clock().Now();
    auto& last = success_written_[call->connection];
    if (now - last >= options_.success_write_interval) {
      last = now;
      (void)tokens_.store().MarkSuccess(call->connection);
    }
  }
  Finish(std::move(call), std::move(r));
}

void XeroClient::Finish(std::shared_ptr<CallState> call, XeroResult result) {
  --in_flight_;
  XeroCallback done = std::move(call->done);
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace xerod
