// SPDX-License-Identifier: MIT
#include "daemon/daemon.h"

#include <fmt/ranges.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>

#include "daemon/sd_notify.h"
#include "dbus/control_service.h"
#include "mail/message.h"
#include "monitor/monitor.h"
#include "notify/digest.h"
#include "notify/notifier.h"
#include "notify/outbox.h"
#include "store/instance_lock.h"
#include "xerod/connection.h"
#include "xerod/connection_manager.h"
#include "xerod/copy_sender.h"
#include "xerod/http_client.h"
#include "xerod/job_queue.h"
#include "xerod/log.h"
#include "xerod/mailer.h"
#include "xerod/rate_limiter.h"
#include "xerod/scheduler.h"
#include "xerod/secret.h"
#include "xerod/store.h"
#include "xerod/token_manager.h"
#include "xerod/version.h"
#include "xerod/xero_client.h"

namespace xerod {

class Daemon::Impl {
 public:
  Impl(DaemonOptions options, Config config);
  Status Start();
  int Run();

 private:
  void ReloadMailer(const SmtpConfig& running, const SmtpConfig& next);
  void DoWaitSignal();
  void OnSignal(int signal_number);
  // Re-reads the config; returns its errors (empty: the new config is in force).
  std::vector<std::string> Reload();
  void BeginStop(const char* why);
  // The D-Bus SendTestEmail: to `address`, or notify.admins when empty.
  void SendTestEmail(const std::string& address,
                     std::function<void(Result<dbus::TestEmailOutcome>)> done);
  void DoWatchdog();
  // Every kTrimInterval: after a burst of batches has ended, malloc_trim.
  void DoTrimWhenIdle(std::uint64_t batches_seen);
  std::string StatusLine() const;
  struct Services;
  // Start() in steps, each filling in `s`: the database and the queue; the
  // HTTP client, connections and tokens; the copy pipeline (limiter, client,
  // sender, gate, scheduler); the D-Bus API.
  Status OpenStore(Services& s);
  Status StartConnections(Services& s);
  void StartCopy(Services& s);
  void StartMonitor(Services& s);
  Status StartControl(Services& s);
  // What the pipeline can do now (GetStatus).
  dbus::SendState SendState(const std::map<std::string, Hold>& holds);
  // SIGTERM: no new batches; batches with Xero are given until the deadline.
  void DrainThenStop(std::chrono::steady_clock::time_point deadline);

  DaemonOptions options_;
  Config config_;
  int config_generation_ = 1;
  bool stopping_ = false;

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer trim_timer_;
  std::optional<std::chrono::microseconds> watchdog_interval_;
  SdNotifier notifier_;

  // Everything started by Start(), stopped in reverse.
  std::unique_ptr<Services> services_;
};

// Jobs that went dead open a digest window for their connection.
class DeadJobs final : public QueueListener {
 public:
  explicit DeadJobs(notify::Digests& digests) : digests_(digests) {}
  // On the loop (the queue's completion executor).
  void OnJobStateChanged(const JobStateChange& change) override {
    if (change.state == JobState::kDead) digests_.OnJobDead(change.connection);
  }

 private:
  notify::Digests& digests_;
};

// Everything Start() brings up, declared in start order and so destroyed in
// reverse: later services may use earlier ones, never the other way round.
struct Daemon::Impl::Services {
  std::unique_ptr<store::InstanceLock> lock;  // one xerod per state file
  std::unique_ptr<Store> store;      // the state file: one writer thread, one read connection
  std::unique_ptr<JobQueue> queue;   // the durable job queue
  std::unique_ptr<HttpClient> http;  // libcurl on the loop: Xero identity + API
  std::unique_ptr<ConnectionStore> connection_store;  // connections + refresh tokens
  std::unique_ptr<TokenManager> tokens;               // access tokens, refresh rotation
  std::unique_ptr<ConnectionManager> connections;     // connect / add / check / disconnect
  // The copy pipeline: limiter -> client -> sender -> scheduler (docs/copy.md).
  std::unique_ptr<RateLimiter> limiter;  // Xero's limits per tenant and per app
  std::unique_ptr<XeroClient> xero;      // authenticated, limited, classified calls
  std::unique_ptr<CopySender> sender;    // a batch of jobs into Xero
  std::unique_ptr<LimiterGate> gate;     // may a connection make a call now?
  std::unique_ptr<Scheduler> scheduler;  // due jobs, batched per connection, fairly
  std::unique_ptr<Mailer> mailer;        // null without smtp (mailer_error says why)
  std::string mailer_error;
  // Connection health and the people told about it (docs/monitor.md).
  std::unique_ptr<notify::Outbox> outbox;         // notifications, committed before sending
  std::unique_ptr<notify::Notifier> notices;      // sends the outbox through `mailer`
  std::unique_ptr<notify::Digests> digests;       // failed copies, one mail per window
  std::unique_ptr<DeadJobs> dead_jobs;            // queue events -> digests
  std::unique_ptr<monitor::Monitor> monitor;      // checks, states, parking, notices
  std::unique_ptr<dbus::ControlService> control;  // D-Bus API (org.xerod.Xerod1)

