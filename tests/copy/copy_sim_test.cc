// SPDX-License-Identifier: MIT
// The copy pipeline end to end against a real xero-sim: jobs go in the
// durable queue, the scheduler hands batches to the CopySender, and the test
// looks at both sides (the jobs, and what the simulated Xero holds).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "copy/copy_world.h"

namespace xerod {
namespace {

using nlohmann::json;
using testing::CopyWorld;
using testing::InvoiceDoc;
using testing::PaymentDoc;
using testing::SimServer;

const std::string kPutInvoices = "PUT /api.xro/2.0/Invoices";
const std::string kPostInvoices = "POST /api.xro/2.0/Invoices";
const std::string kPutContacts = "PUT /api.xro/2.0/Contacts";
const std::string kPutPayments = "PUT /api.xro/2.0/Payments";

std::vector<std::string> SimArgs() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string capture =
      testing::CaptureFile(std::string(info->test_suite_name()) + "." + info->name());
  if (capture.empty()) return {};
  std::filesystem::remove(capture);
  return {"--capture", capture};
}

class CopySimTest : public ::testing::Test {
 protected:
  CopySimTest() : sim_(SimArgs()) {}
  void SetUp() override {
    world_ = std::make_unique<CopyWorld>(sim_.url(), dir_.path().string(), Options());
    tenant_ = world_->Connect("acme", "Acme NZ");
  }
  virtual testing::CopyWorldOptions Options() { return {}; }

  // The simulator's invoices of the tenant with this number.
  std::vector<json> InvoicesNumbered(const std::string& number) {
    std::vector<json> out;
    for (const json& inv : world_->SimInvoices(tenant_)) {
      if (inv.value("InvoiceNumber", "") == number) out.push_back(inv);
    }
    return out;
  }
  json Invoice(const std::string& id) {
    for (const json& inv : world_->SimInvoices(tenant_)) {
      if (inv.value("InvoiceID", "") == id) return inv;
    }
    return nullptr;
  }
  int Contacts(const std::string& name) {
    auto r = world_->Api("acme", HttpMethod::kGet,
                         "/Contacts?where=Name%3D%3D%22" + ReplaceSpaces(name) + "%22");
    EXPECT_TRUE(r.ok()) << r.reason;
    return r.ok() ? static_cast<int>(r.body["Contacts"].size()) : -1;
  }
  static std::string ReplaceSpaces(std::string s) {
    std::string out;
    for (char c : s) out += c == ' ' ? std::string("%20") : std::string(1, c);
    return out;
  }

