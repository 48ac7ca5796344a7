// SPDX-License-Identifier: MIT
// An HttpClient that records requests and lets the test answer them.
#pragma once

#include <deque>
#include <string>
#include <utility>

#include "xerod/http_client.h"

namespace xerod::testing {

class FakeHttpClient final : public HttpClient {
 public:
  struct Pending {
    HttpRequest request;
    HttpCallback done;
  };
  void Send(HttpRequest request, HttpCallback done) override {
    sent_.push_back(request);
    pending_.push_back({std::move(request), std::move(done)});
  }
  void Shutdown() override {}
  std::size_t InFlight() const override { return pending_.size(); }

  // Answers the oldest pending request.
  void Answer(HttpResponse response) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    p.done(std::move(response));
  }
  void AnswerJson(int status, const std::string& body) {
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.headers.Add("Content-Type", "application/json");
    Answer(std::move(r));
  }
  void AnswerError(HttpError error) {
    HttpResponse r;
    r.error = error;
    r.error_message = "injected";
    Answer(std::move(r));
  }
  std::deque<Pending>& pending() { return pending_; }
  const std::deque<HttpRequest>& sent() const { return sent_; }

 private:
  std::deque<Pending> pending_;
  std::deque<HttpRequest> sent_;
};

}  // namespace xerod::testing
