// SPDX-License-Identifier: MIT
// TokenManager: single-flight refresh, persist-before-use, lost-answer retry.
#include "xerod/token_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection/token_endpoint.h"

namespace xerod {

using connection::TokenOutcome;

TokenManager::TokenManager(boost::asio::io_context& io, HttpClient& http, ConnectionStore& store,
                           Clock& clock, const XeroConfig& config, Secret client_secret,
                           TokenManagerOptions options)
    : io_(io),
      http_(http),
      store_(store),
      clock_(clock),
      app_(std::make_unique<connection::OAuthApp>(
          connection::OAuthApp::FromConfig(config, std::move(client_secret)))),
      options_(options),
      alive_(std::make_shared<bool>(true)) {}

TokenManager::~TokenManager() {
  *alive_ = false;
  // A last chance for tokens the store refused so far (the token is never logged).
  for (const auto& [set_id, u] : unsaved_) {
    if (store_.RecordRefresh(set_id, u.refresh_token, u.scope)) continue;
    spdlog::critical(
        "token set {}: its rotated refresh token could not be written and is lost at exit; its "
        "connections must be connected again within 30 minutes of its last refresh",
        set_id);
  }
}

void TokenManager::Post(AccessCallback done, Result<AccessGrant> result) {
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void TokenManager::GetAccessToken(const std::string& name, AccessCallback done) {
  auto conn = store_.Get(name);
  if (!conn) return Post(std::move(done), Fail(conn.error()));
  if (conn->state != ConnectionState::kActive || conn->token_set_id == 0) {
    return Post(std::move(done),
                Fail(Code::kFailedPrecondition,
                     fmt::format("connection '{}' is {}{}{}", name, ToString(conn->state),
                                 conn->reason.empty() ? "" : ": ", conn->reason)));
  }
  std::int64_t set_id = conn->token_set_id;
  auto hit = cache_.find(set_id);
  if (hit != cache_.end() && clock_.Now() + options_.refresh_margin < hit->second.expires_at) {
    return Post(std::move(done), AccessGrant{hit->second.token, conn->tenant_id,
                                             hit->second.expires_at, set_id, conn->kind});
  }
  auto [it, fresh] = flights_.try_emplace(set_id);
  it->second.waiters.push_back({conn->tenant_id, std::move(done)});
  if (fresh) StartRequest(set_id);
}

void TokenManager::Invalidate(std::int64_t token_set_id, const std::string& stale_token) {
  auto it = cache_.find(token_set_id);
  if (it != cache_.end() && it->second.token == stale_token) cache_.erase(it);
}

void TokenManager::Forget(std::int64_t token_set_id) {
  cache_.erase(token_set_id);
  unsaved_.erase(token_set_id);
}

void TokenManager::Prime(std::int64_t token_set_id, const std::string& access_token,
                         Duration expires_in) {
  cache_[token_set_id] = Cached{access_token, clock_.Now() + expires_in};
}

void TokenManager::StartRequest(std::int64_t set_id) {
  auto set = store_.GetTokenSet(set_id);
  if (!set) return FinishFlight(set_id, Fail(set.error()), ConnectionKind::kOAuth);
  if (set->dead) {
    return FinishFlight(set_id,
                        Fail(Code::kFailedPrecondition, "token set is dead: " + set->dead_reason),
                        set->kind);
  }
  std::vector<std::pair<std::string, std::string>> form;
  if (set->kind == ConnectionKind::kCustom) {
    form = {{"grant_type", "client_credentials"}};
  } else {
    // The newest token: one the store could not take yet wins over the stored one.
    auto unsaved = unsaved_.find(set_id);
    const std::string& token =
        unsaved != unsaved_.end() ? unsaved->second.refresh_token : set->refresh_token;
    form = {{"grant_type", "refresh_token"}, {"refresh_token", token}};
  }
  ConnectionKind kind = set->kind;
  RequestToken(std::move(form),
               [this, set_id, kind](const TokenOutcome& out) { OnAnswer(set_id, kind, out); });
}

void TokenManager::RequestToken(std::vector<std::pair<std::string, std::string>> form,
                                std::function<void(const TokenOutcome&)> done) {
  ++token_requests_;
  http_.Send(connection::TokenEndpointRequest(*app_, "/connect/token", form),
             [alive = alive_, done = std::move(done)](HttpResponse response) {
               if (!*alive) return;
               done(connection::ReadTokenResponse(response));
             });
}

void TokenManager::RevokeToken(const std::string& refresh_token, std::function<void(Status)> done) {
  http_.Send(
      connection::TokenEndpointRequest(
          *app_, "/connect/revocation",
          {{"token", refresh_token}, {"token_type_hint", "refresh_token"}}),
      [alive = alive_, done = std::move(done)](HttpResponse r) {
        if (!*alive) return;
        if (!r.ok()) {
          return done(Fail(Code::kUnavailable,
                           fmt::format("revocation: {}: {}", ToString(r.error), r.error_message)));
        }
        if (r.status != 200) {
          return done(Fail(Code::kUnavailable, fmt::format("revocation: HTTP {}", r.status)));
        }
        done(Ok());
      });
}

void TokenManager::OnAnswer(std::int64_t set_id, ConnectionKind kind, const TokenOutcome& out) {
  auto flight = flights_.find(set_id);
  if (flight == flights_.end()) return;
  switch (out.kind) {
    case TokenOutcome::Kind::kOk: {
      // The rotated refresh token is written (or kept to be written) before
      // anyone uses the access token.
      SaveRefresh(set_id, out.token);
      Cached c{out.token.access_token, clock_.Now() + out.token.expires_in};
      cache_[set_id] = c;
      return FinishFlight(set_id, c, kind);
    }
    case TokenOutcome::Kind::kLost:
      // Xero may have rotated the token and we never saw the new one: the one we
      // sent (still the stored one) stays valid for 30 minutes. Try again with it.
      if (flight->second.attempt < options_.lost_retries) {
        ++flight->second.attempt;
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, options_.lost_retry_delay);
        timer->async_wait([this, alive = alive_, timer, set_id](boost::system::error_code ec) {
          if (ec || !*alive) return;
          StartRequest(set_id);
        });
        return;
      }
      return FinishFlight(set_id, Fail(out.ToError()), kind);
    case TokenOutcome::Kind::kRejected: {
      bool kill = out.oauth_error == "invalid_grant" ||
                  (kind == ConnectionKind::kCustom && out.oauth_error == "unauthorized_client");
      if (kill) {
        ConnectionState state = out.oauth_error == "invalid_grant" ? ConnectionState::kExpired
                                                                   : ConnectionState::kRevoked;
        std::string reason =
            out.oauth_error == "invalid_grant"
                ? "invalid_grant: the refresh token is expired, revoked or superseded"
                : "unauthorized_client: the custom connection is no longer authorised";
        cache_.erase(set_id);
        unsaved_.erase(set_id);
        auto changed = store_.KillTokenSet(set_id, state, reason);
        Result<Cached> err = Fail(Code::kFailedPrecondition, reason);
        FinishFlight(set_id, err, kind);
        if (changed) Notify(*changed, state, reason);
        return;
      }
      return FinishFlight(set_id, Fail(out.ToError()), kind);
    }
    case TokenOutcome::Kind::kUnreachable:
    case TokenOutcome::Kind::kServer:
      return FinishFlight(set_id, Fail(out.ToError()), kind);
  }
}

void TokenManager::SaveRefresh(std::int64_t set_id, const connection::TokenResponse& token) {
  Status saved = store_.RecordRefresh(set_id, token.refresh_token, token.scope);
  if (saved) {
    unsaved_.erase(set_id);
    return;
  }
  if (saved.error().code() == Code::kFailedPrecondition || token.refresh_token.empty()) {
    spdlog::warn("token set {}: refresh not recorded: {}", set_id, saved.error().message());
    return;  // the set is dead or gone, or there is no token to keep
  }
  spdlog::error(
      "token set {}: could not write the rotated refresh token ({}); it is kept in memory and "
      "written again until the write succeeds",
      set_id, saved.error().message());
  bool retrying = unsaved_.contains(set_id);
  unsaved_[set_id] = Unsaved{token.refresh_token, token.scope, options_.save_retry_delay};
  if (!retrying) RetrySave(set_id);
}

void TokenManager::RetrySave(std::int64_t set_id) {
  auto it = unsaved_.find(set_id);
  if (it == unsaved_.end()) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, it->second.next_delay);
  timer->async_wait([this, alive = alive_, timer, set_id](boost::system::error_code ec) {
    if (ec || !*alive) return;
    auto u = unsaved_.find(set_id);
    if (u == unsaved_.end()) return;  // written meanwhile, or forgotten
    Status saved = store_.RecordRefresh(set_id, u->second.refresh_token, u->second.scope);
    if (saved || saved.error().code() == Code::kFailedPrecondition) {
      if (saved) spdlog::info("token set {}: the rotated refresh token is written now", set_id);
      unsaved_.erase(u);
      return;
    }
    u->second.next_delay = std::min(u->second.next_delay * 2, options_.save_retry_max);
    RetrySave(set_id);
  });
}

void TokenManager::FinishFlight(std::int64_t set_id, const Result<Cached>& result,
                                ConnectionKind kind) {
  auto it = flights_.find(set_id);
  if (it == flights_.end()) return;
  std::vector<Waiter> waiters = std::move(it->second.waiters);
  flights_.erase(it);
  for (auto& w : waiters) {
    if (result) {
      Post(std::move(w.done),
           AccessGrant{result->token, w.tenant_id, result->expires_at, set_id, kind});
    } else {
      Post(std::move(w.done), Fail(result.error()));
    }
  }
}

void TokenManager::Notify(const std::vector<std::string>& names, ConnectionState state,
                          const std::string& reason) {
  if (!hook_) return;
  for (const auto& n : names) hook_(n, state, reason);
}

Status TokenManager::MarkUnusable(const std::string& name, ConnectionState state,
                                  const std::string& reason) {
  auto changed = store_.SetState(name, state, reason);
  if (!changed) return Fail(changed.error());
  if (*changed) Notify({name}, state, reason);
  return Ok();
}

Status TokenManager::MarkActive(const std::string& name) {
  auto changed = store_.SetState(name, ConnectionState::kActive, "");
  if (!changed) return Fail(changed.error());
  return Ok();
}

}  // namespace xerod
