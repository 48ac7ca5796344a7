// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "support/test_support.h"
#include "xerod/config.h"

namespace xerod {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::TempDir;
using testing::WriteFile;

Config MustParse(const std::string& text) {
  auto c = ParseConfig(text, "t.yaml");
  EXPECT_TRUE(c.has_value()) << (c ? "" : FormatConfigErrors(c.error()));
  return c.value_or(Config{});
}

void ExpectDefaults(const Config& c) {
  const Config d;
  EXPECT_EQ(c.database, "/var/lib/xerod/xerod.db");
  EXPECT_EQ(c.dbus.bus, BusKind::kSystem);
  EXPECT_EQ(c.dbus.admin_group, "xerod-admin");
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  EXPECT_EQ(c.xero.client_id, "");
  EXPECT_EQ(c.xero.client_secret_file, "");
  EXPECT_EQ(c.xero.redirect_uri, "http://127.0.0.1:8765/callback");
  EXPECT_EQ(c.xero.scopes, d.xero.scopes);
  EXPECT_EQ(c.xero.scopes.front(), "offline_access");
  EXPECT_EQ(c.xero.authorize_url, "https://login.xero.com/identity/connect/authorize");
  EXPECT_EQ(c.xero.identity_url, "https://identity.xero.com");
  EXPECT_EQ(c.xero.api_url, "https://api.xero.com");
  EXPECT_EQ(c.xero.ca_file, "");
  EXPECT_EQ(c.smtp.ca_file, "");
  EXPECT_EQ(c.xero.connect_timeout, seconds(10));
  EXPECT_EQ(c.xero.request_timeout, seconds(60));
  EXPECT_EQ(c.xero.limits.concurrent, 5);
  EXPECT_EQ(c.xero.limits.per_minute, 60);
  EXPECT_EQ(c.xero.limits.per_day, 5000);
  EXPECT_EQ(c.xero.limits.app_per_minute, 10000);
  EXPECT_EQ(c.queue.max_attempts, 12);
  EXPECT_EQ(c.queue.backoff_base, seconds(30));
  EXPECT_EQ(c.queue.backoff_cap, hours(6));
  EXPECT_EQ(c.queue.batch_size, 50);
  EXPECT_EQ(c.queue.retention, days(30));
  EXPECT_EQ(c.monitor.interval, minutes(15));
  EXPECT_EQ(c.monitor.failure_threshold, 3);
  EXPECT_FALSE(c.smtp.enabled);
  EXPECT_EQ(c.notify.admins.size(), 0u);
  EXPECT_EQ(c.notify.repeat_interval, hours(24));
  EXPECT_EQ(c.notify.digest_window, minutes(10));
  EXPECT_TRUE(c.connections.empty());
}

TEST(ConfigValidTest, EmptyFileMeansAllDefaults) {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "~\n"}) {
    SCOPED_TRACE(text);
    Config c = MustParse(text);
    ExpectDefaults(c);
    EXPECT_EQ(c.source, "t.yaml");
  }
}

TEST(ConfigValidTest, NullSectionsAndValuesKeepDefaults) {
  Config c = MustParse("dbus:\nlog: ~\nqueue:\n  max_attempts:\nsmtp:\nconnections:\n");
  ExpectDefaults(c);
}

TEST(ConfigValidTest, FullConfig) {
  TempDir dir;
  WriteFile(dir.File("client-secret"), "cs\n", 0600);
  WriteFile(dir.File("smtp-password"), "pw\n", 0600);
  WriteFile(dir.File("ca.pem"), "-----BEGIN CERTIFICATE-----\n", 0644);
  std::string text = R"(database: /srv/xerod/state.db
dbus: {bus: system, admin_group: accounts}
log: {level: debug}
xero:
  client_id: "0123456789ABCDEF0123456789ABCDEF"
  client_secret_file: )" +
                     dir.File("client-secret") + R"(
  redirect_uri: https://xerod.example.com/callback
  scopes: [offline_access, accounting.transactions]
  authorize_url: https://login.xero.com/identity/connect/authorize
  identity_url: https://identity.xero.com
  api_url: https://api.xero.com/
  ca_file: )" + dir.File("ca.pem") +
                     R"(
  connect_timeout: 2s500ms
  request_timeout: 2m
  limits: {concurrent: 3, per_minute: 50, per_day: 1000, app_per_minute: 9000}
queue: {max_attempts: 1000, backoff_base: 500ms, backoff_cap: 1h30m, batch_size: 1, retention: 7d}
monitor: {interval: 1h, failure_threshold: 1}
smtp:
  url: smtps://mail.example.com:465
  username: xerod
  password_file: )" + dir.File("smtp-password") +
                     R"(
  from: "Xero Daemon <xerod@example.com>"
  ca_file: )" + dir.File("ca.pem") +
                     R"(
  timeout: 10s
