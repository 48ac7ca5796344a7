// SPDX-License-Identifier: MIT
#include "notify/notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "xerod/mailer.h"

namespace xerod::notify {

struct Notifier::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
};

Notifier::Notifier(boost::asio::io_context& io, Outbox& outbox, Clock& clock,
                   NotifierOptions options)
    : io_(io),
      outbox_(outbox),
      clock_(clock),
      options_(options),
      timer_(std::make_unique<Timer>(io)) {}

Notifier::~Notifier() {
  *alive_ = false;
  timer_->timer.cancel();
}

void Notifier::SetMailer(Mailer* mailer, std::string why_not) {
  mailer_ = mailer;
  why_not_ = std::move(why_not);
  // A message on the wire with the old mailer will never report (the mailer
  // drops its callbacks when it goes): it is still queued and goes again.
  // (One whose outcome is being written finishes that first.)
  ++generation_;
  if (on_the_wire_) {
    on_the_wire_ = false;
    sending_ = false;
  }
  if (mailer_ == nullptr) return;
  outbox_.RetryAllNow([this, alive = alive_](Status s) {
    if (!*alive) return;
    if (!s) spdlog::warn("outbox: {}", s.error().message());
    Kick();
  });
}

void Notifier::Kick() {
  if (stopped_ || kicked_) return;
  kicked_ = true;
  boost::asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    kicked_ = false;
    SendNext();
  });
}

void Notifier::Stop() {
  stopped_ = true;
  timer_->timer.cancel();
}

Duration Notifier::Backoff(int attempts) const {
  Duration d = options_.retry_initial;
  for (int i = 1; i < attempts && d < options_.retry_max; ++i) d *= 2;
  return std::min(d, options_.retry_max);
}

void Notifier::SendNext() {
  if (stopped_ || sending_) return;
  if (mailer_ == nullptr) return;  // queued messages wait for an smtp section (reload)
  auto due = outbox_.Due(clock_.Now(), 1);
  if (!due) {
    spdlog::error("outbox: {}", due.error().message());
    return ArmTimer();
  }
  if (due->empty()) return ArmTimer();
  sending_ = true;
  on_the_wire_ = true;
  Notification n = std::move(due->front());
  MailMessage message = n.message;
  mailer_->Send(std::move(message),
                [this, alive = alive_, n, generation = generation_](Result<MailReceipt> r) {
                  if (!*alive || generation != generation_) return;
                  on_the_wire_ = false;
                  OnSent(n, std::move(r));
                });
}

void Notifier::OnSent(const Notification& n, Result<MailReceipt> receipt) {
  auto next = [this, alive = alive_](Status s) {
    if (!*alive) return;
    if (!s) spdlog::error("outbox: {}", s.error().message());
    sending_ = false;
    SendNext();
  };
  if (receipt) {
    ++stats_.sent;
    spdlog::info("mail: {} notification for {} sent to {} ({})", ToString(n.kind), n.connection,
                 fmt::join(n.message.to, ", "), n.message.message_id);
    return outbox_.MarkSent(n.id, "accepted by the SMTP server", next);
  }
  const Error& e = receipt.error();
  // For good: a message the relay refused with a 5xx reply to MAIL, RCPT or
  // DATA, or one it can never take. TLS and login trouble are an
  // administrator's to fix (then reload): those are retried.
  const bool permanent = e.code() == Code::kInvalidArgument ||
                         (e.code() == Code::kFailedPrecondition &&
                          e.message().find("(server said: 5") != std::string::npos);
  const TimePoint now = clock_.Now();
  if (permanent || now - n.created_at >= options_.give_up_after) {
    ++stats_.failed;
    spdlog::error("mail: {} notification for {} failed for good: {}", ToString(n.kind),
                  n.connection, e.message());
    return outbox_.MarkFailed(n.id, e.message(), next);
  }
  ++stats_.retried;
  const Duration wait = Backoff(n.attempts + 1);
  spdlog::warn("mail: {} notification for {} not sent ({}); next try in {} s", ToString(n.kind),
               n.connection, e.message(),
               std::chrono::duration_cast<std::chrono::seconds>(wait).count());
  outbox_.MarkRetry(n.id, now + wait, e.message(), next);
}

void Notifier::ArmTimer() {
  if (stopped_) return;
  auto next = outbox_.NextDue();
  if (!next || !*next) return;
  Duration wait = std::max(Duration(0), **next - clock_.Now());
  timer_->timer.expires_after(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait) +
      std::chrono::milliseconds(1));
  timer_->timer.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    SendNext();
  });
}

}  // namespace xerod::notify
