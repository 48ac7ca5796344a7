// SPDX-License-Identifier: MIT
//
// Fuzz target: ClassifyResponse (src/xero/classify.cc) over fuzzed HTTP answers.
//
// Input, as text (fuzz/corpus/xero_response/ holds answers from xero-facts.md):
//   line 1   "<METHOD> <status>"  e.g. "PUT 200", or "<METHOD> !<error> <message>"
//            for a transfer without an answer, e.g. "POST !timeout no data for 60 s"
//   lines    "Name: value" response headers, up to an empty line
//   rest     the body
// Invariants, from the table in xerod/xero_client.h and docs/xero-client.md:
//   - no answer: kNotSent is kTransient; kNoAnswer is kUnknown for a write and
//     kTransient for a read; the reason names the error;
//   - 2xx: kOk, unless the body is not JSON (kBadAnswer: kTransient for a read,
//     kUnknown for a write); 429: kTransient/kRateLimited, retry_after as
//     Retry-After within 0..2 days; 5xx, 408, 412: kTransient/kServerError;
//     401: kConnection with a token or scope failure; 403: kConnection/kForbidden;
//     any other status: kPermanent (kNotFound exactly for 404) with a message
//     whenever the body says anything;
//   - status, request_id and headers are the response's; messages are not
//     empty strings and, for kOk/kPermanent, not repeated;
//   - elements are numbered 0..n-1 like the body's collection, and an element
//     with validation errors is never ok;
//   - classifying the same response twice gives the same result.
#include <charconv>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "xerod/xero_client.h"

namespace xerod {
namespace {

using fuzz::Shown;

struct Input {
  HttpMethod method = HttpMethod::kGet;
  HttpResponse response;
};

HttpMethod MethodOf(std::string_view word) {
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost, HttpMethod::kPut, HttpMethod::kPatch,
                       HttpMethod::kDelete, HttpMethod::kHead}) {
    if (word == ToString(m)) return m;
  }
  return word.size() % 2 == 0 ? HttpMethod::kGet : HttpMethod::kPut;
}

HttpError ErrorOf(std::string_view word) {
  for (HttpError e : {HttpError::kConnectFailed, HttpError::kConnectTimeout, HttpError::kTimeout,
                      HttpError::kTlsVerify, HttpError::kAborted}) {
    if (word == ToString(e)) return e;
  }
  return HttpError::kOther;
}

