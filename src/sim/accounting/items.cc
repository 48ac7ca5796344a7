// SPDX-License-Identifier: MIT
// /Items: GET (If-Modified-Since), GET /Items/{id or code}, PUT create,
// POST create or update (by ItemID, else by Code), POST /Items/{id or code}
// update. Bodies: {"Items":[...]} or a single Item.
#include <fmt/format.h>

#include <algorithm>

#include "sim/accounting/accounting_internal.h"

namespace xero_sim {
namespace {

constexpr std::size_t kMaxCode = 30;           // Item.Code maxLength in the spec
constexpr std::size_t kMaxName = 50;           // Item.Name maxLength
constexpr std::size_t kMaxDescription = 4000;  // Item.Description maxLength

nlohmann::json DetailsJson(const ItemDetails& d) {
  nlohmann::json j = nlohmann::json::object();
  if (d.unit_price) j["UnitPrice"] = Money(*d.unit_price);
  if (!d.account_code.empty()) j["AccountCode"] = d.account_code;
  if (!d.cogs_account_code.empty()) j["COGSAccountCode"] = d.cogs_account_code;
  if (!d.tax_type.empty()) j["TaxType"] = d.tax_type;
  return j;
}

nlohmann::json ItemJson(const Item& i) {
  nlohmann::json j = {{"ItemID", i.item_id},
                      {"Code", i.code},
                      {"Name", i.name},
                      {"Description", i.description},
                      {"IsSold", i.is_sold},
                      {"IsPurchased", i.is_purchased},
                      {"IsTrackedAsInventory", false},
                      {"UpdatedDateUTC", MsDateForMillis(i.updated_ms)},
                      {"SalesDetails", DetailsJson(i.sales)},
                      {"PurchaseDetails", DetailsJson(i.purchase)}};
  if (!i.purchase_description.empty()) j["PurchaseDescription"] = i.purchase_description;
  return j;
}

Item* FindItem(Organisation& org, const std::string& id_or_code) {
  for (auto& i : org.items)
    if (EqualsIgnoreCase(i.item_id, id_or_code) || EqualsIgnoreCase(i.code, id_or_code)) return &i;
  return nullptr;
}

// Applies a SalesDetails/PurchaseDetails element: fields given replace the stored ones.
void ApplyDetails(Ctx& ctx, const nlohmann::json& d, bool sales, ItemDetails& out,
                  std::vector<std::string>& errors) {
  bool bad = false;
  if (auto price = NumberField(d, "UnitPrice", bad)) out.unit_price = *price;
  if (bad) errors.push_back("The unit price is outside the range Xero accepts");
  for (const char* key : {"AccountCode", "COGSAccountCode"}) {
    auto it = d.find(key);
    if (it == d.end() || it->is_null()) continue;
    const std::string code = it->get<std::string>();
    if (!code.empty() && ctx.org.AccountByCode(code) == nullptr)
      errors.push_back(
          fmt::format("Account code '{}' is not a valid code for this document.", code));
    (std::string(key) == "AccountCode" ? out.account_code : out.cogs_account_code) = code;
  }
  if (auto it = d.find("TaxType"); it != d.end() && !it->is_null()) {
    const std::string tax = it->get<std::string>();
    const TaxRate* rate = tax.empty() ? nullptr : ctx.org.TaxRateByType(tax);
    if (!tax.empty() &&
        (rate == nullptr || !(sales ? rate->can_apply_to_revenue : rate->can_apply_to_expenses)))
      errors.push_back(fmt::format(
          "The TaxType code {} does not exist or cannot be used for this type of transaction",
          tax));
    out.tax_type = rate != nullptr ? rate->tax_type : tax;
  }
}

// The item an element makes (from `base`: a new item, or the stored one for an update).
Item BuildItem(Ctx& ctx, const nlohmann::json& e, Item base, std::vector<std::string>& errors) {
  if (auto it = e.find("Code"); it != e.end() && !it->is_null()) base.code = it->get<std::string>();
  if (base.code.empty()) {
    errors.push_back("An item Code must be specified");
  } else if (base.code.size() > kMaxCode) {
    errors.push_back(fmt::format("The item Code must not be longer than {} characters", kMaxCode));
  } else {
    for (const auto& other : ctx.org.items)
      if (other.item_id != base.item_id && EqualsIgnoreCase(other.code, base.code))
        errors.push_back(fmt::format("Item code '{}' already exists", base.code));
  }
  if (e.contains("Name") && !e["Name"].is_null()) base.name = StringField(e, "Name");
  if (base.name.size() > kMaxName)
    errors.push_back(fmt::format("The item Name must not be longer than {} characters", kMaxName));
  if (e.contains("Description") && !e["Description"].is_null())
    base.description = StringField(e, "Description");
  if (e.contains("PurchaseDescription") && !e["PurchaseDescription"].is_null())
    base.purchase_description = StringField(e, "PurchaseDescription");
  if (base.description.size() > kMaxDescription ||
      base.purchase_description.size() > kMaxDescription)
    errors.push_back(
        fmt::format("An item description must not be longer than {} characters", kMaxDescription));
  if (auto it = e.find("SalesDetails"); it != e.end() && it->is_object())
    ApplyDetails(ctx, *it, true, base.sales, errors);
  if (auto it = e.find("PurchaseDetails"); it != e.end() && it->is_object())
    ApplyDetails(ctx, *it, false, base.purchase, errors);
  // Xero: setting IsSold (IsPurchased) to false nulls the sales (purchase) description and details.
  if (auto it = e.find("IsSold"); it != e.end() && it->is_boolean()) base.is_sold = *it;
  if (auto it = e.find("IsPurchased"); it != e.end() && it->is_boolean()) base.is_purchased = *it;
  if (!base.is_sold) {
    base.description.clear();
    base.sales = {};
  }
  if (!base.is_purchased) {
    base.purchase_description.clear();
    base.purchase = {};
  }
  return base;
}

Response GetItems(Ctx& ctx, const std::vector<std::string>& rest) {
  nlohmann::json items = nlohmann::json::array();
  if (!rest.empty()) {
    Item* i = FindItem(ctx.org, rest[0]);
    if (i == nullptr) return NotFound();
    items.push_back(ItemJson(*i));
    return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, "Items", std::move(items)));
  }
  const auto since = IfModifiedSince(ctx.req);
  for (const auto& i : ctx.org.items)
    if (!since || i.updated_ms >= *since) items.push_back(ItemJson(i));
  return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, "Items", std::move(items)));
}

}  // namespace

