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
  // A last chance for tokens not written yet (the token is never logged): the
  // store commits them before it closes.
  for (const auto& [set_id, u] : unsaved_) {
    store_.RecordRefresh(set_id, u.refresh_token, u.scope, [set_id](Status saved) {
      if (saved || saved.error().code() == Code::kFailedPrecondition) return;
      spdlog::critical(
          "token set {}: its rotated refresh token could not be written and is lost at exit; "
          "its connections must be connected again within 30 minutes of its last refresh",
          set_id);
    });
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
  // Unreachable: Xero did not answer lately, the grant is fine (the monitor
  // keeps asking with it).
  const bool usable =
      conn->state == ConnectionState::kActive || conn->state == ConnectionState::kUnreachable;
  if (!usable || conn->token_set_id == 0) {
    return Post(std::move(done),
                Fail(Code::kFailedPrecondition,
                     fmt::format("connection '{}' is {}{}{}", name, ToString(conn->state),
                                 conn->reason.empty() ? "" : ": ", conn->reason)));
  }
  Acquire(conn->token_set_id, conn->tenant_id, conn->kind, std::move(done));
}

void TokenManager::GetTokenSetAccess(std::int64_t token_set_id, AccessCallback done) {
  auto set = store_.GetTokenSet(token_set_id);
  if (!set) return Post(std::move(done), Fail(set.error()));
  Acquire(token_set_id, "", set->kind, std::move(done));
}

void TokenManager::Acquire(std::int64_t set_id, const std::string& tenant_id, ConnectionKind kind,
                           AccessCallback done) {
  auto hit = cache_.find(set_id);
  if (hit != cache_.end() && clock_.Now() + options_.refresh_margin < hit->second.expires_at) {
    return Post(std::move(done),
                AccessGrant{hit->second.token, tenant_id, hit->second.expires_at, set_id, kind});
  }
  auto [it, fresh] = flights_.try_emplace(set_id);
  it->second.waiters.push_back({tenant_id, std::move(done)});
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
      Cached c{out.token.access_token, clock_.Now() + out.token.expires_in};
      cache_[set_id] = c;
      return SaveRefresh(set_id, out.token,
                         [this, set_id, c, kind] { FinishFlight(set_id, c, kind); });
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
        store_.KillTokenSet(set_id, state, reason,
                            [this, alive = alive_, set_id, state, reason, kind](auto changed) {
                              if (!*alive) return;
                              if (!changed) {
                                spdlog::error("token set {}: {}", set_id,
                                              changed.error().message());
                              }
                              FinishFlight(set_id, Fail(Code::kFailedPrecondition, reason), kind);
                              if (changed) Notify(*changed, state, reason);
                            });
        return;
      }
      return FinishFlight(set_id, Fail(out.ToError()), kind);
    }
    case TokenOutcome::Kind::kUnreachable:
    case TokenOutcome::Kind::kServer:
      return FinishFlight(set_id, Fail(out.ToError()), kind);
  }
}

void TokenManager::SaveRefresh(std::int64_t set_id, const connection::TokenResponse& token,
                               std::function<void()> then) {
  if (!token.refresh_token.empty()) {
    // Newest first: a refresh before the write ends sends this one.
    auto& u = unsaved_[set_id];
    u.refresh_token = token.refresh_token;
    u.scope = token.scope;
    u.next_delay = options_.save_retry_delay;
  }
  store_.RecordRefresh(set_id, token.refresh_token, token.scope,
                       [this, alive = alive_, set_id, written = token.refresh_token,
                        then = std::move(then)](Status saved) {
                         if (!*alive) return;
                         OnSaved(set_id, written, saved);
                         then();
                       });
}

void TokenManager::OnSaved(std::int64_t set_id, const std::string& token, const Status& saved) {
  auto u = unsaved_.find(set_id);
  const bool newest = u != unsaved_.end() && u->second.refresh_token == token;
  if (saved || saved.error().code() == Code::kFailedPrecondition || token.empty()) {
    if (!saved)
      spdlog::warn("token set {}: refresh not recorded: {}", set_id, saved.error().message());
    if (newest) unsaved_.erase(u);  // written, or the set is dead or gone
    return;
  }
  if (!newest || u->second.retrying) return;  // a newer token, or its retry, is on its way
  spdlog::error(
      "token set {}: could not write the rotated refresh token ({}); it is kept in memory and "
      "written again until the write succeeds",
      set_id, saved.error().message());
  u->second.retrying = true;
  RetrySave(set_id);
}

void TokenManager::RetrySave(std::int64_t set_id) {
  auto it = unsaved_.find(set_id);
  if (it == unsaved_.end()) return;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, it->second.next_delay);
  timer->async_wait([this, alive = alive_, timer, set_id](boost::system::error_code ec) {
    if (ec || !*alive) return;
    auto u = unsaved_.find(set_id);
    if (u == unsaved_.end()) return;  // written meanwhile, or forgotten
    std::string token = u->second.refresh_token;
    store_.RecordRefresh(
        set_id, token, u->second.scope, [this, alive, set_id, token](Status saved) {
          if (!*alive) return;
          auto v = unsaved_.find(set_id);
          if (v == unsaved_.end()) return;
          if (saved || saved.error().code() == Code::kFailedPrecondition) {
            if (saved)
              spdlog::info("token set {}: the rotated refresh token is written now", set_id);
            if (v->second.refresh_token == token) {
              unsaved_.erase(v);
              return;
            }
          } else {
            v->second.next_delay = std::min(v->second.next_delay * 2, options_.save_retry_max);
          }
          RetrySave(set_id);  // failed, or a newer token came meanwhile
        });
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

void TokenManager::MarkUnusable(const std::string& name, ConnectionState state,
                                const std::string& reason, std::function<void(Status)> done) {
  store_.SetState(
      name, state, reason,
      [this, alive = alive_, name, state, reason, done = std::move(done)](Result<bool> changed) {
        if (!*alive) return;
        if (changed && *changed) Notify({name}, state, reason);
        if (!changed) {
          spdlog::error("connection {}: {}", name, changed.error().message());
        }
        if (done) done(changed ? Ok() : Status(Fail(changed.error())));
      });
}

}  // namespace xerod
