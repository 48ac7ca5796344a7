// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "support/test_support.h"
#include "xerod/config.h"

namespace xerod {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Errors(const std::string& text) {
  auto c = ParseConfig(text, "t.yaml");
  std::vector<std::string> out;
  if (c.has_value()) return out;
  for (const ConfigError& e : c.error()) out.push_back(e.ToString());
  return out;
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* error;  // the one error expected, exactly
};

// Each case is one wrong thing; the error must name its position and key exactly.
const BadCase kBadCases[] = {
    {"unknown_top_level_key", "database: /a.db\nfrobnicate: 1\n",
     "t.yaml:2:1: frobnicate: unknown key (expected one of connections, database, dbus, log, "
     "monitor, notify, queue, smtp, xero)"},
    {"unknown_nested_key", "queue:\n  max_attempts: 3\n  max_atempts: 4\n",
     "t.yaml:3:3: queue.max_atempts: unknown key (expected one of backoff_base, backoff_cap, "
     "batch_size, max_attempts, retention)"},
    {"unknown_key_in_flow_map", "xero: {limits: {per_hour: 5}}\n",
     "t.yaml:1:17: xero.limits.per_hour: unknown key (expected one of app_per_minute, concurrent, "
     "per_day, per_minute)"},
    {"unknown_connection_key", "connections:\n  acme: {tax: {}}\n",
     "t.yaml:2:10: connections.acme.tax: unknown key (expected one of copy_payments, "
     "invoice_status, notify, payment_account, revenue_account, tax_map)"},
    {"section_is_scalar", "queue: 5\n", "t.yaml:1:8: queue: expected a map (got 5)"},
    {"section_is_list", "dbus:\n  - system\n", "t.yaml:2:3: dbus: expected a map (got a list)"},
    {"root_is_list", "- a\n- b\n", "t.yaml:1:1: expected a map (got a list)"},
    {"int_is_map", "queue: {max_attempts: {a: 1}}\n",
     "t.yaml:1:23: queue.max_attempts: expected an integer (got a map)"},
    {"int_is_quoted", "queue: {batch_size: \"10\"}\n",
     "t.yaml:1:21: queue.batch_size: expected an integer (got \"10\")"},
    {"int_is_text", "monitor: {failure_threshold: three}\n",
     "t.yaml:1:30: monitor.failure_threshold: expected an integer (got three)"},
    {"string_is_list", "database: [/a.db]\n",
     "t.yaml:1:11: database: expected a string (got a list)"},
    {"list_is_scalar", "notify: {admins: ops@example.com}\n",
     "t.yaml:1:18: notify.admins: expected a list (got ops@example.com)"},
    {"bool_is_yes", "connections: {a: {copy_payments: yes}}\n",
     "t.yaml:1:34: connections.a.copy_payments: expected true or false (got yes)"},
    {"duration_without_unit", "queue: {backoff_base: 30}\n",
     "t.yaml:1:23: queue.backoff_base: a duration needs a unit: ms, s, m, h or d (got 30)"},
    {"duration_bad_unit", "monitor: {interval: 15min}\n",
     "t.yaml:1:21: monitor.interval: expected a duration such as 500ms, 30s, 15m, 6h, 30d or "
     "1h30m (got 15min)"},
    {"duration_units_out_of_order", "xero: {request_timeout: 30s1m}\n",
     "t.yaml:1:25: xero.request_timeout: expected a duration such as 500ms, 30s, 15m, 6h, 30d or "
     "1h30m (got 30s1m)"},
    {"duration_out_of_range", "xero: {connect_timeout: 11m}\n",
     "t.yaml:1:25: xero.connect_timeout: must be between 100ms and 10m (got 11m)"},
    {"duration_negative", "notify: {digest_window: -5s}\n",
     "t.yaml:1:25: notify.digest_window: expected a duration such as 500ms, 30s, 15m, 6h, 30d or "
     "1h30m (got -5s)"},
    {"max_attempts_too_big", "queue:\n  max_attempts: 1001\n",
     "t.yaml:2:17: queue.max_attempts: must be between 1 and 1000 (got 1001)"},
    {"max_attempts_zero", "queue: {max_attempts: 0}\n",
     "t.yaml:1:23: queue.max_attempts: must be between 1 and 1000 (got 0)"},
    {"negative_limit", "xero:\n  limits:\n    per_minute: -1\n",
     "t.yaml:3:17: xero.limits.per_minute: must be between 1 and 1000000000 (got -1)"},
    {"limit_above_xero", "xero: {limits: {per_day: 10000}}\n",
     "t.yaml:1:26: xero.limits.per_day: above Xero's published limit (10000 > 5000): Xero would "
     "answer HTTP 429; higher values are only allowed when xero.api_url is a simulator on "
     "loopback hosts (127.0.0.0/8, ::1, localhost)"},
    {"limit_above_xero_before_a_remote_api_url",
     "xero:\n  limits: {app_per_minute: 20000}\n  api_url: https://api.example.com\n",
     "t.yaml:2:28: xero.limits.app_per_minute: above Xero's published limit (20000 > 10000): Xero "
     "would answer HTTP 429; higher values are only allowed when xero.api_url is a simulator on "
     "loopback hosts (127.0.0.0/8, ::1, localhost)"},
    {"int_overflow", "xero: {limits: {concurrent: 99999999999999999999}}\n",
     "t.yaml:1:29: xero.limits.concurrent: must be between 1 and 1000000000 (got "
     "99999999999999999999)"},
    {"batch_size_over_50", "queue: {batch_size: 51}\n",
     "t.yaml:1:21: queue.batch_size: must be between 1 and 50 (got 51)"},
    {"backoff_base_over_cap", "queue:\n  backoff_base: 7h\n  backoff_cap: 6h\n",
     "t.yaml:2:17: queue.backoff_base: must not be greater than queue.backoff_cap (got 7h > 6h)"},
    {"backoff_cap_under_default_base", "queue:\n  backoff_cap: 10s\n",
     "t.yaml:2:16: queue.backoff_cap: must not be less than queue.backoff_base (got 10s < 30s)"},
    {"bad_url", "xero: {api_url: \"api.xero.com\"}\n",
     "t.yaml:1:17: xero.api_url: URL is not an absolute URL (scheme://host...) (got "
     "\"api.xero.com\")"},
    {"url_with_credentials", "xero: {identity_url: \"https://u:p@identity.xero.com\"}\n",
     "t.yaml:1:22: xero.identity_url: URL must not contain a user name or password (got "
     "\"https://u:p@identity.xero.com\")"},
    {"http_for_remote_xero_url", "xero:\n  authorize_url: http://login.xero.com/authorize\n",
     "t.yaml:2:18: xero.authorize_url: must use https; http is allowed only on loopback hosts "
     "(127.0.0.0/8, ::1, localhost) (got http://login.xero.com/authorize)"},
    {"http_redirect_not_loopback", "xero: {redirect_uri: \"http://10.0.0.5:8765/callback\"}\n",
     "t.yaml:1:22: xero.redirect_uri: must use https; http is allowed only on loopback hosts "
     "(127.0.0.0/8, ::1, localhost) (got \"http://10.0.0.5:8765/callback\")"},
    {"ftp_url", "xero: {api_url: \"ftp://api.xero.com\"}\n",
     "t.yaml:1:17: xero.api_url: must be an https:// URL (got \"ftp://api.xero.com\")"},
    {"scopes_without_offline_access", "xero: {scopes: [accounting.invoices]}\n",
     "t.yaml:1:16: xero.scopes: must include offline_access, or Xero issues no refresh token "
     "(got 1 scopes without it)"},
    {"bad_email", "notify:\n  admins: [ops@example.com, not-an-address]\n",
     "t.yaml:2:29: notify.admins[1]: expected an e-mail address like ops@example.com (got "
     "not-an-address)"},
    {"duplicate_email", "notify: {admins: [a@x.org, a@x.org]}\n",
     "t.yaml:1:28: notify.admins[1]: duplicate address (got a@x.org)"},
    {"bad_connection_notify", "connections: {acme: {notify: [\"Acme <a@acme.test>\"]}}\n",
     "t.yaml:1:31: connections.acme.notify[0]: expected an e-mail address like ops@example.com "
     "(got \"Acme <a@acme.test>\")"},
    {"bad_smtp_from", "smtp: {url: \"smtp://m.example.com\", from: \"xerod <xerod@>\"}\n",
     "t.yaml:1:43: smtp.from: expected an address like xerod@example.com or \"xerod "
     "<xerod@example.com>\" (got \"xerod <xerod@>\")"},
    {"bad_bus", "dbus: {bus: user}\n",
     "t.yaml:1:13: dbus.bus: expected one of system, session (got user)"},
    {"bad_log_level", "log:\n  level: verbose\n",
     "t.yaml:2:10: log.level: expected one of trace, debug, info, warn, error, critical, off "
     "(got verbose)"},
    {"bad_invoice_status", "connections: {acme: {invoice_status: draft}}\n",
     "t.yaml:1:38: connections.acme.invoice_status: expected one of authorised, submitted (got "
     "draft)"},
    {"bad_smtp_tls", "smtp: {url: \"smtp://m.example.com\", from: a@x.org, tls: ssl}\n",
     "t.yaml:1:57: smtp.tls: expected one of starttls, implicit, none (got ssl)"},
    {"bad_smtp_scheme", "smtp: {url: \"http://m.example.com\", from: a@x.org}\n",
     "t.yaml:1:13: smtp.url: scheme must be smtp:// or smtps:// (got \"http://m.example.com\")"},
    {"smtps_with_starttls",
     "smtp:\n  url: smtps://m.example.com:465\n  tls: starttls\n  from: a@x.org\n",
     "t.yaml:3:8: smtp.tls: an smtps:// url needs tls: implicit (got starttls)"},
    {"smtp_with_implicit", "smtp:\n  url: smtp://m.example.com\n  tls: implicit\n  from: a@x.org\n",
     "t.yaml:3:8: smtp.tls: tls: implicit needs an smtps:// url (got implicit)"},
    {"smtp_cleartext_to_a_remote_host",
     "smtp:\n  url: smtp://m.example.com\n  tls: none\n  from: a@x.org\n",
     "t.yaml:3:8: smtp.tls: tls: none would send mail in clear text to m.example.com; use "
     "starttls or implicit, or set smtp.allow_cleartext: true (got none)"},
    {"smtp_missing_from", "smtp:\n  url: smtp://m.example.com\n",
     "t.yaml:1:1: smtp.from: is required when smtp is enabled (got nothing; add it or set "
     "smtp.enabled: false)"},
    {"smtp_is_scalar", "smtp: yes\n", "t.yaml:1:7: smtp: expected a map (got yes)"},
    {"smtp_username_without_password",
     "smtp: {url: \"smtp://m.example.com\", from: a@x.org, username: bob}\n",
     "t.yaml:1:62: smtp.username: needs smtp.password_file as well (got a user name without a "
     "password)"},
    {"relative_database", "database: var/lib/xerod.db\n",
     "t.yaml:1:11: database: must be an absolute path to a file (got var/lib/xerod.db)"},
    {"bad_connection_name", "connections:\n  Acme Corp: {}\n",
     "t.yaml:2:3: connections[\"Acme Corp\"]: expected a connection name "
     "[a-z0-9][a-z0-9_-]{0,63} (got Acme Corp)"},
    {"bad_tax_code", "connections:\n  acme:\n    tax_map: {\"GST on Income\": output2}\n",
     "t.yaml:3:32: connections.acme.tax_map[\"GST on Income\"]: expected a Xero TaxType code "
     "such as OUTPUT2 or NONE (got output2)"},
    {"bad_account_code", "connections: {acme: {revenue_account: \"200-1\"}}\n",
     "t.yaml:1:39: connections.acme.revenue_account: expected a Xero account code of 1 to 10 "
     "letters or digits (got \"200-1\")"},
    {"bad_admin_group", "dbus: {admin_group: \"Xerod Admins\"}\n",
     "t.yaml:1:21: dbus.admin_group: expected a group name [a-z_][a-z0-9_-]{0,31}, or \"\" for "
     "none (got \"Xerod Admins\")"},
    {"duplicate_top_level_key", "log: {level: info}\nqueue: {}\nlog: {level: debug}\n",
     "t.yaml:3:1: log: duplicate key (first given on line 1)"},
    {"duplicate_nested_key", "queue: {max_attempts: 3, max_attempts: 4}\n",
     "t.yaml:1:26: queue.max_attempts: duplicate key (first given on line 1)"},
    {"duplicate_connection", "connections:\n  acme: {}\n  acme: {copy_payments: false}\n",
     "t.yaml:3:3: connections.acme: duplicate key (first given on line 2)"},
    {"yaml_syntax_error", "queue:\n  max_attempts: [1, 2\nlog: {}\n",
     "t.yaml:3:4: YAML syntax error: end of sequence flow not found"},
    {"yaml_bad_indentation", "queue:\n  max_attempts: 3\n batch_size: 4\n",
     "t.yaml:3:2: YAML syntax error: end of map not found"},
    {"two_documents", "log: {}\n---\nqueue: {}\n",
     "t.yaml:3:1: a config file holds one YAML document (got 2)"},
    {"non_scalar_key", "queue: {[a]: 1}\n", "t.yaml:1:9: queue: keys must be names (got a list)"},
    {"relative_ca_file", "xero: {ca_file: certs/ca.pem}\n",
     "t.yaml:1:17: xero.ca_file: must be an absolute path (got certs/ca.pem)"},
    {"missing_ca_file", "xero: {ca_file: /nonexistent/ca.pem}\n",
     "t.yaml:1:17: xero.ca_file: is not a readable file (got /nonexistent/ca.pem)"},
    {"relative_smtp_ca_file",
     "smtp: {url: \"smtp://127.0.0.1:25\", from: a@b.test, ca_file: ca.pem}\n",
     "t.yaml:1:61: smtp.ca_file: must be an absolute path (got ca.pem)"},
    {"missing_smtp_ca_file",
     "smtp: {url: \"smtp://127.0.0.1:25\", from: a@b.test, ca_file: /nonexistent/ca.pem}\n",
     "t.yaml:1:61: smtp.ca_file: is not a readable file (got /nonexistent/ca.pem)"},
    {"relative_secret_file", "xero: {client_secret_file: secrets/client}\n",
     "t.yaml:1:28: xero.client_secret_file: the secret file must be an absolute path or a "
     "credential name without '/' (the value is not shown: if it is the secret itself, put it in a "
     "file readable only by xerod and give that file's path)"},
    {"missing_secret_file",
     "smtp:\n  enabled: false\n  username: u\n  password_file: /nonexistent/pw\n",
     "t.yaml:4:18: smtp.password_file: cannot open secret file /nonexistent/pw: No such file or "
     "directory"},
    {"control_characters_escaped", "database: \"/a\\tb\\x01\"\ndbus: {bus: \"sys\\ntem\"}\n",
     "t.yaml:2:13: dbus.bus: expected one of system, session (got \"sys\\ntem\")"},
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, ReportsExactError) {
  const BadCase& c = GetParam();
  EXPECT_EQ(Errors(c.yaml), std::vector<std::string>{c.error}) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfigTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& param) {
                           return std::string(param.param.name);
                         });

