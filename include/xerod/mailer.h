// SPDX-License-Identifier: MIT
//
// Sending e-mail (plain text, optionally with an HTML alternative) through an
// SMTP relay (libcurl), for the D-Bus `SendTestEmail` method and the connection
// monitor's notifier. See docs/mail.md.
//
// Threading: Create(), Send() and the destructor must be called on the thread
// that runs `io` (or while `io` is not running). Each Mailer owns one worker
// thread that talks SMTP; it starts on the first Send(). Messages are sent one
// at a time, in the order Send() was called. Results come back on `io`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xerod/asio_fwd.h"
#include "xerod/config.h"
#include "xerod/status.h"

namespace xerod {

struct MailMessage {
  std::vector<std::string> to;  // bare addresses "a@b.test"
  std::string subject;          // UTF-8, one line
  std::string body;             // UTF-8 plain text, LF line ends
  // UTF-8 HTML alternative of `body`, LF line ends. Empty: a text-only message.
  // Otherwise the mail is multipart/alternative: body first, html second, so a
  // reader that shows HTML shows this and every other shows `body`.
  std::string html;
  // The Message-ID header, with its <>; empty: a new one. A message sent again
  // (the outbox after a crash) keeps its id, so receivers can tell.
  std::string message_id;
};

struct MailReceipt {
  std::string message_id;             // the Message-ID header, with its <>
  std::vector<std::string> accepted;  // every recipient (a send is all or nothing)
};

class Mailer {
 public:
  // Validates config (smtp.enabled, url scheme smtp/smtps matching tls, from
  // address parseable) and loads the password with LoadSecret(config.password_file)
  // when username is set.
  // Errors: kFailedPrecondition "smtp is not configured" when !config.enabled;
  // kInvalidArgument for a bad url/from/tls combination, or a user name with
  // `tls: none` to a host that is not loopback (the password would cross the
  // network in clear text); config.ca_file (an extra PEM CA bundle trusted
  // besides the system store) unreadable or without certificates; LoadSecret's
  // errors.
  static Result<std::unique_ptr<Mailer>> Create(boost::asio::io_context& io,
                                                const SmtpConfig& config);

  // True when `other` would send exactly as this one does: the same server, TLS,
  // sender, timeout, user, password (the content of password_file) and extra CA
  // certificates (the content of ca_file). A reload compares a new Mailer with
  // the running one, so a password or CA file changed in place takes effect and
  // an unchanged one leaves the message on the wire alone.
  bool SendsLike(const Mailer& other) const;

  // Aborts the transfer in progress, drops queued messages and joins the worker.
  // No `done` callback runs after this returns (they are destroyed uncalled).
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // Sends asynchronously; `done` runs exactly once ON THE io_context thread,
  // never inside Send(). While a message is queued or in flight the Mailer keeps
  // `io` from running out of work.
  // Errors:
  //   kInvalidArgument    no recipient, bad address, CR/LF in subject or address
  //                       (header injection refused)
  //   kUnavailable        cannot connect, timeout, a 4xx reply (transient)
  //   kPermissionDenied   authentication refused (535, or no usable AUTH mechanism)
  //   kFailedPrecondition a 5xx reply to MAIL/RCPT/DATA (permanent), or a TLS
  //                       problem: no STARTTLS offered, untrusted certificate
  // The message includes the server's last reply line when there is one, never
  // the password.
  void Send(MailMessage message, std::function<void(Result<MailReceipt>)> done);

 private:
  class Impl;
  explicit Mailer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xerod