notify: {admins: [ops@example.com, boss@example.com], repeat_interval: 1d, digest_window: 0s}
connections:
  acme: {notify: [accounts@acme.test], revenue_account: "200", payment_account: 090,
         invoice_status: submitted, copy_payments: false,
         tax_map: {"GST on Income": OUTPUT2, Exempt: EXEMPTOUTPUT}}
  beta-2: {}
)";
  Config c = MustParse(text);
  EXPECT_EQ(c.database, "/srv/xerod/state.db");
  EXPECT_EQ(c.dbus.admin_group, "accounts");
  EXPECT_EQ(c.log.level, LogLevel::kDebug);
  EXPECT_EQ(c.xero.client_id, "0123456789ABCDEF0123456789ABCDEF");
  EXPECT_EQ(c.xero.client_secret_file, dir.File("client-secret"));
  EXPECT_EQ(c.xero.redirect_uri, "https://xerod.example.com/callback");
  EXPECT_EQ(c.xero.scopes, (std::vector<std::string>{"offline_access", "accounting.transactions"}));
  EXPECT_EQ(c.xero.api_url, "https://api.xero.com/");
  EXPECT_EQ(c.xero.ca_file, dir.File("ca.pem"));
  EXPECT_EQ(c.smtp.ca_file, dir.File("ca.pem"));
  EXPECT_EQ(c.xero.connect_timeout, milliseconds(2500));
  EXPECT_EQ(c.xero.request_timeout, minutes(2));
  EXPECT_EQ(c.xero.limits.concurrent, 3);
  EXPECT_EQ(c.xero.limits.per_minute, 50);
  EXPECT_EQ(c.xero.limits.per_day, 1000);
  EXPECT_EQ(c.xero.limits.app_per_minute, 9000);
  EXPECT_EQ(c.queue.max_attempts, 1000);
  EXPECT_EQ(c.queue.backoff_base, milliseconds(500));
  EXPECT_EQ(c.queue.backoff_cap, minutes(90));
  EXPECT_EQ(c.queue.batch_size, 1);
  EXPECT_EQ(c.queue.retention, days(7));
  EXPECT_EQ(c.monitor.interval, hours(1));
  EXPECT_EQ(c.monitor.failure_threshold, 1);
  EXPECT_TRUE(c.smtp.enabled);
  EXPECT_EQ(c.smtp.url, "smtps://mail.example.com:465");
  EXPECT_EQ(c.smtp.tls, SmtpTls::kImplicit);  // follows the scheme
  EXPECT_EQ(c.smtp.username, "xerod");
  EXPECT_EQ(c.smtp.password_file, dir.File("smtp-password"));
  EXPECT_EQ(c.smtp.from, "Xero Daemon <xerod@example.com>");
  EXPECT_EQ(c.smtp.timeout, seconds(10));
  EXPECT_EQ(c.notify.admins, (std::vector<std::string>{"ops@example.com", "boss@example.com"}));
  EXPECT_EQ(c.notify.repeat_interval, days(1));
  EXPECT_EQ(c.notify.digest_window, milliseconds(0));
  ASSERT_EQ(c.connections.size(), 2u);
  const ConnectionSettings& acme = c.connections.at("acme");
  EXPECT_EQ(acme.notify, std::vector<std::string>{"accounts@acme.test"});
  EXPECT_EQ(acme.revenue_account, "200");
  EXPECT_EQ(acme.payment_account, "090");
  EXPECT_EQ(acme.invoice_status, InvoiceStatus::kSubmitted);
  EXPECT_FALSE(acme.copy_payments);
  EXPECT_EQ(acme.tax_map, (std::map<std::string, std::string>{{"GST on Income", "OUTPUT2"},
                                                              {"Exempt", "EXEMPTOUTPUT"}}));
  const ConnectionSettings& beta = c.connections.at("beta-2");
  EXPECT_TRUE(beta.copy_payments);
  EXPECT_EQ(beta.invoice_status, InvoiceStatus::kAuthorised);
  EXPECT_TRUE(beta.tax_map.empty());
}