// Found by fuzz/config_fuzz.cc: yaml-cpp quotes the offending character, which
// reached the message raw (a line break split the error over two lines).
TEST(BadConfigTest, YamlSyntaxErrorsShowControlCharactersEscaped) {
  EXPECT_EQ(
      Errors("a: \"\\\x1b[31m\"\n"),
      std::vector<std::string>{"t.yaml:1:7: YAML syntax error: unknown escape character: \\x1b"});
  // The fuzzer's input: NUL bytes in a plain scalar.
  auto c =
      ParseConfig(std::string("smtp:\n  url: smtps://m.example.com\0\0\0\xf7\n", 39), "t.yaml");
  ASSERT_FALSE(c.has_value());
  ASSERT_EQ(c.error().size(), 1u);
  EXPECT_EQ(c.error()[0].message.find('\0'), std::string::npos) << c.error()[0].message;
}

// Found by fuzz/config_fuzz.cc: LoadSecret's message quotes the file name as given.
TEST(BadConfigTest, SecretFileNameIsShownEscaped) {
  EXPECT_EQ(
      Errors("xero: {client_secret_file: \"/nonexistent/a\\x1bb\\nc\"}\n"),
      std::vector<std::string>{"t.yaml:1:28: xero.client_secret_file: cannot open secret file "
                               "/nonexistent/a\\x1bb\\nc: No such file or directory"});
}

