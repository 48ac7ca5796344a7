// SPDX-License-Identifier: MIT
#include "ctl/batched_enqueue.h"

#include <sdbus-c++/sdbus-c++.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "dbus/names.h"

namespace xerod::ctl {

std::vector<std::vector<dbus::EnqueueResultRow>> EnqueueBatches(
    sdbus::IConnection& connection, const std::string& method, const std::string& bus_connection,
    const std::vector<std::vector<std::string>>& batches, int window) {
  auto proxy = sdbus::createProxy(connection, dbus::kBusName, dbus::kObjectPath);
  std::vector<std::vector<dbus::EnqueueResultRow>> results(batches.size());
  std::mutex mutex;
  std::condition_variable changed;
  int in_flight = 0;
  std::optional<sdbus::Error> first_error;
  connection.enterEventLoopAsync();
  for (std::size_t b = 0; b < batches.size(); ++b) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return in_flight < window || first_error; });
      if (first_error) break;
      ++in_flight;
    }
    proxy->callMethodAsync(method)
        .onInterface(dbus::kManagerInterface)
        .withArguments(bus_connection, batches[b])
        .uponReplyInvoke(
            [&, b](const sdbus::Error* error, std::vector<dbus::EnqueueResultRow> rows) {
              std::lock_guard lock(mutex);
              if (error && !first_error) first_error = *error;
              if (!error) results[b] = std::move(rows);
              --in_flight;
              changed.notify_all();
            });
  }
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return in_flight == 0; });
  }
  connection.leaveEventLoop();
  if (first_error) throw *first_error;
  return results;
}

}  // namespace xerod::ctl
