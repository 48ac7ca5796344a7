// SPDX-License-Identifier: MIT
// GET Organisation, Currencies, TaxRates, Accounts, TrackingCategories.
#include <fmt/format.h>

#include "sim/accounting/accounting_internal.h"

namespace xero_sim {
namespace {

nlohmann::json OrganisationJson(const Organisation& org) {
  const auto& o = org.options;
  return {{"OrganisationID", org.tenant_id},
          {"APIKey", ""},
          {"Name", o.name},
          {"LegalName", o.name},
          {"PaysTax", true},
          {"Version", o.country},
          {"OrganisationType", "COMPANY"},
          {"BaseCurrency", o.base_currency},
          {"CountryCode", o.country},
          {"IsDemoCompany", true},
          {"OrganisationStatus", "ACTIVE"},
          {"TaxNumber", "101-2-303"},
          {"FinancialYearEndDay", 31},
          {"FinancialYearEndMonth", 3},
          {"SalesTaxBasis", "PAYMENTS"},
          {"SalesTaxPeriod", "TWOMONTHS"},
          {"DefaultSalesTax", "Tax Exclusive"},
          {"DefaultPurchasesTax", "Tax Inclusive"},
          {"CreatedDateUTC", MsDateForMillis(org.created_ms)},
          {"OrganisationEntityType", "COMPANY"},
          {"Timezone", o.country == "AU" ? "AUSEASTERNSTANDARDTIME" : "NEWZEALANDSTANDARDTIME"},
          {"ShortCode", o.short_code},
          {"Class", "DEMO"},
          {"Edition", "BUSINESS"},
          {"LineOfBusiness", "Software simulation"},
          {"Addresses", nlohmann::json::array()},
          {"Phones", nlohmann::json::array()},
          {"ExternalLinks", nlohmann::json::array()},
          {"PaymentTerms", nlohmann::json::object()}};
}

nlohmann::json AccountJson(const Organisation& org, const Account& a) {
  nlohmann::json j = {{"AccountID", a.account_id},
                      {"Code", a.code},
                      {"Name", a.name},
                      {"Status", a.status},
                      {"Type", a.type},
                      {"TaxType", a.tax_type},
                      {"Class", a.account_class},
                      {"EnablePaymentsToAccount", a.enable_payments_to_account},
                      {"ShowInExpenseClaims", false},
                      {"ReportingCode", ""},
                      {"HasAttachments", false},
                      {"AddToWatchlist", false},
                      {"UpdatedDateUTC", MsDateForMillis(a.updated_ms)}};
  if (!a.system_account.empty()) j["SystemAccount"] = a.system_account;
  if (a.type == "BANK") {
    j["BankAccountNumber"] = a.bank_account_number;
    j["BankAccountType"] = "BANK";
    j["CurrencyCode"] = org.options.base_currency;  // as Xero: never "" (not in the enum)
  }
  return j;
}

nlohmann::json TaxRateJson(const TaxRate& t) {
  return {{"Name", t.name},
          {"TaxType", t.tax_type},
          {"Status", t.status},
          {"ReportTaxType", t.tax_type == "NONE"     ? "NONE"
                            : t.can_apply_to_revenue ? "OUTPUT"
                                                     : "INPUT"},
          {"CanApplyToAssets", t.can_apply_to_expenses},
          {"CanApplyToEquity", t.can_apply_to_expenses},
          {"CanApplyToExpenses", t.can_apply_to_expenses},
          {"CanApplyToLiabilities", t.can_apply_to_expenses},
          {"CanApplyToRevenue", t.can_apply_to_revenue},
          {"DisplayTaxRate", Money(t.rate)},
          {"EffectiveRate", Money(t.rate)},
          {"TaxComponents", nlohmann::json::array({{{"Name", "GST"},
                                                    {"Rate", Money(t.rate)},
                                                    {"IsCompound", false},
                                                    {"IsNonRecoverable", false}}})}};
}

nlohmann::json TrackingCategoryJson(const TrackingCategory& c) {
  nlohmann::json options = nlohmann::json::array();
  for (const auto& o : c.options)
    options.push_back({{"TrackingOptionID", o.option_id}, {"Name", o.name}, {"Status", o.status}});
  return {{"TrackingCategoryID", c.category_id},
          {"Name", c.name},
          {"Status", c.status},
          {"Options", std::move(options)}};
}

}  // namespace

Response HandleSettings(Ctx& ctx, const std::string& resource,
                        const std::vector<std::string>& rest) {
  if (ctx.req.method != "GET") {
    Response r;
    r.status = 405;
    r.content_type = "text/plain; charset=utf-8";
    r.body = fmt::format("xero-sim serves {} read-only", resource);
    return r;
  }
  const Organisation& org = ctx.org;
  nlohmann::json items = nlohmann::json::array();
  const std::string id = rest.empty() ? "" : rest[0];
  if (resource == "Organisation" && EqualsIgnoreCase(id, "Actions")) {
    // The demo organisation may do everything xerod needs (facts §2).
    for (const char* action : {"CreateApprovedInvoice", "CreateDraftInvoice", "CreateApprovedBill",
                               "CreateDraftBill", "CreateInvoicePayment", "CreateBillPayment",
                               "UseMulticurrency", "AttachFilesIntoInvoice"})
      items.push_back({{"Name", action}, {"Status", "ALLOWED"}});
    return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, "Actions", items));
  }
  if (!id.empty() && resource == "Organisation") return NotFound();
  if (resource == "Organisation") {
    items.push_back(OrganisationJson(org));
    return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, "Organisations", items));
  }
  if (resource == "Currencies") {
    for (const auto& c : org.currencies)
      items.push_back({{"Code", c.code}, {"Description", c.description}});
  } else if (resource == "TaxRates") {
    for (const auto& t : org.tax_rates) {
      if (auto tt = QueryParam(ctx.req, "TaxType"); tt && !EqualsIgnoreCase(*tt, t.tax_type))
        continue;
      items.push_back(TaxRateJson(t));
    }
  } else if (resource == "Accounts") {
    const auto since = id.empty() ? IfModifiedSince(ctx.req) : std::nullopt;
    for (const auto& a : org.accounts)
      if ((id.empty() || EqualsIgnoreCase(id, a.account_id)) && (!since || a.updated_ms >= *since))
        items.push_back(AccountJson(org, a));
  } else if (resource == "TrackingCategories") {
    auto archived = QueryParam(ctx.req, "includeArchived");
    const bool include_archived = archived && EqualsIgnoreCase(*archived, "true");
    for (const auto& c : org.tracking_categories)
      if (id.empty() ? (include_archived || c.status == "ACTIVE")
                     : EqualsIgnoreCase(id, c.category_id))
        items.push_back(TrackingCategoryJson(c));
  }
  if (!id.empty() && items.empty()) return NotFound();
  return JsonResponse(200, Envelope(ctx.org.rng, ctx.now, resource, items));
}

}  // namespace xero_sim
