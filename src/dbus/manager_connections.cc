// SPDX-License-Identifier: MIT
//
// The connection and email methods of the Manager: list/show/settings (open to
// everyone), add, connect (begin, complete, await, cancel), check, disconnect
// and the test email (root or the admin group). The Xero work is done by the
// ConnectionManager; this file validates, checks the caller, replies, emits
// ConnectionStateChanged for connections that became usable, and releases the
// jobs parked for them. Unusable transitions arrive from the daemon's token
// manager hook through OnConnectionStateChanged().
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dbus/convert.h"
#include "dbus/guard.h"
#include "dbus/manager.h"
#include "dbus/names.h"
#include "monitor/monitor.h"
#include "notify/outbox.h"
#include "xerod/connection_manager.h"

namespace xerod::dbus {
namespace {

// How long AwaitConnect still answers with a finished connect's outcome.
constexpr auto kConnectOutcomeKept = std::chrono::minutes(10);
constexpr std::size_t kMaxToken = 8192;
constexpr std::size_t kMaxRedirect = 8192;
constexpr std::size_t kMaxAddress = 254;

void Require(Status ok) {
  if (!ok) throw ToDbusError(ok.error());
}

using ConnectionReply = std::shared_ptr<sdbus::Result<VariantMap>>;

}  // namespace

void Manager::RequireConnections() {
  if (connections_.store == nullptr || connections_.manager == nullptr) {
    throw sdbus::Error(kErrorUnavailable, "this xerod runs without connection services");
  }
}

void Manager::RefreshConnectionCount() {
  if (connections_.store == nullptr) return;
  auto all = connections_.store->List();
  if (!all) {
    spdlog::warn("connection count: {}", all.error().message());
    return;
  }
  auto count = static_cast<std::uint32_t>(all->size());
  if (count == connection_count_) return;
  connection_count_ = count;
  emitPropertiesChangedSignal(kManagerInterface, {"ConnectionCount"});
}

std::uint32_t Manager::ConnectionCount() { return connection_count_; }

void Manager::OnConnectionStateChanged(const std::string& name, ConnectionState state,
                                       const std::string& reason) {
  emitConnectionStateChanged(name, std::string(ToString(state)), reason);
  RefreshConnectionCount();
}

void Manager::ConnectionUsable(const std::string& name, const std::string& reason, bool changed) {
  if (connections_.monitor != nullptr) {
    // The monitor owns health: it releases the jobs, signals and tells people.
    connections_.monitor->OnConnected(name, reason);
    RefreshConnectionCount();
    return;
  }
  if (changed) OnConnectionStateChanged(name, ConnectionState::kActive, reason);
  // Jobs parked by a connection-level failure may go again.
  auto holds = queue_.Holds();
  if (!holds) return spdlog::warn("connection {}: holds: {}", name, holds.error().message());
  auto it = holds->find(name);
  if (it == holds->end() || !it->second.parked) return;
  queue_.SetParkedAsync(name, false, "", [name](Result<Hold> hold) {
    if (!hold)
      spdlog::warn("connection {}: unpark: {}", name, hold.error().message());
    else
      spdlog::info("connection {} works again: its parked jobs are released", name);
  });
}

void Manager::ReplyConnection(ConnectionReply reply, Result<ConnectionInfo> info) {
  if (!info) return reply->returnError(ToDbusRemoteError(info.error()));
  auto holds = queue_.Holds();
  VariantMap out = ConnectionToVariants(*info);
  const Hold* hold = nullptr;
  if (holds) {
    auto it = holds->find(info->name);
    if (it != holds->end()) hold = &it->second;
  }
  AddHold(out, hold);
  reply->returnResults(out);
}

// ---- Read-only ----------------------------------------------------------

void Manager::ListConnections(sdbus::Result<std::vector<VariantMap>>&& result) {
  Guarded("ListConnections", [&] {
    RequireConnections();
    auto all = connections_.store->List();
    if (!all) throw ToDbusError(all.error());
    auto holds = queue_.Holds();
    if (!holds) throw ToDbusError(holds.error());
    std::vector<VariantMap> out;
    out.reserve(all->size());
    for (const ConnectionInfo& info : *all) {
      VariantMap row = ConnectionToVariants(info);
      auto it = holds->find(info.name);
      AddHold(row, it == holds->end() ? nullptr : &it->second);
      out.push_back(std::move(row));
    }
    result.returnResults(out);
  });
}

void Manager::ShowConnection(sdbus::Result<VariantMap, std::vector<VariantMap>>&& result,
                             std::string name) {
  Guarded("ShowConnection", [&] {
    RequireConnections();
    Require(CheckName(name, "name"));
    auto info = connections_.store->Get(name);
    if (!info) throw ToDbusError(info.error());
    auto history = connections_.store->History(name);
    if (!history) throw ToDbusError(history.error());
    auto counts = queue_.Counts(name);
    if (!counts) throw ToDbusError(counts.error());
    auto holds = queue_.Holds();
    if (!holds) throw ToDbusError(holds.error());
    VariantMap out = ConnectionToVariants(*info);
    out["settings"] = sdbus::Variant(GetConnectionSettings(name));
    out["job_counts"] = sdbus::Variant(CountsToMap(*counts));
    auto it = holds->find(name);
    AddHold(out, it == holds->end() ? nullptr : &it->second);
    std::vector<VariantMap> events;
    for (const ConnectionEvent& e : *history) events.push_back(ConnectionEventToVariants(e));
    result.returnResults(out, events);
  });
}

VariantMap Manager::GetConnectionSettings(const std::string& name) {
  return Guarded("GetConnectionSettings", [&] {
    Require(CheckName(name, "name"));
    bool configured = false;
    ConnectionSettings settings;
    if (hooks_.connection_settings) settings = hooks_.connection_settings(name, &configured);
    return SettingsToVariants(settings, configured);
  });
}

// ---- Add ------------------------------------------------------------------

void Manager::AddConnection(sdbus::Result<VariantMap>&& result, std::string name,
                            std::string tenant_id, std::string refresh_token) {
  Guarded("AddConnection", [&] {
    RequireAdmin("AddConnection");
    RequireConnections();
    Require(CheckName(name, "name"));
    Require(CheckName(tenant_id, "tenant_id"));
    if (refresh_token.empty() || refresh_token.size() > kMaxToken ||
        refresh_token.find_first_of(" \t\r\n") != std::string::npos) {
      throw sdbus::Error(
          kErrorInvalidArgument,
          fmt::format("refresh_token: must be 1..{} bytes without white space", kMaxToken));
    }
    auto reply = LoopOwned(io_, bus_, std::move(result));
    spdlog::info("connection {}: adding tenant {} from an imported refresh token", name, tenant_id);
    connections_.manager->Add(name, tenant_id, refresh_token,
                              [this, p = poster_, reply, name](Result<ConnectionInfo> info) {
                                p->Complete([this, reply, name, info = std::move(info)] {
                                  if (info)
                                    ConnectionUsable(name, "added", true);
                                  else
                                    spdlog::warn("connection {}: add failed: {}", name,
                                                 info.error().message());
                                  ReplyConnection(reply, info);
                                });
                              });
  });
}

void Manager::AddCustomConnection(sdbus::Result<VariantMap>&& result, std::string name,
                                  std::string tenant_id) {
  Guarded("AddCustomConnection", [&] {
    RequireAdmin("AddCustomConnection");
    RequireConnections();
    Require(CheckName(name, "name"));
    if (!tenant_id.empty()) Require(CheckName(tenant_id, "tenant_id"));
    auto reply = LoopOwned(io_, bus_, std::move(result));
    spdlog::info("connection {}: adding the custom connection's organisation", name);
    connections_.manager->AddCustom(name, tenant_id,
                                    [this, p = poster_, reply, name](Result<ConnectionInfo> info) {
                                      p->Complete([this, reply, name, info = std::move(info)] {
                                        if (info) ConnectionUsable(name, "added (custom)", true);
                                        ReplyConnection(reply, info);
                                      });
                                    });
  });
}

// ---- Connect --------------------------------------------------------------

void Manager::DropStaleConnects() {
  auto now = std::chrono::steady_clock::now();
  std::erase_if(connects_, [&](const auto& entry) {
    const ConnectWait& w = entry.second;
    return w.outcome.has_value() && w.waiters.empty() && now - w.finished_at > kConnectOutcomeKept;
  });
}

std::string Manager::BeginConnect(const std::string& name, const VariantMap& options) {
  return Guarded("BeginConnect", [&] {
    RequireAdmin("BeginConnect");
    RequireConnections();
    Require(CheckName(name, "name"));
    auto parsed = ParseConnectOptions(options);
    if (!parsed) throw ToDbusError(parsed.error());
    DropStaleConnects();
    auto url = connections_.manager->BeginConnect(
        name, *parsed, [this, p = poster_, name](Result<ConnectionInfo> outcome) {
          p->Complete([this, name, outcome = std::move(outcome)] { FinishConnect(name, outcome); });
        });
    if (!url) throw ToDbusError(url.error());
    // A new connect replaces a finished one's outcome; earlier waiters stay.
    ConnectWait& wait = connects_[name];
    wait.outcome.reset();
    spdlog::info("connection {}: connect started (tenant {}, {})", name,
                 parsed->tenant_id.empty() ? "of the user's choice" : parsed->tenant_id,
                 parsed->listen ? "listening for the redirect" : "redirect pasted by hand");
    return *url;
  });
}

void Manager::FinishConnect(const std::string& name, Result<ConnectionInfo> outcome) {
  ConnectWait& wait = connects_[name];
  wait.outcome = outcome;
  wait.finished_at = std::chrono::steady_clock::now();
  auto waiters = std::move(wait.waiters);
  wait.waiters.clear();
  if (outcome) {
    spdlog::info("connection {}: connected to {} ({})", name, outcome->tenant_name,
                 outcome->tenant_id);
    ConnectionUsable(name, "connected", true);
  } else {
    spdlog::warn("connection {}: connect failed: {}", name, outcome.error().message());
  }
  for (auto& reply : waiters) ReplyConnection(reply, outcome);
}

void Manager::CompleteConnect(sdbus::Result<VariantMap>&& result, std::string name,
                              std::string redirect_url) {
  Guarded("CompleteConnect", [&] {
    RequireAdmin("CompleteConnect");
    RequireConnections();
    Require(CheckName(name, "name"));
    if (redirect_url.empty() || redirect_url.size() > kMaxRedirect) {
      throw sdbus::Error(kErrorInvalidArgument,
                         fmt::format("redirect_url: must be 1..{} bytes", kMaxRedirect));
    }
    Require(connections_.manager->CompleteConnect(name, redirect_url));
    // The outcome is posted, never delivered inside CompleteConnect(): wait for it.
    connects_[name].waiters.push_back(LoopOwned(io_, bus_, std::move(result)));
  });
}

void Manager::AwaitConnect(sdbus::Result<VariantMap>&& result, std::string name) {
  Guarded("AwaitConnect", [&] {
    RequireAdmin("AwaitConnect");
    RequireConnections();
    Require(CheckName(name, "name"));
    DropStaleConnects();
    auto it = connects_.find(name);
    if (it == connects_.end()) {
      throw sdbus::Error(kErrorNotFound,
                         fmt::format("no connect for `{}` is pending; start one with "
                                     "`xerod-ctl connection connect {}`",
                                     name, name));
    }
    auto reply = LoopOwned(io_, bus_, std::move(result));
    if (it->second.outcome) return ReplyConnection(reply, *it->second.outcome);
    it->second.waiters.push_back(std::move(reply));
  });
}

void Manager::CancelConnect(const std::string& name) {
  Guarded("CancelConnect", [&] {
    RequireAdmin("CancelConnect");
    RequireConnections();
    Require(CheckName(name, "name"));
    auto it = connects_.find(name);
    if (it == connects_.end() || it->second.outcome) {
      throw sdbus::Error(kErrorNotFound, fmt::format("no connect for `{}` is pending", name));
    }
    // The manager answers the pending connect with "connect cancelled"; the
    // waiters get it through FinishConnect.
    connections_.manager->CancelConnect(name);
  });
}

// ---- Check, disconnect ----------------------------------------------------

void Manager::CheckConnection(sdbus::Result<VariantMap>&& result, std::string name) {
  Guarded("CheckConnection", [&] {
    RequireAdmin("CheckConnection");
    RequireConnections();
    Require(CheckName(name, "name"));
    auto before = connections_.store->Get(name);
    if (!before) throw ToDbusError(before.error());
    auto reply = LoopOwned(io_, bus_, std::move(result));
    if (connections_.monitor != nullptr) {
      connections_.monitor->Check(name, [p = poster_, reply](Result<monitor::CheckReport> r) {
        p->Complete([reply, r = std::move(r)] {
          if (!r) return reply->returnError(ToDbusRemoteError(r.error()));
          VariantMap out = ConnectionToVariants(r->info);
          out["findings"] = sdbus::Variant(r->findings);
          reply->returnResults(out);
        });
      });
      return;
    }
    connections_.manager->Check(
        name, [this, p = poster_, reply, name, was = before->state](Result<ConnectionInfo> info) {
          p->Complete([this, reply, name, was, info = std::move(info)] {
            if (info && info->state == ConnectionState::kActive) {
              ConnectionUsable(name, "check: working again", was != ConnectionState::kActive);
            }
            ReplyConnection(reply, info);
          });
        });
  });
}

void Manager::DisconnectConnection(sdbus::Result<>&& result, std::string name) {
  Guarded("DisconnectConnection", [&] {
    RequireAdmin("DisconnectConnection");
    RequireConnections();
    Require(CheckName(name, "name"));
    auto reply = LoopOwned(io_, bus_, std::move(result));
    spdlog::info("connection {}: disconnecting", name);
    connections_.manager->Disconnect(name, [this, p = poster_, reply, name](Status done) {
      p->Complete([reply, name, done = std::move(done)] {
        if (!done) return reply->returnError(ToDbusRemoteError(done.error()));
        reply->returnResults();
      });
    });
  });
}

// ---- Email ----------------------------------------------------------------

void Manager::SendTestEmail(sdbus::Result<std::string, std::vector<std::string>>&& result,
                            std::string address) {
  Guarded("SendTestEmail", [&] {
    RequireAdmin("SendTestEmail");
    if (!hooks_.send_test_email) {
      throw sdbus::Error(kErrorFailedPrecondition, "this xerod cannot send email");
    }
    if (address.size() > kMaxAddress) {
      throw sdbus::Error(kErrorInvalidArgument,
                         fmt::format("address: longer than {} bytes", kMaxAddress));
    }
    for (char c : address) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        throw sdbus::Error(kErrorInvalidArgument,
                           "address: contains white space or a control character");
      }
    }
    auto reply = LoopOwned(io_, bus_, std::move(result));
    hooks_.send_test_email(address, [this, p = poster_, reply](Result<TestEmailOutcome> sent) {
      p->Complete([reply, sent = std::move(sent)] {
        if (!sent) return reply->returnError(ToDbusRemoteError(sent.error()));
        reply->returnResults(sent->message_id, sent->recipients);
      });
    });
  });
}

