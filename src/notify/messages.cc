// SPDX-License-Identifier: MIT
// The wording says what people need to be told: which connection, why in a
// bookkeeper's words, since when, what stops, that nothing is lost, and the
// exact commands (as src/ctl defines them: `connection connect|check NAME`,
// `job retry ID`, `job retry --all-failed --connection NAME`,
// `job list --state dead --connection NAME`).
#include "notify/messages.h"

#include <algorithm>
#include <optional>

#include "mail/message.h"
#include "notify/mail_body.h"

namespace xerod::notify {
namespace {

std::string Count(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "acme (Acme Ltd)", or "acme" without an organisation name.
std::string Label(std::string_view connection, std::string_view organisation) {
  std::string label = OneLine(connection);
  if (!organisation.empty()) label += " (" + OneLine(organisation) + ")";
  return label;
}

// How the organisation is named in a sentence.
std::string Organisation(const ConnectionFacts& f) {
  return f.organisation.empty() ? "the Xero organisation of connection " + f.connection
                                : f.organisation;
}

// The mail, its subject one line whatever the inputs held.
MailMessage Message(std::string_view subject, const MailBody& body) {
  MailMessage m;
  m.subject = OneLine(subject);
  m.body = body.Text();
  m.html = body.Html(m.subject);
  return m;
}

std::string ProblemName(Problem p) {
  switch (p) {
    case Problem::kExpired:
      return "the authorisation has expired";
    case Problem::kRevoked:
      return "access was revoked";
    case Problem::kDisconnected:
      return "the organisation was disconnected";
    case Problem::kMissingScope:
      return "a permission is missing";
    case Problem::kUnreachable:
      return "Xero is not answering";
  }
  return "unknown";
}

Spans Why(const ConnectionFacts& f) {
  const std::string org = Organisation(f);
  switch (f.problem) {
    case Problem::kExpired:
      return {{"Xero no longer accepts xerod's authorisation for " + org +
               ": it has expired. Xero ends an authorisation that has not been used for 60 "
               "days, and one that was revoked, for example when the app was disconnected in "
               "Xero or the Xero user who connected it lost access."}};
    case Problem::kRevoked:
      return {{"xerod's access to " + org +
               " was revoked: the authorisation it was given has been withdrawn, in Xero or "
               "with "},
              Code(f.ctl + " connection disconnect " + f.connection),
              {". xerod cannot reach the organisation until someone connects it again."}};
    case Problem::kDisconnected:
      return {{org + " is no longer connected to xerod. Either someone disconnected the app inside "
                     "Xero (Settings → Connected apps), or the organisation's Xero subscription "
                     "has lapsed or been cancelled; if so, renew it in Xero first."}};
    case Problem::kMissingScope:
      return {{"xerod is connected to " + org +
               ", but the permission Xero gave it lacks something xerod needs to copy invoices "
               "and payments (for example access to invoices, payments or contacts). This "
               "happens when the connection was made with fewer permissions than xerod asks "
               "for now."}};
    case Problem::kUnreachable: {
      std::string checks = f.failed_checks > 0
                               ? "xerod's last " + Count(f.failed_checks, "check", "checks")
                               : std::string("xerod's recent checks");
      return {{"Xero has not answered " + checks + " for " + org +
               ". This is usually an outage at Xero or a network problem between this server "
               "and Xero; the connection itself may be fine. xerod keeps trying."}};
    }
  }
  return {};
}

// "none", "1 invoice or payment", "12 invoices and payments".
std::string WaitingCount(std::int64_t n) {
  if (n <= 0) return "none";
  return n == 1 ? "1 invoice or payment" : std::to_string(n) + " invoices and payments";
}

std::string Waiting(std::int64_t n) {
  if (n <= 0) return "Nothing is waiting for this connection at the moment.";
  return n == 1 ? "1 invoice or payment is waiting."
                : std::to_string(n) + " invoices and payments are waiting.";
}

Spans ConnectStep(const ConnectionFacts& f, bool all_permissions) {
  const std::string org = Organisation(f);
  return {{"On the xerod server, run "},
          Code(f.ctl + " connection connect " + f.connection),
          {" and follow what it prints: sign in to Xero in the browser as a user who may "
           "connect apps to " +
           org + ", choose " + org +
           (all_permissions ? ", and click Allow access for every permission Xero lists."
                            : ", and click Allow access.") +
           " If the browser runs on another computer, add "},
          Code("--paste"),
          {"."}};
}

Spans CheckStep(const ConnectionFacts& f) {
  return {{"Check it with "},
          Code(f.ctl + " connection check " + f.connection),
          {". The waiting invoices and payments are then copied on their own."}};
}

// "What to do", per problem. Disconnected and revoked connections are best
// disconnected fully in Xero before connecting again: both sides keep
// connection details, and sometimes only one of them broke.
void WhatToDo(const ConnectionFacts& f, MailBody& body) {
  const std::string org = Organisation(f);
  switch (f.problem) {
    case Problem::kRevoked:
    case Problem::kDisconnected:
      body.Paragraph(
          {{"Xero and xerod both keep details of a connection, and sometimes only "
            "one side is broken, so disconnect fully and connect again from scratch:"}});
      body.Steps({
          {{"Sign in to Xero at https://my.xero.com as you normally would."}},
          {{"Click the organisation name (" + org +
            ") at the top left, choose Settings, then Connected apps."}},
          {{"Find the app xerod uses in the list and click Disconnect next to it. If it is "
            "listed more than once, disconnect every entry."}},
          {{"Log out of Xero completely."}},
          ConnectStep(f, false),
          CheckStep(f),
      });
      break;
    case Problem::kExpired:
    case Problem::kMissingScope:
      body.Steps({ConnectStep(f, f.problem == Problem::kMissingScope), CheckStep(f)});
      body.Paragraph(
          {{"If connecting again does not help, disconnect the app fully in Xero "
            "first (Settings → Connected apps → Disconnect, every entry of it), log "
            "out of Xero, and connect again."}});
      break;
    case Problem::kUnreachable:
      body.Steps({
          {{"Usually nothing: xerod keeps checking and copies what is waiting as soon as Xero "
            "answers again."}},
          {{"If it goes on, look for an outage at https://status.xero.com and check that this "
            "server can reach api.xero.com and identity.xero.com."}},
          {{"To check again now, run "}, Code(f.ctl + " connection check " + f.connection), {"."}},
          {{"If Xero answers but the connection still fails, connect again with "},
           Code(f.ctl + " connection connect " + f.connection),
           {"."}},
      });
      break;
  }
}

// Lost, or Reminder when `now` is set.
MailMessage Broken(const ConnectionFacts& f, std::optional<TimePoint> now) {
  const std::string label = Label(f.connection, f.organisation);
  const bool unreachable = f.problem == Problem::kUnreachable;
  const std::string since = FormatUtc(f.since);
  const std::string duration = now ? FormatDuration(*now - f.since) : std::string();
  MailBody body;
  std::string subject;
  if (!now) {
    subject = (unreachable ? "Xero not answering: " : "Xero connection lost: ") + label;
    body.Paragraph(
        {{unreachable ? "Xero has stopped answering xerod for the connection " + label + " since " +
                            since + "."
                      : "The Xero connection " + label + " stopped working on " + since + "."}});
  } else {
    subject = (unreachable ? "Xero still not answering: " : "Xero connection still broken: ") +
              label + " since " + since.substr(5, 11);  // "03 Mar 2026"
    body.Paragraph(
        {{(unreachable ? "Xero is still not answering xerod for the connection " + label + "."
                       : "The Xero connection " + label + " is still not working.") +
          " It has been broken for " + duration + ", since " + since + "."}});
  }
  body.Facts({
      {"Connection", {{f.connection}}},
      {"Xero organisation", {{f.organisation}}},
      {"Organisation id", {{f.tenant_id}}},
      {"Problem", {{ProblemName(f.problem)}}},
      {"Details", {{f.reason}}},
      {"Broken since", {{since}}},
      {"Broken for", {{duration}}},  // left out of Lost (empty)
      {"Waiting", {{WaitingCount(f.waiting)}}},
  });
  body.Heading("Why");
  body.Paragraph(Why(f));
  body.Heading("What this means");
  body.Paragraph(
      {{"Until this is fixed, xerod does not copy invoices or payments of this "
        "connection to Xero. They wait in xerod: nothing is lost, and they are "
        "copied as soon as the connection works again. " +
        Waiting(f.waiting)}});
  body.Heading("What to do");
  WhatToDo(f, body);
  body.Paragraph(
      {{"xerod reminds you while the connection stays broken and tells you when it "
        "works again."}});
  return Message(subject, body);
}

std::string DocumentName(const FailedCopy& c) {
  std::string name;
  if (c.kind == "invoice") {
    name = c.number.empty() ? "Invoice without a number" : "Invoice " + c.number;
  } else if (c.kind == "payment") {
    name = c.number.empty() ? "Payment" : "Payment for invoice " + c.number;
  } else {
    name = (c.kind.empty() ? std::string("Document") : c.kind) +
           (c.number.empty() ? "" : " " + c.number);
  }
  return name + " (job " + std::to_string(c.job_id) + ")";
}

// "3 invoices", "1 invoice and 2 payments", or "5 invoices and payments" when
// the kinds of some are not known (not listed).
std::string FailedCount(const DigestFacts& f) {
  const auto listed = static_cast<std::int64_t>(f.failed.size());
  const std::int64_t total = std::max(f.total, listed);
  auto count = [&](std::string_view kind) {
    return std::count_if(f.failed.begin(), f.failed.end(),
                         [&](const FailedCopy& c) { return c.kind == kind; });
  };
  const std::int64_t invoices = count("invoice");
  const std::int64_t payments = count("payment");
  if (total == listed && invoices + payments == listed) {
    if (payments == 0) return Count(invoices, "invoice", "invoices");
    if (invoices == 0) return Count(payments, "payment", "payments");
    return Count(invoices, "invoice", "invoices") + " and " +
           Count(payments, "payment", "payments");
  }
  return total == 1 ? "1 invoice or payment" : std::to_string(total) + " invoices and payments";
}

}  // namespace

std::string FormatUtc(TimePoint t) {
  // "Tue, 03 Mar 2026 14:05:09 +0000" (fixed width) without seconds and zone.
  return mail::FormatDate(t).substr(0, 22) + " UTC";
}

std::string FormatDuration(Duration d) {
  const std::int64_t minutes = std::max<std::int64_t>(d.count(), 0) / 60'000;
  if (minutes == 0) return "less than a minute";
  const std::int64_t days = minutes / 1440;
  const std::int64_t hours = minutes % 1440 / 60;
  const std::int64_t rest = minutes % 60;
  // Two units at most: "3 days 4 hours", not "3 days 4 hours 5 minutes".
  if (days > 0) {
    return Count(days, "day", "days") + (hours > 0 ? " " + Count(hours, "hour", "hours") : "");
  }
  if (hours > 0) {
    return Count(hours, "hour", "hours") + (rest > 0 ? " " + Count(rest, "minute", "minutes") : "");
  }
  return Count(rest, "minute", "minutes");
}

MailMessage Lost(const ConnectionFacts& facts) { return Broken(facts, std::nullopt); }

MailMessage Reminder(const ConnectionFacts& facts, TimePoint now) { return Broken(facts, now); }

MailMessage Restored(const ConnectionFacts& f, TimePoint now) {
  const std::string label = Label(f.connection, f.organisation);
  MailBody body;
  body.Paragraph({{"The Xero connection " + label + " works again."}});
  body.Facts({
      {"Connection", {{f.connection}}},
      {"Xero organisation", {{f.organisation}}},
      {"Problem was", {{ProblemName(f.problem)}}},
      {"Broken since", {{FormatUtc(f.since)}}},
      {"Working again", {{FormatUtc(now)}}},
      {"Broken for", {{FormatDuration(now - f.since)}}},
  });
  std::string waiting =
      f.waiting <= 0   ? "Nothing was waiting for it."
      : f.waiting == 1 ? "The 1 invoice or payment that was waiting will now be copied to Xero."
                       : "The " + std::to_string(f.waiting) +
                             " invoices and payments that were waiting will now be copied to Xero.";
  body.Paragraph({{waiting + " Nothing needs to be done."}});
  return Message("Xero connection restored: " + label, body);
}

MailMessage Digest(const DigestFacts& f) {
  const std::string label = Label(f.connection, f.organisation);
  const std::string what = FailedCount(f);
  const std::string list = f.ctl + " job list --state dead --connection " + f.connection;
  MailBody body;
  body.Paragraph({{"Between " + FormatUtc(f.window_start) + " and " + FormatUtc(f.window_end) +
                   ", " + what + " could not be copied to Xero for the connection " + label +
                   ". xerod tried and has stopped: they are not retried on their own. Fix what "
                   "Xero objected to (in your invoicing system, or in Xero, for example an "
                   "account code, tax rate or contact), then retry them."}});
  std::vector<std::vector<Spans>> rows;
  const std::size_t listed = std::min(f.failed.size(), kMaxListed);
  for (std::size_t i = 0; i < listed; ++i) {
    const FailedCopy& c = f.failed[i];
    rows.push_back({{{DocumentName(c)}},
                    {{c.client}},
                    {{c.reason}},
                    {{c.hint}},
                    {Code(f.ctl + " job retry " + std::to_string(c.job_id))}});
  }
  if (!rows.empty()) {
    body.Table({"Document", "Client", "Reason", "What to fix", "Retry"}, std::move(rows));
  }
  const std::int64_t total = std::max(f.total, static_cast<std::int64_t>(f.failed.size()));
  if (const std::int64_t more = total - static_cast<std::int64_t>(listed); more > 0) {
    if (listed > 0) {
      body.Paragraph({{"and " + std::to_string(more) + " more ("}, Code(list), {")"}});
    } else {
      body.Paragraph({{"List them with "}, Code(list), {"."}});
    }
  }
  body.Heading("How to retry");
  body.Facts({
      {"One job", {Code(f.ctl + " job retry ID")}},
      {"All of them", {Code(f.ctl + " job retry --all-failed --connection " + f.connection)}},
      {"List them", {Code(list)}},
  });
  body.Paragraph(
      {{"A retried copy that Xero refuses again is reported in a later mail like "
        "this one."}});
  return Message(what + " could not be copied to Xero: " + label, body);
}

}  // namespace xerod::notify
