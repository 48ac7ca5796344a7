// SPDX-License-Identifier: MIT
//
// Fuzz target: MapSmtpError (src/mail/smtp_transfer.cc), the mapping of a
// failed SMTP submission (libcurl's result and error text, the server's last
// reply code and line) to the Status Mailer::Send returns. The SMTP dialogue
// itself is libcurl's; this is the part xerod owns.
//
// Input, as text (fuzz/corpus/smtp_reply/ holds real server refusals):
//   line 1  "<CURLcode> <reply code>", e.g. "67 535" (CURLE_LOGIN_DENIED)
//   line 2  libcurl's error buffer (may be empty)
//   line 3  the server's reply line, e.g. "535 5.7.8 Authentication failed"
// Invariants (docs/mail.md):
//   - the message starts "smtp: " and carries libcurl's detail, and the
//     server's line "(server said: ...)" wherever the cause is the server's;
//   - the code is one Mailer::Send documents: authentication refused is
//     kPermissionDenied (kUnavailable on a 4xx reply), TLS problems
//     kFailedPrecondition, misuse of libcurl kInternal, no connection
//     kUnavailable; any other failure is kFailedPrecondition on a 5xx reply
//     (retrying cannot help) and kUnavailable otherwise (retry later).
#include <charconv>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "mail/smtp_transfer.h"

namespace xerod {
namespace {

using fuzz::Shown;

Code Expected(CURLcode result, long reply) {
  const bool transient_reply = reply >= 400 && reply < 500;
  const bool permanent_reply = reply >= 500 && reply < 600;
  switch (result) {
    case CURLE_LOGIN_DENIED:
      return transient_reply ? Code::kUnavailable : Code::kPermissionDenied;
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Code::kFailedPrecondition;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Code::kInternal;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
      return Code::kUnavailable;
    default:
      return permanent_reply ? Code::kFailedPrecondition : Code::kUnavailable;
  }
}

bool ShowsReply(CURLcode result) {
  return result != CURLE_USE_SSL_FAILED && result != CURLE_PEER_FAILED_VERIFICATION &&
         result != CURLE_SSL_CACERT_BADFILE && result != CURLE_SSL_CERTPROBLEM;
}

}  // namespace
}  // namespace xerod

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xerod;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view codes = fuzz::TakeLine(text);
  int result_number = 0;
  long reply = 0;
  auto [end, ec] = std::from_chars(codes.data(), codes.data() + codes.size(), result_number);
  while (end < codes.data() + codes.size() && *end == ' ') ++end;
  std::from_chars(end, codes.data() + codes.size(), reply);
  // A CURLcode libcurl can return (the enum has no values outside this range).
  if (result_number <= CURLE_OK || result_number >= CURL_LAST) result_number = CURLE_SEND_ERROR;
  const auto result = static_cast<CURLcode>(result_number);
  const std::string curl_error(fuzz::TakeLine(text));
  const std::string reply_line(fuzz::TakeLine(text));

  Error e = mail::MapSmtpError(result, curl_error, reply, reply_line);
  const std::string shown = Shown(e.ToString());
  FUZZ_CHECK(e.message().starts_with("smtp: "), shown);
  FUZZ_CHECK(e.code() == Expected(result, reply),
             shown + " expected " + std::string(CodeName(Expected(result, reply))));
  const std::string detail = curl_error.empty() ? curl_easy_strerror(result) : curl_error;
  FUZZ_CHECK(e.message().find(detail) != std::string::npos, shown);
  if (!reply_line.empty() && ShowsReply(result)) {
    FUZZ_CHECK(e.message().find("(server said: " + reply_line + ")") != std::string::npos, shown);
  }
  return 0;
}
