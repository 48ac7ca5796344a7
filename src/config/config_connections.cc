// SPDX-License-Identifier: MIT
// The `connections:` section: settings per connection name.
#include <array>

#include "config/config_tree.h"
#include "config/validators.h"

namespace xerod::config {
namespace {

using Node = YAML::Node;

constexpr std::array<EnumName<InvoiceStatus>, 3> kStatusNames = {{
    {"authorised", InvoiceStatus::kAuthorised},
    {"authorized", InvoiceStatus::kAuthorised, true},
    {"submitted", InvoiceStatus::kSubmitted},
}};

void ReadAccount(Reader& r, const Node& v, const std::string& p, std::string& field) {
  auto s = r.String(v, p);
  if (!s) return;
  if (!IsAccountCode(*s)) {
    r.Error(v, p,
            "expected a Xero account code of 1 to 10 letters or digits (got " +
                Reader::Describe(v) + ")");
    return;
  }
  field = *s;
}

void ReadTaxMap(Reader& r, const Node& node, const std::string& path,
                std::map<std::string, std::string>& tax_map) {
  r.AnyKeys(node, path, [&](const Node& k, const Node& v, const std::string& p) {
    const std::string& name = k.Scalar();
    if (name.empty() || name.size() > 100) {
      r.Error(k, p, "expected a tax name of 1 to 100 characters (got " + Reader::Describe(k) + ")");
      return;
    }
    auto s = r.String(v, p);
    if (!s) return;
    if (!IsTaxType(*s)) {
      r.Error(
          v, p,
          "expected a Xero TaxType code such as OUTPUT2 or NONE (got " + Reader::Describe(v) + ")");
      return;
    }
    tax_map[name] = *s;
  });
}

void ReadConnection(Reader& r, const Node& node, const std::string& path, ConnectionSettings& c) {
  r.Map(
      node, path,
      {{"notify", [&](const Node&, const Node& v,
                      const std::string& p) { c.notify = ReadEmailList(r, v, p); }},
       {"revenue_account", [&](const Node&, const Node& v,
                               const std::string& p) { ReadAccount(r, v, p, c.revenue_account); }},
       {"payment_account", [&](const Node&, const Node& v,
                               const std::string& p) { ReadAccount(r, v, p, c.payment_account); }},
       {"invoice_status",
        [&](const Node&, const Node& v, const std::string& p) {
          if (auto e = r.Enum<InvoiceStatus>(v, p, kStatusNames)) c.invoice_status = *e;
        }},
       {"copy_payments",
        [&](const Node&, const Node& v, const std::string& p) {
          if (auto b = r.Bool(v, p)) c.copy_payments = *b;
        }},
       {"tax_map", [&](const Node&, const Node& v, const std::string& p) {
          ReadTaxMap(r, v, p, c.tax_map);
        }}});
}

}  // namespace

void ReadConnections(Reader& r, const Node& node, const std::string& path,
                     std::map<std::string, ConnectionSettings>& connections) {
  r.AnyKeys(node, path, [&](const Node& k, const Node& v, const std::string& p) {
    if (!IsConnectionName(k.Scalar())) {
      r.Error(
          k, p,
          "expected a connection name [a-z0-9][a-z0-9_-]{0,63} (got " + Reader::Describe(k) + ")");
      return;
    }
    ConnectionSettings settings;
    ReadConnection(r, v, p, settings);
    connections[k.Scalar()] = std::move(settings);
  });
}

}  // namespace xerod::config
