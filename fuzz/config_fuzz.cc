// SPDX-License-Identifier: MIT
//
// Fuzz target: the config loader over arbitrary bytes as a config file.
//
// Each input is written to a memfd and read with LoadConfig() as a file, the
// way start, reload and --check-config read it. Invariants:
//   - LoadConfig never throws; the result is a Config or at least one error;
//   - for one input in eight (chosen by a hash of its bytes, so a failure
//     reproduces), ParseConfig(text) agrees exactly with LoadConfig(file): the
//     file is read whole and parsing is deterministic. (LoadConfig is
//     ReadWholeFile + ParseConfig; comparing every input doubled the cost of
//     each execution for a check whose outcome cannot depend on the content.)
//   - every error and warning names the file, has a position inside the text
//     (1-based line and column, or 0:0 only for a problem without one), a
//     message, and contains no control character in its key path or message
//     (FormatConfigErrors gives exactly one line per error); errors come sorted
//     by position; an error without a key path is about the document itself;
//   - an accepted config keeps the documented ranges and syntax rules
//     (docs/config.md), and its durations survive FormatDuration/ParseDuration.
//
// $CREDENTIALS_DIRECTORY points at a directory holding two valid secrets,
// "client-secret" and "smtp-password", so configs naming them can be accepted.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>

#include "config/validators.h"
#include "fuzz_check.h"
#include "xerod/config.h"

