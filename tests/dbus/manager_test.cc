// SPDX-License-Identifier: MIT
//
// org.xerod.Xerod1.Manager end to end on a private session bus: the service
// runs in-process over a real JobQueue; the test calls it through the
// generated proxy from its own connection.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dbus/bus_fixture.h"
#include "dbus/control_service.h"
#include "dbus/test_client.h"
#include "dbus/wire_types.h"
#include "xerod/version.h"

namespace xerod::testing {
namespace {

using nlohmann::json;
using Row = sdbus::Struct<std::uint32_t, std::string, std::string, std::int64_t, std::string>;

std::string InvoiceText(const std::string& id, const std::string& price = "120.00") {
  return json{{"id", id},
              {"status", "sent"},
              {"client", {{"name", "Acme Ltd"}}},
              {"issue_date", "2026-11-02"},
              {"currency", "NZD"},
              {"lines", {{{"description", "Design"}, {"quantity", "1"}, {"unit_price", price}}}}}
      .dump();
}

std::string ErrorName(const std::function<void()>& call) {
  try {
    call();
  } catch (const sdbus::Error& e) {
    return e.getName() + ": " + e.getMessage();
  }
  return "no error";
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<PrivateBus>(dir_);
    ASSERT_FALSE(bus_->address().empty()) << "dbus-daemon did not start";
    setenv("DBUS_SESSION_BUS_ADDRESS", bus_->address().c_str(), 1);
    service_ = std::make_unique<InProcessService>(dir_, BusKind::kSession);
    ASSERT_EQ(service_->start_error(), "");
    client_ = std::make_unique<TestClient>(sdbus::createSessionBusConnection());
  }
  void TearDown() override {
    client_.reset();
    service_.reset();
    bus_.reset();
  }

  std::vector<Row> Enqueue(std::vector<std::string> docs) {
    return client_->EnqueueInvoices("acme", docs);
  }

  TempDir dir_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<InProcessService> service_;
  std::unique_ptr<TestClient> client_;
};

TEST_F(ManagerTest, StatusAndPropertiesDescribeAnEmptyQueue) {
  auto status = client_->GetStatus();
  EXPECT_EQ(status.at("version").get<std::string>(), kVersion);
  EXPECT_FALSE(status.at("paused").get<bool>());
  EXPECT_EQ(status.at("config_generation").get<std::uint32_t>(), 1u);
  EXPECT_EQ(status.at("bus").get<std::string>(), "session");
  auto counts = status.at("job_counts").get<std::map<std::string, std::uint64_t>>();
  EXPECT_EQ(counts.at("queued"), 0u);
  EXPECT_EQ(counts.size(), 7u);
  EXPECT_EQ(client_->Version(), kVersion);
  EXPECT_FALSE(client_->Paused());
  EXPECT_EQ(client_->ConfigGeneration(), 1u);
  EXPECT_EQ(client_->JobCounts().at("dead"), 0u);
}

TEST_F(ManagerTest, EnqueueReportsOutcomePerDocumentWithFieldPaths) {
  auto rows = Enqueue({InvoiceText("inv-1"),
                       R"({"id":"inv-2","status":"sent","client":{"name":"A"},)"
                       R"("issue_date":"2026-11-02","currency":"NZD","lines":[{"description":"x",)"
                       R"("quantity":"1","unit_price":"12,50"}]})",
                       "[" + InvoiceText("inv-3") + "," + InvoiceText("inv-4") + "]", "not json"});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(std::get<1>(rows[0]), "inv-1");
  EXPECT_EQ(std::get<2>(rows[0]), "created");
  EXPECT_GT(std::get<3>(rows[0]), 0);
  EXPECT_EQ(std::get<2>(rows[1]), "invalid");
  EXPECT_EQ(std::get<1>(rows[1]), "inv-2");
  EXPECT_EQ(std::get<4>(rows[1]), R"(lines[0].unit_price: not a decimal number (got "12,50"))");
  EXPECT_EQ(std::get<2>(rows[2]), "created");
  EXPECT_EQ(std::get<1>(rows[3]), "inv-4");
  EXPECT_EQ(std::get<0>(rows[4]), 4u);
  EXPECT_EQ(std::get<2>(rows[4]), "invalid");
  EXPECT_EQ(std::get<4>(rows[4]), "batch: not valid JSON (at byte 2)");

  // Same content again: unchanged; changed content of a waiting job: replaced.
  auto again = Enqueue({InvoiceText("inv-1"), InvoiceText("inv-3", "99")});
  EXPECT_EQ(std::get<2>(again[0]), "unchanged");
  EXPECT_EQ(std::get<3>(again[0]), std::get<3>(rows[0]));
  EXPECT_EQ(std::get<2>(again[1]), "replaced");

  auto payments = client_->EnqueuePayments(
      "acme", {R"({"id":"pay-1","invoice_id":"inv-1","amount":0.10,"date":"2026-11-20"})"});
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(std::get<2>(payments[0]), "created");
  auto [job, attempts] = client_->ShowJob(std::get<3>(payments[0]));
  EXPECT_EQ(job.at("payload").get<std::string>(),
            R"({"amount":"0.1","date":"2026-11-20","id":"pay-1","invoice_id":"inv-1"})");
  EXPECT_EQ(job.at("kind").get<std::string>(), "payment");
  EXPECT_TRUE(attempts.empty());
}

TEST_F(ManagerTest, EnqueueSignalsAndCountsProperty) {
  auto rows = Enqueue({InvoiceText("inv-1")});
  std::string id = std::to_string(std::get<3>(rows[0]));
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("JobStateChanged", {id, "acme", "invoice", "inv-1", "queued"});
  }));
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("PropertiesChanged", {"org.xerod.Xerod1.Manager", "JobCounts"});
  }));
  EXPECT_EQ(client_->JobCounts().at("queued"), 1u);
}