Response HandleItems(Ctx& ctx, const std::vector<std::string>& rest) {
  const std::string& method = ctx.req.method;
  if (method == "GET") return GetItems(ctx, rest);
  if (method != "PUT" && method != "POST") return NotFound();
  if (method == "PUT" && !rest.empty()) return NotFound();  // the spec has no PUT /Items/{id}
  Response error;
  auto elements = ParseElements(ctx.req, "Items", "Items", "Item", error);
  if (!elements) return error;
  std::vector<ElementResult> results;
  for (const auto& e : *elements) {
    ElementResult r;
    r.json = e;
    // Which item: the path, else ItemID, else (POST only: update or create) Code.
    Item* target = nullptr;
    const std::string id = rest.empty() ? StringField(e, "ItemID") : rest[0];
    if (!id.empty()) {
      target = FindItem(ctx.org, id);
      if (target == nullptr)
        r.errors.push_back("The document with the supplied id was not found for this endpoint.");
      else if (method == "PUT")
        r.errors.push_back(
            "An item with this ItemID already exists. PUT only creates; use POST to update.");
    } else if (method == "POST" && !StringField(e, "Code").empty()) {
      target = FindItem(ctx.org, StringField(e, "Code"));
    }
    if (r.errors.empty()) {
      Item base;
      if (target != nullptr) base = *target;
      Item built = BuildItem(ctx, e, std::move(base), r.errors);
      if (r.errors.empty()) {
        if (target == nullptr) {
          built.item_id = NewGuid(ctx.org.rng);
          Touch(built.updated_ms, ctx.now_ms);
          ctx.org.items.push_back(std::move(built));
          target = &ctx.org.items.back();
        } else if (!(built == *target)) {
          Touch(built.updated_ms, ctx.now_ms);
          *target = std::move(built);
        }
        r.json = ItemJson(*target);
      }
    }
    results.push_back(std::move(r));
  }
  return BatchResponse(ctx, "Items", std::move(results), "");
}

}  // namespace xero_sim
