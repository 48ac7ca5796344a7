// SPDX-License-Identifier: MIT
// ConnectionManager: connect (PKCE + loopback), add, custom, disconnect, check.
#include "xerod/connection_manager.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <expected>
#include <nlohmann/json.hpp>

#include "connection/loopback_listener.h"
#include "connection/token_endpoint.h"
#include "xerod/json_read.h"
#include "xerod/sha256.h"

namespace xerod {

using connection::TokenOutcome;

struct ConnectionManager::Pending {
  std::string state;
  std::string verifier;
  std::string redirect_uri;
  ConnectOptions options;
  ConnectionCallback done;
  std::shared_ptr<connection::LoopbackListener> listener;
};

ConnectionManager::ConnectionManager(boost::asio::io_context& io, HttpClient& http,
                                     ConnectionStore& store, TokenManager& tokens,
                                     const XeroConfig& xero)
    : io_(io),
      http_(http),
      store_(store),
      tokens_(tokens),
      app_(std::make_unique<const connection::OAuthApp>(
          connection::OAuthApp::FromConfig(xero, Secret()))),
      alive_(std::make_shared<bool>(true)) {}

ConnectionManager::~ConnectionManager() {
  *alive_ = false;
  for (auto& [name, p] : pending_) {
    if (p->listener) p->listener->Close();
  }
}

namespace {
// GET /connections lists a user's organisations, a few hundred bytes each.
constexpr std::size_t kMaxConnectionsAnswerBytes = 4 << 20;

// The non-empty string `key` of element `index` of /connections, or what is wrong.
std::expected<std::string, std::string> RequiredText(const nlohmann::json& element,
                                                     std::size_t index, std::string_view key) {
  std::optional<std::string> value = json_read::String(element, key);
  if (value && !value->empty()) return std::move(*value);
  const nlohmann::json* m = json_read::Member(element, key);
  if (m == nullptr || m->is_string()) {
    return std::unexpected(fmt::format("element {} has no {}", index, key));
  }
  return std::unexpected(
      fmt::format("element {}'s {} is {}, not a string", index, key, json_read::Describe(m)));
}

template <typename Cb, typename R>
void PostResult(boost::asio::io_context& io, Cb done, R result) {
  boost::asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}
}  // namespace

Result<std::string> ConnectionManager::BeginConnect(const std::string& name, ConnectOptions options,
                                                    ConnectionCallback done) {
  const connection::OAuthApp& app = *app_;
  if (name.empty()) return Fail(Code::kInvalidArgument, "a connection needs a name");
  if (app.client_id.empty()) return Fail(Code::kInvalidArgument, "xero.client_id is not set");
  if (pending_.contains(name)) {
    return Fail(Code::kFailedPrecondition,
                fmt::format("a connect for '{}' is already running", name));
  }
  auto pending = std::make_unique<Pending>();
  pending->state = connection::RandomToken(24);
  pending->verifier = connection::RandomToken(48);  // 64 characters (RFC 7636: 43..128)
  pending->redirect_uri = app.redirect_uri;
  pending->options = options;
  pending->done = std::move(done);
  if (options.listen) {
    auto address = connection::ParseLoopbackUri(app.redirect_uri);
    if (!address) return Fail(address.error());
    auto listener = connection::LoopbackListener::Start(
        io_, *address, options.timeout,
        [this, alive = alive_, name](Result<std::string> query) -> std::string {
          if (!*alive) return "xerod is shutting down.";
          bool ok = query.has_value();
          OnRedirect(name, std::move(query));
          return ok ? "xerod received the authorisation. You may close this window."
                    : "The sign-in timed out.";
        },
        // Only the redirect of this connect: another local process must not
        // be able to end an admin's connect with a request of its own.
        [state = pending->state](std::string_view query) {
          return connection::ParseQuery(query)["state"] == state;
        });
    if (!listener) return Fail(listener.error());
    pending->listener = *listener;
  }
  std::string scopes;
  for (const auto& s : app.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  Result<std::string> challenge = Sha256(pending->verifier);
  if (!challenge) return Fail(challenge.error());
  std::string url = app.authorize_url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += connection::FormEncode({{"response_type", "code"},
                                 {"client_id", app.client_id},
                                 {"redirect_uri", app.redirect_uri},
                                 {"scope", scopes},
                                 {"state", pending->state},
                                 {"code_challenge", connection::Base64Url(*challenge)},
                                 {"code_challenge_method", "S256"}});
  pending_[name] = std::move(pending);
  return url;
}

Status ConnectionManager::CompleteConnect(const std::string& name,
                                          const std::string& redirect_url) {
  auto it = pending_.find(name);
  if (it == pending_.end()) {
    return Fail(Code::kNotFound, fmt::format("no connect pending for '{}'", name));
  }
  if (it->second->listener) it->second->listener->Close();
  std::size_t q = redirect_url.find('?');
  OnRedirect(name, q == std::string::npos ? redirect_url : redirect_url.substr(q + 1));
  return Ok();
}

void ConnectionManager::CancelConnect(const std::string& name) {
  auto it = pending_.find(name);
  if (it == pending_.end()) return;
  if (it->second->listener) it->second->listener->Close();
  auto done = std::move(it->second->done);
  pending_.erase(it);
  PostResult(io_, std::move(done),
             Result<ConnectionInfo>(Fail(Code::kUnavailable, "connect cancelled")));
}

void ConnectionManager::OnRedirect(const std::string& name, Result<std::string> query) {
  auto it = pending_.find(name);
  if (it == pending_.end()) return;
  std::unique_ptr<Pending> p = std::move(it->second);
  pending_.erase(it);
  auto fail = [&](Code code, std::string message) {
    PostResult(io_, std::move(p->done), Result<ConnectionInfo>(Fail(code, std::move(message))));
  };
  if (!query) return fail(query.error().code(), query.error().message());
  auto params = connection::ParseQuery(*query);
  if (params["state"] != p->state) {
    return fail(Code::kInvalidArgument, "the OAuth redirect carried a wrong state (possible CSRF)");
  }
  if (params.contains("error")) {
    if (params["error"] == "access_denied") {
      return fail(Code::kPermissionDenied, "the user denied access (access_denied)");
    }
    return fail(Code::kPermissionDenied,
                fmt::format("authorisation failed: {}", params["error"].substr(0, 64)));
  }
  std::string code = params["code"];
  if (code.empty()) return fail(Code::kInvalidArgument, "the OAuth redirect carried no code");
  std::string tenant = p->options.tenant_id;
  auto done = std::move(p->done);
  tokens_.RequestToken(
      {{"grant_type", "authorization_code"},
       {"code", code},
       {"redirect_uri", p->redirect_uri},
       {"code_verifier", p->verifier}},
      [this, alive = alive_, name, tenant, done = std::move(done)](const TokenOutcome& out) {
        if (!*alive) return;
        if (out.kind != TokenOutcome::Kind::kOk) return done(Fail(out.ToError()));
        if (out.token.refresh_token.empty()) {
          return done(Fail(Code::kInvalidArgument,
                           "no refresh token was issued: add offline_access to xero.scopes"));
        }
        Bind(name, ConnectionKind::kOAuth, tenant, out.token.refresh_token, out.token.access_token,
             out.token.expires_in, out.token.scope, done);
      });
}

void ConnectionManager::ListTenants(const std::string& access_token, TenantsCallback done) {
  HttpRequest r;
  r.method = HttpMethod::kGet;
  r.url = app_->api_url + "/connections";
  r.Header("Authorization", "Bearer " + access_token, true);
  r.Header("Accept", "application/json");
  r.total_timeout = app_->request_timeout;
  http_.Send(std::move(r), [alive = alive_, done = std::move(done)](HttpResponse res) {
    if (!*alive) return;
    if (!res.ok()) {
      return done(Fail(Code::kUnavailable, fmt::format("GET /connections: {}: {}",
                                                       ToString(res.error), res.error_message)));
    }
    if (res.status != 200) {
      Code code =
          res.status >= 500 || res.status == 429 ? Code::kUnavailable : Code::kPermissionDenied;
      return done(Fail(code, fmt::format("GET /connections: HTTP {}", res.status)));
    }
    auto bad = [&](const std::string& what) {
      done(Fail(Code::kUnavailable, "GET /connections: " + what));
    };
    if (res.body.size() > kMaxConnectionsAnswerBytes) {
      return bad(fmt::format("the answer is too large ({} bytes; at most {})", res.body.size(),
                             kMaxConnectionsAnswerBytes));
    }
    nlohmann::json body = json_read::ParseAnswer(res.body);
    if (body.is_discarded()) return bad("the answer is not JSON");
    if (!body.is_array()) {
      return bad(fmt::format("the answer is {}, not a list", json_read::Describe(&body)));
    }
    // Every element must name its tenant and Xero's connection id: skipping a
    // malformed one could make Check() call a listed organisation disconnected.
    std::vector<Tenant> out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      const nlohmann::json& c = body[i];
      if (!c.is_object()) {
        return bad(fmt::format("element {} is {}, not an object", i, json_read::Describe(&c)));
      }
      auto id = RequiredText(c, i, "id");
      if (!id) return bad(id.error());
      auto tenant = RequiredText(c, i, "tenantId");
      if (!tenant) return bad(tenant.error());
      // Optional (Xero may send null): absent or not a string is "".
      out.push_back(
          {std::move(*id), std::move(*tenant), json_read::String(c, "tenantName").value_or("")});
    }
    done(std::move(out));
  });
}

void ConnectionManager::Bind(const std::string& name, ConnectionKind kind,
                             const std::string& wanted_tenant, const std::string& refresh_token,
                             const std::string& access_token, Duration expires_in,
                             const std::string& scopes, ConnectionCallback done) {
  ListTenants(access_token, [this, name, kind, wanted_tenant, refresh_token, access_token,
                             expires_in, scopes,
                             done = std::move(done)](Result<std::vector<Tenant>> tenants) {
    if (!tenants) return done(Fail(tenants.error()));
    const Tenant* chosen = nullptr;
    for (const auto& t : *tenants) {
      if (wanted_tenant.empty() ? tenants->size() == 1 : t.tenant_id == wanted_tenant) chosen = &t;
    }
    if (chosen == nullptr) {
      if (!wanted_tenant.empty() || kind == ConnectionKind::kCustom) {
        if (kind == ConnectionKind::kCustom && tenants->empty() && !wanted_tenant.empty()) {
          // A custom connection whose /connections is empty: trust the given id.
          return Store(name, kind, refresh_token, scopes, {name, wanted_tenant, "", ""},
                       access_token, expires_in, done);
        }
        return done(
            Fail(Code::kNotFound,
                 fmt::format("organisation {} is not among the grant's {} connection(s)",
                             wanted_tenant.empty() ? "(any)" : wanted_tenant, tenants->size())));
      }
      std::string list;
      for (const auto& t : *tenants) {
        list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", t.tenant_id, t.tenant_name);
      }
      return done(Fail(Code::kInvalidArgument,
                       fmt::format("the grant covers {} organisations; choose one by tenant id: {}",
                                   tenants->size(), list)));
    }
    Store(name, kind, refresh_token, scopes,
          {name, chosen->tenant_id, chosen->tenant_name, chosen->connection_id}, access_token,
          expires_in, done);
  });
}

void ConnectionManager::Store(const std::string& name, ConnectionKind kind,
                              const std::string& refresh_token, const std::string& scopes,
                              NewConnection binding, const std::string& access_token,
                              Duration expires_in, ConnectionCallback done) {
  store_.CreateTokenSet(kind, refresh_token, scopes, {std::move(binding)},
                        [this, alive = alive_, name, access_token, expires_in,
                         done = std::move(done)](Result<std::int64_t> id) {
                          if (!*alive) return;
                          if (!id) return done(Fail(id.error()));
                          tokens_.Prime(*id, access_token, expires_in);
                          done(store_.Get(name));
                        });
}

void ConnectionManager::Add(const std::string& name, const std::string& tenant_id,
                            const std::string& refresh_token, ConnectionCallback done) {
  if (name.empty() || tenant_id.empty() || refresh_token.empty()) {
    return PostResult(
        io_, std::move(done),
        Result<ConnectionInfo>(
            Fail(Code::kInvalidArgument, "add needs a name, a tenant id and a refresh token")));
  }
  tokens_.RequestToken(
      {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}},
      [this, alive = alive_, name, tenant_id, refresh_token,
       done = std::move(done)](const TokenOutcome& out) {
        if (!*alive) return;
        if (out.kind != TokenOutcome::Kind::kOk) return done(Fail(out.ToError()));
        // No (usable) rotated token in the answer: the imported one stays valid.
        Bind(name, ConnectionKind::kOAuth, tenant_id,
             out.token.refresh_token.empty() ? refresh_token : out.token.refresh_token,
             out.token.access_token, out.token.expires_in, out.token.scope, done);
      });
}