TEST_F(ManagerTest, ListJobsFiltersAndPages) {
  for (int i = 0; i < 5; ++i) Enqueue({InvoiceText("inv-" + std::to_string(i))});
  client_->EnqueuePayments("other",
                           {R"({"id":"p","invoice_id":"i","amount":"1","date":"2026-11-20"})"});
  std::map<std::string, sdbus::Variant> filter{{"connection", sdbus::Variant(std::string("acme"))},
                                               {"limit", sdbus::Variant(std::uint32_t{2})}};
  auto [page1, next1] = client_->ListJobs(filter);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_GT(next1, 0);
  filter["after"] = sdbus::Variant(next1);
  auto [page2, next2] = client_->ListJobs(filter);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_GT(page2[0].at("id").get<std::int64_t>(), page1[1].at("id").get<std::int64_t>());
  auto [payments, next3] = client_->ListJobs({{"kind", sdbus::Variant(std::string("payment"))}});
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].at("connection").get<std::string>(), "other");
  EXPECT_EQ(next3, 0);
  auto [none, next4] = client_->ListJobs({{"state", sdbus::Variant(std::string("dead"))}});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(ErrorName([&] {
              client_->ListJobs({{"state", sdbus::Variant(std::string("odd"))}});
            }).substr(0, 39),
            "org.xerod.Xerod1.Error.InvalidArgument:");
  EXPECT_EQ(ErrorName([&] {
              client_->ListJobs({{"limit", sdbus::Variant(std::int32_t{5})}});
            }),
            "org.xerod.Xerod1.Error.InvalidArgument: filter.limit: must be of type 'u' (got 'i')");
  EXPECT_EQ(ErrorName([&] {
              client_->ListJobs({{"colour", sdbus::Variant(true)}});
            }),
            "org.xerod.Xerod1.Error.InvalidArgument: filter.colour: unknown key (state, "
            "connection, kind, after, limit)");
}