  testing::TempDir dir_;
  SimServer sim_;
  std::unique_ptr<CopyWorld> world_;
  std::string tenant_;
};

TEST_F(CopySimTest, AMixedBatchIsOneCallAndEveryElementGetsItsOwnResult) {
  world_->scheduler->Stop();  // enqueue everything first: one batch
  auto ids = world_->EnqueueAll(
      "acme",
      {InvoiceDoc("1"), InvoiceDoc("2", {{"status", "draft"}}),
       // Xero refuses this one (a line amount out of range); the others go through.
       InvoiceDoc(
           "3",
           {{"lines",
             {{{"description", "Huge"}, {"quantity", "1"}, {"unit_price", "20000000000000"}}}}}),
       InvoiceDoc("4", {{"discount_percent", "10"}})});
  ASSERT_EQ(ids.size(), 4u);
  world_->scheduler = std::make_unique<Scheduler>(world_->xero->io, *world_->queue, *world_->sender,
                                                  SystemClock(), world_->gate.get());
  world_->scheduler->Start();
  ASSERT_TRUE(world_->RunUntilFinished(ids));
  EXPECT_EQ(world_->SimCalls(tenant_, kPutInvoices), 1);

  for (std::size_t i : {0u, 1u, 3u}) {
    Job j = world_->JobOf(ids[i]);
    EXPECT_EQ(j.state, JobState::kSucceeded) << i << " " << j.last_error.value_or("");
    ASSERT_TRUE(j.xero_id.has_value());
    EXPECT_NE(j.xero_link.value_or("").find("/invoicing/view/" + *j.xero_id), std::string::npos);
  }
  Job refused = world_->JobOf(ids[2]);
  EXPECT_EQ(refused.state, JobState::kDead);
  EXPECT_NE(refused.last_error.value_or("").find("outside the range"), std::string::npos)
      << refused.last_error.value_or("");
  JobDetail d = world_->Detail(ids[2]);
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].outcome, "permanent");
  EXPECT_FALSE(d.attempts[0].request_id.value_or("").empty());  // Xero's correlation id

  // What Xero holds: mapped as the rules say.
  json authorised = Invoice(*world_->JobOf(ids[0]).xero_id);
  EXPECT_EQ(authorised["Status"], "AUTHORISED");
  EXPECT_EQ(authorised["Type"], "ACCREC");
  EXPECT_EQ(authorised["InvoiceNumber"], "INV-1");
  EXPECT_EQ(authorised["Reference"], "PO 1");
  EXPECT_EQ(authorised["LineAmountTypes"], "Exclusive");
  EXPECT_EQ(authorised["LineItems"][0]["AccountCode"], "200");
  EXPECT_EQ(authorised["LineItems"][0]["TaxType"], "OUTPUT2");
  EXPECT_EQ(authorised["Total"], 1380);  // 10 x 120 + 15% GST
  EXPECT_EQ(Invoice(*world_->JobOf(ids[1]).xero_id)["Status"], "DRAFT");
  json discounted = Invoice(*world_->JobOf(ids[3]).xero_id);
  EXPECT_EQ(discounted["LineItems"][0]["DiscountRate"], 10);
  EXPECT_EQ(discounted["SubTotal"], 1080);
  EXPECT_EQ(InvoicesNumbered("INV-3").size(), 0u);
}

TEST_F(CopySimTest, RefusalsComeBeforeAnyCallWithAReasonABookkeeperUnderstands) {
  struct Case {
    json doc;
    std::string reason;
  };
  std::vector<Case> cases = {
      {InvoiceDoc("eur", {{"currency", "EUR"}}), "the invoice is in EUR, which the Xero "},
      {InvoiceDoc("ret", {{"kind", "retainer"}}), "retainer invoices are not copied to Xero"},
      {InvoiceDoc("nodesc", {{"lines", {{{"quantity", "1"}, {"unit_price", "5"}}}}}),
       "line 1 has no description"},
      {InvoiceDoc("tax", {{"tax", "VAT 20%"}}), "tax \"VAT 20%\" has no match in Xero"},
      {InvoiceDoc("trk", {{"tracking", {{{"name", "Region"}, {"option", "Atlantis"}}}}}),
       "tracking category \"Region\" in Xero has no active option \"Atlantis\""},
  };
  std::vector<json> docs;
  for (const Case& c : cases) docs.push_back(c.doc);
  auto ids = world_->EnqueueAll("acme", docs);
  ASSERT_TRUE(world_->RunUntilFinished(ids));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Job j = world_->JobOf(ids[i]);
    EXPECT_EQ(j.state, JobState::kDead) << i;
    EXPECT_NE(j.last_error.value_or("").find(cases[i].reason), std::string::npos)
        << j.last_error.value_or("");
  }
  EXPECT_EQ(world_->SimCalls(tenant_, kPutInvoices), 0);
  EXPECT_EQ(world_->SimCalls(tenant_, kPutContacts), 0);
}

// Organisation data that ages quickly, to see it refreshed.
class FreshDataCopySimTest : public CopySimTest {
 protected:
  testing::CopyWorldOptions Options() override {
    testing::CopyWorldOptions o;
    o.copy.org_refresh = std::chrono::milliseconds(300);
    o.copy.org_fresh = std::chrono::milliseconds(0);
    return o;
  }
};