namespace xerod {
namespace {

using fuzz::Shown;

int g_memfd = -1;
std::string g_memfd_path;

void WriteSecret(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK(fd >= 0 && ::write(fd, "s3cret\n", 7) == 7, "cannot write " + file.string());
  ::close(fd);
}

// The text's line count as a YAML mark can reach it: one past the last line.
int MaxLine(std::string_view text) {
  int lines = 1;
  for (char c : text) lines += c == '\n' || c == '\r' ? 1 : 0;
  return lines + 1;
}

void CheckErrors(const ConfigErrors& errors, std::string_view text, const std::string& name,
                 bool sorted) {
  const int max_line = MaxLine(text);
  std::pair<int, int> last{0, 0};
  for (const ConfigError& e : errors) {
    auto shown = [&e] { return Shown(e.ToString()); };  // only for a report
    FUZZ_CHECK(e.file == name, shown());
    FUZZ_CHECK(!e.message.empty(), shown());
    FUZZ_CHECK(e.line >= 0 && e.column >= 0 && e.line <= max_line, shown());
    FUZZ_CHECK((e.line == 0) == (e.column == 0), shown());
    FUZZ_CHECK(!fuzz::HasControl(e.message) && !fuzz::HasControl(e.key_path), shown());
    if (sorted) {
      FUZZ_CHECK(std::pair(e.line, e.column) >= last, "errors out of file order at " + shown());
      last = {e.line, e.column};
    }
    FUZZ_CHECK(e.ToString().starts_with(name + ":" + std::to_string(e.line) + ":" +
                                        std::to_string(e.column) + ": "),
               shown());
  }
  std::string formatted = FormatConfigErrors(errors);
  std::size_t newlines = 0;
  for (char c : formatted) newlines += c == '\n' ? 1 : 0;
  FUZZ_CHECK(newlines == errors.size(), Shown(formatted));
}

// Everything in a Config, as text, to compare two results.
std::string Summary(const Config& c) {
  std::string s = c.source + "|" + c.database + "|" + std::string(ToString(c.dbus.bus)) + "|" +
                  c.dbus.admin_group + "|" + std::string(ToString(c.log.level)) + "|";
  const XeroConfig& x = c.xero;
  s += x.client_id + "|" + x.client_secret_file + "|" + x.redirect_uri + "|" + x.authorize_url +
       "|" + x.identity_url + "|" + x.api_url + "|" + x.ca_file + "|";
  for (const std::string& scope : x.scopes) s += scope + ",";
  s += std::to_string(x.connect_timeout.count()) + "|" + std::to_string(x.request_timeout.count());
  s += "|" + std::to_string(x.limits.concurrent) + "," + std::to_string(x.limits.per_minute) + "," +
       std::to_string(x.limits.per_day) + "," + std::to_string(x.limits.app_per_minute);
  const QueueConfig& q = c.queue;
  s += "|" + std::to_string(q.max_attempts) + "," + std::to_string(q.backoff_base.count()) + "," +
       std::to_string(q.backoff_cap.count()) + "," + std::to_string(q.batch_size) + "," +
       std::to_string(q.retention.count());
  s += "|" + std::to_string(c.monitor.interval.count()) + "," +
       std::to_string(c.monitor.failure_threshold);
  const SmtpConfig& m = c.smtp;
  s += "|" + std::to_string(m.enabled) + "," + m.url + "," + std::string(ToString(m.tls)) + "," +
       std::to_string(m.allow_cleartext) + "," + m.username + "," + m.password_file + "," + m.from +
       "," + m.ca_file + "," + std::to_string(m.timeout.count());
  s += "|";
  for (const std::string& a : c.notify.admins) s += a + ",";
  s += std::to_string(c.notify.repeat_interval.count()) + "," +
       std::to_string(c.notify.digest_window.count());
  for (const auto& [name, cs] : c.connections) {
    s += "|" + name + ":";
    for (const std::string& n : cs.notify) s += n + ",";
    s += cs.revenue_account + "," + cs.payment_account + "," +
         std::string(ToString(cs.invoice_status)) + "," + std::to_string(cs.copy_payments);
    for (const auto& [tax, type] : cs.tax_map) s += "," + tax + "=" + type;
  }
  return s;
}

void CheckDuration(Duration d, Duration min, Duration max, const char* what) {
  FUZZ_CHECK(d >= min && d <= max, std::string(what) + " out of range");
  auto back = config::ParseDuration(config::FormatDuration(d));
  FUZZ_CHECK(back && *back == d, std::string(what) + " does not survive FormatDuration (" +
                                     config::FormatDuration(d) + ")");
}

void CheckUrl(const std::string& url, const char* what) {
  FUZZ_CHECK(config::ParseUrl(url).has_value(), std::string(what) + ": " + Shown(url));
}

void CheckEmails(const std::vector<std::string>& list, const char* what) {
  std::set<std::string> seen;
  for (const std::string& a : list) {
    FUZZ_CHECK(config::IsEmailAddress(a), std::string(what) + ": " + Shown(a));
    FUZZ_CHECK(seen.insert(a).second, std::string(what) + " repeats " + Shown(a));
  }
}

// The rules docs/config.md gives for each accepted value.
void CheckAccepted(const Config& c, const std::string& name) {
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  using std::chrono::seconds;
  FUZZ_CHECK(c.source == name, c.source);
  FUZZ_CHECK(!c.database.empty() && c.database.front() == '/' && c.database.back() != '/',
             Shown(c.database));
  FUZZ_CHECK(c.dbus.admin_group.empty() || config::IsGroupName(c.dbus.admin_group),
             Shown(c.dbus.admin_group));
  const XeroConfig& x = c.xero;
  CheckUrl(x.redirect_uri, "xero.redirect_uri");
  CheckUrl(x.authorize_url, "xero.authorize_url");
  CheckUrl(x.identity_url, "xero.identity_url");
  CheckUrl(x.api_url, "xero.api_url");
  std::set<std::string> scopes;
  for (const std::string& s : x.scopes) {
    FUZZ_CHECK(config::IsScope(s) && scopes.insert(s).second, "xero.scopes: " + Shown(s));
  }
  FUZZ_CHECK(x.limits.concurrent > 0 && x.limits.per_minute > 0 && x.limits.per_day > 0 &&
                 x.limits.app_per_minute > 0,
             "xero.limits");
  CheckDuration(x.connect_timeout, milliseconds(100), minutes(10), "xero.connect_timeout");
  CheckDuration(x.request_timeout, milliseconds(100), hours(1), "xero.request_timeout");
  const QueueConfig& q = c.queue;
  FUZZ_CHECK(q.max_attempts >= 1 && q.max_attempts <= 1000, "queue.max_attempts");
  FUZZ_CHECK(q.batch_size >= 1 && q.batch_size <= 50, "queue.batch_size");
  CheckDuration(q.backoff_base, milliseconds(1), days(1), "queue.backoff_base");
  CheckDuration(q.backoff_cap, milliseconds(1), days(30), "queue.backoff_cap");
  FUZZ_CHECK(q.backoff_base <= q.backoff_cap, "queue.backoff_base > queue.backoff_cap");
  CheckDuration(q.retention, seconds(1), days(3650), "queue.retention");
  CheckDuration(c.monitor.interval, seconds(1), days(7), "monitor.interval");
  FUZZ_CHECK(c.monitor.failure_threshold >= 1 && c.monitor.failure_threshold <= 1000,
             "monitor.failure_threshold");
  const SmtpConfig& m = c.smtp;
  if (m.enabled) {
    auto endpoint = config::CheckSmtpEndpoint(m.url, m.tls, m.allow_cleartext);
    FUZZ_CHECK(endpoint && endpoint->tls == m.tls, "smtp.url/tls: " + Shown(m.url));
    FUZZ_CHECK(config::IsMailbox(m.from), "smtp.from: " + Shown(m.from));
    FUZZ_CHECK(m.username.empty() == m.password_file.empty(), "smtp.username/password_file");
  }
  FUZZ_CHECK(m.ca_file.empty() || m.ca_file.front() == '/', "smtp.ca_file: " + Shown(m.ca_file));
  FUZZ_CHECK(x.ca_file.empty() || x.ca_file.front() == '/', "xero.ca_file: " + Shown(x.ca_file));
  CheckDuration(m.timeout, milliseconds(100), minutes(10), "smtp.timeout");
  CheckEmails(c.notify.admins, "notify.admins");
  CheckDuration(c.notify.repeat_interval, seconds(1), days(365), "notify.repeat_interval");
  CheckDuration(c.notify.digest_window, Duration(0), days(1), "notify.digest_window");
  for (const auto& [conn, s] : c.connections) {
    FUZZ_CHECK(config::IsConnectionName(conn), "connections: " + Shown(conn));
    CheckEmails(s.notify, "connections.notify");
    FUZZ_CHECK(s.revenue_account.empty() || config::IsAccountCode(s.revenue_account),
               Shown(s.revenue_account));
    FUZZ_CHECK(s.payment_account.empty() || config::IsAccountCode(s.payment_account),
               Shown(s.payment_account));
    for (const auto& [tax, type] : s.tax_map) {
      FUZZ_CHECK(!tax.empty() && tax.size() <= 100 && config::IsTaxType(type),
                 Shown(tax) + " -> " + Shown(type));
    }
  }
}

std::string Outcome(const std::expected<Config, ConfigErrors>& r) {
  return r ? "config " + Summary(*r) + " warnings:\n" + FormatConfigErrors(r->warnings)
           : "errors:\n" + FormatConfigErrors(r.error());
}

}  // namespace
}  // namespace xerod

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("xerod-fuzz-config-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  xerod::WriteSecret(dir / "client-secret");
  xerod::WriteSecret(dir / "smtp-password");
  ::setenv("CREDENTIALS_DIRECTORY", dir.c_str(), 1);
  xerod::g_memfd = ::memfd_create("xerod-fuzz-config", MFD_CLOEXEC);
  FUZZ_CHECK(xerod::g_memfd >= 0, "memfd_create failed");
  xerod::g_memfd_path = "/proc/self/fd/" + std::to_string(xerod::g_memfd);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xerod;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string& name = g_memfd_path;

  FUZZ_CHECK(::ftruncate(g_memfd, 0) == 0, "ftruncate");
  FUZZ_CHECK(::pwrite(g_memfd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()),
             "pwrite");

  std::expected<Config, ConfigErrors> parsed = LoadConfig(name);
  if (std::hash<std::string_view>{}(text) % 8 == 0) {
    std::expected<Config, ConfigErrors> again = ParseConfig(text, name);
    FUZZ_CHECK(Outcome(parsed) == Outcome(again), "LoadConfig and ParseConfig disagree:\n" +
                                                      Shown(Outcome(parsed)) + "\n" +
                                                      Shown(Outcome(again)));
  }
  if (parsed) {
    CheckErrors(parsed->warnings, text, name, /*sorted=*/false);
    CheckAccepted(*parsed, name);
  } else {
    FUZZ_CHECK(!parsed.error().empty(), "rejected without an error");
    CheckErrors(parsed.error(), text, name, /*sorted=*/true);
  }
  return 0;
}
