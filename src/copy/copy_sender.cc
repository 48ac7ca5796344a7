// SPDX-License-Identifier: MIT
#include "xerod/copy_sender.h"

#include "copy/batch.h"

namespace xerod {

struct CopySender::Impl {
  Impl(boost::asio::io_context& io, XeroClient& client, Clock& clock, SettingsFn s,
       TenantFn tenant_of, CopyOptions options)
      : context(std::make_shared<copy::SenderContext>(io, client, clock, options,
                                                      std::move(tenant_of))),
        settings(std::move(s)) {}
  std::shared_ptr<copy::SenderContext> context;
  SettingsFn settings;
};

CopySender::CopySender(boost::asio::io_context& io, XeroClient& client, Clock& clock,
                       SettingsFn settings, TenantFn tenant_of, CopyOptions options)
    : impl_(std::make_shared<Impl>(io, client, clock, std::move(settings), std::move(tenant_of),
                                   options)) {}

CopySender::~CopySender() = default;

void CopySender::Send(const std::string& connection, std::vector<Job> jobs,
                      std::function<void(std::vector<JobOutcome>)> done) {
  ConnectionSettings settings =
      impl_->settings ? impl_->settings(connection) : ConnectionSettings{};
  auto batch = std::make_shared<copy::Batch>(impl_->context, connection, std::move(settings),
                                             std::move(jobs), std::move(done));
  batch->Start();
}

CopyStats CopySender::stats() const {
  CopyStats s = impl_->context->stats;
  s.calls += impl_->context->cache.calls();
  return s;
}

std::size_t CopySender::InFlight() const { return impl_->context->in_flight; }

LimiterGate::LimiterGate(RateLimiter& limiter, Clock& clock, TenantFn tenant_of)
    : limiter_(limiter), clock_(clock), tenant_of_(std::move(tenant_of)) {}

std::optional<Duration> LimiterGate::Admit(const std::string& connection, int /*n*/) {
  std::optional<std::string> tenant = tenant_of_ ? tenant_of_(connection) : std::nullopt;
  if (!tenant) return std::nullopt;  // the sender finds out why and parks the connection
  return limiter_.Peek(*tenant, clock_.Now(), 1);
}

}  // namespace xerod