void ConnectionManager::AddCustom(const std::string& name, const std::string& tenant_id,
                                  ConnectionCallback done) {
  if (name.empty()) {
    return PostResult(
        io_, std::move(done),
        Result<ConnectionInfo>(Fail(Code::kInvalidArgument, "a connection needs a name")));
  }
  tokens_.RequestToken(
      {{"grant_type", "client_credentials"}},
      [this, alive = alive_, name, tenant_id, done = std::move(done)](const TokenOutcome& out) {
        if (!*alive) return;
        if (out.kind != TokenOutcome::Kind::kOk) return done(Fail(out.ToError()));
        Bind(name, ConnectionKind::kCustom, tenant_id, "", out.token.access_token,
             out.token.expires_in, out.token.scope, done);
      });
}

void ConnectionManager::Share(const std::string& existing, const std::string& name,
                              const std::string& tenant_id, ConnectionCallback done) {
  tokens_.GetAccessToken(existing, [this, alive = alive_, name, tenant_id,
                                    done = std::move(done)](Result<AccessGrant> grant) {
    if (!*alive) return;
    if (!grant) return done(Fail(grant.error()));
    std::int64_t set_id = grant->token_set_id;
    ListTenants(grant->access_token, [this, set_id, name, tenant_id,
                                      done](Result<std::vector<Tenant>> tenants) {
      if (!tenants) return done(Fail(tenants.error()));
      for (const auto& t : *tenants) {
        if (t.tenant_id != tenant_id) continue;
        return store_.AddToTokenSet(set_id, {name, t.tenant_id, t.tenant_name, t.connection_id},
                                    [this, alive = alive_, name, done](Status s) {
                                      if (!*alive) return;
                                      if (!s) return done(Fail(s.error()));
                                      done(store_.Get(name));
                                    });
      }
      done(Fail(Code::kNotFound,
                fmt::format("organisation {} is not connected through this grant", tenant_id)));
    });
  });
}