TEST_F(FreshDataCopySimTest, AgedOrganisationDataIsRefreshedBeforeABatchUsesIt) {
  auto first = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({first}));
  // An item made in Xero after xerod read the items.
  auto item = world_->Api(
      "acme", HttpMethod::kPut, "/Items",
      {{"Items",
        {{{"Code", "Widget"}, {"Name", "Widget"}, {"SalesDetails", {{"AccountCode", "260"}}}}}}});
  ASSERT_TRUE(item.ok()) << item.reason;
  const int items_read = world_->SimCalls(tenant_, "GET /api.xro/2.0/Items");
  // The data is older than org_refresh by the time the next batch needs it.
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(world_->RunUntil(
      [&] { return std::chrono::steady_clock::now() - started > std::chrono::milliseconds(400); }));
  auto second = world_->Enqueue("acme", InvoiceDoc("2", {{"lines",
                                                          {{{"kind", "Widget"},
                                                            {"description", "One widget"},
                                                            {"quantity", "1"},
                                                            {"unit_price", "10"}}}}}));
  ASSERT_TRUE(world_->RunUntilFinished({second}));
  json inv = Invoice(*world_->JobOf(second).xero_id);
  EXPECT_EQ(inv["LineItems"][0]["ItemCode"], "Widget");
  EXPECT_EQ(inv["LineItems"][0]["AccountCode"], "260");
  EXPECT_EQ(world_->SimCalls(tenant_, "GET /api.xro/2.0/Items"), items_read + 1);
}

TEST_F(FreshDataCopySimTest, ARefusalThatRestsOnOrganisationDataIsCheckedAgainstFreshData) {
  auto first = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({first}));
  const int read = world_->SimCalls(tenant_, "GET /api.xro/2.0/Currencies");
  // EUR: refused only after a second look at the organisation's currencies.
  auto eur = world_->Enqueue("acme", InvoiceDoc("2", {{"currency", "EUR"}}));
  ASSERT_TRUE(world_->RunUntilFinished({eur}));
  EXPECT_EQ(world_->JobOf(eur).state, JobState::kDead);
  EXPECT_EQ(world_->SimCalls(tenant_, "GET /api.xro/2.0/Currencies"), read + 1);
}

TEST_F(CopySimTest, ContactsAreReusedByNameAndNewOnesCreatedOnce) {
  world_->scheduler->Stop();
  // Three invoices for one new client, one for a contact the organisation has.
  auto ids =
      world_->EnqueueAll("acme", {InvoiceDoc("1", {{"client", {{"name", "Brand New Ltd"}}}}),
                                  InvoiceDoc("2", {{"client", {{"name", "Brand New Ltd"}}}}),
                                  InvoiceDoc("3", {{"client", {{"name", "brand new ltd "}}}}),
                                  InvoiceDoc("4", {{"client", {{"name", "ABC Furniture"}}}})});
  world_->scheduler = std::make_unique<Scheduler>(world_->xero->io, *world_->queue, *world_->sender,
                                                  SystemClock(), world_->gate.get());
  world_->scheduler->Start();
  ASSERT_TRUE(world_->RunUntilFinished(ids));
  std::set<std::string> contact_ids;
  for (std::int64_t id : ids) {
    Job j = world_->JobOf(id);
    ASSERT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
    contact_ids.insert(Invoice(*j.xero_id)["Contact"]["ContactID"].get<std::string>());
  }
  EXPECT_EQ(contact_ids.size(), 2u);
  EXPECT_EQ(Contacts("Brand New Ltd"), 1);
  EXPECT_EQ(Contacts("ABC Furniture"), 1);  // the seeded one, not a second
  EXPECT_EQ(world_->SimCalls(tenant_, kPutContacts), 1);

  // Later batches reuse it without asking Xero again.
  auto more = world_->Enqueue("acme", InvoiceDoc("5", {{"client", {{"name", "Brand New Ltd"}}}}));
  ASSERT_TRUE(world_->RunUntilFinished({more}));
  EXPECT_EQ(world_->JobOf(more).state, JobState::kSucceeded);
  EXPECT_EQ(Contacts("Brand New Ltd"), 1);
  EXPECT_EQ(world_->SimCalls(tenant_, kPutContacts), 1);
}

