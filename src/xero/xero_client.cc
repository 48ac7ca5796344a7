// SPDX-License-Identifier: MIT
// XeroClient: token + limiter + request + classification.
#include "xerod/xero_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection/token_endpoint.h"
#include "xerod/ascii.h"

namespace xerod {

struct XeroClient::CallState {
  std::string connection;
  XeroRequest request;
  XeroCallback done;
  AccessGrant grant;
  bool retried_token = false;
  std::unique_ptr<boost::asio::steady_timer> timer;
};

XeroClient::XeroClient(boost::asio::io_context& io, HttpClient& http, TokenManager& tokens,
                       ConnectionStore& store, RateLimiter& limiter, Clock& clock,
                       XeroClientOptions options)
    : io_(io),
      http_(http),
      tokens_(tokens),
      store_(store),
      limiter_(limiter),
      clock_(clock),
      options_(std::move(options)),
      alive_(std::make_shared<bool>(true)) {
  options_.api_url = std::string(WithoutTrailingSlashes(options_.api_url));
}

XeroClient::~XeroClient() { *alive_ = false; }

void XeroClient::Call(const std::string& connection, XeroRequest request, XeroCallback done) {
  auto call = std::make_shared<CallState>();
  call->connection = connection;
  call->request = std::move(request);
  call->done = std::move(done);
  ++in_flight_;
  Start(std::move(call));
}

void XeroClient::Call(const std::string& connection, HttpMethod method, std::string path,
                      std::string body, std::optional<std::string> idempotency_key,
                      XeroCallback done) {
  XeroRequest request;
  request.method = method;
  request.path = std::move(path);
  request.body = std::move(body);
  request.idempotency_key = std::move(idempotency_key);
  Call(connection, std::move(request), std::move(done));
}

void XeroClient::GetOrganisation(const std::string& connection, XeroCallback done) {
  Call(connection, HttpMethod::kGet, std::string(kAccountingPath) + "/Organisation", "",
       std::nullopt, std::move(done));
}

namespace {

// A token the TokenManager could not give, as a result.
XeroResult FromTokenError(const Error& error) {
  XeroResult r;
  r.reason = error.message();
  switch (error.code()) {
    case Code::kFailedPrecondition:
      r.result_class = XeroResultClass::kConnection;
      r.failure = XeroFailure::kConnectionUnusable;
      break;
    case Code::kNotFound:
      r.result_class = XeroResultClass::kConnection;
      r.failure = XeroFailure::kUnknownConnection;
      break;
    case Code::kPermissionDenied:
      r.result_class = XeroResultClass::kConnection;
      r.failure = XeroFailure::kAppRefused;
      break;
    case Code::kInvalidArgument:
      r.result_class = XeroResultClass::kPermanent;
      r.failure = XeroFailure::kRejected;
      break;
    default:
      r.result_class = XeroResultClass::kTransient;  // token endpoint or store busy
      r.failure = XeroFailure::kTokenUnavailable;
      break;
  }
  r.messages.push_back(r.reason);
  return r;
}

}  // namespace

void XeroClient::Start(std::shared_ptr<CallState> call) {
  tokens_.GetAccessToken(call->connection, [this, alive = alive_,
                                            call](Result<AccessGrant> grant) mutable {
    if (!*alive) return;
    if (!grant) {
      XeroResult r = FromTokenError(grant.error());
      if (r.failure == XeroFailure::kConnectionUnusable || r.failure == XeroFailure::kAppRefused) {
        if (auto info = store_.Get(call->connection)) r.connection_state = info->state;
      }
      return Finish(std::move(call), std::move(r));
    }
    call->grant = std::move(*grant);
    Acquire(std::move(call));
  });
}

void XeroClient::Acquire(std::shared_ptr<CallState> call) {
  auto wait = limiter_.TryAcquire(call->grant.tenant_id, clock_.Now());
  if (!wait) return Send(std::move(call));
  if (*wait == Duration::max()) {
    XeroResult r;
    r.result_class = XeroResultClass::kPermanent;
    r.failure = XeroFailure::kNeverAdmitted;
    r.reason = "the configured rate limits can never admit this call";
    return Finish(std::move(call), std::move(r));
  }
  if (!call->timer) call->timer = std::make_unique<boost::asio::steady_timer>(io_);
  call->timer->expires_after(std::max(*wait, Duration(1)));
  call->timer->async_wait([this, alive = alive_, call](boost::system::error_code ec) mutable {
    if (!*alive || ec) return;
    Acquire(std::move(call));
  });
}

void XeroClient::Send(std::shared_ptr<CallState> call) {
  const XeroRequest& x = call->request;
  HttpRequest req;
  req.method = x.method;
  req.url = options_.api_url + x.path;
  req.Header("Authorization", "Bearer " + call->grant.access_token, true);
  req.Header("xero-tenant-id", call->grant.tenant_id);
  req.Header("Accept", "application/json");
  if (!x.body.empty()) req.Header("Content-Type", "application/json");
  if (x.idempotency_key) req.Header("Idempotency-Key", *x.idempotency_key);
  if (x.if_modified_since) req.Header("If-Modified-Since", XeroDateTime(*x.if_modified_since));
  req.body = x.body;
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
    // TimePoint is whole milliseconds, truncated: the response may have
    // arrived up to 1 ms after `now` says, and Xero may have counted the call
    // that much later too. Releasing one tick later keeps the limiter's window
    // argument exact (without it a fixed window can see limit + 1 calls; seen
    // against xero-sim with 3 s windows).
    TimePoint now = clock_.Now() + Duration(1);
    limiter_.Release(tenant, now);
    if (response.ok()) limiter_.Observe(tenant, response.headers, response.status, now);
  }
  XeroResult r = ClassifyResponse(call->request.method, response);
  bool token_refused =
      r.failure == XeroFailure::kTokenExpired || r.failure == XeroFailure::kTokenRejected;
  if (token_refused && !call->retried_token) {
    // The access token was refused: refresh once and retry once.
    call->retried_token = true;
    tokens_.Invalidate(call->grant.token_set_id, call->grant.access_token);
    return Start(std::move(call));
  }
  if (r.result_class == XeroResultClass::kConnection && Superseded(*call)) {
    // The connection was bound to a new grant while this call was on the wire
    // (it was reconnected): the refusal speaks of the old one. Retry.
    r.result_class = XeroResultClass::kTransient;
    r.reason += " (the connection was reconnected while this call was in flight)";
  } else if (r.result_class == XeroResultClass::kConnection) {
    ConnectionState state = ConnectionState::kDisconnected;
    if (r.failure == XeroFailure::kMissingScope) {
      state = ConnectionState::kMissingScope;
    } else if (token_refused) {
      state = ConnectionState::kExpired;
      r.reason += " (again after a refresh)";
    }
    r.connection_state = state;
    // Stored before the caller hears of it: what it does next (park the
    // connection's jobs, report the state) reads it.
    std::string connection = call->connection, reason = r.reason;
    return tokens_.MarkUnusable(
        connection, state, reason,
        [this, alive = alive_, call = std::move(call), r = std::move(r)](Status) mutable {
          if (*alive) Finish(std::move(call), std::move(r));
        });
  } else if (r.ok()) {
    TimePoint now = clock_.Now();
    auto& last = success_written_[call->connection];
    if (now - last >= options_.success_write_interval) {
      last = now;
      store_.MarkSuccess(call->connection);
    }
  }
  Finish(std::move(call), std::move(r));
}

bool XeroClient::Superseded(const CallState& call) {
  auto now = store_.Get(call.connection);
  return now && now->token_set_id != call.grant.token_set_id;
}

void XeroClient::Finish(std::shared_ptr<CallState> call, XeroResult result) {
  --in_flight_;
  XeroCallback done = std::move(call->done);
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace xerod
