// SPDX-License-Identifier: MIT
//
// Sends what the outbox holds, one message at a time, through the Mailer.
// A message the SMTP server accepted is marked sent; a transient refusal
// (cannot connect, 4xx, TLS or login trouble an administrator can fix) is
// retried with exponential backoff until `give_up_after` since it was queued;
// a message the relay can never take (a recipient it refuses for good, a bad
// address) is marked failed at once with the server's answer.
//
// Once: a message is marked sent right after the server accepts it. If xerod
// dies between the two, that one message is sent again at the next start,
// with the same Message-ID (docs/monitor.md).
//
// Threading: the io_context thread only.
#pragma once

#include <memory>
#include <string>

#include "notify/outbox.h"
#include "xerod/asio_fwd.h"
#include "xerod/clock.h"

namespace xerod {
class Mailer;
}  // namespace xerod

namespace xerod::notify {

struct NotifierOptions {
  Duration retry_initial = std::chrono::seconds(30);
  Duration retry_max = std::chrono::hours(1);
  Duration give_up_after = std::chrono::hours(72);
};

struct NotifierStats {
  std::uint64_t sent = 0, retried = 0, failed = 0;
};

class Notifier {
 public:
  Notifier(boost::asio::io_context& io, Outbox& outbox, Clock& clock, NotifierOptions options = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The mailer to send with (null: SMTP is not configured; messages wait,
  // queued, with `why_not` as their last error). A new mailer makes every
  // queued message due now.
  void SetMailer(Mailer* mailer, std::string why_not = {});
  // Something was added to the outbox: send it soon.
  void Kick();
  // Sends nothing more; a message on the wire finishes.
  void Stop();

  NotifierStats stats() const { return stats_; }

 private:
  void SendNext();
  void OnSent(const Notification& n, Result<MailReceipt> receipt);
  void ArmTimer();
  Duration Backoff(int attempts) const;

  boost::asio::io_context& io_;
  Outbox& outbox_;
  Clock& clock_;
  NotifierOptions options_;
  Mailer* mailer_ = nullptr;
  std::string why_not_;
  bool sending_ = false;      // a message is being sent or its outcome written
  bool on_the_wire_ = false;  // ... and the mailer has not answered yet
  bool stopped_ = false;
  bool kicked_ = false;
  std::uint64_t generation_ = 0;  // of mailer_: a late answer of an older one is ignored
  NotifierStats stats_;
  struct Timer;
  std::unique_ptr<Timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xerod::notify
