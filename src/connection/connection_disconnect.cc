// SPDX-License-Identifier: MIT
// ConnectionManager::Disconnect: DELETE /connections/{id}, revoke when unused, keep history.
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "connection/token_endpoint.h"
#include "xerod/connection_manager.h"

namespace xerod {

void ConnectionManager::Disconnect(const std::string& name, std::function<void(Status)> done) {
  auto conn = store_.Get(name);
  if (!conn) {
    return boost::asio::post(io_, [done = std::move(done), e = conn.error()] { done(Fail(e)); });
  }
  if (conn->state != ConnectionState::kActive) {
    // Nothing to tell Xero with: the grant is dead or the tenant gone already.
    return FinishDisconnect(*conn, Ok(), std::move(done));
  }
  tokens_.GetAccessToken(name, [this, alive = alive_, c = *conn,
                                done = std::move(done)](Result<AccessGrant> grant) mutable {
    if (!*alive) return;
    if (!grant) {
      return FinishDisconnect(c, Fail(grant.error()), std::move(done));
    }
    if (c.kind == ConnectionKind::kCustom || c.xero_connection_id.empty()) {
      return FinishDisconnect(c, Ok(), std::move(done));
    }
    DeleteAtXero(c, grant->access_token, [this, c, done = std::move(done)](Status s) mutable {
      FinishDisconnect(c, std::move(s), std::move(done));
    });
  });
}

void ConnectionManager::DeleteAtXero(const ConnectionInfo& conn, const std::string& access_token,
                                     std::function<void(Status)> done) {
  HttpRequest r;
  r.method = HttpMethod::kDelete;
  r.url = app_->api_url + "/connections/" + connection::UrlEncode(conn.xero_connection_id);
  r.Header("Authorization", "Bearer " + access_token, true);
  r.total_timeout = app_->request_timeout;
  http_.Send(std::move(r), [alive = alive_, done = std::move(done)](HttpResponse res) {
    if (!*alive) return;
    if (!res.ok()) {
      return done(Fail(Code::kUnavailable, fmt::format("DELETE /connections: {}: {}",
                                                       ToString(res.error), res.error_message)));
    }
    // 404 / 403: the connection is gone at Xero already.
    if (res.status == 204 || res.status == 200 || res.status == 404 || res.status == 403) {
      return done(Ok());
    }
    done(Fail(Code::kUnavailable, fmt::format("DELETE /connections: HTTP {}", res.status)));
  });
}

void ConnectionManager::FinishDisconnect(const ConnectionInfo& conn, Status xero_side,
                                         std::function<void(Status)> done) {
  std::string reason = xero_side ? std::string(kDisconnectedByXerod)
                                 : std::string(kDisconnectedByXerod) +
                                       " (Xero was not told: " + xero_side.error().message() + ")";
  tokens_.MarkUnusable(
      conn.name, ConnectionState::kDisconnected, reason,
      [this, alive = alive_, conn, xero_side, done = std::move(done)](Status s) mutable {
        if (!*alive) return;
        if (!s) return done(Fail(s.error()));
        ReleaseGrant(conn, std::move(xero_side), std::move(done));
      });
}

void ConnectionManager::ReleaseGrant(const ConnectionInfo& conn, Status xero_side,
                                     std::function<void(Status)> done) {
  auto finish = [done = std::move(done), xero_side](Status revoke) mutable {
    if (!xero_side)
      return done(Fail(Code::kUnavailable, "disconnected locally; " + xero_side.error().message()));
    if (!revoke) return done(Fail(Code::kUnavailable, "disconnected; " + revoke.error().message()));
    done(Ok());
  };
  if (conn.token_set_id == 0) return finish(Ok());
  auto users = store_.UsersOfTokenSet(conn.token_set_id);
  if (!users) return finish(Fail(users.error()));
  auto set = store_.GetTokenSet(conn.token_set_id);
  if (!set) return finish(Fail(set.error()));
  if (*users > 0 || set->dead || set->kind != ConnectionKind::kOAuth) {
    if (*users == 0) tokens_.Forget(conn.token_set_id);
    return finish(Ok());
  }
  // Last user of the grant: revoke its refresh token (this removes the user's
  // remaining connections to the app at Xero as well).
  tokens_.Forget(conn.token_set_id);
  std::string token = set->refresh_token;
  std::int64_t set_id = conn.token_set_id;
  tokens_.RevokeToken(
      token, [this, alive = alive_, set_id, finish = std::move(finish)](Status s) mutable {
        if (!*alive) return;
        if (!s) return finish(std::move(s));
        store_.KillTokenSet(set_id, ConnectionState::kRevoked, "revoked by xerod at disconnect",
                            [alive, finish = std::move(finish)](auto killed) mutable {
                              if (!*alive) return;
                              if (!killed) return finish(Fail(killed.error()));
                              finish(Ok());
                            });
      });
}

}  // namespace xerod