TEST_F(CopySimTest, AConnectionBoundToAnotherOrganisationForgetsWhatItKnewOfTheFirst) {
  auto first = world_->Enqueue("acme", InvoiceDoc("1", {{"client", {{"name", "Brand X"}}}}));
  ASSERT_TRUE(world_->RunUntilFinished({first}));
  // The name is connected to another organisation (the platform reconnected it).
  auto org = world_->xero->Admin(HttpMethod::kPost, "/_sim/orgs", {{"name", "Other Ltd"}});
  const std::string other = org.value("tenant_id", "");
  ASSERT_TRUE(
      world_->xero->Add("acme", other, world_->xero->CreateGrant({other})["refresh_token"]));
  auto second = world_->Enqueue("acme", InvoiceDoc("2", {{"client", {{"name", "Brand X"}}}}));
  ASSERT_TRUE(world_->RunUntilFinished({second}));
  Job j = world_->JobOf(second);
  ASSERT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
  // Copied into the other organisation, with a contact of its own.
  json invoices = world_->SimInvoices(other);
  ASSERT_EQ(invoices.size(), 1u);
  EXPECT_EQ(invoices[0]["InvoiceID"], *j.xero_id);
  EXPECT_NE(invoices[0]["Contact"]["ContactID"],
            Invoice(*world_->JobOf(first).xero_id)["Contact"]["ContactID"]);
  EXPECT_EQ(world_->SimCalls(other, kPutContacts), 1);
}

TEST_F(CopySimTest, RevenueAccountComesFromTheItemThenTheContactThenTheFallback) {
  // A contact with a default sales account, and an item without one.
  auto contact =
      world_->Api("acme", HttpMethod::kPut, "/Contacts",
                  {{"Contacts", {{{"Name", "Defaults Ltd"}, {"SalesDefaultAccountCode", "260"}}}}});
  ASSERT_TRUE(contact.ok()) << contact.reason << contact.body.dump();
  auto item = world_->Api("acme", HttpMethod::kPut, "/Items",
                          {{"Items", {{{"Code", "Plain"}, {"Name", "No account"}}}}});
  ASSERT_TRUE(item.ok()) << item.reason << item.body.dump();
  json lines = {
      {{"kind", "Support"}, {"description", "Item 260"}, {"quantity", "1"}, {"unit_price", "10"}},
      {{"kind", "DevFee"}, {"description", "Item 200"}, {"quantity", "1"}, {"unit_price", "10"}},
      {{"kind", "Plain"}, {"description", "Contact"}, {"quantity", "1"}, {"unit_price", "10"}},
      {{"description", "Contact too"}, {"quantity", "1"}, {"unit_price", "10"}}};
  auto with_default = world_->Enqueue(
      "acme", InvoiceDoc("1", {{"client", {{"name", "Defaults Ltd"}}}, {"lines", lines}}));
  auto without = world_->Enqueue("acme", InvoiceDoc("2", {{"lines", lines}}));
  ASSERT_TRUE(world_->RunUntilFinished({with_default, without}));
  json a = Invoice(*world_->JobOf(with_default).xero_id);
  ASSERT_TRUE(a.is_object()) << world_->JobOf(with_default).last_error.value_or("");
  EXPECT_EQ(a["LineItems"][0]["AccountCode"], "260");
  EXPECT_EQ(a["LineItems"][0]["ItemCode"], "Support");
  EXPECT_EQ(a["LineItems"][1]["AccountCode"], "200");
  EXPECT_EQ(a["LineItems"][2]["AccountCode"], "260");  // item without account -> contact
  EXPECT_EQ(a["LineItems"][3]["AccountCode"], "260");
  json b = Invoice(*world_->JobOf(without).xero_id);
  EXPECT_EQ(b["LineItems"][2]["AccountCode"], "200");  // -> connection fallback
  EXPECT_EQ(b["LineItems"][3]["AccountCode"], "200");
}

