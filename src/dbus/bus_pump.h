// SPDX-License-Identifier: MIT
//
// BusPump: drives an sdbus-c++ 1.2.0 connection from a Boost.Asio io_context,
// without any sdbus thread (daemon-anchors §3.4). It waits on the connection's
// fd for the events sd-bus asks for and on its timeout, then calls
// processPendingRequest() until it returns false, and re-arms. Every sdbus
// callback therefore runs on the io_context thread.
//
// Kick() must be called after sending anything from outside a callback (an
// async method reply, a signal emitted from a posted task): sd-bus may have
// queued the message and need POLLOUT, and 1.2.0 has no wake-up fd.
//
// Lifetime: the pump must be destroyed before the connection. Not thread-safe:
// use it on the io_context thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace sdbus {
class IConnection;
}

namespace xerod::dbus {

class BusPump {
 public:
  BusPump(boost::asio::io_context& io, sdbus::IConnection& connection);
  ~BusPump();
  BusPump(const BusPump&) = delete;
  BusPump& operator=(const BusPump&) = delete;

  // Processes whatever is pending and re-arms the waits. Cheap; safe to call often.
  void Kick();

 private:
  void Arm();

  boost::asio::io_context& io_;
  sdbus::IConnection& connection_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer timer_;
  bool kick_posted_ = false;
  // Flipped on destruction so late completions do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xerod::dbus
