// SPDX-License-Identifier: MIT
#include "dbus/bus_pump.h"

#include <poll.h>
#include <sdbus-c++/Error.h>
#include <sdbus-c++/IConnection.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace xerod::dbus {

BusPump::BusPump(boost::asio::io_context& io, sdbus::IConnection& connection)
    : io_(io), connection_(connection), descriptor_(io), timer_(io) {
  descriptor_.assign(connection_.getEventLoopPollData().fd);
  Arm();
}

BusPump::~BusPump() {
  *alive_ = false;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  timer_.cancel();
  descriptor_.release();  // sd-bus owns the fd
}

void BusPump::Kick() {
  if (kick_posted_) return;
  kick_posted_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    kick_posted_ = false;
    Arm();
  });
}

void BusPump::Arm() {
  sdbus::IConnection::PollData poll;
  try {
    while (connection_.processPendingRequest()) {
    }
    poll = connection_.getEventLoopPollData();
  } catch (const std::exception& e) {
    // A broken connection (the bus went away): nothing more will come.
    spdlog::error("D-Bus connection failed: {}", e.what());
    return;
  }
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  timer_.cancel();
  auto on_event = [this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    Arm();
  };
  if (poll.events & POLLIN) {
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read, on_event);
  }
  if (poll.events & POLLOUT) {
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_write, on_event);
  }
  if (auto relative = poll.getRelativeTimeout()) {
    timer_.expires_after(*relative);
    timer_.async_wait(on_event);
  }
}

}  // namespace xerod::dbus
