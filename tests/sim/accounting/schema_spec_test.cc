// SPDX-License-Identifier: MIT
// Cross-checks the simulator's compact schema data against Xero's official
// OpenAPI file (shared/xero-openapi/xero_accounting.yaml) when it is present.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "sim/accounting/schema.h"
#include "support/test_support.h"

namespace xero_sim {
namespace {

std::string RefName(const YAML::Node& node) {
  if (!node || !node["$ref"]) return "";
  std::string ref = node["$ref"].as<std::string>();
  return ref.substr(ref.rfind('/') + 1);
}

std::set<std::string> EnumSet(const YAML::Node& node) {
  std::set<std::string> out;
  if (node && node["enum"])
    for (const auto& v : node["enum"]) out.insert(v.IsNull() ? "" : v.as<std::string>());
  return out;
}

const char* JsonType(FieldType t) {
  switch (t) {
    case FieldType::kString:
      return "string";
    case FieldType::kNumber:
      return "number";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kObject:
      return "object";
    case FieldType::kArray:
      return "array";
  }
  return "?";
}

class SchemaSpecTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string shared = xerod::testing::SharedDir();
    if (shared.empty()) return;
    path_ = shared + "/xero-openapi/xero_accounting.yaml";
    if (!std::filesystem::exists(path_)) return;
    auto start = std::chrono::steady_clock::now();
    spec_ = new YAML::Node(YAML::LoadFile(path_));
    parse_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  static void TearDownTestSuite() {
    delete spec_;
    spec_ = nullptr;
  }
  void SetUp() override {
    if (spec_ == nullptr)
      GTEST_SKIP() << "official spec not found (shared/xero-openapi/xero_accounting.yaml)";
  }
  static YAML::Node Schemas() { return (*spec_)["components"]["schemas"]; }

