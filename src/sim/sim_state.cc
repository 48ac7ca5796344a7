// SPDX-License-Identifier: MIT
#include "sim/sim_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/tokens.h"

namespace xero_sim {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

nlohmann::json CountersJson(const Counters& c) {
  return {{"calls", c.calls},
          {"rate_limited", c.rate_limited},
          {"token_refreshes", c.token_refreshes},
          {"endpoints", c.endpoints}};
}

// True for path segments that are ids (GUIDs or numbers) rather than resource names.
bool LooksLikeId(std::string_view seg) {
  if (seg.empty()) return false;
  bool digits = true;
  int dashes = 0;
  for (char c : seg) {
    if (c == '-') ++dashes;
    if (c < '0' || c > '9') digits = false;
  }
  return digits || (seg.size() == 36 && dashes == 4);
}

}  // namespace

SimState::SimState() : identity(clock, JwtSigner::Generate()), limiter(clock) {}

OrgEntry& SimState::AddOrg(const OrgOptions& options) {
  OrgEntry e;
  e.tenant_id = NewUuid();
  e.name = options.name;
  e.created = clock.Now();
  OrgOptions o = options;
  // Short codes are unique among the simulator's organisations.
  auto taken = [&](const std::string& code) {
    for (const auto& [id, other] : orgs)
      if (ShortCode(*other.org) == code) return true;
    return false;
  };
  do {
    o.short_code = NewShortCode();
  } while (taken(o.short_code));
  e.org = NewOrganisation(e.tenant_id, o, e.created);
  std::string id = e.tenant_id;
  return orgs[id] = std::move(e);
}

OrgEntry* SimState::FindOrg(const std::string& tenant_id) {
  auto it = orgs.find(tenant_id);
  return it == orgs.end() ? nullptr : &it->second;
}

std::string SimState::TenantName(const std::string& tenant_id) const {
  auto it = orgs.find(tenant_id);
  return it == orgs.end() ? std::string() : it->second.name;
}

std::vector<std::string> SimState::TenantIds() const {
  std::vector<std::string> out;
  for (const auto& [id, e] : orgs) out.push_back(id);
  return out;
}

nlohmann::json SimState::StatsJson() const {
  nlohmann::json j = CountersJson(total);
  OrgStats sum;
  nlohmann::json tenants = nlohmann::json::object();
  for (const auto& [id, e] : orgs) {
    OrgStats s = Stats(*e.org);
    sum.invoices += s.invoices;
    sum.payments += s.payments;
    sum.contacts += s.contacts;
    sum.duplicate_numbers_attempted += s.duplicate_numbers_attempted;
    auto pt = per_tenant.find(id);
    nlohmann::json t = CountersJson(pt == per_tenant.end() ? Counters{} : pt->second);
    t["name"] = e.name;
    t["in_flight"] = limiter.InFlight(id);
    t["invoices"] = s.invoices;
    t["payments"] = s.payments;
    t["contacts"] = s.contacts;
    t["duplicate_numbers_attempted"] = s.duplicate_numbers_attempted;
    tenants[id] = t;
  }
  j["invoices"] = sum.invoices;
  j["payments"] = sum.payments;
  j["contacts"] = sum.contacts;
  j["duplicate_numbers_attempted"] = sum.duplicate_numbers_attempted;
  j["tenants"] = tenants;
  return j;
}

nlohmann::json SimState::ToJson() const {
  nlohmann::json j;
  j["version"] = 1;
  j["clock_offset_ms"] = duration_cast<milliseconds>(clock.offset()).count();
  j["identity"] = identity.ToJson();
  j["limits"] = limiter.ConfigJson();
  j["orgs"] = nlohmann::json::array();
  for (const auto& [id, e] : orgs) {
    j["orgs"].push_back({{"tenant_id", id},
                         {"name", e.name},
                         {"created_ms", UnixMillis(e.created)},
                         {"data", xero_sim::ToJson(*e.org)}});
  }
  return j;
}

std::optional<std::string> SimState::LoadJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("version", 0) != 1) return "not a xero-sim state (version 1)";
  std::map<std::string, OrgEntry> loaded;
  LimitConfig limits;
  std::int64_t offset_ms = 0;
  try {
    offset_ms = j.at("clock_offset_ms").get<std::int64_t>();
    const auto& l = j.at("limits");
    limits.concurrent = l.at("concurrent").get<long>();
    limits.per_minute = l.at("per_minute").get<long>();
    limits.per_day = l.at("per_day").get<long>();
    limits.app_per_minute = l.at("app_per_minute").get<long>();
    limits.window = std::chrono::seconds(l.at("window_seconds").get<long>());
    limits.day_window = std::chrono::seconds(l.at("day_window_seconds").get<long>());
    limits.enabled = l.at("enabled").get<bool>();
    for (const auto& o : j.at("orgs")) {
      OrgEntry e;
      e.tenant_id = o.at("tenant_id").get<std::string>();
      e.name = o.at("name").get<std::string>();
      e.created = FromUnixMillis(o.at("created_ms").get<std::int64_t>());
      e.org = OrganisationFromJson(o.at("data"));
      if (e.org == nullptr) return "bad organisation data for tenant " + e.tenant_id;
      std::string id = e.tenant_id;
      loaded[id] = std::move(e);
    }
  } catch (const nlohmann::json::exception& e) {
    return std::string("bad state: ") + e.what();
  }
  if (!identity.LoadJson(j.at("identity"))) return "bad identity state";
  clock.set_offset(duration_cast<std::chrono::system_clock::duration>(milliseconds(offset_ms)));
  limiter.Configure(limits);
  orgs = std::move(loaded);
  return std::nullopt;
}

std::optional<std::string> SaveStateFile(const SimState& state, const std::string& path) {
  std::string text = state.ToJson().dump();
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = std::strerror(errno);
      ::close(fd);
      return "cannot write " + tmp + ": " + err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return "cannot sync " + tmp;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return "cannot rename to " + path + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

std::optional<std::string> LoadStateFile(SimState& state, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::ostringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return path + " is not JSON";
  return state.LoadJson(j);
}

std::string EndpointKey(const std::string& method, const std::string& path) {
  std::string out = method + ' ';
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i + 1);
    if (j == std::string::npos) j = path.size();
    std::string_view seg(path.data() + i + 1, j - i - 1);
    out += '/';
    out += LooksLikeId(seg) ? std::string_view("{id}") : seg;
    i = j;
  }
  return out;
}

}  // namespace xero_sim
