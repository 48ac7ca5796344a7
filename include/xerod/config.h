// SPDX-License-Identifier: MIT
//
// xerod's configuration: plain structs with defaults, one comment per field.
// LoadConfig() (src/config/) fills them from YAML; see etc/xerod/xerod.yaml
// for the documented example and docs/config.md for the reference (types,
// defaults, ranges). Config holds no secret values, only references to them
// (see xerod/secret.h). Plain values: copy freely, no thread-safety concerns.
#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"

namespace xerod {

enum class BusKind { kSystem, kSession };
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };
enum class SmtpTls { kStartTls, kImplicit, kNone };
enum class InvoiceStatus { kAuthorised, kSubmitted };

struct DbusConfig {
  BusKind bus = BusKind::kSystem;           // system in production, session for tests/demo
  std::string admin_group = "xerod-admin";  // members may call mutating methods (root always may)
};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
};

struct XeroLimits {
  int concurrent = 5;          // in-flight requests per organisation
  int per_minute = 60;         // calls per organisation per rolling minute
  int per_day = 5000;          // calls per organisation per rolling day
  int app_per_minute = 10000;  // calls per app (all organisations) per minute

  bool operator==(const XeroLimits&) const = default;
};

struct XeroConfig {
  std::string client_id;           // empty: only custom connections / imports are possible
  std::string client_secret_file;  // path, or credential name under $CREDENTIALS_DIRECTORY
  std::string redirect_uri = "http://127.0.0.1:8765/callback";
  std::vector<std::string> scopes = {"offline_access", "accounting.invoices", "accounting.payments",
                                     "accounting.contacts", "accounting.settings.read"};
  std::string authorize_url = "https://login.xero.com/identity/connect/authorize";
  std::string identity_url = "https://identity.xero.com";  // token + revocation
  std::string api_url = "https://api.xero.com";            // /connections and /api.xro/2.0
  std::string ca_file;  // extra CA bundle; TLS verification is never off
  Duration connect_timeout = std::chrono::seconds(10);
  Duration request_timeout = std::chrono::seconds(60);
  XeroLimits limits;

  bool operator==(const XeroConfig&) const = default;
};

struct QueueConfig {
  int max_attempts = 12;                             // attempts before a job is dead
  Duration backoff_base = std::chrono::seconds(30);  // first retry delay (before jitter)
  Duration backoff_cap = std::chrono::hours(6);      // longest retry delay
  int batch_size = 50;                               // invoices per Xero call (1..50)
  Duration retention = std::chrono::hours(24 * 30);  // finished jobs kept this long

  bool operator==(const QueueConfig&) const = default;
};

struct MonitorConfig {
  Duration interval = std::chrono::minutes(15);  // how often each connection is checked
  int failure_threshold = 3;                     // consecutive transient failures before alerting
};

struct SmtpConfig {
  bool enabled = false;  // true when the `smtp` section is present, unless `enabled: false`
  std::string url;       // smtp://host:port or smtps://host:port
  SmtpTls tls = SmtpTls::kStartTls;  // default follows the scheme: smtps:// -> implicit
  bool allow_cleartext = false;      // tls: none towards a host that is not loopback
  std::string username;
  std::string password_file;  // path, or credential name under $CREDENTIALS_DIRECTORY
  std::string from;           // "Name <addr@example.com>" or "addr@example.com"
  std::string ca_file;  // extra CA bundle (a relay with a private CA); verification is never off
  Duration timeout = std::chrono::seconds(30);

  bool operator==(const SmtpConfig&) const = default;
};

struct NotifyConfig {
  std::vector<std::string> admins;                    // always told
  Duration repeat_interval = std::chrono::hours(24);  // same alert again at most this often
  Duration digest_window = std::chrono::minutes(10);  // alerts gathered into one mail
};

// Per-connection settings, keyed by connection name under `connections:`.
struct ConnectionSettings {
  std::vector<std::string> notify;  // extra recipients for this connection's alerts
  std::string revenue_account;      // fallback sales account code
  std::string payment_account;      // account code payments are made to
  InvoiceStatus invoice_status = InvoiceStatus::kAuthorised;  // status of "sent" invoices
  bool copy_payments = true;
  std::map<std::string, std::string> tax_map;  // platform tax name -> Xero TaxType
};

// One problem found in a config file. ToString() gives
// "PATH:LINE:COLUMN: key.path: what is wrong (got X)"; line and column are 1-based,
// 0 when the problem has no position (e.g. the file cannot be read).
struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key_path;  // dotted, with [i] for sequence items: "notify.admins[1]"
  std::string message;   // includes "(got X)" where a value was given

  std::string ToString() const;
};

using ConfigErrors = std::vector<ConfigError>;

struct Config {
  std::string source;  // file it was read from ("" for defaults)
  std::string database = "/var/lib/xerod/xerod.db";
  DbusConfig dbus;
  LogConfig log;
  XeroConfig xero;
  QueueConfig queue;
  MonitorConfig monitor;
  SmtpConfig smtp;
  NotifyConfig notify;
  std::map<std::string, ConnectionSettings> connections;
  // Accepted settings that deserve a warning (e.g. limits above Xero's for a
  // simulator); --check-config prints them, start and reload log them.
  std::vector<ConfigError> warnings;
};

// Reads and validates a config file. Either a complete Config (source = path) or
// every problem found (never just the first), sorted by position in the file.
// An empty file gives all defaults; a missing or unreadable file is one error
// with line 0. Secret references (xero.client_secret_file, smtp.password_file)
// are checked with LoadSecret() (exists, mode, not empty) but their values are
// not kept. Never throws. Thread-safe (reads $CREDENTIALS_DIRECTORY).
std::expected<Config, ConfigErrors> LoadConfig(const std::string& path);

// Same, from text already in memory; `name` is used as PATH in errors and as
// Config::source.
std::expected<Config, ConfigErrors> ParseConfig(const std::string& text, const std::string& name);

// Every error's ToString(), each on its own line (newline-terminated), for
// `xerod --check-config` and startup failures.
std::string FormatConfigErrors(const ConfigErrors& errors);

// Names for enum values as they appear in YAML ("session", "info", "starttls", ...).
std::string_view ToString(BusKind v);
std::string_view ToString(LogLevel v);
std::string_view ToString(SmtpTls v);
std::string_view ToString(InvoiceStatus v);

}  // namespace xerod