// Found by fuzz/config_fuzz.cc: yaml-cpp 0.7's LoadAll never returned on this
// input, adding null documents until memory ran out.
TEST(BadConfigTest, InputThatLoopsYamlCppIsASyntaxError) {
  for (const char* yaml : {"&at)a0m, batch_sizsss]=\n", ",\n"}) {
    std::vector<std::string> errors = Errors(yaml);
    ASSERT_EQ(errors.size(), 1u) << yaml;
    EXPECT_NE(errors[0].find(": YAML syntax error: "), std::string::npos) << errors[0];
  }
  // Several documents are still counted (and refused).
  EXPECT_EQ(Errors("database: /a.db\n---\nb: 2\n"),
            std::vector<std::string>{"t.yaml:3:1: a config file holds one YAML document (got 2)"});
}

TEST(BadConfigTest, ManyErrorsAreAllReportedInFileOrder) {
  // Written so that the walk order (sections, then cross-field checks) differs from
  // file order: every error must still come out sorted by position.
  const char* yaml = R"(smtp:
  url: smtps://m.example.com
  tls: starttls
queue:
  backoff_base: 2h
  backoff_cap: 1h
  batch_size: 0
bogus: 1
log: {level: loud}
notify:
  admins: [nobody]
database: relative.db
dbus: {bus: system, bus: session}
)";
  EXPECT_EQ(Errors(yaml),
            (std::vector<std::string>{
                "t.yaml:1:1: smtp.from: is required when smtp is enabled (got nothing; add it or "
                "set smtp.enabled: false)",
                "t.yaml:3:8: smtp.tls: an smtps:// url needs tls: implicit (got starttls)",
                "t.yaml:5:17: queue.backoff_base: must not be greater than queue.backoff_cap (got "
                "2h > 1h)",
                "t.yaml:7:15: queue.batch_size: must be between 1 and 50 (got 0)",
                "t.yaml:8:1: bogus: unknown key (expected one of connections, database, dbus, log, "
                "monitor, notify, queue, smtp, xero)",
                "t.yaml:9:14: log.level: expected one of trace, debug, info, warn, error, "
                "critical, off (got loud)",
                "t.yaml:11:12: notify.admins[0]: expected an e-mail address like ops@example.com "
                "(got nobody)",
                "t.yaml:12:11: database: must be an absolute path to a file (got relative.db)",
                "t.yaml:13:21: dbus.bus: duplicate key (first given on line 13)",
            }));
}

