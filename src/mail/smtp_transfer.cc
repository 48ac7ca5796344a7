// SPDX-License-Identifier: MIT
#include "mail/smtp_transfer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "http/curl_handles.h"

namespace xerod::mail {
namespace {

constexpr std::size_t kMaxReplyLine = 300;

// The message body, handed to libcurl by CURLOPT_READFUNCTION.
struct Upload {
  const std::string* data = nullptr;
  std::size_t offset = 0;
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t nitems, void* userp) {
  auto* up = static_cast<Upload*>(userp);
  std::size_t n = std::min(size * nitems, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

// Server replies, seen through the debug callback. Only CURLINFO_HEADER_IN (lines
// the server sent) is looked at: commands we send, which include the AUTH
// exchange, are never read, stored or printed.
struct ReplyLog {
  std::string last_line;        // the last reply line of any kind
  std::string last_error_line;  // the last 4xx/5xx reply line (QUIT's 221 comes after it)

  const std::string& Best() const { return last_error_line.empty() ? last_line : last_error_line; }
};

int OnDebug(CURL* /*easy*/, curl_infotype type, char* data, std::size_t size, void* userp) {
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  for (char& c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (line.size() > kMaxReplyLine) line.resize(kMaxReplyLine);
  if (line.empty()) return 0;
  auto* log = static_cast<ReplyLog*>(userp);
  if (line[0] == '4' || line[0] == '5') log->last_error_line = line;
  log->last_line = std::move(line);
  return 0;
}

// The sockets libcurl opened for this transfer, so an abort can cut them.
struct Sockets {
  std::vector<curl_socket_t> open;
};

curl_socket_t OpenSocket(void* userp, curlsocktype /*purpose*/, curl_sockaddr* address) {
  int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  static_cast<Sockets*>(userp)->open.push_back(fd);
  return fd;
}

int CloseSocket(void* userp, curl_socket_t fd) {
  auto& open = static_cast<Sockets*>(userp)->open;
  open.erase(std::remove(open.begin(), open.end(), fd), open.end());
  return ::close(fd);
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (std::size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

// A server could echo what it was sent; make sure the password cannot reach
// an error message that way.
std::string Scrub(std::string text, const Secret& password) {
  if (password.reveal().size() >= 3) ReplaceAll(text, password.reveal(), "***");
  return text;
}

// One message's transfer: what the easy handle points to is declared before
// it, so it outlives curl_easy_cleanup (which may still call the close-socket
// callback).
struct Transfer {
  http::CurlSlist rcpt;
  std::string from;
  Upload upload;
  ReplyLog replies;
  Sockets sockets;
  char error_buffer[CURL_ERROR_SIZE] = {};
  http::CurlEasy easy;
};

// Sets every option of `t.easy` for `settings`.
Status Configure(Transfer& t, const SmtpSettings& settings) {
  CURL* e = t.easy.get();
  long timeout_ms = static_cast<long>(settings.timeout.count());
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(e, option, value);
  };
  set(CURLOPT_URL, settings.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ERRORBUFFER, t.error_buffer);
  set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  set(CURLOPT_TIMEOUT_MS, timeout_ms);
  // One connection per message: nothing to keep alive between rare mails, and
  // a fresh connection never meets a relay that dropped an idle one.
  set(CURLOPT_FORBID_REUSE, 1L);
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  // CURLUSESSL_ALL: STARTTLS or fail (CURLUSESSL_TRY would go on in clear text).
  set(CURLOPT_USE_SSL, settings.tls == SmtpTls::kNone ? static_cast<long>(CURLUSESSL_NONE)
                                                      : static_cast<long>(CURLUSESSL_ALL));
  if (!settings.username.empty()) {
    set(CURLOPT_USERNAME, settings.username.c_str());
    set(CURLOPT_PASSWORD, settings.password.reveal().c_str());
  }
  set(CURLOPT_MAIL_FROM, t.from.c_str());
  set(CURLOPT_MAIL_RCPT, t.rcpt.get());
  set(CURLOPT_UPLOAD, 1L);
  set(CURLOPT_READFUNCTION, &ReadBody);
  set(CURLOPT_READDATA, &t.upload);
  // VERBOSE only enables the debug callback, which keeps the server's last
  // reply line for error messages and prints nothing (see OnDebug).
  set(CURLOPT_DEBUGFUNCTION, &OnDebug);
  set(CURLOPT_DEBUGDATA, &t.replies);
  set(CURLOPT_VERBOSE, 1L);
  set(CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  set(CURLOPT_OPENSOCKETDATA, &t.sockets);
  set(CURLOPT_CLOSESOCKETFUNCTION, &CloseSocket);
  set(CURLOPT_CLOSESOCKETDATA, &t.sockets);
  if (rc != CURLE_OK) {
    return Fail(Code::kInternal, std::string("smtp: curl_easy_setopt: ") + curl_easy_strerror(rc));
  }
  if (settings.extra_ca != nullptr) settings.extra_ca->Install(e);
  return Ok();
}

// Drives `t` on `multi` until it ends, or until `stop` (then its sockets are
// cut and kUnavailable "aborted" is returned). The transfer's own result is
// in `*result`.
Status Perform(CURLM* multi, Transfer& t, const std::atomic<bool>& stop, CURLcode* result) {
  CURL* e = t.easy.get();
  if (CURLMcode mc = curl_multi_add_handle(multi, e); mc != CURLM_OK) {
    return Fail(Code::kInternal,
                std::string("smtp: curl_multi_add_handle: ") + curl_multi_strerror(mc));
  }
  bool finished = false;
  bool aborting = false;
  std::chrono::steady_clock::time_point give_up;
  CURLMcode mc = CURLM_OK;
  for (;;) {
    int running = 0;
    mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
        *result = msg->data.result;
        finished = true;
      }
    }
    if (finished) break;
    if (stop.load() && !aborting) {
      // Removing a handle mid-transfer makes libcurl finish the SMTP dialogue
      // (end of data, QUIT) in blocking mode, up to the timeout. Cutting the
      // connection instead makes the transfer fail at once, without a goodbye.
      aborting = true;
      give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      for (curl_socket_t fd : t.sockets.open) ::shutdown(fd, SHUT_RDWR);
      continue;
    }
    if (aborting && std::chrono::steady_clock::now() > give_up) break;
    // Wakes on socket activity, curl's own timeouts, or curl_multi_wakeup().
    mc = curl_multi_poll(multi, nullptr, 0, aborting ? 50 : 1000, nullptr);
    if (mc != CURLM_OK) break;
  }
  curl_multi_remove_handle(multi, e);
  if (mc != CURLM_OK) {
    return Fail(Code::kInternal, std::string("smtp: curl multi: ") + curl_multi_strerror(mc));
  }
  if (aborting) return Fail(Code::kUnavailable, "smtp: aborted");
  return Ok();
}

}  // namespace

Error MapSmtpError(CURLcode result, const std::string& curl_error, long reply_code,
                   const std::string& reply_line) {
  std::string detail = curl_error.empty() ? curl_easy_strerror(result) : curl_error;
  std::string message = "smtp: " + detail;
  if (!reply_line.empty()) message += " (server said: " + reply_line + ")";
  bool transient_reply = reply_code >= 400 && reply_code < 500;
  bool permanent_reply = reply_code >= 500 && reply_code < 600;
  switch (result) {
    case CURLE_LOGIN_DENIED:
      return Error(transient_reply ? Code::kUnavailable : Code::kPermissionDenied,
                   "smtp: authentication failed: " + detail +
                       (reply_line.empty() ? "" : " (server said: " + reply_line + ")"));
    case CURLE_USE_SSL_FAILED:
      return Error(Code::kFailedPrecondition,
                   "smtp: the server does not offer STARTTLS, and tls: starttls requires it (" +
                       detail + ")");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Error(Code::kFailedPrecondition, "smtp: TLS certificate not trusted: " + detail);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Error(Code::kInternal, message);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
      return Error(Code::kUnavailable, message);
    default:
      break;
  }
  // MAIL, RCPT and DATA refusals come back as CURLE_SEND_ERROR or
  // CURLE_WEIRD_SERVER_REPLY; the reply code tells transient from permanent.
  if (permanent_reply) return Error(Code::kFailedPrecondition, message);
  return Error(Code::kUnavailable, message);
}

Status SubmitMail(CURLM* multi, const SmtpSettings& settings,
                  const std::vector<std::string>& recipients, const std::string& data,
                  const std::atomic<bool>& stop) {
  Transfer t;
  t.from = "<" + settings.envelope_from + ">";
  t.upload.data = &data;
  for (const std::string& to : recipients) {
    curl_slist* next = curl_slist_append(t.rcpt.get(), ("<" + to + ">").c_str());
    if (next == nullptr) return Fail(Code::kInternal, "smtp: out of memory");
    static_cast<void>(t.rcpt.release());
    t.rcpt.reset(next);
  }
  t.easy.reset(curl_easy_init());
  if (!t.easy) return Fail(Code::kInternal, "smtp: curl_easy_init failed");
  if (Status s = Configure(t, settings); !s) return s;
  CURLcode result = CURLE_OK;
  if (Status s = Perform(multi, t, stop, &result); !s) return s;
  if (result == CURLE_OK) return Ok();

  long reply_code = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &reply_code);
  return Fail(MapSmtpError(result, Scrub(t.error_buffer, settings.password), reply_code,
                           Scrub(t.replies.Best(), settings.password)));
}

}  // namespace xerod::mail