  ~Services() {
    // No new batches; transfers in flight end (kAborted) before the services
    // they call back into go. Jobs left running are found `unknown` at the next
    // start and looked up in Xero before anything is resent.
    if (scheduler) scheduler->Stop();
    if (monitor) monitor->Stop();
    if (notices) notices->Stop();
    if (dead_jobs) queue->RemoveListener(dead_jobs.get());
    control.reset();
    connections.reset();
    if (http) http->Shutdown();
  }
};

namespace {

// Builds the mailer for `smtp` (reading its password and CA files), or says why
// there is none; an enabled smtp section that fails is logged as an error.
std::unique_ptr<Mailer> MakeMailer(boost::asio::io_context& io, const SmtpConfig& smtp,
                                   std::string* error) {
  error->clear();
  if (!smtp.enabled) {
    *error = "smtp is not configured (add an smtp: section to the configuration)";
    return nullptr;
  }
  auto mailer = Mailer::Create(io, smtp);
  if (!mailer) {
    *error = "smtp: " + mailer.error().message();
    return nullptr;
  }
  return std::move(*mailer);
}

void LogMailerError(const SmtpConfig& smtp, const std::string& error) {
  if (smtp.enabled) spdlog::error("{}; alerts cannot be mailed until this is fixed", error);
}

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

Daemon::Daemon(DaemonOptions options, Config config)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(config))) {}

Daemon::~Daemon() = default;

Status Daemon::Start() { return impl_->Start(); }

int Daemon::Run() { return impl_->Run(); }

Daemon::Impl::Impl(DaemonOptions options, Config config)
    : options_(std::move(options)),
      config_(std::move(config)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_),
      stop_timer_(io_),
      trim_timer_(io_) {}

// A reload builds a new Mailer, which reads password_file and ca_file again, so
// a file changed in place takes effect. When it sends exactly like the running
// one, the running one stays (and the message on the wire with it). When
// unchanged settings now fail (a CA file emptied), the running one stays too.
void Daemon::Impl::ReloadMailer(const SmtpConfig& running, const SmtpConfig& next) {
  if (!running.enabled && !next.enabled) return;  // mail stays off
  std::string error;
  std::unique_ptr<Mailer> mailer = MakeMailer(io_, next, &error);
  Mailer* current = services_->mailer.get();
  if (current != nullptr && running == next) {
    if (mailer && current->SendsLike(*mailer)) return;
    if (!mailer) {
      spdlog::error("{}; mail goes on with the settings loaded before", error);
      return;
    }
  }
  // The notifier lets go of the old mailer first (a message on the wire stays
  // queued and is sent again with the new settings).
  services_->notices->SetMailer(nullptr);
  services_->mailer = std::move(mailer);
  services_->mailer_error = error;
  services_->notices->SetMailer(services_->mailer.get(), services_->mailer_error);
  if (services_->mailer) {
    spdlog::info("smtp {} changed: new settings in use",
                 running == next ? "password_file or ca_file content" : "settings");
  } else if (next.enabled) {
    LogMailerError(next, error);
  } else {
    spdlog::info("smtp settings changed: mail is off");
  }
}

