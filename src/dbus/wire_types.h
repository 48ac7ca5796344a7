// SPDX-License-Identifier: MIT
//
// The D-Bus types of xerod's API (org.xerod.Xerod1.Manager.xml) that have a
// meaning beyond their signature, shared by the daemon side and xerod-ctl.
#pragma once

#include <sdbus-c++/Types.h>

#include <cstdint>
#include <string>

namespace xerod::dbus {

// One row of EnqueueInvoices/EnqueuePayments' answer, (ussxs): the document's
// index in the request, its source_id, the outcome (created, unchanged,
// replaced, update_created, deferred, invalid), the job id (0 when invalid)
// and, when invalid, "FIELD.PATH: problem".
using EnqueueResultRow =
    sdbus::Struct<std::uint32_t, std::string, std::string, std::int64_t, std::string>;

// One scope's entry in GetStatus' holds map, (bbs): paused, parked, reason.
using HoldRow = sdbus::Struct<bool, bool, std::string>;

}  // namespace xerod::dbus
