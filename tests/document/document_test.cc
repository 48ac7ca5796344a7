// SPDX-License-Identifier: MIT
#include "xerod/document.h"

#include <gtest/gtest.h>

#include <string>

namespace xerod {
namespace {

using nlohmann::json;

// The DESIGN.md example invoice with `patch` merged in (null removes a key).
std::string Invoice(const json& patch = json::object()) {
  json doc = json::parse(R"({ "id": "inv-1001", "number": "INV-1001", "kind": "invoice",
    "status": "sent", "client": {"name": "Acme Ltd", "email": "ap@acme.test"},
    "issue_date": "2026-11-02", "due_date": "2026-12-02", "currency": "NZD",
    "reference": "PO 7781", "tax": "GST on Income", "discount_percent": "10",
    "tracking": [{"name": "Region", "option": "North"}],
    "lines": [{"kind": "Services", "description": "Design work", "quantity": "10",
               "unit_price": "120.00"}] })");
  doc.merge_patch(patch);
  return doc.dump();
}

TEST(DocumentTest, DesignExampleIsNormalisedWithSortedKeysAndMinimalDecimals) {
  auto doc = ParseDocument(DocumentType::kInvoice, Invoice());
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->id, "inv-1001");
  EXPECT_EQ(doc->canonical,
            R"({"client":{"email":"ap@acme.test","name":"Acme Ltd"},"currency":"NZD",)"
            R"("discount_percent":"10","due_date":"2026-12-02","id":"inv-1001",)"
            R"("issue_date":"2026-11-02","kind":"invoice","lines":[{"description":"Design work",)"
            R"("kind":"Services","quantity":"10","unit_price":"120"}],"number":"INV-1001",)"
            R"("reference":"PO 7781","status":"sent","tax":"GST on Income",)"
            R"("tracking":[{"name":"Region","option":"North"}]})");
}

TEST(DocumentTest, NumbersKeepTheirExactDecimalValue) {
  // 0.1 and 1234567890.1234 are not representable in binary floating point.
  std::string text = R"({"id":"p","invoice_id":"i","amount":0.10,"date":"2026-01-31"})";
  auto doc = ParseDocument(DocumentType::kPayment, text);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->canonical, R"({"amount":"0.1","date":"2026-01-31","id":"p","invoice_id":"i"})");
  EXPECT_EQ(doc->depends_on, "i");  // a payment waits for its invoice
  auto line =
      ParseDocument(DocumentType::kInvoice,
                    R"({"id":"a","status":"draft","client":{"name":"B"},"issue_date":"2024-02-29",
          "currency":"EUR","lines":[{"description":"x","quantity":1.5e2,
          "unit_price":1234567890.1234}]})");
  ASSERT_TRUE(line) << line.error().message();
  EXPECT_NE(line->canonical.find(R"("quantity":"150","unit_price":"1234567890.1234")"),
            std::string::npos)
      << line->canonical;
}

TEST(DocumentTest, SameMeaningGivesSameCanonicalBytes) {
  auto a = ParseDocument(DocumentType::kInvoice, Invoice({{"discount_percent", 10}}));
  auto b = ParseDocument(DocumentType::kInvoice, Invoice({{"discount_percent", "10.00"}}));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->canonical, b->canonical);
  // Key order of the input does not matter; kind defaults to invoice.
  json reordered = json::parse(Invoice());
  reordered.erase("kind");
  auto c = ParseDocument(DocumentType::kInvoice, reordered.dump());
  ASSERT_TRUE(c);
  EXPECT_EQ(a->canonical, c->canonical);
}

TEST(DocumentTest, RetainersAndLinesWithoutDescriptionAreStoredForTheCopyToRefuse) {
  // The copy refuses them with a reason a bookkeeper sees (src/copy/mapper.h),
  // so they are accepted here and kept as they are.
  auto retainer = ParseDocument(DocumentType::kInvoice, Invoice({{"kind", "retainer"}}));
  ASSERT_TRUE(retainer) << retainer.error().message();
  EXPECT_NE(retainer->canonical.find(R"("kind":"retainer")"), std::string::npos);
  for (const json& description : {json(nullptr), json("  "), json("")}) {
    json doc = json::parse(Invoice());
    doc["lines"][0]["description"] = description;
    auto parsed = ParseDocument(DocumentType::kInvoice, doc.dump());
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->canonical.find("description"), std::string::npos) << parsed->canonical;
  }
}