Status Daemon::Impl::Start() {
  spdlog::info("xerod {} starting (config {})", kVersion, options_.config_path);
  for (const ConfigError& w : config_.warnings) spdlog::warn("{}", w.ToString());
  auto services = std::make_unique<Services>();
  if (Status s = OpenStore(*services); !s) return s;
  if (Status s = StartConnections(*services); !s) return s;
  StartCopy(*services);
  services->mailer = MakeMailer(io_, config_.smtp, &services->mailer_error);
  if (!services->mailer) LogMailerError(config_.smtp, services->mailer_error);
  StartMonitor(*services);
  // The D-Bus API last: clients can call as soon as the name is owned.
  if (Status s = StartControl(*services); !s) return s;
  services_ = std::move(services);
  services_->monitor->SetSignal(
      [this](const std::string& name, ConnectionState state, const std::string& reason) {
        if (services_ && services_->control) {
          services_->control->ConnectionStateChanged(name, state, reason);
        }
      });
  services_->scheduler->Start();
  services_->notices->Kick();
  services_->digests->Start();
  services_->monitor->Start();
  return Ok();
}

Status Daemon::Impl::OpenStore(Services& s) {
  // Before anything touches the file: a second xerod would recover the live
  // one's running jobs as unknown.
  auto lock = store::InstanceLock::Acquire(config_.database);
  if (!lock) return Fail(lock.error());
  s.lock = std::make_unique<store::InstanceLock>(std::move(*lock));
  // The state file: created 0600, migrated in one transaction, refused if
  // newer than us. Every module writes through its one writer thread (group
  // commit) and reads through its read connection.
  auto store = Store::Open(config_.database);
  if (!store) return Fail(store.error());
  s.store = std::move(*store);
  spdlog::info("database {} at schema version {}", config_.database, s.store->schema_version());

  QueueOptions queue_options;
  queue_options.complete_on = LoopExecutor(io_);
  auto queue = JobQueue::Open(*s.store, config_.queue, SystemClock(), std::move(queue_options));
  if (!queue) return Fail(queue.error());
  s.queue = std::move(*queue);
  return Ok();
}

Status Daemon::Impl::StartConnections(Services& s) {
  // Xero: one HTTP client on the loop, the connections and their tokens.
  auto http = MakeCurlHttpClient(io_, HttpClientOptions::FromConfig(config_.xero));
  if (!http) return Fail(http.error());
  s.http = std::move(*http);
  Secret client_secret;
  if (!config_.xero.client_secret_file.empty()) {
    auto secret = LoadSecret(config_.xero.client_secret_file);
    if (!secret)
      return Fail(secret.error().code(), "xero.client_secret_file: " + secret.error().message());
    client_secret = std::move(*secret);
  }
  s.connection_store =
      std::make_unique<ConnectionStore>(*s.store, SystemClock(), LoopExecutor(io_));
  s.tokens = std::make_unique<TokenManager>(io_, *s.http, *s.connection_store, SystemClock(),
                                            config_.xero, std::move(client_secret));
  s.connections = std::make_unique<ConnectionManager>(io_, *s.http, *s.connection_store, *s.tokens,
                                                      config_.xero);
  // A connection that stops working parks its jobs (no attempts are used) and
  // tells D-Bus clients; reconnecting or a good check releases them.
  // A state another component stores (invalid_grant at a refresh, a copy's
  // 403) gets the monitor's consequences: parked jobs, a signal, a notice.
  s.tokens->SetUnusableHook(
      [this](const std::string& name, ConnectionState state, const std::string& reason) {
        if (services_ && services_->monitor)
          services_->monitor->OnStateChanged(name, state, reason);
      });
  return Ok();
}

void Daemon::Impl::StartMonitor(Services& s) {
  std::string domain = "localhost";
  if (auto from = mail::ParseMailbox(config_.smtp.from); from) domain = from->domain();
  s.outbox = std::make_unique<notify::Outbox>(*s.store, SystemClock(), domain, LoopExecutor(io_));
  s.notices = std::make_unique<notify::Notifier>(io_, *s.outbox, SystemClock());
  s.notices->SetMailer(s.mailer.get(), s.mailer_error);
  auto settings = [this](const std::string& name) {
    auto it = config_.connections.find(name);
    return it == config_.connections.end() ? ConnectionSettings{} : it->second;
  };
  ConnectionStore* store = s.connection_store.get();
  s.digests = std::make_unique<notify::Digests>(
      io_, *s.store, *s.outbox, *s.notices, SystemClock(), config_.notify.digest_window,
      [this, settings, store](const std::string& name) {
        notify::Audience a;
        for (const auto& r : settings(name).notify) a.recipients.push_back(r);
        for (const auto& r : config_.notify.admins) {
          if (std::find(a.recipients.begin(), a.recipients.end(), r) == a.recipients.end()) {
            a.recipients.push_back(r);
          }
        }
        if (auto info = store->Get(name); info) a.organisation = info->tenant_name;
        return a;
      });
  s.dead_jobs = std::make_unique<DeadJobs>(*s.digests);
  s.queue->AddListener(s.dead_jobs.get());
  s.monitor = std::make_unique<monitor::Monitor>(
      monitor::MonitorDeps{io_, *s.connection_store, *s.connections, *s.xero, *s.queue, *s.outbox,
                           *s.notices, SystemClock()},
      config_.monitor, config_.notify, settings, std::random_device{}());
}