TEST_F(CopySimTest, ChangedDocumentsUpdateTheInvoiceUntilXeroHasItPaid) {
  auto first = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({first}));
  const std::string xero_id = world_->JobOf(first).xero_id.value_or("");
  ASSERT_FALSE(xero_id.empty());

  json changed = InvoiceDoc("1", {{"reference", "PO changed"}});
  auto update = world_->Enqueue("acme", changed);
  ASSERT_TRUE(world_->RunUntilFinished({update}));
  Job u = world_->JobOf(update);
  EXPECT_EQ(u.operation, JobOperation::kUpdate);
  EXPECT_EQ(u.state, JobState::kSucceeded) << u.last_error.value_or("");
  EXPECT_EQ(u.xero_id, xero_id);
  EXPECT_EQ(Invoice(xero_id)["Reference"], "PO changed");
  EXPECT_EQ(InvoicesNumbered("INV-1").size(), 1u);
  EXPECT_EQ(world_->SimCalls(tenant_, kPostInvoices), 1);

  // Paid in Xero (by someone else): later edits are not copied, with a warning.
  auto paid = world_->Api("acme", HttpMethod::kPut, "/Payments",
                          {{"Payments",
                            {{{"Invoice", {{"InvoiceID", xero_id}}},
                              {"Account", {{"Code", "090"}}},
                              {"Date", "2026-11-21"},
                              {"Amount", 1380}}}}});
  ASSERT_TRUE(paid.ok()) << paid.reason << paid.body.dump();
  auto late = world_->Enqueue("acme", InvoiceDoc("1", {{"reference", "PO too late"}}));
  ASSERT_TRUE(world_->RunUntilFinished({late}));
  Job l = world_->JobOf(late);
  EXPECT_EQ(l.state, JobState::kSucceeded) << l.last_error.value_or("");
  EXPECT_NE(l.warning.value_or("").find("Xero has this invoice as PAID"), std::string::npos)
      << l.warning.value_or("");
  EXPECT_EQ(Invoice(xero_id)["Reference"], "PO changed");
}

TEST_F(CopySimTest, PaymentsWaitForTheirInvoiceWithoutUsingAttempts) {
  // The payment arrives first.
  auto pay = world_->Enqueue("acme", PaymentDoc("p1", "1", "1380.00"), DocumentType::kPayment);
  ASSERT_TRUE(world_->RunUntil([&] {
    Job j = world_->JobOf(pay);
    return j.last_error.value_or("").find("waiting for invoice 1") != std::string::npos;
  }));
  Job waiting = world_->JobOf(pay);
  EXPECT_EQ(waiting.state, JobState::kQueued);
  EXPECT_EQ(waiting.attempts, 0);
  EXPECT_EQ(world_->SimCalls(tenant_, kPutPayments), 0);

  auto inv = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({inv, pay}));
  Job p = world_->JobOf(pay);
  EXPECT_EQ(p.state, JobState::kSucceeded) << p.last_error.value_or("");
  EXPECT_EQ(p.attempts, 1);
  json invoice = Invoice(*world_->JobOf(inv).xero_id);
  EXPECT_EQ(invoice["Status"], "PAID");
  ASSERT_EQ(invoice["Payments"].size(), 1u);
  EXPECT_EQ(invoice["Payments"][0]["PaymentID"], *p.xero_id);
  EXPECT_EQ(invoice["Payments"][0]["Reference"], "Stripe p1");
}

TEST_F(CopySimTest, PaymentsXeroRefusesEndWithXerosReason) {
  auto draft = world_->Enqueue("acme", InvoiceDoc("d", {{"status", "draft"}}));
  auto sent = world_->Enqueue("acme", InvoiceDoc("s"));
  ASSERT_TRUE(world_->RunUntilFinished({draft, sent}));
  auto on_draft = world_->Enqueue("acme", PaymentDoc("p1", "d", "10"), DocumentType::kPayment);
  auto over = world_->Enqueue("acme", PaymentDoc("p2", "s", "5000"), DocumentType::kPayment);
  ASSERT_TRUE(world_->RunUntilFinished({on_draft, over}));
  Job a = world_->JobOf(on_draft);
  EXPECT_EQ(a.state, JobState::kDead);
  EXPECT_NE(a.last_error.value_or("").find("Payments can only be made against Authorised"),
            std::string::npos)
      << a.last_error.value_or("");
  Job b = world_->JobOf(over);
  EXPECT_EQ(b.state, JobState::kDead);
  EXPECT_NE(b.last_error.value_or("").find("exceeds the amount outstanding"), std::string::npos)
      << b.last_error.value_or("");
}