Input Decode(std::string_view text) {
  Input in;
  std::string_view first = fuzz::TakeLine(text);
  std::size_t sp = first.find(' ');
  in.method = MethodOf(first.substr(0, sp));
  std::string_view rest = sp == std::string_view::npos ? "" : first.substr(sp + 1);
  if (!rest.empty() && rest[0] == '!') {
    std::size_t end = rest.find(' ');
    in.response.error = ErrorOf(rest.substr(1, end == std::string_view::npos ? end : end - 1));
    in.response.error_message =
        std::string(end == std::string_view::npos ? "" : rest.substr(end + 1));
  } else {
    std::from_chars(rest.data(), rest.data() + rest.size(), in.response.status);
  }
  while (!text.empty()) {
    std::string_view line = fuzz::TakeLine(text);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    in.response.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  in.response.body = std::string(text);
  if (!in.response.ok()) {
    in.response.status = 0;
    in.response.headers.Clear();
    in.response.body.clear();
  }
  return in;
}

std::string Describe(const XeroResult& r) {
  std::string s = std::string(ToString(r.result_class)) + "/" + std::string(ToString(r.failure)) +
                  " " + std::to_string(r.status) + " [" + r.collection + "] " + r.reason + " |";
  for (const std::string& m : r.messages) s += " " + m + " |";
  for (const XeroElement& e : r.elements) {
    s += " #" + std::to_string(e.index) + (e.ok ? "ok" : "failed");
    for (const std::string& m : e.errors) s += " E:" + m;
    for (const std::string& m : e.warnings) s += " W:" + m;
  }
  if (r.retry_after) s += " retry_after=" + std::to_string(r.retry_after->count());
  if (r.connection_state) s += " state set";
  return s + " id=" + r.request_id +
         " body=" + r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void CheckNoAnswer(const Input& in, const XeroResult& r, bool read) {
  const std::string shown = Shown(Describe(r));
  bool not_sent =
      in.response.error == HttpError::kConnectFailed || in.response.error == HttpError::kTlsVerify;
  if (not_sent) {
    FUZZ_CHECK(r.failure == XeroFailure::kNotSent, shown);
  } else {
    FUZZ_CHECK(r.failure == XeroFailure::kNoAnswer, shown);
  }
  bool unknown = r.failure == XeroFailure::kNoAnswer && !read;
  FUZZ_CHECK(r.result_class == (unknown ? XeroResultClass::kUnknown : XeroResultClass::kTransient),
             shown);
  FUZZ_CHECK(r.reason.starts_with(std::string(ToString(in.response.error))), shown);
  FUZZ_CHECK(r.status == 0 && r.elements.empty() && r.body.is_null(), shown);
}

void CheckAnswer(const Input& in, const XeroResult& r, bool read) {
  const std::string shown = Shown(Describe(r));
  const HttpResponse& resp = in.response;
  const int s = resp.status;
  const bool unparsable = !resp.body.empty() && r.body.is_null();
  FUZZ_CHECK(r.headers.fields().size() == resp.headers.fields().size(), shown);
  auto id = resp.headers.Get("Xero-Correlation-Id");
  FUZZ_CHECK(r.request_id == std::string(id.value_or("")), shown);
  if (s >= 200 && s < 300) {
    if (unparsable) {
      FUZZ_CHECK(r.failure == XeroFailure::kBadAnswer, shown);
      FUZZ_CHECK(r.result_class == (read ? XeroResultClass::kTransient : XeroResultClass::kUnknown),
                 shown);
    } else {
      FUZZ_CHECK(r.ok() && r.failure == XeroFailure::kNone, shown);
    }
  } else if (s == 429) {
    FUZZ_CHECK(
        r.result_class == XeroResultClass::kTransient && r.failure == XeroFailure::kRateLimited,
        shown);
    if (r.retry_after) {
      FUZZ_CHECK(*r.retry_after >= Duration(0) && *r.retry_after <= std::chrono::hours(48), shown);
    }
    std::string after(resp.headers.Get("Retry-After").value_or("x"));
    bool digits = after.find_first_not_of("0123456789") == std::string::npos;
    if (digits && !after.empty() && after.size() < 18) FUZZ_CHECK(r.retry_after.has_value(), shown);
  } else if (s >= 500 || s == 408 || s == 412) {
    FUZZ_CHECK(
        r.result_class == XeroResultClass::kTransient && r.failure == XeroFailure::kServerError,
        shown);
  } else if (s == 401) {
    FUZZ_CHECK(
        r.result_class == XeroResultClass::kConnection &&
            (r.failure == XeroFailure::kMissingScope || r.failure == XeroFailure::kTokenExpired ||
             r.failure == XeroFailure::kTokenRejected) &&
            !r.messages.empty(),
        shown);
  } else if (s == 403) {
    FUZZ_CHECK(r.result_class == XeroResultClass::kConnection &&
                   r.failure == XeroFailure::kForbidden && !r.messages.empty(),
               shown);
  } else {
    FUZZ_CHECK(r.result_class == XeroResultClass::kPermanent, shown);
    FUZZ_CHECK((r.failure == XeroFailure::kNotFound) == (s == 404), shown);
    FUZZ_CHECK(r.failure == XeroFailure::kNotFound || r.failure == XeroFailure::kValidation ||
                   r.failure == XeroFailure::kRejected,
               shown);
    if (!resp.body.empty() && !r.body.is_object()) FUZZ_CHECK(!r.messages.empty(), shown);
  }
  FUZZ_CHECK(r.ok() == (s >= 200 && s < 300 && !unparsable), shown);
  // Per-element results mirror the collection they came from (whose name may be "").
  if (!r.elements.empty()) {
    FUZZ_CHECK(r.body.is_object() && r.body.contains(r.collection) &&
                   r.body[r.collection].is_array() &&
                   r.body[r.collection].size() == r.elements.size(),
               shown);
  } else {
    FUZZ_CHECK(r.collection.empty(), shown);
  }
  for (std::size_t i = 0; i < r.elements.size(); ++i) {
    const XeroElement& e = r.elements[i];
    FUZZ_CHECK(e.index == i, shown);
    if (!e.errors.empty()) FUZZ_CHECK(!e.ok, shown);
    for (const std::string& m : e.errors) FUZZ_CHECK(!m.empty(), shown);
  }
}

}  // namespace
}  // namespace xerod

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xerod;
  const Input in = Decode(std::string_view(reinterpret_cast<const char*>(data), size));
  const bool read = in.method == HttpMethod::kGet || in.method == HttpMethod::kHead;

  XeroResult r = ClassifyResponse(in.method, in.response);
  FUZZ_CHECK(r.status == in.response.status, Shown(Describe(r)));
  FUZZ_CHECK(!r.reason.empty() || r.ok(), Shown(Describe(r)));
  for (const std::string& m : r.messages) FUZZ_CHECK(!m.empty(), Shown(Describe(r)));
  if (r.result_class == XeroResultClass::kOk || r.result_class == XeroResultClass::kPermanent) {
    std::set<std::string> seen(r.messages.begin(), r.messages.end());
    FUZZ_CHECK(seen.size() == r.messages.size(), "repeated message: " + Shown(Describe(r)));
  }
  FUZZ_CHECK(!r.connection_state.has_value(), "ClassifyResponse has no connection to set");
  if (in.response.ok()) {
    CheckAnswer(in, r, read);
  } else {
    CheckNoAnswer(in, r, read);
  }
  XeroResult again = ClassifyResponse(in.method, in.response);
  FUZZ_CHECK(Describe(again) == Describe(r), "not deterministic: " + Shown(Describe(r)));
  return 0;
}