Status Daemon::Impl::StartControl(Services& s) {
  dbus::ControlHooks hooks;
  hooks.reload = [this] {
    dbus::ReloadOutcome outcome;
    outcome.errors = Reload();
    outcome.ok = outcome.errors.empty();
    outcome.generation = config_generation_;
    return outcome;
  };
  hooks.config_generation = [this] { return config_generation_; };
  hooks.admin_group = [this] { return config_.dbus.admin_group; };
  hooks.connection_settings = [this](const std::string& name, bool* configured) {
    auto it = config_.connections.find(name);
    *configured = it != config_.connections.end();
    return *configured ? it->second : ConnectionSettings{};
  };
  hooks.send_test_email = [this](const std::string& address,
                                 std::function<void(Result<dbus::TestEmailOutcome>)> done) {
    SendTestEmail(address, std::move(done));
  };
  hooks.send_state = [this](const std::map<std::string, Hold>& holds) { return SendState(holds); };
  auto control = dbus::ControlService::Start(io_, *s.queue, std::move(hooks),
                                             {.bus = config_.dbus.bus,
                                              .database = config_.database,
                                              .limits = {},
                                              .xero_limits = config_.xero.limits,
                                              .batch_size = config_.queue.batch_size},
                                             {.store = s.connection_store.get(),
                                              .manager = s.connections.get(),
                                              .monitor = s.monitor.get(),
                                              .outbox = s.outbox.get()});
  if (!control) return Fail(control.error());
  s.control = std::move(*control);
  return Ok();
}

void Daemon::Impl::StartCopy(Services& s) {
  s.limiter = std::make_unique<RateLimiter>(config_.xero.limits);
  XeroClientOptions xo;
  xo.api_url = config_.xero.api_url;
  xo.request_timeout = config_.xero.request_timeout;
  s.xero = std::make_unique<XeroClient>(io_, *s.http, *s.tokens, *s.connection_store, *s.limiter,
                                        SystemClock(), std::move(xo));
  // The organisation a connection is bound to now (nullopt: not added yet).
  ConnectionStore* store = s.connection_store.get();
  auto tenant_of = [store](const std::string& name) -> std::optional<std::string> {
    auto info = store->Get(name);
    if (!info) return std::nullopt;
    return info->tenant_id;
  };
  // Read for every batch: a reload's connection settings apply to the next one.
  s.sender = std::make_unique<CopySender>(
      io_, *s.xero, SystemClock(),
      [this](const std::string& name) {
        auto it = config_.connections.find(name);
        return it == config_.connections.end() ? ConnectionSettings{} : it->second;
      },
      tenant_of);
  s.gate = std::make_unique<LimiterGate>(*s.limiter, SystemClock(), tenant_of);
  SchedulerOptions so;
  so.max_in_flight = 1;  // one batch per connection: contacts are created once, in order
  s.scheduler =
      std::make_unique<Scheduler>(io_, *s.queue, *s.sender, SystemClock(), s.gate.get(), so);
}