// ---- Outbox ----------------------------------------------------------------

std::vector<VariantMap> Manager::ListNotifications(const VariantMap& filter) {
  return Guarded("ListNotifications", [&] {
    RequireAdmin("ListNotifications");
    if (connections_.outbox == nullptr) {
      throw sdbus::Error(kErrorUnavailable, "this xerod runs without an outbox");
    }
    std::optional<notify::NoticeState> state;
    std::int64_t before = 0;
    int limit = 100;
    for (const auto& [key, value] : filter) {
      if (key == "state" && value.containsValueOfType<std::string>()) {
        auto text = value.get<std::string>();
        if (text.empty()) continue;
        state = notify::ParseNoticeState(text);
        if (!state) {
          throw sdbus::Error(
              kErrorInvalidArgument,
              fmt::format("filter.state: unknown state '{}' (queued, sent, failed)", text));
        }
      } else if (key == "before" && value.containsValueOfType<std::int64_t>()) {
        before = value.get<std::int64_t>();
      } else if (key == "limit" && value.containsValueOfType<std::uint32_t>()) {
        auto n = value.get<std::uint32_t>();
        if (n < 1 || n > 1000) {
          throw sdbus::Error(kErrorInvalidArgument, "filter.limit: must be 1..1000");
        }
        limit = static_cast<int>(n);
      } else {
        throw sdbus::Error(
            kErrorInvalidArgument,
            fmt::format("filter.{}: unknown key or wrong type '{}'", key, value.peekValueType()));
      }
    }
    auto list = connections_.outbox->List(state, before, limit);
    if (!list) throw ToDbusError(list.error());
    std::vector<VariantMap> out;
    out.reserve(list->size());
    for (const notify::Notification& n : *list) {
      VariantMap row;
      row["id"] = sdbus::Variant(n.id);
      row["kind"] = sdbus::Variant(std::string(ToString(n.kind)));
      row["connection"] = sdbus::Variant(n.connection);
      row["state"] = sdbus::Variant(std::string(ToString(n.state)));
      row["recipients"] = sdbus::Variant(n.message.to);
      row["subject"] = sdbus::Variant(n.message.subject);
      row["attempts"] = sdbus::Variant(static_cast<std::uint32_t>(n.attempts));
      row["created_at_ms"] = sdbus::Variant(ToUnixMillis(n.created_at));
      row["next_attempt_at_ms"] = sdbus::Variant(ToUnixMillis(n.next_attempt_at));
      row["sent_at_ms"] = sdbus::Variant(n.sent_at ? ToUnixMillis(*n.sent_at) : std::int64_t{0});
      row["last_error"] = sdbus::Variant(n.last_error);
      row["message_id"] = sdbus::Variant(n.message.message_id);
      out.push_back(std::move(row));
    }
    return out;
  });
}

}  // namespace xerod::dbus