TEST_F(ManagerTest, RetryCancelAndErrors) {
  auto rows = Enqueue({InvoiceText("inv-1")});
  std::int64_t id = std::get<3>(rows[0]);
  EXPECT_EQ(ErrorName([&] { client_->ShowJob(987654); }).substr(0, 33),
            "org.xerod.Xerod1.Error.NotFound: ");
  EXPECT_EQ(ErrorName([&] { client_->RetryJob(id); }).substr(0, 42),
            "org.xerod.Xerod1.Error.FailedPrecondition:");
  EXPECT_EQ(client_->RetryDeadJobs("acme"), 0u);
  EXPECT_EQ(ErrorName([&] { client_->RetryDeadJobs(""); }),
            "org.xerod.Xerod1.Error.InvalidArgument: connection: required");
  client_->CancelJob(id);
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("JobStateChanged",
                        {std::to_string(id), "acme", "invoice", "inv-1", "cancelled"});
  }));
  auto [job, attempts] = client_->ShowJob(id);
  EXPECT_EQ(job.at("state").get<std::string>(), "cancelled");
  EXPECT_EQ(ErrorName([&] { client_->CancelJob(id); }).substr(0, 42),
            "org.xerod.Xerod1.Error.FailedPrecondition:");
}

TEST_F(ManagerTest, PauseAndResumeGlobalAndPerConnection) {
  client_->Pause("");
  EXPECT_TRUE(client_->Paused());
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("PropertiesChanged", {"org.xerod.Xerod1.Manager", "Paused"}) &&
           client_->Saw("HoldChanged", {"*", "paused"});
  }));
  client_->Pause("acme");
  auto status = client_->GetStatus();
  EXPECT_TRUE(status.at("paused").get<bool>());
  auto holds = status.at("holds").get<std::map<std::string, dbus::HoldRow>>();
  ASSERT_TRUE(holds.count("acme"));
  EXPECT_TRUE(std::get<0>(holds.at("acme")));
  client_->Resume("");
  EXPECT_FALSE(client_->Paused());
  client_->Resume("acme");
  EXPECT_TRUE(WaitFor([&] { return client_->Saw("HoldChanged", {"acme", "-"}); }));
}

TEST_F(ManagerTest, ReloadReturnsGenerationOrEveryError) {
  auto [generation, warnings] = client_->Reload();
  EXPECT_EQ(generation, 2u);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(client_->ConfigGeneration(), 2u);
  EXPECT_TRUE(WaitFor([&] {
    return client_->Saw("PropertiesChanged", {"org.xerod.Xerod1.Manager", "ConfigGeneration"});
  }));
  service_->SetReloadErrors({"x.yaml:3:1: queue.max_attempts: must be >= 1 (got 0)",
                             "x.yaml:9:5: dbus.bus: unknown value (got bogus)"});
  EXPECT_EQ(ErrorName([&] { client_->Reload(); }),
            "org.xerod.Xerod1.Error.Failed: configuration not reloaded (2 error(s)); the running "
            "configuration stays in force\nx.yaml:3:1: queue.max_attempts: must be >= 1 (got 0)\n"
            "x.yaml:9:5: dbus.bus: unknown value (got bogus)");
  EXPECT_EQ(client_->ConfigGeneration(), 2u);
}

TEST_F(ManagerTest, GarbageNeverCrashesTheService) {
  auto raw =
      sdbus::createProxy(sdbus::createSessionBusConnection(), dbus::kBusName, dbus::kObjectPath);
  // Wrong argument types are refused by the bus library before our code.
  EXPECT_EQ(ErrorName([&] {
              raw->callMethod("EnqueueInvoices")
                  .onInterface(dbus::kManagerInterface)
                  .withArguments(std::int32_t{42});
            }).substr(0, 39),
            "org.freedesktop.DBus.Error.InvalidArgs:");
  EXPECT_EQ(ErrorName([&] {
              raw->callMethod("Nope").onInterface(dbus::kManagerInterface);
            }).substr(0, 41),
            "org.freedesktop.DBus.Error.UnknownMethod:");
  // Oversized, too many, empty connection, deep nesting, control characters
  // (invalid UTF-8 never arrives: the bus library refuses to send it).
  EXPECT_EQ(ErrorName([&] { Enqueue({std::string(300 * 1024, ' ') + "{}"}); }),
            "org.xerod.Xerod1.Error.InvalidArgument: documents[0]: larger than 262144 bytes (got "
            "307202 bytes)");
  EXPECT_EQ(ErrorName([&] { Enqueue(std::vector<std::string>(1001, "{}")); }),
            "org.xerod.Xerod1.Error.InvalidArgument: more than 1000 documents in one call");
  EXPECT_EQ(ErrorName([&] { client_->EnqueueInvoices("", {"{}"}); }),
            "org.xerod.Xerod1.Error.InvalidArgument: connection: required");
  auto rows = Enqueue({std::string(5000, '['), std::string("\x01{\""), "{}", "[1,2]",
                       R"({"id":"\u0000"})", "null"});
  ASSERT_EQ(rows.size(), 7u);
  for (const auto& row : rows) EXPECT_EQ(std::get<2>(row), "invalid") << std::get<4>(row);
  EXPECT_EQ(std::get<4>(rows[0]), "batch: nested deeper than 32 levels");
  EXPECT_EQ(std::get<4>(rows[2]), "id: required");
  EXPECT_EQ(std::get<4>(rows[3]), "document: must be a JSON object (got a number)");
  EXPECT_EQ(std::get<4>(rows[5]), "batch: a string contains a NUL character");
  EXPECT_EQ(std::get<4>(rows[6]), "batch: must be an object or an array of objects (got null)");
  // Still alive and answering.
  EXPECT_EQ(client_->GetStatus().at("version").get<std::string>(), kVersion);
}

