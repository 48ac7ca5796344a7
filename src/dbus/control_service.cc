// SPDX-License-Identifier: MIT
#include "dbus/control_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dbus/bus_pump.h"
#include "dbus/manager.h"
#include "dbus/names.h"

namespace xerod::dbus {

struct ControlService::Impl {
  // Forwards queue events to the manager (they arrive on the loop: the
  // queue's completion executor).
  class QueueBridge final : public QueueListener {
   public:
    explicit QueueBridge(Manager& manager) : manager_(manager) {}
    void OnJobStateChanged(const JobStateChange& change) override {
      manager_.Complete([m = &manager_, change] { m->OnJobStateChanged(change); });
    }
    void OnHoldChanged(const HoldChange& change) override {
      manager_.Complete([m = &manager_, change] { m->OnHoldChanged(change); });
    }

   private:
    Manager& manager_;
  };

  JobQueue* queue = nullptr;
  // Shared: replies still pending when the service stops keep it alive (see LoopOwned).
  std::shared_ptr<sdbus::IConnection> connection;
  std::unique_ptr<Manager> manager;
  std::unique_ptr<QueueBridge> bridge;
  std::unique_ptr<BusPump> pump;

  ~Impl() {
    if (bridge) queue->RemoveListener(bridge.get());
    pump.reset();
    bridge.reset();
    manager.reset();
    if (connection) {
      try {
        connection->releaseName(kBusName);
      } catch (const sdbus::Error&) {
        // the bus is gone; nothing to release
      }
    }
  }
};

ControlService::ControlService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlService::~ControlService() = default;

Result<std::unique_ptr<ControlService>> ControlService::Start(boost::asio::io_context& io,
                                                              JobQueue& queue, ControlHooks hooks,
                                                              ControlOptions options,
                                                              ConnectionApi connections) {
  auto impl = std::make_unique<Impl>();
  impl->queue = &queue;
  std::string bus_name(ToString(options.bus));
  try {
    impl->connection = options.bus == BusKind::kSession ? sdbus::createSessionBusConnection()
                                                        : sdbus::createSystemBusConnection();
  } catch (const sdbus::Error& e) {
    return Fail(Code::kUnavailable,
                fmt::format("cannot connect to the {} bus: {}", bus_name, e.getMessage()));
  }
  try {
    impl->manager = std::make_unique<Manager>(*impl->connection, io, queue, std::move(hooks),
                                              std::move(options), connections, impl->connection);
    if (auto loaded = impl->manager->LoadInitialState(); !loaded) return Fail(loaded.error());
    impl->connection->requestName(kBusName);
  } catch (const sdbus::Error& e) {
    return Fail(Code::kUnavailable,
                fmt::format("cannot own {} on the {} bus: {} ({}); is another xerod running, "
                            "and is the bus policy org.xerod.Xerod1.conf installed?",
                            kBusName, bus_name, e.getMessage(), e.getName()));
  } catch (const std::exception& e) {
    return Fail(Code::kInternal, fmt::format("D-Bus setup failed: {}", e.what()));
  }
  impl->bridge = std::make_unique<Impl::QueueBridge>(*impl->manager);
  queue.AddListener(impl->bridge.get());
  impl->pump = std::make_unique<BusPump>(io, *impl->connection);
  impl->manager->SetPump(impl->pump.get());
  spdlog::info("D-Bus: {} on the {} bus, object {}", kBusName, bus_name, kObjectPath);
  return std::unique_ptr<ControlService>(new ControlService(std::move(impl)));
}

void ControlService::ConfigReloaded() {
  impl_->manager->Post([m = impl_->manager.get()] { m->OnConfigReloaded(); });
}

void ControlService::ConnectionStateChanged(const std::string& name, ConnectionState state,
                                            const std::string& reason) {
  impl_->manager->Post([m = impl_->manager.get(), name, state, reason] {
    m->OnConnectionStateChanged(name, state, reason);
  });
}

}  // namespace xerod::dbus
