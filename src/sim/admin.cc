// SPDX-License-Identifier: MIT
#include "sim/admin.h"

#include <cmath>

#include "sim/http_util.h"
#include "sim/tokens.h"

namespace xero_sim {
namespace {

using nlohmann::json;

Response Error(int status, const std::string& message) {
  return JsonReply(status, {{"error", message}});
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

Response CreateOrg(SimState& s, const json& body) {
  OrgOptions o;
  o.name = body.value("name", o.name);
  o.base_currency = body.value("base_currency", o.base_currency);
  o.country = body.value("country", o.country);
  o.extra_currencies = body.value("extra_currencies", o.extra_currencies);
  o.seed_contacts = body.value("seed_contacts", o.seed_contacts);
  if (body.contains("tracking_categories") && !body["tracking_categories"].is_null()) {
    std::vector<TrackingSeed> seeds;
    for (const auto& c : body.at("tracking_categories")) {
      TrackingSeed seed;
      seed.name = c.at("name").get<std::string>();
      for (const auto& option : c.at("options"))
        seed.options.push_back(option.is_object() ? option.at("name").get<std::string>()
                                                  : option.get<std::string>());
      seeds.push_back(std::move(seed));
    }
    if (auto err = CheckTrackingSeeds(seeds)) return Error(400, *err);
    o.tracking_categories = std::move(seeds);
  }
  OrgEntry& e = s.AddOrg(o);
  return JsonReply(201, {{"tenant_id", e.tenant_id}, {"name", e.name}});
}

Response CreateGrant(SimState& s, const json& body) {
  auto tenants = body.value("tenant_ids", std::vector<std::string>{});
  for (const auto& t : tenants) {
    if (s.FindOrg(t) == nullptr) return Error(404, "unknown tenant " + t);
  }
  std::vector<std::string> scopes = body.value(
      "scopes", std::vector<std::string>{"openid", "profile", "email", "offline_access",
                                         "accounting.invoices", "accounting.payments",
                                         "accounting.contacts", "accounting.settings.read"});
  std::string client_id = body.value("client_id", std::string("xero-sim-client"));
  if (s.identity.FindClient(client_id) == nullptr) return Error(404, "unknown client " + client_id);
  std::string user_id = body.value("user_id", NewUuid());
  Grant& g = s.identity.CreateGrant(client_id, user_id, scopes, tenants);
  json out = {{"grant_id", g.id},
              {"client_id", g.client_id},
              {"user_id", g.user_id},
              {"auth_event_id", g.auth_event_id},
              {"scopes", g.scopes},
              {"access_token", s.identity.IssueAccessToken(g)},
              {"refresh_token", g.refresh_token.empty() ? json(nullptr) : json(g.refresh_token)}};
  return JsonReply(201, out);
}

Response PutClient(SimState& s, const json& body) {
  Client c;
  c.id = body.value("client_id", std::string());
  if (c.id.empty()) return Error(400, "client_id is required");
  c.secret = body.value("client_secret", std::string());
  c.redirect_uris = body.value("redirect_uris", std::vector<std::string>{});
  c.legacy_scopes = body.value("legacy_scopes", false);
  c.custom_tenant_id = body.value("custom_tenant_id", std::string());
  c.custom_scopes = body.value("custom_scopes", std::vector<std::string>{});
  if (!c.custom_tenant_id.empty() && s.FindOrg(c.custom_tenant_id) == nullptr) {
    return Error(404, "unknown tenant " + c.custom_tenant_id);
  }
  if (!c.custom_tenant_id.empty() && c.secret.empty()) {
    return Error(400, "a custom connection needs a client_secret");
  }
  std::string id = c.id;
  s.identity.PutClient(std::move(c));
  return JsonReply(201, {{"client_id", id}});
}

Response SetLimits(SimState& s, const json& body) {
  LimitConfig c = s.limiter.config();
  c.concurrent = body.value("concurrent", c.concurrent);
  c.per_minute = body.value("per_minute", c.per_minute);
  c.per_day = body.value("per_day", c.per_day);
  c.app_per_minute = body.value("app_per_minute", c.app_per_minute);
  c.window = std::chrono::seconds(body.value("window_seconds", c.window.count()));
  c.day_window = std::chrono::seconds(body.value("day_window_seconds", c.day_window.count()));
  c.enabled = body.value("enabled", c.enabled);
  if (c.concurrent < 1 || c.per_minute < 1 || c.per_day < 1 || c.app_per_minute < 1 ||
      c.window.count() < 1 || c.day_window.count() < 1) {
    return Error(400, "limits and windows must be >= 1");
  }
  s.limiter.Configure(c);
  return JsonReply(200, s.limiter.ConfigJson());
}

json ClockJson(const SimState& s) {
  TimePoint now = s.clock.Now();
  return {{"now", FormatIso(now)},
          {"now_unix", UnixSeconds(now)},
          {"offset_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(s.clock.offset()).count()}};
}

Response SetClock(SimState& s, const json& body) {
  if (body.contains("advance_seconds")) {
    const json& a = body["advance_seconds"];
    if (!a.is_number()) return Error(400, "advance_seconds must be a number");
    auto ms = static_cast<std::int64_t>(std::llround(a.get<double>() * 1000.0));
    s.clock.Advance(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::milliseconds(ms)));
  } else if (body.contains("now")) {
    const json& n = body["now"];
    if (n.is_number_integer()) {
      s.clock.Set(TimePoint(std::chrono::seconds(n.get<std::int64_t>())));
    } else if (n.is_string()) {
      auto t = ParseIso(n.get<std::string>());
      if (!t) return Error(400, "now must be ISO-8601 UTC or unix seconds");
      s.clock.Set(*t);
    } else {
      return Error(400, "now must be ISO-8601 UTC or unix seconds");
    }
  } else {
    return Error(400, "give advance_seconds or now");
  }
  return JsonReply(200, ClockJson(s));
}

Response AddFaults(SimState& s, const json& body) {
  json list = body.is_array() ? body : json::array({body});
  std::vector<Fault> parsed;
  for (const auto& item : list) {
    Fault f;
    if (auto err = ParseFault(item, &f)) return Error(400, *err);
    parsed.push_back(std::move(f));
  }
  for (auto& f : parsed) s.faults.Add(std::move(f));
  return JsonReply(201, {{"faults", s.faults.ToJson()}});
}

Response SetConsent(SimState& s, const json& body) {
  if (body.contains("tenant_ids") && !body["tenant_ids"].is_null()) {
    auto ids = body["tenant_ids"].get<std::vector<std::string>>();
    for (const auto& t : ids) {
      if (s.FindOrg(t) == nullptr) return Error(404, "unknown tenant " + t);
    }
    s.consent_tenants = ids;
  } else {
    s.consent_tenants.reset();
  }
  s.consent_user_id = body.value("user_id", std::string());
  return JsonReply(200, {{"tenant_ids", s.consent_tenants ? json(*s.consent_tenants) : json()},
                         {"user_id", s.consent_user_id.empty() ? s.identity.default_user_id()
                                                               : s.consent_user_id}});
}

void Reset(SimState& s) {
  Identity fresh(s.clock, JwtSigner::Generate());
  s.identity.LoadJson(fresh.ToJson());
  s.clock.set_offset({});
  s.limiter.Configure(LimitConfig{});
  s.idempotency.Clear();
  s.faults.Clear();
  s.orgs.clear();
  s.consent_tenants.reset();
  s.consent_user_id.clear();
  s.total = Counters{};
  s.per_tenant.clear();
}

Response Route(SimState& s, const Request& r, const std::string& state_file, const json& body) {
  std::vector<std::string> seg = Segments(r.path);  // seg[0] == "_sim"
  const std::string& m = r.method;
  std::size_t n = seg.size();
  std::string what = n > 1 ? seg[1] : "";
  if (what == "orgs" && n == 2 && m == "POST") return CreateOrg(s, body);
  if (what == "orgs" && n == 2 && m == "GET") {
    json list = json::array();
    for (const auto& [id, e] : s.orgs) list.push_back({{"tenant_id", id}, {"name", e.name}});
    return JsonReply(200, list);
  }
  if (what == "orgs" && n == 4) {
    OrgEntry* org = s.FindOrg(seg[2]);
    if (org == nullptr) return Error(404, "unknown tenant");
    if (seg[3] == "disconnect" && m == "POST") {
      return JsonReply(200, {{"disconnected", s.identity.DisconnectTenant(seg[2])}});
    }
    if (seg[3] == "reconnect" && m == "POST") {
      // The grant's user connects the organisation to the app again inside
      // Xero: the same grant lists it in /connections once more.
      if (!body.is_object() || !body.contains("grant_id") || !body["grant_id"].is_string()) {
        return Error(400, "reconnect needs {\"grant_id\": \"...\"}");
      }
      Grant* g = s.identity.FindGrant(body["grant_id"].get<std::string>());
      if (g == nullptr) return Error(404, "unknown grant");
      std::string id;
      for (const Connection& c : s.identity.ConnectionsOf(g->user_id, g->client_id)) {
        if (c.tenant_id == seg[2]) id = c.id;
      }
      if (id.empty())
        id = s.identity.Connect(g->user_id, g->client_id, seg[2], g->auth_event_id).id;
      return JsonReply(200, {{"connection_id", id}, {"tenant_id", seg[2]}});
    }
    if (seg[3] == "invoices" && m == "GET") return JsonReply(200, InvoicesJson(*org->org));
  }
  if (what == "grants" && n == 2 && m == "POST") return CreateGrant(s, body);
  if (what == "grants" && n >= 3) {
    Grant* g = s.identity.FindGrant(seg[2]);
    if (g == nullptr) return Error(404, "unknown grant");
    if (n == 4 && seg[3] == "expire" && m == "POST") {
      s.identity.ExpireGrant(seg[2]);
      return JsonReply(200, {{"grant_id", seg[2]}, {"expired", true}});
    }
    if (n == 3 && m == "GET") {
      return JsonReply(200, {{"grant_id", g->id},
                             {"client_id", g->client_id},
                             {"user_id", g->user_id},
                             {"scopes", g->scopes},
                             {"dead", g->dead},
                             {"refreshes", g->refreshes}});
    }
  }
  if (what == "clients" && n == 2 && m == "POST") return PutClient(s, body);
  if (what == "consent" && n == 2 && m == "POST") return SetConsent(s, body);
  if (what == "faults" && n == 2) {
    if (m == "POST") return AddFaults(s, body);
    if (m == "GET") return JsonReply(200, {{"faults", s.faults.ToJson()}});
    if (m == "DELETE") {
      s.faults.Clear();
      return JsonReply(200, {{"faults", json::array()}});
    }
  }
  if (what == "limits" && n == 2 && m == "POST") return SetLimits(s, body);
  if (what == "limits" && n == 2 && m == "GET") return JsonReply(200, s.limiter.ConfigJson());
  if (what == "stats" && n == 2 && m == "GET") return JsonReply(200, s.StatsJson());
  if (what == "clock" && n == 2 && m == "POST") return SetClock(s, body);
  if (what == "clock" && n == 2 && m == "GET") return JsonReply(200, ClockJson(s));
  if (what == "save" && n == 2 && m == "POST") {
    if (state_file.empty()) return Error(409, "xero-sim was started without --state");
    if (auto err = SaveStateFile(s, state_file)) return Error(500, *err);
    return JsonReply(200, {{"saved", state_file}});
  }
  if (what == "reset" && n == 2 && m == "POST") {
    Reset(s);
    return JsonReply(200, {{"reset", true}});
  }
  return Error(404, "no such admin route: " + m + " " + r.path);
}

}  // namespace

Response HandleAdmin(SimState& state, const Request& request, const std::string& state_file) {
  auto body = ParseJsonBody(request.body);
  if (!body) return Error(400, "body is not valid JSON");
  if (!body->is_object() && !body->is_array()) return Error(400, "body must be a JSON object");
  if (body->is_array() && !request.path.starts_with("/_sim/faults")) {
    return Error(400, "body must be a JSON object");
  }
  try {
    return Route(state, request, state_file, *body);
  } catch (const nlohmann::json::exception& e) {
    return Error(400, std::string("bad request body: ") + e.what());
  }
}

}  // namespace xero_sim