// The shape the daemon's tests and the demo use: session bus, a simulator on loopback.
TEST(ConfigValidTest, SessionBusDemo) {
  Config c = MustParse(R"(database: /tmp/xerod-demo/xerod.db
dbus: {bus: session, admin_group: ""}
log: {level: TRACE}
xero:
  client_id: demo-client
  redirect_uri: http://localhost:18765/callback
  authorize_url: http://127.0.0.1:18080/connect/authorize
  identity_url: http://127.8.9.10:18080
  api_url: "http://[::1]:18080"
queue: {backoff_base: 1ms, backoff_cap: 5ms}
monitor: {interval: 1s}
smtp: {url: "smtp://127.0.0.1:2525", tls: none, from: demo@localhost}
notify: {admins: [ops@localhost], digest_window: 50ms}
)");
  EXPECT_EQ(c.dbus.bus, BusKind::kSession);
  EXPECT_EQ(c.dbus.admin_group, "");
  EXPECT_EQ(c.log.level, LogLevel::kTrace);
  EXPECT_EQ(c.xero.identity_url, "http://127.8.9.10:18080");
  EXPECT_EQ(c.xero.api_url, "http://[::1]:18080");
  EXPECT_EQ(c.queue.backoff_cap, milliseconds(5));
  EXPECT_EQ(c.monitor.interval, seconds(1));
  EXPECT_TRUE(c.smtp.enabled);
  EXPECT_EQ(c.smtp.tls, SmtpTls::kNone);
  EXPECT_EQ(c.smtp.timeout, seconds(30));
  EXPECT_EQ(c.notify.digest_window, milliseconds(50));
}

TEST(ConfigValidTest, ClearTextMailToARemoteRelayWhenTheConfigSaysSo) {
  Config c = MustParse(R"(smtp:
  url: smtp://relay.internal.example:25
  tls: none
  allow_cleartext: true
  from: xerod@example.com
)");
  EXPECT_EQ(c.smtp.tls, SmtpTls::kNone);
  EXPECT_TRUE(c.smtp.allow_cleartext);
  EXPECT_EQ(c.smtp.url, "smtp://relay.internal.example:25");
}

TEST(ConfigValidTest, LimitsAboveXerosAreAWarningForASimulatorOnLoopback) {
  Config c = MustParse(R"(xero:
  api_url: http://127.0.0.1:18080
  limits: {concurrent: 50, per_minute: 100000, per_day: 5000, app_per_minute: 1000000}
)");
  EXPECT_EQ(c.xero.limits.concurrent, 50);
  EXPECT_EQ(c.xero.limits.per_minute, 100000);
  EXPECT_EQ(c.xero.limits.app_per_minute, 1000000);
  ASSERT_EQ(c.warnings.size(), 3u);
  EXPECT_EQ(c.warnings[0].ToString(),
            "t.yaml:3:24: xero.limits.concurrent: above Xero's published limit (50 > 5); "
            "accepted because xero.api_url is on loopback (a simulator)");
  EXPECT_EQ(c.warnings[1].key_path, "xero.limits.per_minute");
  EXPECT_EQ(c.warnings[2].key_path, "xero.limits.app_per_minute");
  // At Xero's values there is nothing to say.
  EXPECT_TRUE(MustParse("xero: {limits: {per_minute: 60}}\n").warnings.empty());
}

TEST(ConfigValidTest, ConnectionSettingsDefaultsAndCaseVariants) {
  Config c = MustParse(R"(smtp: {enabled: false}
log: {level: Warning}
connections:
  a: ~
  b: {invoice_status: AUTHORISED, copy_payments: TRUE}
  c: {invoice_status: authorized, notify: []}
  d: {invoice_status: Submitted, tax_map: {}}
)");
  EXPECT_FALSE(c.smtp.enabled);
  EXPECT_EQ(c.log.level, LogLevel::kWarn);
  ASSERT_EQ(c.connections.size(), 4u);
  EXPECT_EQ(c.connections.at("a").invoice_status, InvoiceStatus::kAuthorised);
  EXPECT_TRUE(c.connections.at("a").copy_payments);
  EXPECT_TRUE(c.connections.at("a").revenue_account.empty());
  EXPECT_EQ(c.connections.at("b").invoice_status, InvoiceStatus::kAuthorised);
  EXPECT_TRUE(c.connections.at("b").copy_payments);
  EXPECT_EQ(c.connections.at("c").invoice_status, InvoiceStatus::kAuthorised);
  EXPECT_EQ(c.connections.at("d").invoice_status, InvoiceStatus::kSubmitted);
}

TEST(ConfigValidTest, SmtpTlsFollowsSchemeUnlessGiven) {
  Config plain = MustParse("smtp: {url: \"smtp://m.example.com:587\", from: a@example.com}\n");
  EXPECT_EQ(plain.smtp.tls, SmtpTls::kStartTls);
  Config implicit =
      MustParse("smtp: {url: \"smtps://m.example.com\", tls: implicit, from: a@example.com}\n");
  EXPECT_EQ(implicit.smtp.tls, SmtpTls::kImplicit);
}

