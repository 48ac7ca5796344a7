// SPDX-License-Identifier: MIT
#include "copy/mapper.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "xerod/document.h"
#include "xerod/json_read.h"

namespace xerod::copy {

using json_read::Member;
using json_read::Text;
namespace {

using nlohmann::json;

Refusal Refuse(std::string reason, bool org_data = false) {
  return Refusal{std::move(reason), org_data};
}

// A decimal of the canonical document as an exact JSON number.
Mapped<json> Amount(const json& doc, std::string_view key, std::string_view what) {
  std::string text = Text(doc, key);
  auto normal = NormalizeDecimal(text, /*from_number=*/false);
  if (!normal) {
    return std::unexpected(
        Refuse(fmt::format("{} is not a decimal number (got \"{}\")", what, text)));
  }
  return ExactNumber(*normal);
}

std::string Setting(const std::string& connection, std::string_view key) {
  return fmt::format("connections.{}.{}", connection, key);
}

// The tax type for the document's `tax` name, or why there is none.
Mapped<std::string> TaxTypeFor(const std::string& tax, const MapContext& ctx) {
  auto active_sales = [&](const TaxRate& t) { return t.active() && t.revenue; };
  auto sales_rates = [&] {
    std::vector<std::string> names;
    for (const TaxRate& t : ctx.org.tax_rates) {
      if (active_sales(t)) names.push_back(fmt::format("{} ({})", t.name, t.tax_type));
    }
    return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
  };
  const std::map<std::string, std::string>& map = ctx.settings.tax_map;
  auto mapped = map.find(tax);
  if (mapped == map.end()) {
    mapped = std::find_if(map.begin(), map.end(),
                          [&](const auto& entry) { return FoldKey(entry.first) == FoldKey(tax); });
  }
  if (mapped != map.end()) {
    for (const TaxRate& t : ctx.org.tax_rates) {
      if (active_sales(t) && FoldKey(t.tax_type) == FoldKey(mapped->second)) return t.tax_type;
    }
    return std::unexpected(Refuse(
        fmt::format("{} maps tax \"{}\" to {}, which is not an active sales tax rate in Xero "
                    "(sales tax rates there: {})",
                    Setting(ctx.connection, "tax_map"), tax, mapped->second, sales_rates()),
        true));
  }
  for (const TaxRate& t : ctx.org.tax_rates) {
    if (active_sales(t) && FoldKey(t.name) == FoldKey(tax)) return t.tax_type;
  }
  return std::unexpected(Refuse(
      fmt::format("tax \"{}\" has no match in Xero: there is no active sales tax rate of that "
                  "name and {} has no entry for it (sales tax rates in Xero: {}). Add the rate "
                  "to tax_map, or correct the invoice's tax",
                  tax, Setting(ctx.connection, "tax_map"), sales_rates()),
      true));
}

// The document's tracking, checked against Xero's categories; Xero's spelling.
Mapped<json> TrackingFor(const json& wanted, const MapContext& ctx) {
  json out = json::array();
  for (const json& t : wanted) {
    std::string name = Text(t, "name");
    std::string option = Text(t, "option");
    auto category = ctx.org.tracking.find(FoldKey(name));
    if (category == ctx.org.tracking.end() || !category->second.active) {
      std::vector<std::string> names;
      for (const auto& [key, c] : ctx.org.tracking) {
        if (c.active) names.push_back(c.name);
      }
      return std::unexpected(
          Refuse(fmt::format("Xero has no active tracking category \"{}\" (categories: {})", name,
                             names.empty() ? std::string("none")
                                           : fmt::format("{}", fmt::join(names, ", "))),
                 true));
    }
    const TrackingCategory& c = category->second;
    auto found = std::find_if(c.options.begin(), c.options.end(), [&](const TrackingOption& o) {
      return o.active && FoldKey(o.name) == FoldKey(option);
    });
    if (found == c.options.end()) {
      std::vector<std::string> names;
      for (const TrackingOption& o : c.options) {
        if (o.active) names.push_back(o.name);
      }
      return std::unexpected(
          Refuse(fmt::format("tracking category \"{}\" in Xero has no active option \"{}\" "
                             "(options: {})",
                             c.name, option,
                             names.empty() ? std::string("none")
                                           : fmt::format("{}", fmt::join(names, ", "))),
                 true));
    }
    out.push_back({{"Name", c.name}, {"Option", found->name}});
  }
  return out;
}

// A client's default tracking from Xero, where it is still valid.
json DefaultTracking(const Contact& contact, const MapContext& ctx) {
  json wanted = json::array();
  for (const auto& [category, option] : contact.sales_tracking) {
    wanted.push_back({{"name", category}, {"option", option}});
  }
  if (wanted.empty()) return wanted;
  auto checked = TrackingFor(wanted, ctx);
  return checked ? *checked : json::array();
}

}  // namespace

std::string CutItemCode(const std::string& kind) {
  if (kind.size() <= kMaxItemCode) return kind;
  std::size_t end = kMaxItemCode;
  // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(kind[end]) & 0xC0) == 0x80) --end;
  return kind.substr(0, end);
}

std::string InvoiceLink(const Organisation& org, const std::string& invoice_id) {
  if (org.short_code.empty() || invoice_id.empty()) return "";
  return fmt::format("https://go.xero.com/app/{}/invoicing/view/{}", org.short_code, invoice_id);
}

json NewContactFor(const json& doc) {
  json contact = json::object();
  const json* client = Member(doc, "client");
  contact["Name"] = client ? Text(*client, "name") : std::string();
  if (client) {
    if (std::string email = Text(*client, "email"); !email.empty()) contact["EmailAddress"] = email;
  }
  return contact;
}

Mapped<json> MapInvoice(const json& doc, const MapContext& ctx, const Contact* contact,
                        const std::optional<std::string>& invoice_id) {
  // Refusals that need nothing from Xero first.
  if (Text(doc, "kind") == "retainer") {
    return std::unexpected(
        Refuse("retainer invoices are not copied to Xero: the retainer's funds would be counted "
               "twice when they are later applied to an invoice"));
  }
  const json* lines = Member(doc, "lines");
  if (lines == nullptr || !lines->is_array() || lines->empty()) {
    return std::unexpected(Refuse("the invoice has no lines"));
  }
  for (std::size_t i = 0; i < lines->size(); ++i) {
    std::string description = Text((*lines)[i], "description");
    if (description.find_first_not_of(" \t") == std::string::npos) {
      return std::unexpected(
          Refuse(fmt::format("line {} has no description, and Xero needs one on every line: add "
                             "a description to it and send the invoice again",
                             i + 1)));
    }
  }
  const std::string client = NewContactFor(doc)["Name"].get<std::string>();
  if (client.find_first_not_of(" \t") == std::string::npos) {
    return std::unexpected(Refuse("the invoice has no client name"));
  }

  // Then what rests on the organisation.
  const std::string currency = Text(doc, "currency");
  if (!ctx.org.HasCurrency(currency)) {
    std::vector<std::string> codes = ctx.org.currencies;
    if (std::find(codes.begin(), codes.end(), ctx.org.organisation.base_currency) == codes.end()) {
      codes.insert(codes.begin(), ctx.org.organisation.base_currency);
    }
    return std::unexpected(Refuse(
        fmt::format("the invoice is in {}, which the Xero organisation {} does not use (it has "
                    "{}): add {} in Xero under Settings > Currencies, then retry the job",
                    currency, ctx.org.organisation.name, fmt::join(codes, ", "), currency),
        true));
  }
  const std::string status_text = Text(doc, "status");
  const bool draft = status_text == "draft";
  std::string status = "DRAFT";
  if (!draft) {
    status = ctx.settings.invoice_status == InvoiceStatus::kSubmitted ? "SUBMITTED" : "AUTHORISED";
  }
  std::optional<std::string> tax_type;
  if (std::string tax = Text(doc, "tax"); !tax.empty()) {
    auto t = TaxTypeFor(tax, ctx);
    if (!t) return std::unexpected(t.error());
    tax_type = *t;
  }
  json tracking = json::array();
  if (const json* wanted = Member(doc, "tracking"); wanted && wanted->is_array()) {
    auto t = TrackingFor(*wanted, ctx);
    if (!t) return std::unexpected(t.error());
    tracking = std::move(*t);
  } else if (contact != nullptr) {
    tracking = DefaultTracking(*contact, ctx);
  }
  std::optional<json> discount;
  if (Member(doc, "discount_percent") != nullptr) {
    auto d = Amount(doc, "discount_percent", "discount_percent");
    if (!d) return std::unexpected(d.error());
    if (ExactNumberText(*d) != "0") discount = std::move(*d);
  }

  json items = json::array();
  for (std::size_t i = 0; i < lines->size(); ++i) {
    const json& line = (*lines)[i];
    const std::string what = fmt::format("line {}", i + 1);
    json out = json::object();
    out["Description"] = Text(line, "description");
    auto quantity = Amount(line, "quantity", what + " quantity");
    if (!quantity) return std::unexpected(quantity.error());
    auto price = Amount(line, "unit_price", what + " unit price");
    if (!price) return std::unexpected(price.error());
    out["Quantity"] = std::move(*quantity);
    out["UnitAmount"] = std::move(*price);

    // Revenue account: item -> client's default -> the connection's fallback.
    const std::string kind = Text(line, "kind");
    const Item* item = kind.empty() ? nullptr : ctx.org.FindItem(CutItemCode(kind));
    std::string account;
    std::string from;
    if (item != nullptr) {
      out["ItemCode"] = item->code;
      if (!item->sales_account.empty()) {
        account = item->sales_account;
        from = fmt::format("the sales account of Xero item {}", item->code);
      }
    }
    if (account.empty() && contact != nullptr && !contact->sales_account.empty()) {
      account = contact->sales_account;
      from = fmt::format("the default sales account of contact \"{}\"", contact->name);
    }
    if (account.empty() && !ctx.settings.revenue_account.empty()) {
      account = ctx.settings.revenue_account;
      from = Setting(ctx.connection, "revenue_account");
    }
    if (account.empty()) {
      if (!draft) {
        return std::unexpected(Refuse(
            fmt::format(
                "{} (\"{}\") has no revenue account: {}, {} and {} is not set", what,
                Text(line, "description"),
                item != nullptr ? fmt::format("Xero item {} has no sales account", item->code)
                : kind.empty()  ? std::string("the line has no item type")
                               : fmt::format("no Xero item has the code \"{}\"", CutItemCode(kind)),
                contact != nullptr
                    ? fmt::format("contact \"{}\" has no default sales account", contact->name)
                    : fmt::format("\"{}\" is a new contact without a default sales account",
                                  client),
                Setting(ctx.connection, "revenue_account")),
            true));
      }
    } else {
      const Account* a = ctx.org.FindAccount(account);
      if (a == nullptr || !a->active()) {
        return std::unexpected(
            Refuse(fmt::format("{}: revenue account {} ({}) is not an active account in the Xero "
                               "organisation {}",
                               what, account, from, ctx.org.organisation.name),
                   true));
      }
      out["AccountCode"] = a->code;
    }
    if (tax_type) out["TaxType"] = *tax_type;
    if (discount) out["DiscountRate"] = *discount;
    if (!tracking.empty()) out["Tracking"] = tracking;
    items.push_back(std::move(out));
  }

  json invoice = json::object();
  if (invoice_id) invoice["InvoiceID"] = *invoice_id;
  invoice["Type"] = "ACCREC";
  if (contact != nullptr) {
    invoice["Contact"] = {{"ContactID", contact->id}};
  } else {
    invoice["Contact"] = NewContactFor(doc);
  }
  invoice["Date"] = Text(doc, "issue_date");
  if (std::string due = Text(doc, "due_date"); !due.empty()) invoice["DueDate"] = due;
  invoice["LineAmountTypes"] = tax_type ? "Exclusive" : "NoTax";
  if (std::string number = Text(doc, "number"); !number.empty()) invoice["InvoiceNumber"] = number;
  if (std::string reference = Text(doc, "reference"); !reference.empty()) {
    invoice["Reference"] = reference;
  }
  invoice["CurrencyCode"] = currency;
  invoice["Status"] = status;
  invoice["LineItems"] = std::move(items);
  return invoice;
}

Mapped<json> MapPayment(const json& doc, const MapContext& ctx, const std::string& invoice_id) {
  const std::string& code = ctx.settings.payment_account;
  if (code.empty()) {
    return std::unexpected(Refuse(fmt::format(
        "{} is not set: xerod needs the Xero account payments are made to (a bank account, "
        "e.g. 090)",
        Setting(ctx.connection, "payment_account"))));
  }
  const Account* account = ctx.org.FindAccount(code);
  if (account == nullptr || !account->active()) {
    return std::unexpected(Refuse(
        fmt::format("payment account {} ({}) is not an active account in the Xero "
                    "organisation {}",
                    code, Setting(ctx.connection, "payment_account"), ctx.org.organisation.name),
        true));
  }
  if (!account->payments_allowed) {
    return std::unexpected(Refuse(
        fmt::format("payment account {} ({}, {}) cannot receive payments in Xero: it is not a "
                    "bank account and does not allow payments",
                    account->code, account->name, Setting(ctx.connection, "payment_account")),
        true));
  }
  auto amount = Amount(doc, "amount", "the payment's amount");
  if (!amount) return std::unexpected(amount.error());
  json payment = json::object();
  payment["Invoice"] = {{"InvoiceID", invoice_id}};
  payment["Account"] = {{"Code", account->code}};
  payment["Date"] = Text(doc, "date");
  payment["Amount"] = std::move(*amount);
  // The reference also identifies the payment when an unknown outcome is
  // looked up later; without one, the platform's id serves.
  std::string reference = Text(doc, "reference");
  payment["Reference"] = reference.empty() ? Text(doc, "id") : reference;
  return payment;
}

}  // namespace xerod::copy
