// SPDX-License-Identifier: MIT
// Identity <-> JSON for --state FILE. Tokens and secrets are stored because a
// reloaded simulator must accept the refresh tokens its clients hold.
#include "sim/identity.h"

namespace xero_sim {

nlohmann::json Identity::ToJson() const {
  nlohmann::json j;
  j["signing_key_pem"] = signer_.PrivateKeyPem();
  j["default_user_id"] = default_user_id_;
  j["clients"] = nlohmann::json::array();
  for (const auto& [id, c] : clients_) {
    j["clients"].push_back({{"id", c.id},
                            {"secret", c.secret},
                            {"redirect_uris", c.redirect_uris},
                            {"legacy_scopes", c.legacy_scopes},
                            {"custom_tenant_id", c.custom_tenant_id},
                            {"custom_scopes", c.custom_scopes},
                            {"custom_user_id", c.custom_user_id}});
  }
  j["grants"] = nlohmann::json::array();
  for (const auto& [id, g] : grants_) {
    j["grants"].push_back({{"id", g.id},
                           {"client_id", g.client_id},
                           {"user_id", g.user_id},
                           {"auth_event_id", g.auth_event_id},
                           {"scopes", g.scopes},
                           {"refresh_token", g.refresh_token},
                           {"refresh_issued", UnixMillis(g.refresh_issued)},
                           {"previous_token", g.previous_token},
                           {"previous_until", UnixMillis(g.previous_until)},
                           {"dead", g.dead},
                           {"refreshes", g.refreshes}});
  }
  j["connections"] = nlohmann::json::array();
  for (const auto& [id, c] : connections_) {
    j["connections"].push_back({{"id", c.id},
                                {"tenant_id", c.tenant_id},
                                {"user_id", c.user_id},
                                {"client_id", c.client_id},
                                {"auth_event_id", c.auth_event_id},
                                {"created", UnixMillis(c.created)},
                                {"updated", UnixMillis(c.updated)}});
  }
  return j;
}

bool Identity::LoadJson(const nlohmann::json& j) {
  try {
    std::map<std::string, Client> clients;
    for (const auto& c : j.at("clients")) {
      Client x;
      x.id = c.at("id").get<std::string>();
      x.secret = c.at("secret").get<std::string>();
      x.redirect_uris = c.at("redirect_uris").get<std::vector<std::string>>();
      x.legacy_scopes = c.at("legacy_scopes").get<bool>();
      x.custom_tenant_id = c.at("custom_tenant_id").get<std::string>();
      x.custom_scopes = c.at("custom_scopes").get<std::vector<std::string>>();
      x.custom_user_id = c.at("custom_user_id").get<std::string>();
      clients[x.id] = std::move(x);
    }
    std::map<std::string, Grant> grants;
    for (const auto& g : j.at("grants")) {
      Grant x;
      x.id = g.at("id").get<std::string>();
      x.client_id = g.at("client_id").get<std::string>();
      x.user_id = g.at("user_id").get<std::string>();
      x.auth_event_id = g.at("auth_event_id").get<std::string>();
      x.scopes = g.at("scopes").get<std::vector<std::string>>();
      x.refresh_token = g.at("refresh_token").get<std::string>();
      x.refresh_issued = FromUnixMillis(g.at("refresh_issued").get<std::int64_t>());
      x.previous_token = g.at("previous_token").get<std::string>();
      x.previous_until = FromUnixMillis(g.at("previous_until").get<std::int64_t>());
      x.dead = g.at("dead").get<bool>();
      x.refreshes = g.at("refreshes").get<long>();
      grants[x.id] = std::move(x);
    }
    std::map<std::string, Connection> connections;
    for (const auto& c : j.at("connections")) {
      Connection x;
      x.id = c.at("id").get<std::string>();
      x.tenant_id = c.at("tenant_id").get<std::string>();
      x.user_id = c.at("user_id").get<std::string>();
      x.client_id = c.at("client_id").get<std::string>();
      x.auth_event_id = c.at("auth_event_id").get<std::string>();
      x.created = FromUnixMillis(c.at("created").get<std::int64_t>());
      x.updated = FromUnixMillis(c.at("updated").get<std::int64_t>());
      connections[x.id] = std::move(x);
    }
    // States from before RS256 have an HMAC "jwt_secret" instead: they get a new key (their
    // access tokens die; refresh tokens keep working).
    std::optional<JwtSigner> signer;
    if (j.contains("signing_key_pem")) {
      signer = JwtSigner::FromPem(j.at("signing_key_pem").get<std::string>());
      if (!signer) return false;
    } else {
      signer = JwtSigner::Generate();
    }
    std::string default_user = j.at("default_user_id").get<std::string>();
    signer_ = std::move(*signer);
    default_user_id_ = std::move(default_user);
    clients_ = std::move(clients);
    grants_ = std::move(grants);
    connections_ = std::move(connections);
    codes_.clear();
    access_cache_.clear();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  RebuildIndexes();
  return true;
}

void Identity::RebuildIndexes() {
  refresh_index_.clear();
  for (const auto& [id, g] : grants_) {
    if (g.dead) continue;
    if (!g.refresh_token.empty()) refresh_index_[g.refresh_token] = id;
    if (!g.previous_token.empty()) refresh_index_[g.previous_token] = id;
  }
  connection_index_.clear();
  first_connected_.clear();
  for (const auto& [id, c] : connections_) {
    std::string key = ConnectionKey(c.user_id, c.client_id, c.tenant_id);
    connection_index_[key] = id;
    first_connected_[key] = c.created;
  }
}

}  // namespace xero_sim