dbus::SendState Daemon::Impl::SendState(const std::map<std::string, Hold>& holds) {
  dbus::SendState state;
  if (!services_ || !services_->limiter) return state;
  Services& s = *services_;
  state.copy = s.sender->stats();
  auto global = holds.find("*");
  const bool all_held = global != holds.end() && (global->second.paused || global->second.parked);
  auto all = s.connection_store->List();
  if (!all) return state;
  const TimePoint now = SystemClock().Now();
  std::uint64_t calls = 0;
  for (const ConnectionInfo& c : *all) {
    if (c.tenant_id.empty() || c.state == ConnectionState::kDisconnected ||
        c.state == ConnectionState::kRevoked) {
      continue;
    }
    dbus::SendState::Connection out;
    out.tenant_id = c.tenant_id;
    out.allowance = s.limiter->Allowance(c.tenant_id, now);
    auto hold = holds.find(c.name);
    const bool held = hold != holds.end() && (hold->second.paused || hold->second.parked);
    out.may_send = c.state == ConnectionState::kActive && !held && !all_held;
    if (out.may_send && out.allowance.paused_for == Duration(0)) {
      calls += static_cast<std::uint64_t>(std::max(out.allowance.calls_per_minute, 0));
    }
    state.connections.emplace(c.name, std::move(out));
  }
  calls = std::min<std::uint64_t>(calls,
                                  static_cast<std::uint64_t>(config_.xero.limits.app_per_minute));
  state.allowance_per_minute =
      calls * static_cast<std::uint64_t>(std::max(config_.queue.batch_size, 1));
  return state;
}

void Daemon::Impl::SendTestEmail(const std::string& address,
                                 std::function<void(Result<dbus::TestEmailOutcome>)> done) {
  auto fail = [&](Code code, std::string message) {
    boost::asio::post(io_, [done = std::move(done), code, message = std::move(message)] {
      done(Fail(code, message));
    });
  };
  if (!services_ || !services_->mailer) {
    return fail(Code::kFailedPrecondition,
                services_ ? services_->mailer_error : std::string("xerod is not running"));
  }
  MailMessage message;
  if (!address.empty()) {
    message.to.push_back(address);
  } else {
    message.to = config_.notify.admins;
  }
  if (message.to.empty()) {
    return fail(Code::kFailedPrecondition,
                "no address given and notify.admins is empty: `xerod-ctl email test ADDRESS`");
  }
  std::string host = HostName();
  message.subject = fmt::format("xerod test email from {}", host);
  message.body = fmt::format(
      "This is a test message from xerod {} on {}.\n\n"
      "It was sent through {} as {} because someone asked for it\n"
      "(xerod-ctl email test). xerod mails these addresses when an invoice or\n"
      "payment cannot be copied to Xero, or when a Xero connection stops working.\n\n"
      "Nothing needs to be done.\n",
      kVersion, host, config_.smtp.url, config_.smtp.from);
  spdlog::info("sending a test email to {} via {}", fmt::join(message.to, ", "), config_.smtp.url);
  services_->mailer->Send(std::move(message), [done = std::move(done)](Result<MailReceipt> sent) {
    if (!sent) {
      spdlog::warn("test email failed: {}", sent.error().message());
      return done(Fail(sent.error()));
    }
    spdlog::info("test email {} accepted for {}", sent->message_id,
                 fmt::join(sent->accepted, ", "));
    done(dbus::TestEmailOutcome{.message_id = sent->message_id, .recipients = sent->accepted});
  });
}

int Daemon::Impl::Run() {
  DoWaitSignal();
  watchdog_interval_ = SdNotifier::WatchdogPingInterval();
  if (watchdog_interval_) DoWatchdog();

  // Start-up (config parsing, migrations, schema reads) freed more than it
  // keeps: give the free heap pages back before settling down.
  malloc_trim(0);
  DoTrimWhenIdle(0);
  notifier_.Ready(StatusLine());
  spdlog::info("ready: {}", StatusLine());
  while (true) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      // A handler threw: a bug (every expected failure is a value). Keep
      // serving: what was durable stays durable, and a job whose outcome got
      // lost is looked up in Xero before anything is resent.
      spdlog::critical("internal error, continuing: {}", e.what());
    }
  }
  spdlog::info("stopped");
  return 0;  // every stop we reach here is a requested one
}

void Daemon::Impl::DoWaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;  // operation_aborted at shutdown
    OnSignal(signal_number);
    if (!stopping_) DoWaitSignal();
  });
}

void Daemon::Impl::OnSignal(int signal_number) {
  switch (signal_number) {
    case SIGHUP:
      if (Reload().empty() && services_ && services_->control) services_->control->ConfigReloaded();
      break;
    case SIGTERM:
      BeginStop("SIGTERM");
      break;
    case SIGINT:
      BeginStop("SIGINT");
      break;
    default:
      break;
  }
}

