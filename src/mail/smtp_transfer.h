// SPDX-License-Identifier: MIT
// One SMTP submission with libcurl: envelope, TLS policy, AUTH, and the mapping
// of libcurl results and SMTP reply codes to xerod error codes.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <string>
#include <vector>

#include "http/extra_ca.h"
#include "xerod/clock.h"
#include "xerod/config.h"
#include "xerod/secret.h"
#include "xerod/status.h"

namespace xerod::mail {

// Everything a transfer needs that does not change between messages.
struct SmtpSettings {
  std::string url;  // smtp://host[:port] or smtps://host[:port], no path
  SmtpTls tls = SmtpTls::kStartTls;
  std::string username;  // empty: no AUTH
  Secret password;
  std::string envelope_from;  // bare address for MAIL FROM
  Duration timeout{};         // connect and whole-transfer limit
  const http::ExtraCa* extra_ca = nullptr;
};

// Submits `data` (a complete message, CRLF line ends, not dot-stuffed: libcurl
// does that) to `recipients` through `multi`, which must be idle and is used only
// by the calling thread (other threads may call curl_multi_wakeup on it).
// Blocks until done, or until `stop` is set and the multi handle woken: then
// the result is kUnavailable "aborted". Errors as documented for Mailer::Send.
Status SubmitMail(CURLM* multi, const SmtpSettings& settings,
                  const std::vector<std::string>& recipients, const std::string& data,
                  const std::atomic<bool>& stop);

// The error for a failed transfer: libcurl's result and error text, the last
// SMTP reply code and reply line (already free of the password). Exposed for tests.
Error MapSmtpError(CURLcode result, const std::string& curl_error, long reply_code,
                   const std::string& reply_line);

}  // namespace xerod::mail