  static inline YAML::Node* spec_ = nullptr;
  static inline std::string path_;
  static inline double parse_seconds_ = 0;
};

TEST_F(SchemaSpecTest, EveryAcceptedFieldExistsInTheSpecWithTheSameTypeAndEnum) {
  RecordProperty("yaml_parse_seconds", std::to_string(parse_seconds_));
  std::set<std::string> enums_used;
  for (const SchemaSpec& schema : AllSchemas()) {
    SCOPED_TRACE(schema.name);
    YAML::Node spec_schema = Schemas()[schema.name];
    ASSERT_TRUE(spec_schema && spec_schema["properties"])
        << "schema missing in spec: " << schema.name;
    YAML::Node props = spec_schema["properties"];
    for (const FieldSpec& f : schema.fields) {
      SCOPED_TRACE(f.name);
      YAML::Node p = props[f.name];
      ASSERT_TRUE(p) << schema.name << "." << f.name << " is not in the spec";
      const std::string ref = RefName(p);
      const std::string type = p["type"] ? p["type"].as<std::string>() : "";
      switch (f.type) {
        case FieldType::kObject:
          EXPECT_EQ(ref, f.ref);
          break;
        case FieldType::kArray:
          EXPECT_EQ(type, "array");
          EXPECT_EQ(RefName(p["items"]), f.ref);
          break;
        case FieldType::kString:
          if (f.ref.empty()) {
            EXPECT_EQ(type, "string");
            EXPECT_TRUE(ref.empty()) << "spec uses $ref " << ref;
            EXPECT_FALSE(p["enum"]) << "spec restricts this field to an enum";
          } else if (f.ref.find('.') != std::string::npos) {
            enums_used.insert(f.ref);
            EXPECT_EQ(f.ref, schema.name + "." + f.name);
            EXPECT_EQ(type, "string");
            ASSERT_NE(EnumValues(f.ref), nullptr);
            EXPECT_EQ(EnumSet(p),
                      std::set<std::string>(EnumValues(f.ref)->begin(), EnumValues(f.ref)->end()));
          } else if (f.ref == "CurrencyCode") {
            EXPECT_EQ(ref, "CurrencyCode");
            auto codes = EnumSet(Schemas()["CurrencyCode"]);
            EXPECT_GT(codes.size(), 100u);
            for (const auto& code : codes) {
              nlohmann::json probe = {{f.name, code}};
              EXPECT_FALSE(ValidateAgainstSchema(schema.name, probe, "").has_value()) << code;
            }
          } else {
            enums_used.insert(f.ref);
            EXPECT_EQ(ref, f.ref);
            ASSERT_NE(EnumValues(f.ref), nullptr);
            EXPECT_EQ(EnumSet(Schemas()[f.ref]),
                      std::set<std::string>(EnumValues(f.ref)->begin(), EnumValues(f.ref)->end()));
          }
          break;
        case FieldType::kNumber:
        case FieldType::kInteger:
        case FieldType::kBoolean:
          EXPECT_EQ(type, JsonType(f.type));
          EXPECT_TRUE(ref.empty());
          break;
      }
    }
  }
  // Every enum we keep is checked by some field.
  for (const auto& name : EnumNames()) EXPECT_TRUE(enums_used.contains(name)) << name;
}

// A value of the type the spec gives `p` (first enum value for enums).
nlohmann::json Probe(const YAML::Node& p, const YAML::Node& schemas) {
  YAML::Node node = p;
  if (!node["enum"] && !RefName(p).empty() && schemas[RefName(p)]["enum"])
    node = schemas[RefName(p)];
  if (node["enum"]) return node["enum"][0].IsNull() ? "" : node["enum"][0].as<std::string>();
  const std::string type = p["type"] ? p["type"].as<std::string>() : "";
  if (type == "number") return 1.5;
  if (type == "integer") return 1;
  if (type == "boolean") return true;
  if (type == "array") return nlohmann::json::array({nlohmann::json::object()});
  if (type == "string") return "x";
  return nlohmann::json::object();  // a $ref'd object
}

TEST_F(SchemaSpecTest, EverySpecPropertyOfEveryCheckedSchemaIsAcceptedAndOnlyThose) {
  for (const SchemaSpec& schema : AllSchemas()) {
    SCOPED_TRACE(schema.name);
    YAML::Node props = Schemas()[schema.name]["properties"];
    ASSERT_TRUE(props);
    std::size_t count = 0;
    for (const auto& kv : props) {
      const std::string name = kv.first.as<std::string>();
      SCOPED_TRACE(name);
      ++count;
      auto it = std::find_if(schema.fields.begin(), schema.fields.end(),
                             [&](const FieldSpec& f) { return f.name == name; });
      ASSERT_NE(it, schema.fields.end()) << schema.name << "." << name << " is refused";
      // Read-only in Xero: accepted and ignored.
      if (kv.second["readOnly"] && kv.second["readOnly"].as<bool>()) {
        EXPECT_TRUE(it->ignored) << "read-only " << schema.name << "." << name;
      }
      // Accepted with a value of its spec type, alone and in a full element.
      nlohmann::json probe = {{name, Probe(kv.second, Schemas())}};
      EXPECT_FALSE(ValidateAgainstSchema(schema.name, probe, "").has_value())
          << probe.dump() << ": " << *ValidateAgainstSchema(schema.name, probe, "");
    }
    EXPECT_EQ(count, schema.fields.size()) << "the table lists names the spec does not define";
    // A name the spec does not define stays an error.
    auto refused = ValidateAgainstSchema(schema.name, {{"NoSuchMember", 1}}, "");
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(*refused, "Could not find member 'NoSuchMember' on object of type '" + schema.name +
                            "'. Path 'NoSuchMember'.");
  }
}

TEST_F(SchemaSpecTest, ParsesQuickly) {
  // The spec is ~1 MB; yaml-cpp parses it in well under a second (ASan included).
  EXPECT_LT(parse_seconds_, 10.0);
  EXPECT_GT(Schemas().size(), 100u);
}

}  // namespace
}  // namespace xero_sim