TEST_F(CopySimTest, PaymentsOfAConnectionThatDoesNotCopyThemAreCancelledWithTheReason) {
  world_->settings["acme"] = testing::TestSettings();
  world_->settings["acme"].copy_payments = false;
  auto pay = world_->Enqueue("acme", PaymentDoc("p1", "1", "10"), DocumentType::kPayment);
  ASSERT_TRUE(world_->RunUntilFinished({pay}));
  Job j = world_->JobOf(pay);
  EXPECT_EQ(j.state, JobState::kCancelled);
  EXPECT_NE(j.last_error.value_or("").find("copy_payments is false"), std::string::npos);
  EXPECT_EQ(j.attempts, 0);
}

// Answers slower than the request timeout: the outcome of a write is unknown.
class LostAnswerCopySimTest : public CopySimTest {
 protected:
  testing::CopyWorldOptions Options() override {
    testing::CopyWorldOptions o;
    o.request_timeout = std::chrono::milliseconds(1000);
    return o;
  }
  // Xero creates the invoices of the next PUT, and the answer never arrives in time.
  void LoseTheNextAnswer() {
    world_->Fault({{"path", "/api.xro/2.0/Invoices"},
                   {"method", "PUT"},
                   {"after_processing", true},
                   {"delay_ms", 2500},
                   {"count", 1}});
  }
};

TEST_F(LostAnswerCopySimTest, ALostAnswerIsLookedUpAndNotSentTwice) {
  LoseTheNextAnswer();
  auto id = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({id}));
  Job j = world_->JobOf(id);
  EXPECT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
  ASSERT_EQ(InvoicesNumbered("INV-1").size(), 1u);
  EXPECT_EQ(j.xero_id, InvoicesNumbered("INV-1")[0]["InvoiceID"]);
  JobDetail d = world_->Detail(id);
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_EQ(d.attempts[0].outcome, "unknown");
  EXPECT_TRUE(d.attempts[1].reconcile);
  EXPECT_EQ(d.attempts[1].outcome, "reconciled");
  EXPECT_EQ(world_->SimCalls(tenant_, kPutInvoices), 1);
  EXPECT_EQ(world_->SimStats(tenant_).value("duplicate_numbers_attempted", -1), 0);
}

TEST_F(CopySimTest, AConnectionDroppedAfterXeroActedLeavesOneInvoice) {
  // libcurl may resend a request whose reused connection died before any
  // answer; the Idempotency-Key (and, failing that, the number) keeps it one.
  world_->Fault({{"path", "/api.xro/2.0/Invoices"},
                 {"method", "PUT"},
                 {"after_processing", true},
                 {"drop", true},
                 {"count", 1}});
  auto id = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({id}));
  Job j = world_->JobOf(id);
  EXPECT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
  ASSERT_EQ(InvoicesNumbered("INV-1").size(), 1u);
  EXPECT_EQ(j.xero_id, InvoicesNumbered("INV-1")[0]["InvoiceID"]);
}

// Retries far apart, so a job can be caught while its outcome is unknown.
class SlowRetryCopySimTest : public LostAnswerCopySimTest {
 protected:
  testing::CopyWorldOptions Options() override {
    testing::CopyWorldOptions o = LostAnswerCopySimTest::Options();
    o.queue.backoff_base = std::chrono::seconds(30);
    o.queue.backoff_cap = std::chrono::seconds(30);
    return o;
  }
};

TEST_F(SlowRetryCopySimTest, ACancelledUnknownJobEnqueuedAgainIsLookedUpFirst) {
  LoseTheNextAnswer();
  auto id = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntil([&] { return world_->JobOf(id).state == JobState::kUnknown; }));
  ASSERT_EQ(InvoicesNumbered("INV-1").size(), 1u);  // Xero has it; xerod does not know
  ASSERT_TRUE(world_->queue->Cancel(id));
  auto again = world_->Enqueue("acme", InvoiceDoc("1", {{"reference", "PO again"}}));
  EXPECT_TRUE(world_->JobOf(again).needs_reconcile);
  ASSERT_TRUE(world_->RunUntilFinished({again}));
  Job j = world_->JobOf(again);
  EXPECT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
  EXPECT_EQ(InvoicesNumbered("INV-1").size(), 1u);
  EXPECT_EQ(world_->SimStats(tenant_).value("duplicate_numbers_attempted", -1), 0);
  EXPECT_EQ(world_->Detail(again).attempts.at(0).outcome, "reconciled");
}