void ConnectionManager::GrantTenants(std::int64_t token_set_id, TenantsCallback done,
                                     bool retried) {
  tokens_.GetTokenSetAccess(token_set_id, [this, alive = alive_, token_set_id, retried,
                                           done = std::move(done)](Result<AccessGrant> grant) {
    if (!*alive) return;
    if (!grant) return done(Fail(grant.error()));
    ListTenants(grant->access_token,
                [this, alive, token_set_id, retried, token = grant->access_token,
                 done](Result<std::vector<Tenant>> tenants) {
                  if (!*alive) return;
                  // The access token was refused (expired early, or the clocks
                  // disagree): a new one, once; a dead grant shows at that refresh.
                  if (!tenants && tenants.error().message().ends_with("HTTP 401") && !retried) {
                    tokens_.Invalidate(token_set_id, token);
                    return GrantTenants(token_set_id, done, true);
                  }
                  done(std::move(tenants));
                });
  });
}

void ConnectionManager::Check(const std::string& name, ConnectionCallback done) {
  // A connection already known to be unusable (expired, revoked, or found
  // disconnected by a copy a moment ago) is reported as it is: the answer to
  // "check acme" is its state, not "cannot get a token".
  auto known = store_.Get(name);
  if (!known) return PostResult(io_, std::move(done), Result<ConnectionInfo>(Fail(known.error())));
  if (known->state != ConnectionState::kActive) {
    return PostResult(io_, std::move(done), Result<ConnectionInfo>(std::move(*known)));
  }
  tokens_.GetAccessToken(
      name, [this, alive = alive_, name, done = std::move(done)](Result<AccessGrant> grant) {
        if (!*alive) return;
        if (!grant) return done(Fail(grant.error()));
        ListTenants(grant->access_token, [this, name, tenant = grant->tenant_id, kind = grant->kind,
                                          done](Result<std::vector<Tenant>> tenants) {
          if (!tenants) return done(Fail(tenants.error()));
          const Tenant* found = nullptr;
          for (const auto& t : *tenants) {
            if (t.tenant_id == tenant) found = &t;
          }
          auto report = [this, alive = alive_, name, done](Status s) {
            if (!*alive) return;
            if (!s) return done(Fail(s.error()));
            done(store_.Get(name));
          };
          if (found == nullptr && !(kind == ConnectionKind::kCustom && tenants->empty())) {
            return tokens_.MarkUnusable(name, ConnectionState::kDisconnected,
                                        "the organisation is no longer in /connections", report);
          }
          if (found == nullptr) return report(Ok());
          store_.UpdateBinding(name, found->tenant_name, found->connection_id, report);
        });
      });
}

}  // namespace xerod