TEST(BadConfigTest, SecretFileReadableByOthersIsRefusedWithoutItsContent) {
  TempDir dir;
  std::string secret = dir.File("client-secret");
  WriteFile(secret, "very-secret-value\n", 0644);
  ASSERT_EQ(::chmod(secret.c_str(), 0644), 0);
  std::string pw = dir.File("smtp-password");
  WriteFile(pw, "another-secret\n", 0640);
  ASSERT_EQ(::chmod(pw.c_str(), 0640), 0);
  std::string yaml = "xero:\n  client_secret_file: " + secret +
                     "\nsmtp:\n  enabled: false\n  username: u\n  password_file: " + pw + "\n";
  std::vector<std::string> errors = Errors(yaml);
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "t.yaml:2:23: xero.client_secret_file: secret file " + secret +
                    " is readable by group or others (mode 0644); fix with: chmod 600 " + secret,
                "t.yaml:6:18: smtp.password_file: secret file " + pw +
                    " is readable by group or others (mode 0640); fix with: chmod 600 " + pw,
            }));
  for (const std::string& e : errors) {
    EXPECT_EQ(e.find("very-secret-value"), std::string::npos);
    EXPECT_EQ(e.find("another-secret"), std::string::npos);
  }
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(pw.c_str(), 0400), 0);
  EXPECT_EQ(Errors(yaml), std::vector<std::string>{});
}

TEST(BadConfigTest, SmtpPasswordWithoutUsername) {
  TempDir dir;
  std::string pw = dir.File("pw");
  WriteFile(pw, "pw\n", 0600);
  ASSERT_EQ(::chmod(pw.c_str(), 0600), 0);
  EXPECT_EQ(Errors("smtp: {enabled: false, password_file: " + pw + "}\n"),
            std::vector<std::string>{"t.yaml:1:39: smtp.password_file: needs smtp.username as well "
                                     "(got a password without a user name)"});
}

TEST(BadConfigTest, EmptySecretFileIsRefused) {
  TempDir dir;
  std::string secret = dir.File("s");
  WriteFile(secret, "", 0600);
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  EXPECT_EQ(Errors("xero: {client_secret_file: " + secret + "}\n"),
            std::vector<std::string>{"t.yaml:1:28: xero.client_secret_file: secret file " + secret +
                                     " is empty"});
}

}  // namespace
}  // namespace xerod
