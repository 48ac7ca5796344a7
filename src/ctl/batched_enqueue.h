// SPDX-License-Identifier: MIT
//
// Batched enqueue calls: keeps up to `window` Enqueue* calls in flight on
// one bus connection, so the daemon validates batch n+1 while the queue
// commits batch n. Order is preserved: the daemon handles one connection's
// messages in order and its queue commits requests in order.
#pragma once

#include <sdbus-c++/IConnection.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dbus/wire_types.h"

namespace xerod::ctl {

// Calls `method` (EnqueueInvoices or EnqueuePayments) once per batch; returns
// the rows per batch, in batch order. Throws the first sdbus::Error received
// (after every call in flight has finished).
std::vector<std::vector<dbus::EnqueueResultRow>> EnqueueBatches(
    sdbus::IConnection& connection, const std::string& method, const std::string& bus_connection,
    const std::vector<std::vector<std::string>>& batches, int window = 4);

}  // namespace xerod::ctl