TEST(DocumentTest, NormalizeDecimal) {
  EXPECT_EQ(*NormalizeDecimal("007.500", false), "7.5");
  EXPECT_EQ(*NormalizeDecimal("-0.00", false), "0");
  EXPECT_EQ(*NormalizeDecimal("-12.340", false), "-12.34");
  EXPECT_EQ(*NormalizeDecimal("1E-2", true), "0.01");
  EXPECT_FALSE(NormalizeDecimal("1e2", false));
  EXPECT_FALSE(NormalizeDecimal("1.", false));
  EXPECT_FALSE(NormalizeDecimal(".5", false));
  EXPECT_FALSE(NormalizeDecimal("+1", false));
  EXPECT_FALSE(NormalizeDecimal("1e999", true));
}

struct BadCase {
  const char* name;
  DocumentType type;
  std::string text;
  std::string error;  // exact message
};

std::string Payment(const json& patch = json::object()) {
  json doc = json::parse(
      R"({"id":"pay-77","invoice_id":"inv-1001","amount":"500.00","date":"2026-11-20",
          "reference":"Stripe ch_123"})");
  doc.merge_patch(patch);
  return doc.dump();
}

json Line(const json& patch) {
  json line = {{"description", "Design"}, {"quantity", "1"}, {"unit_price", "5"}};
  line.merge_patch(patch);
  return line;
}

class InvalidDocumentTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(InvalidDocumentTest, FailsWithTheExactFieldPath) {
  const BadCase& c = GetParam();
  auto doc = ParseDocument(c.type, c.text);
  ASSERT_FALSE(doc) << c.text;
  EXPECT_EQ(doc.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(doc.error().message(), c.error);
}

const auto kInvoice = DocumentType::kInvoice;
const auto kPayment = DocumentType::kPayment;

INSTANTIATE_TEST_SUITE_P(
    Cases, InvalidDocumentTest,
    ::testing::Values(
        BadCase{"UnknownTopField", kInvoice, Invoice({{"colour", "red"}}), "colour: unknown field"},
        // An unknown key that is not a plain name is quoted, so it cannot pass for a path.
        BadCase{"UnknownOddTopField", kInvoice, Invoice({{"lines[0]", 1}}),
                "[\"lines[0]\"]: unknown field"},
        BadCase{"UnknownControlCharacterField", kInvoice, Invoice({{"a\nb", 1}}),
                "[\"a\\nb\"]: unknown field"},
        BadCase{"UnknownLineField", kInvoice,
                Invoice({{"lines",
                          {Line(json::object()), Line(json::object()), Line({{"vat", "1"}})}}}),
                "lines[2].vat: unknown field"},
        BadCase{"CommaDecimal", kInvoice,
                Invoice({{"lines",
                          {Line(json::object()), Line(json::object()),
                           Line({{"unit_price", "12,50"}})}}}),
                R"(lines[2].unit_price: not a decimal number (got "12,50"))"},
        BadCase{"QuantityBool", kInvoice, Invoice({{"lines", {Line({{"quantity", true}})}}}),
                "lines[0].quantity: must be a decimal string or number (got a boolean)"},
        BadCase{"QuantityZero", kInvoice, Invoice({{"lines", {Line({{"quantity", 0}})}}}),
                R"(lines[0].quantity: must be greater than 0 (got "0"))"},
        BadCase{"TooManyPlaces", kInvoice,
                Invoice({{"lines", {Line({{"unit_price", "1.23456"}})}}}),
                R"(lines[0].unit_price: more than 4 decimal places (got "1.23456"))"},
        BadCase{"DescriptionNumber", kInvoice, Invoice({{"lines", {Line({{"description", 7}})}}}),
                "lines[0].description: must be a string (got a number)"},
        BadCase{"NoLines", kInvoice, Invoice({{"lines", json::array()}}),
                "lines: must have at least one line"},
        BadCase{"LinesNotArray", kInvoice, Invoice({{"lines", "x"}}),
                "lines: must be an array (got a string)"},
        BadCase{"LineNotObject", kInvoice, Invoice({{"lines", {1}}}),
                "lines[0]: must be an object (got a number)"},
        BadCase{"MissingId", kInvoice, Invoice({{"id", nullptr}}), "id: required"},
        BadCase{"IdNumber", kInvoice, Invoice({{"id", 12}}), "id: must be a string (got a number)"},
        BadCase{"CreditNote", kInvoice, Invoice({{"kind", "credit"}}),
                R"(kind: must be "invoice" or "retainer" (got "credit"))"},
        BadCase{"BadStatus", kInvoice, Invoice({{"status", "void"}}),
                R"(status: must be draft, sent or paid (got "void"))"},
        BadCase{"BadDate", kInvoice, Invoice({{"issue_date", "2026-02-30"}}),
                R"(issue_date: not a date YYYY-MM-DD (got "2026-02-30"))"},
        BadCase{"SlashDate", kInvoice, Invoice({{"due_date", "02/12/2026"}}),
                R"(due_date: not a date YYYY-MM-DD (got "02/12/2026"))"},
        BadCase{"DueBeforeIssue", kInvoice, Invoice({{"due_date", "2026-11-01"}}),
                R"(due_date: before issue_date (got "2026-11-01" < "2026-11-02"))"},
        BadCase{"LowerCurrency", kInvoice, Invoice({{"currency", "nzd"}}),
                R"(currency: not an ISO 4217 code of three capital letters (got "nzd"))"},
        BadCase{"ClientNoName", kInvoice, Invoice({{"client", {{"name", nullptr}}}}),
                "client.name: required"},
        BadCase{"ClientBadEmail", kInvoice, Invoice({{"client", {{"email", "nobody"}}}}),
                R"(client.email: not an email address (got "nobody"))"},
        BadCase{"ClientUnknown", kInvoice, Invoice({{"client", {{"phone", "1"}}}}),
                "client.phone: unknown field"},
        BadCase{"Discount", kInvoice, Invoice({{"discount_percent", "100.5"}}),
                R"(discount_percent: must be between 0 and 100 (got "100.5"))"},
        BadCase{"TrackingOption", kInvoice,
                Invoice({{"tracking", {{{"name", "Region"}, {"option", 3}}}}}),
                "tracking[0].option: must be a string (got a number)"},
        BadCase{"TooMuchTracking", kInvoice,
                Invoice({{"tracking",
                          {{{"name", "a"}, {"option", "b"}},
                           {{"name", "c"}, {"option", "d"}},
                           {{"name", "e"}, {"option", "f"}}}}}),
                "tracking: at most 2 tracking categories (got 3)"},
        BadCase{"NotJson", kInvoice, R"({"id": )", "document: not valid JSON (at byte 8)"},
        BadCase{"DuplicateKey", kInvoice, R"({"id":"a","id":"b"})",
                R"(document: duplicate key "id")"},
        BadCase{"NotObject", kInvoice, "[1]", "document: must be a JSON object (got an array)"},
        BadCase{"PaymentNegative", kPayment, Payment({{"amount", "-5"}}),
                R"(amount: must be greater than 0 (got "-5"))"},
        BadCase{"PaymentCents", kPayment, Payment({{"amount", 1.005}}),
                R"(amount: more than 2 decimal places (got "1.005"))"},
        BadCase{"PaymentUnknown", kPayment, Payment({{"currency", "NZD"}}),
                "currency: unknown field"},
        BadCase{"PaymentNoInvoice", kPayment, Payment({{"invoice_id", nullptr}}),
                "invoice_id: required"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

TEST(DocumentTest, OversizedDocumentIsRefused) {
  DocumentLimits limits;
  limits.max_document_bytes = 100;
  auto doc = ParseDocument(kInvoice, Invoice(), limits);
  ASSERT_FALSE(doc);
  EXPECT_NE(doc.error().message().find("larger than 100 bytes"), std::string::npos);
}

TEST(DocumentTest, DeepNestingIsRefusedWithoutCrashing) {
  std::string deep(100000, '[');
  auto value = ParseExactJson(deep);
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().message(), "nested deeper than 32 levels");
}

TEST(DocumentTest, NulInStringCannotForgeANumber) {
  auto value = ParseExactJson(R"({"amount":"\u00001"})");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().message(), "a string contains a NUL character");
}

TEST(DocumentTest, DumpExactJsonKeepsNumberText) {
  auto value = ParseExactJson(R"([{"a":0.10,"b":[1e2,-3]},"x\"y",null,true])");
  ASSERT_TRUE(value);
  EXPECT_EQ(DumpExactJson(*value), R"([{"a":0.10,"b":[1e2,-3]},"x\"y",null,true])");
}

TEST(DocumentTest, SplitBatchAcceptsObjectOrArray) {
  auto one = SplitBatch(Payment());
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);
  auto many = SplitBatch("[" + Payment() + "," + Payment({{"id", "pay-78"}}) + "]");
  ASSERT_TRUE(many);
  ASSERT_EQ(many->size(), 2u);
  auto second = ValidateDocument(kPayment, (*many)[1]);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "pay-78");
  DocumentLimits limits;
  limits.max_documents = 1;
  auto too_many = SplitBatch("[{},{}]", limits);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().message(), "batch: more than 1 documents (got 2)");
  EXPECT_FALSE(SplitBatch("42"));
}

}  // namespace
}  // namespace xerod
