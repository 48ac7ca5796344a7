// SPDX-License-Identifier: MIT
//
// Copies that finally failed (jobs gone dead), told once per connection and
// digest window: the first dead job of a connection opens a window of
// notify.digest_window; when it closes, ONE write reads every dead job of the
// connection not told yet (digest_cursor), composes the digest mail and puts
// it in the outbox, and moves the cursor past them. 500 failures in a window
// are one mail. Durable: after a crash, Start() reopens a window for every
// connection with dead jobs past its cursor.
//
// Threading: the io_context thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "notify/notifier.h"
#include "notify/outbox.h"
#include "store/in_flight.h"
#include "xerod/asio_fwd.h"
#include "xerod/clock.h"

namespace xerod {
class Store;
}  // namespace xerod

namespace xerod::notify {

struct Audience {
  std::vector<std::string> recipients;  // the connection's notify list + notify.admins
  std::string organisation;             // for the subject (may be empty)
};
using AudienceFn = std::function<Audience(const std::string& connection)>;

class Digests {
 public:
  Digests(boost::asio::io_context& io, Store& store, Outbox& outbox, Notifier& notifier,
          Clock& clock, Duration window, AudienceFn audience);
  ~Digests();
  Digests(const Digests&) = delete;
  Digests& operator=(const Digests&) = delete;

  // Opens a window for every connection with dead jobs not told yet.
  void Start();
  // A job of `connection` went dead.
  void OnJobDead(const std::string& connection);
  // Applies to windows opened from now on.
  void SetWindow(Duration window) { window_ = window; }
  // Closes every open window now (tests, shutdown is NOT a reason: windows
  // reopen at the next start).
  void Flush();

 private:
  void Open(const std::string& connection, Duration after);
  void Close(const std::string& connection);

  boost::asio::io_context& io_;
  Store& store_;
  Outbox& outbox_;
  Notifier& notifier_;
  Clock& clock_;
  Duration window_;
  AudienceFn audience_;
  struct Window;
  std::map<std::string, std::unique_ptr<Window>> open_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  store::InFlight in_flight_;  // writes on the store's thread
};

}  // namespace xerod::notify