TEST(ConfigValidTest, CredentialNameResolvedInCredentialsDirectory) {
  TempDir dir;
  WriteFile(dir.File("client-secret"), "cs\n", 0600);
  const char* old = std::getenv("CREDENTIALS_DIRECTORY");
  std::string saved = old != nullptr ? old : "";
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto c = ParseConfig("xero: {client_secret_file: client-secret}\n", "t.yaml");
  if (old != nullptr) {
    ::setenv("CREDENTIALS_DIRECTORY", saved.c_str(), 1);
  } else {
    ::unsetenv("CREDENTIALS_DIRECTORY");
  }
  ASSERT_TRUE(c.has_value()) << FormatConfigErrors(c.error());
  EXPECT_EQ(c->xero.client_secret_file, "client-secret");
}

TEST(ConfigValidTest, ExampleConfigValidatesWithProductionDefaults) {
  std::string path = XEROD_EXAMPLE_CONFIG;
  auto c = LoadConfig(path);
  ASSERT_TRUE(c.has_value()) << FormatConfigErrors(c.error());
  EXPECT_EQ(c->source, path);
  // The example spells out the defaults; parsing it must equal parsing nothing.
  Config d = MustParse("");
  EXPECT_EQ(c->database, d.database);
  EXPECT_EQ(c->dbus.bus, BusKind::kSystem);
  EXPECT_EQ(c->xero.scopes, d.xero.scopes);
  EXPECT_EQ(c->xero.api_url, "https://api.xero.com");
  EXPECT_EQ(c->xero.identity_url, d.xero.identity_url);
  EXPECT_EQ(c->xero.authorize_url, d.xero.authorize_url);
  EXPECT_EQ(c->xero.limits.per_day, d.xero.limits.per_day);
  EXPECT_EQ(c->queue.retention, d.queue.retention);
  EXPECT_EQ(c->queue.backoff_cap, d.queue.backoff_cap);
  EXPECT_EQ(c->monitor.interval, d.monitor.interval);
  EXPECT_EQ(c->notify.repeat_interval, d.notify.repeat_interval);
  EXPECT_FALSE(c->smtp.enabled);
  EXPECT_EQ(c->smtp.url, "smtp://mail.example.com:587");
  EXPECT_EQ(c->smtp.timeout, d.smtp.timeout);
}

TEST(ConfigLoadTest, MissingFileIsOneErrorAtLineZero) {
  TempDir dir;
  auto c = LoadConfig(dir.File("none.yaml"));
  ASSERT_FALSE(c.has_value());
  ASSERT_EQ(c.error().size(), 1u);
  EXPECT_EQ(c.error()[0].ToString(),
            dir.File("none.yaml") + ":0:0: cannot open: No such file or directory");
  auto d = LoadConfig(dir.path().string());
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(FormatConfigErrors(d.error()),
            dir.path().string() + ":0:0: is a directory, not a file\n");
}

TEST(ConfigLoadTest, LoadsFileAndSetsSource) {
  TempDir dir;
  WriteFile(dir.File("x.yaml"), "log: {level: error}\n");
  auto c = LoadConfig(dir.File("x.yaml"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->source, dir.File("x.yaml"));
  EXPECT_EQ(c->log.level, LogLevel::kError);
}

TEST(ConfigStringsTest, EnumNamesAndErrorFormat) {
  EXPECT_EQ(ToString(BusKind::kSession), "session");
  EXPECT_EQ(ToString(BusKind::kSystem), "system");
  EXPECT_EQ(ToString(LogLevel::kWarn), "warn");
  EXPECT_EQ(ToString(LogLevel::kOff), "off");
  EXPECT_EQ(ToString(SmtpTls::kStartTls), "starttls");
  EXPECT_EQ(ToString(SmtpTls::kImplicit), "implicit");
  EXPECT_EQ(ToString(InvoiceStatus::kAuthorised), "authorised");
  EXPECT_EQ(ToString(InvoiceStatus::kSubmitted), "submitted");
  ConfigError e{"f.yaml", 3, 7, "queue.batch_size", "must be between 1 and 50 (got 51)"};
  EXPECT_EQ(e.ToString(), "f.yaml:3:7: queue.batch_size: must be between 1 and 50 (got 51)");
  ConfigError no_key{"f.yaml", 0, 0, "", "cannot open: x"};
  EXPECT_EQ(FormatConfigErrors({e, no_key}),
            "f.yaml:3:7: queue.batch_size: must be between 1 and 50 (got 51)\n"
            "f.yaml:0:0: cannot open: x\n");
}

}  // namespace
}  // namespace xerod
