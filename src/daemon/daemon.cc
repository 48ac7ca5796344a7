// SPDX-License-Identifier: MIT
#include "daemon/daemon.h"

#include <spdlog/spdlog.h>

#include <csignal>

#include "dbus/control_service.h"
#include "xerod/job_queue.h"
#include "xerod/log.h"
#include "xerod/store.h"
#include "xerod/version.h"

namespace xerod {

// Everything Start() brings up, declared in start order and so destroyed in
// reverse: later services may use earlier ones, never the other way round.
struct Daemon::Services {
  std::unique_ptr<Database> db;     // the state file, migrated to this binary's schema
  std::unique_ptr<JobQueue> queue;  // the durable job queue (same file)
  std::unique_ptr<dbus::ControlService> control;  // D-Bus API (org.xerod.Xerod1)
};

Daemon::Daemon(DaemonOptions options, Config config)
    : options_(std::move(options)),
      config_(std::move(config)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_timer_(io_) {}

Daemon::~Daemon() = default;

Status Daemon::Start() {
  spdlog::info("xerod {} starting (config {})", kVersion, options_.config_path);
  auto services = std::make_unique<Services>();

  // The state file: created 0600, migrated in one transaction, refused if newer than us.
  auto db = Database::Open(config_.database);
  if (!db) return Fail(db.error());
  services->db = std::move(*db);
  spdlog::info("database {} at schema version {}", config_.database,
               services->db->schema_version());

  auto queue = JobQueue::Open(config_.database, config_.queue, SystemClock());
  if (!queue) return Fail(queue.error());
  services->queue = std::move(*queue);

  // The D-Bus API last: clients can call as soon as the name is owned.
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
  auto control = dbus::ControlService::Start(
      io_, *services->queue, std::move(hooks),
      {.bus = config_.dbus.bus, .database = config_.database, .limits = {}});
  if (!control) return Fail(control.error());
  services->control = std::move(*control);

  services_ = std::move(services);
  return Ok();
}

int Daemon::Run() {
  DoWaitSignal();
  watchdog_interval_ = SdNotifier::WatchdogPingInterval();
  if (watchdog_interval_) DoWatchdog();

  notifier_.Ready(StatusLine());
  spdlog::info("ready: {}", StatusLine());
  io_.run();
  spdlog::info("stopped");
  return 0;  // every stop we reach here is a requested one
}

void Daemon::DoWaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;  // operation_aborted at shutdown
    OnSignal(signal_number);
    if (!stopping_) DoWaitSignal();
  });
}

void Daemon::OnSignal(int signal_number) {
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

std::vector<std::string> Daemon::Reload() {
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
    // Settings bound at start-up keep their running values until a restart.
    for (const std::string& key : RestartOnlyChanges(config_, next)) {
      spdlog::warn("{} changed: takes effect after a restart (systemctl restart xerod)", key);
    }
    next.database = config_.database;
    next.dbus.bus = config_.dbus.bus;
    next.queue = config_.queue;
    config_ = std::move(next);
    ++config_generation_;
    SetLogLevel(options_.log_level.value_or(config_.log.level));
    spdlog::info("configuration reloaded (generation {})", config_generation_);
  }
  notifier_.Ready(StatusLine());
  return errors;
}

void Daemon::BeginStop(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("{}: shutting down", why);
  notifier_.Stopping();
  signals_.cancel();
  watchdog_timer_.cancel();
  services_.reset();
  io_.stop();
}

void Daemon::DoWatchdog() {
  notifier_.Watchdog();
  watchdog_timer_.expires_after(*watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) DoWatchdog();
  });
}

std::string Daemon::StatusLine() const {
  return fmt::format("config generation {}, log level {}, database {}", config_generation_,
                     ToString(options_.log_level.value_or(config_.log.level)), config_.database);
}

std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  if (running.database != loaded.database) changed.emplace_back("database");
  if (running.dbus.bus != loaded.dbus.bus) changed.emplace_back("dbus.bus");
  // The queue reads its retry policy when it opens.
  const QueueConfig& a = running.queue;
  const QueueConfig& b = loaded.queue;
  if (a.max_attempts != b.max_attempts || a.backoff_base != b.backoff_base ||
      a.backoff_cap != b.backoff_cap || a.batch_size != b.batch_size ||
      a.retention != b.retention) {
    changed.emplace_back("queue");
  }
  return changed;
}

}  // namespace xerod
