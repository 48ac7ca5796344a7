// SPDX-License-Identifier: MIT
// /Contacts: GET (where, searchTerm, IDs, page), PUT/POST create, POST update.
#include <fmt/format.h>

#include <algorithm>

#include "sim/accounting/accounting_internal.h"
#include "sim/accounting/schema.h"
#include "sim/accounting/where_filter.h"

namespace xero_sim {
namespace {

const std::vector<std::string> kContactWhereFields = {
    "ContactID",  "Name",          "EmailAddress",  "FirstName",
    "LastName",   "ContactNumber", "AccountNumber", "ContactStatus",
    "IsCustomer", "IsSupplier",    "CompanyNumber", "TaxNumber"};

// Fields kept in their own members, or ignored (read-only in Xero, response-only,
// not modelled): never stored in Contact::fields from a request.
bool IsMetaField(const std::string& key) {
  static const std::vector<std::string> kOwn = {"ContactID", "Name", "ContactStatus", "IsCustomer",
                                                "IsSupplier"};
  return std::find(kOwn.begin(), kOwn.end(), key) != kOwn.end() || IsIgnoredField("Contact", key);
}

std::optional<std::string> ContactField(const Contact& c, const std::string& field) {
  if (field == "ContactID") return c.contact_id;
  if (field == "Name") return c.name;
  if (field == "ContactStatus") return c.status;
  if (field == "IsCustomer") return c.is_customer ? "true" : "false";
  if (field == "IsSupplier") return c.is_supplier ? "true" : "false";
  auto it = c.fields.find(field);
  if (it == c.fields.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool MatchesSearch(const Contact& c, const std::string& term) {
  const std::string t = Lower(term);
  for (const char* f :
       {"Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress"}) {
    auto v = ContactField(c, f);
    if (v && Lower(*v).find(t) != std::string::npos) return true;
  }
  return false;
}

std::string Trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

Response GetContacts(Ctx& ctx, const std::vector<std::string>& rest) {
  Organisation& org = ctx.org;
  if (!rest.empty()) {
    Contact* c = org.ContactById(rest[0]);
    if (c == nullptr) c = org.ContactByNumber(rest[0]);
    if (c == nullptr) return NotFound();
    return JsonResponse(
        200, Envelope(org.rng, ctx.now, "Contacts", nlohmann::json::array({ContactJson(*c)})));
  }
  std::optional<WhereFilter> where;
  if (auto w = QueryParam(ctx.req, "where"); w && !w->empty()) {
    auto parsed = WhereFilter::Parse(*w, kContactWhereFields);
    if (!parsed) return QueryParseError(parsed.error());
    where = std::move(*parsed);
  }
  auto search = QueryParam(ctx.req, "searchTerm");
  std::vector<std::string> ids;
  if (auto v = QueryParam(ctx.req, "IDs")) ids = SplitList(*v);
  auto archived = QueryParam(ctx.req, "includeArchived");
  const bool include_archived = archived && EqualsIgnoreCase(*archived, "true");
  const auto since = IfModifiedSince(ctx.req);
  std::vector<const Contact*> hits;
  for (const auto& c : org.contacts) {
    if (!include_archived && c.status == "ARCHIVED") continue;
    if (since && c.updated_ms < *since) continue;
    if (!ids.empty() && std::none_of(ids.begin(), ids.end(), [&](const std::string& id) {
          return EqualsIgnoreCase(id, c.contact_id);
        }))
      continue;
    if (search && !search->empty() && !MatchesSearch(c, *search)) continue;
    if (where && !where->Matches([&](const std::string& f) { return ContactField(c, f); }))
      continue;
    hits.push_back(&c);
  }
  std::sort(hits.begin(), hits.end(),
            [](const Contact* a, const Contact* b) { return a->name < b->name; });
  std::string error;
  auto paging = PageOf(ctx.req, hits.size(), error);
  if (!paging) return QueryParseError(error);
  nlohmann::json arr = nlohmann::json::array();
  for (std::size_t i = paging->begin; i < paging->end; ++i) arr.push_back(ContactJson(*hits[i]));
  nlohmann::json body = Envelope(org.rng, ctx.now, "Contacts", std::move(arr));
  if (paging->pagination) body["pagination"] = *paging->pagination;
  return JsonResponse(200, body);
}

}  // namespace

nlohmann::json ContactSummaryJson(const Contact& c) {
  nlohmann::json j = {{"ContactID", c.contact_id}, {"Name", c.name}};
  for (const char* f : {"FirstName", "LastName", "EmailAddress", "ContactNumber"})
    if (auto v = c.Field(f); !v.empty()) j[f] = v;
  j["ContactPersons"] = nlohmann::json::array();
  j["HasValidationErrors"] = false;
  return j;
}

nlohmann::json ContactJson(const Contact& c) {
  nlohmann::json j = c.fields;
  j["ContactID"] = c.contact_id;
  j["ContactStatus"] = c.status;
  j["Name"] = c.name;
  j["IsSupplier"] = c.is_supplier;
  j["IsCustomer"] = c.is_customer;
  for (const char* arr : {"Addresses", "Phones", "ContactPersons", "ContactGroups"})
    if (!j.contains(arr)) j[arr] = nlohmann::json::array();
  j["UpdatedDateUTC"] = MsDateForMillis(c.updated_ms);
  j["HasAttachments"] = false;
  j["HasValidationErrors"] = false;
  return j;
}

const Contact* FindContact(const Organisation& org, const std::string& id) {
  return org.ContactById(id);
}

Contact* UpsertContact(Ctx& ctx, const nlohmann::json& e, Contact* target,
                       std::vector<std::string>& errors) {
  Organisation& org = ctx.org;
  std::optional<std::string> name;
  if (auto it = e.find("Name"); it != e.end() && it->is_string())
    name = Trim(it->get<std::string>());
  if (target == nullptr && (!name || name->empty())) {
    errors.push_back("The contact name must be specified");
  }
  if (name && !name->empty()) {
    const Contact* other = org.ContactByName(*name);
    if (other != nullptr && other != target)
      errors.push_back(fmt::format(
          "The contact name {} is already assigned to another contact. The contact name "
          "must be unique across all active contacts.",
          *name));
  }
  if (auto it = e.find("DefaultCurrency");
      it != e.end() && it->is_string() && !it->get<std::string>().empty() && !org.HasCurrency(*it))
    errors.push_back(
        fmt::format("Organisation is not subscribed to currency {}", it->get<std::string>()));
  if (!errors.empty()) return nullptr;
  if (target == nullptr) {
    Contact c;
    c.contact_id = NewGuid(org.rng);
    target = &org.AddContact(std::move(c));
  }
  const Contact before = *target;
  if (name && !name->empty() && *name != target->name) {
    const std::string old_name = target->name;
    target->name = *name;
    org.ContactNameChanged(*target, old_name);
  }
  if (auto it = e.find("ContactStatus"); it != e.end() && it->is_string()) target->status = *it;
  if (auto it = e.find("IsCustomer"); it != e.end() && it->is_boolean()) target->is_customer = *it;
  if (auto it = e.find("IsSupplier"); it != e.end() && it->is_boolean()) target->is_supplier = *it;
  for (const auto& [key, value] : e.items()) {
    if (IsMetaField(key)) continue;
    if (value.is_null())
      target->fields.erase(key);
    else
      target->fields[key] = value;
  }
  // UpdatedDateUTC moves on every change (If-Modified-Since relies on it), not on a no-op.
  if (before.updated_ms == 0 || target->name != before.name || target->status != before.status ||
      target->is_customer != before.is_customer || target->is_supplier != before.is_supplier ||
      target->fields != before.fields)
    Touch(target->updated_ms, ctx.now_ms);
  return target;
}

Response HandleContacts(Ctx& ctx, const std::vector<std::string>& rest) {
  const std::string& method = ctx.req.method;
  if (method == "GET") return GetContacts(ctx, rest);
  if (method != "PUT" && method != "POST") return NotFound();
  Response error;
  auto elements = ParseElements(ctx.req, "Contacts", "Contacts", "Contact", error);
  if (!elements) return error;
  std::vector<ElementResult> results;
  for (const auto& e : *elements) {
    ElementResult r;
    Contact* target = nullptr;
    std::string id = rest.empty() ? "" : rest[0];
    if (id.empty())
      if (auto it = e.find("ContactID"); it != e.end() && it->is_string()) id = *it;
    if (!id.empty()) {
      target = ctx.org.ContactById(id);
      if (target == nullptr)
        r.errors.push_back("The contact with the supplied ContactID could not be found.");
      else if (method == "PUT" && rest.empty())
        r.errors.push_back(
            "A contact with this ContactID already exists. PUT creates contacts; use POST to "
            "update.");
    }
    Contact* c = r.errors.empty() ? UpsertContact(ctx, e, target, r.errors) : nullptr;
    r.json = c != nullptr ? ContactJson(*c) : e;
    results.push_back(std::move(r));
  }
  return BatchResponse(ctx, "Contacts", std::move(results), "HasValidationErrors");
}

}  // namespace xero_sim
