// SPDX-License-Identifier: MIT
// Mailer: a queue of formatted messages and one worker thread that submits
// them in order with SubmitMail(), posting each result back to the io_context.
#include "xerod/mailer.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "config/validators.h"
#include "http/curl_handles.h"
#include "http/extra_ca.h"
#include "mail/message.h"
#include "mail/smtp_transfer.h"
#include "xerod/ascii.h"
#include "xerod/secret.h"

namespace xerod {
namespace asio = boost::asio;

namespace {

using Callback = std::function<void(Result<MailReceipt>)>;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

}  // namespace

class Mailer::Impl {
 public:
  Impl(asio::io_context& io, mail::SmtpSettings settings, mail::Mailbox from,
       std::optional<http::ExtraCa> extra_ca, http::CurlMulti multi)
      : io_(io),
        settings_(std::move(settings)),
        from_(std::move(from)),
        extra_ca_(std::move(extra_ca)),
        multi_(std::move(multi)),
        alive_(std::make_shared<std::atomic<bool>>(true)) {
    settings_.extra_ca = extra_ca_ ? &*extra_ca_ : nullptr;
  }

  ~Impl() {
    alive_->store(false);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_.store(true);
    cv_.notify_all();
    curl_multi_wakeup(multi_.get());
    if (worker_.joinable()) worker_.join();
    // Queued jobs (and their work guards) go with queue_.
  }

  bool SendsLike(const Impl& o) const {
    const mail::SmtpSettings& a = settings_;
    const mail::SmtpSettings& b = o.settings_;
    return a.url == b.url && a.tls == b.tls && a.username == b.username &&
           a.password.reveal() == b.password.reveal() && a.envelope_from == b.envelope_from &&
           a.timeout == b.timeout && from_.display_name == o.from_.display_name &&
           from_.address == o.from_.address && extra_ca_ == o.extra_ca_;
  }

  void Send(MailMessage message, Callback done) {
    if (Status s = mail::CheckMessage(message); !s) {
      Deliver(std::move(done), Fail(s.error()));
      return;
    }
    Job job;
    job.message_id =
        message.message_id.empty() ? mail::NewMessageId(from_.domain()) : message.message_id;
    job.data = mail::FormatMessage(
        message, from_, mail::FormatDate(std::chrono::system_clock::now()), job.message_id);
    job.to = std::move(message.to);
    job.done = std::move(done);
    job.guard.emplace(io_.get_executor());
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(job));
      if (!worker_.joinable()) worker_ = std::thread([this] { Run(); });
    }
    cv_.notify_one();
  }

 private:
  struct Job {
    std::vector<std::string> to;
    std::string message_id;
    std::string data;
    Callback done;
    std::optional<WorkGuard> guard;  // keeps io_ running until the result is posted
  };

  void Run() {
    for (;;) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      Job job(std::move(queue_.front()));
      queue_.pop_front();
      lock.unlock();
      Status sent = mail::SubmitMail(multi_.get(), settings_, job.to, job.data, stop_);
      if (stop_.load()) return;  // destroyed meanwhile: the callback is not called
      if (sent) {
        spdlog::info("mail: sent {} to {} recipient(s)", job.message_id, job.to.size());
        Deliver(std::move(job.done), MailReceipt{job.message_id, std::move(job.to)});
      } else {
        spdlog::warn("mail: sending {} failed: {}", job.message_id, sent.error().ToString());
        Deliver(std::move(job.done), Fail(sent.error()));
      }
    }
  }

  // Runs `done` on io_ unless the Mailer is gone by then. Called on io_'s thread
  // (Send) or the worker; the handler only reads alive_, which the destructor
  // (on io_'s thread) clears.
  void Deliver(Callback done, Result<MailReceipt> result) {
    asio::post(io_, [alive = alive_, done = std::move(done), result = std::move(result)]() mutable {
      if (alive->load()) done(std::move(result));
    });
  }

  asio::io_context& io_;
  mail::SmtpSettings settings_;
  const mail::Mailbox from_;
  std::optional<http::ExtraCa> extra_ca_;
  http::CurlMulti multi_;  // used by the worker only (curl_multi_wakeup excepted)
  std::shared_ptr<std::atomic<bool>> alive_;
  std::atomic<bool> stop_{false};  // aborts the transfer in progress

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread worker_;     // started by the first Send(), under mu_
};

Result<std::unique_ptr<Mailer>> Mailer::Create(asio::io_context& io, const SmtpConfig& config) {
  if (!config.enabled) return Fail(Code::kFailedPrecondition, "smtp is not configured");
  auto endpoint = config::CheckSmtpEndpoint(config.url, config.tls, config.allow_cleartext);
  if (!endpoint) {
    bool at_tls = endpoint.error().key == config::SmtpEndpointError::kTls;
    return Fail(
        Code::kInvalidArgument,
        fmt::format("smtp.{}: {} (got {})", at_tls ? "tls" : "url", endpoint.error().message,
                    at_tls ? ToString(config.tls) : std::string_view(config.url)));
  }
  if (config.timeout <= Duration::zero()) {
    return Fail(Code::kInvalidArgument, "smtp.timeout must be positive");
  }
  Result<mail::Mailbox> from = mail::ParseMailbox(config.from);
  if (!from) return Fail(Code::kInvalidArgument, "smtp.from: " + from.error().message());

  mail::SmtpSettings settings;
  settings.url = WithoutTrailingSlashes(config.url);
  settings.tls = config.tls;
  settings.envelope_from = from->address;
  settings.timeout = config.timeout;
  if (!config.username.empty()) {
    if (config.tls == SmtpTls::kNone && !config::IsLoopbackHost(endpoint->url)) {
      return Fail(Code::kInvalidArgument,
                  "smtp: refusing to send the password for " + config.username +
                      " in clear text to " + endpoint->url.host +
                      " (tls: none); use tls: starttls or implicit, or a relay on loopback");
    }
    Result<Secret> password = LoadSecret(config.password_file);
    if (!password) return Fail(password.error());
    settings.username = config.username;
    settings.password = std::move(*password);
  }
  std::optional<http::ExtraCa> extra_ca;
  if (!config.ca_file.empty()) {
    Result<http::ExtraCa> ca = http::ExtraCa::Load(config.ca_file);
    if (!ca) return Fail(ca.error());
    extra_ca = std::move(*ca);
  }
  if (Status s = http::CurlGlobalInit(); !s) return Fail(s.error());
  http::CurlMulti multi(curl_multi_init());
  if (!multi) return Fail(Code::kInternal, "curl_multi_init failed");
  return std::unique_ptr<Mailer>(new Mailer(std::make_unique<Impl>(
      io, std::move(settings), std::move(*from), std::move(extra_ca), std::move(multi))));
}

Mailer::Mailer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

bool Mailer::SendsLike(const Mailer& other) const { return impl_->SendsLike(*other.impl_); }

Mailer::~Mailer() = default;

void Mailer::Send(MailMessage message, std::function<void(Result<MailReceipt>)> done) {
  impl_->Send(std::move(message), std::move(done));
}

}  // namespace xerod