TEST_F(CopySimTest, ADuplicateNumberOfAnInvoiceXerodCreatedIsThatInvoice) {
  auto first = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({first}));
  // Another platform document with the same number (say the platform's id changed).
  auto second = world_->Enqueue("acme", InvoiceDoc("1b", {{"number", "INV-1"}}));
  ASSERT_TRUE(world_->RunUntilFinished({second}));
  Job j = world_->JobOf(second);
  EXPECT_EQ(j.state, JobState::kSucceeded) << j.last_error.value_or("");
  EXPECT_EQ(j.xero_id, world_->JobOf(first).xero_id);
  EXPECT_EQ(InvoicesNumbered("INV-1").size(), 1u);

  // A number taken by an invoice xerod did not create is refused.
  auto other = world_->xero->Admin(HttpMethod::kPost, "/_sim/clients",
                                   {{"client_id", "other-app"}, {"client_secret", "s3cret"}});
  auto grant = world_->xero->Admin(HttpMethod::kPost, "/_sim/grants",
                                   {{"tenant_ids", {tenant_}}, {"client_id", "other-app"}});
  HttpRequest r =
      HttpRequest::Make(HttpMethod::kPut, world_->xero->sim_url + "/api.xro/2.0/Invoices",
                        json{{"Invoices",
                              {{{"Type", "ACCREC"},
                                {"Contact", {{"Name", "Someone"}}},
                                {"InvoiceNumber", "INV-X"},
                                {"LineItems", {{{"Description", "x"}}}}}}}}
                            .dump());
  r.Header("Authorization", "Bearer " + grant.value("access_token", ""), true);
  r.Header("xero-tenant-id", tenant_);
  r.Header("Content-Type", "application/json");
  auto made = world_->xero->Fetch(std::move(r));
  ASSERT_TRUE(made && made->status == 200) << (made ? made->body : "no answer");
  auto clash = world_->Enqueue("acme", InvoiceDoc("x", {{"number", "INV-X"}}));
  ASSERT_TRUE(world_->RunUntilFinished({clash}));
  Job c = world_->JobOf(clash);
  EXPECT_EQ(c.state, JobState::kDead);
  EXPECT_NE(c.last_error.value_or("").find("was not created by xerod"), std::string::npos)
      << c.last_error.value_or("");
}