TEST_F(ManagerTest, WithoutConnectionServicesConnectionMethodsAnswerUnavailable) {
  EXPECT_EQ(client_->ConnectionCount(), 0u);
  EXPECT_EQ(ErrorName([&] { client_->ListConnections(); }),
            "org.xerod.Xerod1.Error.Unavailable: this xerod runs without connection services");
  EXPECT_EQ(ErrorName([&] { client_->CheckConnection("acme"); }),
            "org.xerod.Xerod1.Error.Unavailable: this xerod runs without connection services");
  EXPECT_EQ(ErrorName([&] { client_->SendTestEmail(""); }),
            "org.xerod.Xerod1.Error.FailedPrecondition: this xerod cannot send email");
  // Settings need no Xero: the defaults for any well-formed name.
  auto settings = client_->GetConnectionSettings("acme");
  EXPECT_FALSE(settings.at("configured").get<bool>());
  EXPECT_EQ(settings.at("invoice_status").get<std::string>(), "authorised");
  EXPECT_EQ(ErrorName([&] { client_->GetConnectionSettings(""); }),
            "org.xerod.Xerod1.Error.InvalidArgument: name: required");
  EXPECT_EQ(ErrorName([&] { client_->GetConnectionSettings("a\nb"); }),
            "org.xerod.Xerod1.Error.InvalidArgument: name: contains a control character");
}

TEST_F(ManagerTest, BusctlIntrospectShowsTheDocumentedInterface) {
  std::string out_file = dir_.File("introspect.txt");
  std::string cmd = "busctl --address='" + bus_->address() +
                    "' introspect org.xerod.Xerod1 /org/xerod/Xerod1 > " + out_file + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadFile(out_file);
  std::string out = ReadFile(out_file);
  for (const char* member : {".EnqueueInvoices",
                             ".EnqueuePayments",
                             ".GetStatus",
                             ".ListJobs",
                             ".ShowJob",
                             ".RetryJob",
                             ".RetryDeadJobs",
                             ".CancelJob",
                             ".Pause",
                             ".Resume",
                             ".Reload",
                             ".JobStateChanged",
                             ".HoldChanged",
                             ".Version",
                             ".Paused",
                             ".JobCounts",
                             ".ConfigGeneration",
                             ".ListConnections",
                             ".ShowConnection",
                             ".GetConnectionSettings",
                             ".AddConnection",
                             ".AddCustomConnection",
                             ".BeginConnect",
                             ".CompleteConnect",
                             ".AwaitConnect",
                             ".CancelConnect",
                             ".CheckConnection",
                             ".DisconnectConnection",
                             ".SendTestEmail",
                             ".ConnectionStateChanged",
                             ".ConnectionCount"}) {
    EXPECT_NE(out.find(member), std::string::npos) << member << "\n" << out;
  }
  EXPECT_NE(out.find("org.xerod.Xerod1.Manager"), std::string::npos);
}

}  // namespace
}  // namespace xerod::testing
