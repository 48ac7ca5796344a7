// SPDX-License-Identifier: MIT
//
// The e-mail outbox (table notifications, schema 0007): a notification is
// committed here before anything tries to send it, so it survives restarts and
// SMTP outages; the Notifier sends what is queued and records the outcome.
// Adding is idempotent on a dedupe key ("lost:acme:<since>"): however many
// checks or failures ask for the same message, there is one row, so one mail.
//
// Thread-safety: as the Store: reads on the calling thread from the read
// connection, writes on the writer thread with completions on `complete_on`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xerod/clock.h"
#include "xerod/executor.h"
#include "xerod/mailer.h"
#include "xerod/status.h"

namespace xerod {
class Store;
namespace store {
class Db;
}  // namespace store
}  // namespace xerod

namespace xerod::notify {

enum class NoticeKind { kLost, kReminder, kRestored, kDigest };
std::string_view ToString(NoticeKind kind);  // "lost", "reminder", "restored", "digest"
enum class NoticeState { kQueued, kSent, kFailed };
std::string_view ToString(NoticeState state);  // "queued", "sent", "failed"
std::optional<NoticeState> ParseNoticeState(std::string_view text);

struct Notification {
  std::int64_t id = 0;
  NoticeKind kind = NoticeKind::kLost;
  std::string connection;
  std::string dedupe_key;
  MailMessage message;  // to, subject, body, html, message_id
  NoticeState state = NoticeState::kQueued;
  int attempts = 0;
  TimePoint next_attempt_at;
  std::string last_error;  // the SMTP server's answer, or why it was not sent
  TimePoint created_at;
  std::optional<TimePoint> sent_at;
};

struct NewNotification {
  NoticeKind kind = NoticeKind::kLost;
  std::string connection;
  std::string dedupe_key;
  MailMessage message;  // with recipients; message_id empty: one is made (domain below)
};

class Outbox {
 public:
  template <typename T>
  using Callback = std::function<void(Result<T>)>;

  // `store` and `clock` outlive the outbox. `id_domain`: the domain of the
  // Message-IDs it makes (the sender's).
  Outbox(Store& store, Clock& clock, std::string id_domain, Executor complete_on = {});
  ~Outbox();  // waits for its writes in flight
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void SetIdDomain(std::string domain);

  // Adds a queued notification unless one with its dedupe key exists. Gives
  // whether it was added. kInvalidArgument without recipients or key.
  void Add(NewNotification notification, Callback<bool> done);
  // The same inside another module's write (a digest and its cursor commit together).
  Result<bool> AddIn(store::Db& db, const NewNotification& notification);

  // Newest first; `before_id` 0 = from the newest. At most `limit` (1..1000).
  Result<std::vector<Notification>> List(std::optional<NoticeState> state, std::int64_t before_id,
                                         int limit);
  // Queued and due at `now`, oldest first.
  Result<std::vector<Notification>> Due(TimePoint now, int limit);
  // When the next queued notification is due (nullopt: none queued).
  Result<std::optional<TimePoint>> NextDue();
  // The newest connection notice (lost, reminder or restored) of `connection`.
  Result<std::optional<Notification>> LastConnectionNotice(const std::string& connection);

  void MarkSent(std::int64_t id, std::string answer, Callback<void> done);
  void MarkRetry(std::int64_t id, TimePoint next_attempt_at, std::string error,
                 Callback<void> done);
  void MarkFailed(std::int64_t id, std::string error, Callback<void> done);
  // Every queued notification becomes due now (the SMTP settings changed).
  void RetryAllNow(Callback<void> done);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod::notify