TEST_F(CopySimTest, BadAnswersFromXeroNeverStopTheCopy) {
  const std::string path = "/api.xro/2.0/Invoices";
  // Xero creates the invoice, then answers with something unreadable: the
  // outcome is unknown and the next attempt finds the invoice.
  world_->Fault({{"path", path},
                 {"method", "PUT"},
                 {"after_processing", true},
                 {"status", 200},
                 {"body", "<html>gateway</html>"},
                 {"count", 1}});
  auto a = world_->Enqueue("acme", InvoiceDoc("a"));
  ASSERT_TRUE(world_->RunUntilFinished({a}));
  EXPECT_EQ(world_->JobOf(a).state, JobState::kSucceeded);
  EXPECT_EQ(InvoicesNumbered("INV-a").size(), 1u);

  // The answer is cut off mid-way.
  world_->Fault({{"path", path},
                 {"method", "PUT"},
                 {"after_processing", true},
                 {"truncate_bytes", 40},
                 {"count", 1}});
  auto b = world_->Enqueue("acme", InvoiceDoc("b"));
  ASSERT_TRUE(world_->RunUntilFinished({b}));
  EXPECT_EQ(world_->JobOf(b).state, JobState::kSucceeded);
  EXPECT_EQ(InvoicesNumbered("INV-b").size(), 1u);

  // Well-formed JSON of the wrong shape, in front of Xero (nothing created).
  world_->Fault({{"path", path},
                 {"method", "PUT"},
                 {"status", 200},
                 {"body", {{"Invoices", "none"}, {"Status", 7}}},
                 {"count", 1}});
  auto c = world_->Enqueue("acme", InvoiceDoc("c"));
  ASSERT_TRUE(world_->RunUntilFinished({c}));
  EXPECT_EQ(world_->JobOf(c).state, JobState::kSucceeded);
  EXPECT_EQ(InvoicesNumbered("INV-c").size(), 1u);

  // A body far larger than anything Xero sends.
  world_->Fault({{"path", path},
                 {"method", "PUT"},
                 {"status", 200},
                 {"body", std::string(20 * 1024 * 1024, 'x')},
                 {"count", 1}});
  auto d = world_->Enqueue("acme", InvoiceDoc("d"));
  ASSERT_TRUE(world_->RunUntilFinished({d}, std::chrono::seconds(60)));
  EXPECT_EQ(world_->JobOf(d).state, JobState::kSucceeded);
  EXPECT_EQ(InvoicesNumbered("INV-d").size(), 1u);

  // The organisation's data answered with the wrong type: a fresh sender (a
  // cache that must load again) retries until the answer is usable.
  world_->Fault({{"path", "/api.xro/2.0/TaxRates"},
                 {"status", 200},
                 {"body", {{"TaxRates", "none"}}},
                 {"count", 1}});
  world_->scheduler->Stop();
  ASSERT_TRUE(world_->RunUntil([&] { return world_->sender->InFlight() == 0; }));
  world_->scheduler.reset();
  world_->sender = std::make_unique<CopySender>(
      world_->xero->io, *world_->xero->client, SystemClock(),
      [](const std::string&) { return testing::TestSettings(); }, CopySender::TenantFn{},
      testing::CopyWorldOptions::FastCopy());
  world_->scheduler = std::make_unique<Scheduler>(world_->xero->io, *world_->queue, *world_->sender,
                                                  SystemClock(), world_->gate.get());
  world_->scheduler->Start();
  auto e = world_->Enqueue("acme", InvoiceDoc("e"));
  ASSERT_TRUE(world_->RunUntilFinished({e}));
  JobDetail je = world_->Detail(e);
  EXPECT_EQ(je.job.state, JobState::kSucceeded) << je.job.last_error.value_or("");
  ASSERT_EQ(je.attempts.size(), 2u);
  EXPECT_EQ(je.attempts[0].outcome, "transient");
  EXPECT_NE(je.attempts[0].messages.value_or("").find("TaxRates"), std::string::npos);
}

TEST_F(CopySimTest, RateLimitedAnswersAreRetriedAfterRetryAfter) {
  world_->Fault({{"path", "/api.xro/2.0/Invoices"},
                 {"method", "PUT"},
                 {"status", 429},
                 {"headers", {{"Retry-After", "1"}, {"X-Rate-Limit-Problem", "minute"}}},
                 {"count", 1}});
  auto id = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntilFinished({id}));
  JobDetail d = world_->Detail(id);
  EXPECT_EQ(d.job.state, JobState::kSucceeded);
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_EQ(d.attempts[0].outcome, "transient");
  EXPECT_EQ(d.attempts[0].http_status, 429);
  // Retry-After (1 s) wins over the 50 ms backoff.
  EXPECT_GE(d.attempts[1].started_at - *d.attempts[0].finished_at, std::chrono::milliseconds(950));
}

TEST_F(CopySimTest, ADisconnectedOrganisationParksItsJobsWithoutUsingAttempts) {
  world_->xero->Admin(HttpMethod::kPost, "/_sim/orgs/" + tenant_ + "/disconnect");
  auto id = world_->Enqueue("acme", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntil([&] {
    auto holds = world_->queue->Holds();
    return holds && holds->contains("acme") && holds->at("acme").parked;
  }));
  Job j = world_->JobOf(id);
  EXPECT_EQ(j.state, JobState::kQueued);
  EXPECT_EQ(j.attempts, 0);
}

TEST_F(CopySimTest, AConnectionNotAddedYetParksItsJobs) {
  auto id = world_->Enqueue("later", InvoiceDoc("1"));
  ASSERT_TRUE(world_->RunUntil([&] {
    auto holds = world_->queue->Holds();
    return holds && holds->contains("later") && holds->at("later").parked;
  }));
  EXPECT_EQ(world_->JobOf(id).attempts, 0);
  EXPECT_NE(world_->queue->Holds()->at("later").reason.find("later"), std::string::npos);
}

}  // namespace
}  // namespace xerod