std::vector<std::string> Daemon::Impl::Reload() {
  std::vector<std::string> errors;
  notifier_.Reloading();
  spdlog::info("reloading configuration from {}", options_.config_path);
  auto loaded = LoadConfig(options_.config_path);
  if (!loaded) {
    for (const ConfigError& e : loaded.error()) {
      spdlog::error("{}", e.ToString());
      errors.push_back(e.ToString());
    }
    spdlog::error("reload failed: {} error(s) in {}; keeping the configuration in force",
                  loaded.error().size(), options_.config_path);
  } else {
    Config next = std::move(*loaded);
    for (const ConfigError& w : next.warnings) spdlog::warn("{}", w.ToString());
    // Settings bound at start-up keep their running values until a restart.
    for (const std::string& key : RestartOnlyChanges(config_, next)) {
      spdlog::warn("{} changed: takes effect after a restart (systemctl restart xerod)", key);
    }
    next.database = config_.database;
    next.dbus.bus = config_.dbus.bus;
    next.queue = config_.queue;
    next.xero = config_.xero;
    if (services_) {
      ReloadMailer(config_.smtp, next.smtp);
      services_->monitor->Reload(next.monitor, next.notify);
      services_->digests->SetWindow(next.notify.digest_window);
    }
    config_ = std::move(next);
    ++config_generation_;
    SetLogLevel(options_.log_level.value_or(config_.log.level));
    spdlog::info("configuration reloaded (generation {})", config_generation_);
  }
  notifier_.Ready(StatusLine());
  return errors;
}

void Daemon::Impl::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("{}: shutting down", why);
  notifier_.Stopping();
  signals_.cancel();
  watchdog_timer_.cancel();
  trim_timer_.cancel();
  if (services_ && services_->scheduler) services_->scheduler->Stop();
  if (services_ && services_->monitor) services_->monitor->Stop();
  DrainThenStop(std::chrono::steady_clock::now() + kStopDrain);
}

void Daemon::Impl::DrainThenStop(std::chrono::steady_clock::time_point deadline) {
  const std::uint64_t busy =
      services_ && services_->scheduler ? services_->scheduler->stats().in_flight : 0;
  if (busy > 0 && std::chrono::steady_clock::now() < deadline) {
    // Batches with Xero finish and their outcomes are recorded; D-Bus still answers.
    stop_timer_.expires_after(std::chrono::milliseconds(20));
    stop_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
      if (!ec) DrainThenStop(deadline);
    });
    return;
  }
  if (busy > 0) {
    spdlog::warn(
        "{} batch(es) still with Xero after {} s; their jobs are looked up in Xero "
        "before anything is resent at the next start",
        busy, std::chrono::duration_cast<std::chrono::seconds>(kStopDrain).count());
  }
  services_.reset();
  io_.stop();
}

void Daemon::Impl::DoTrimWhenIdle(std::uint64_t batches_seen) {
  trim_timer_.expires_after(kTrimInterval);
  trim_timer_.async_wait([this, batches_seen](const boost::system::error_code& ec) {
    if (ec || !services_ || !services_->scheduler) return;
    const SchedulerStats stats = services_->scheduler->stats();
    // A burst is over (batches were sent, none is now): the heap it grew is
    // mostly free; give those pages back to the system.
    if (stats.batches != batches_seen && stats.in_flight == 0) malloc_trim(0);
    DoTrimWhenIdle(stats.in_flight == 0 ? stats.batches : batches_seen);
  });
}

void Daemon::Impl::DoWatchdog() {
  notifier_.Watchdog();
  watchdog_timer_.expires_after(*watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) DoWatchdog();
  });
}

std::string Daemon::Impl::StatusLine() const {
  return fmt::format("config generation {}, log level {}, database {}", config_generation_,
                     ToString(options_.log_level.value_or(config_.log.level)), config_.database);
}

std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  if (running.database != loaded.database) changed.emplace_back("database");
  if (running.dbus.bus != loaded.dbus.bus) changed.emplace_back("dbus.bus");
  // The queue reads its retry policy when it opens; the token manager and
  // the HTTP client are built from the xero section.
  if (running.queue != loaded.queue) changed.emplace_back("queue");
  if (running.xero != loaded.xero) changed.emplace_back("xero");
  return changed;
}

}  // namespace xerod
