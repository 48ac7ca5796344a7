// SPDX-License-Identifier: MIT
// Notification mails (src/notify/messages.h): wording per problem, counts,
// escaping, truncation, subject sanitising, and that each mail formats as a
// valid multipart message.
#include "notify/messages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "mail/message.h"
#include "notify/mail_body.h"

namespace xerod::notify {
namespace {
using namespace std::chrono_literals;

// Tue, 03 Mar 2026 14:05:09 UTC
const TimePoint kSince = FromUnixMillis(1772546709'000);

ConnectionFacts Facts(Problem problem) {
  return ConnectionFacts{.connection = "acme",
                         .organisation = "Acme Ltd",
                         .tenant_id = "0c8a1b7e-7c61-4d5b-9d1e-2f3a4b5c6d7e",
                         .problem = problem,
                         .reason = "invalid_grant from identity.xero.com",
                         .since = kSince,
                         .waiting = 12,
                         .failed_checks = 5};
}

// Whitespace runs (line breaks and wrap indents included) as one space, so a
// phrase can be looked for whatever the wrapping.
std::string Flat(const std::string& s) { return std::regex_replace(s, std::regex(R"(\s+)"), " "); }

// Written here, independently of notify::HtmlEscaped.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\'') {
      out += "&#39;";
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The HTML's text: tags removed (character references kept), whitespace flat.
std::string HtmlText(const std::string& html) {
  return Flat(std::regex_replace(html, std::regex("<[^>]*>"), ""));
}

// Fails the test unless `phrase` is in the text body and (escaped) in the HTML.
void ExpectSays(const MailMessage& m, const std::string& phrase) {
  EXPECT_NE(Flat(m.body).find(phrase), std::string::npos) << "text lacks: " << phrase << "\n"
                                                          << m.body;
  EXPECT_NE(HtmlText(m.html).find(Escape(phrase)), std::string::npos)
      << "html lacks: " << phrase << "\n"
      << m.html;
}

void ExpectDoesNotSay(const MailMessage& m, const std::string& phrase) {
  EXPECT_EQ(Flat(m.body).find(phrase), std::string::npos) << "text has: " << phrase;
  EXPECT_EQ(HtmlText(m.html).find(Escape(phrase)), std::string::npos) << "html has: " << phrase;
}

TEST(NotifyFormatTest, UtcDatesAndDurations) {
  EXPECT_EQ(FormatUtc(kSince), "Tue, 03 Mar 2026 14:05 UTC");
  EXPECT_EQ(FormatUtc(FromUnixMillis(0)), "Thu, 01 Jan 1970 00:00 UTC");
  const std::pair<Duration, std::string> cases[] = {
      {0ms, "less than a minute"},
      {59s, "less than a minute"},
      {-5min, "less than a minute"},
      {1min, "1 minute"},
      {45min, "45 minutes"},
      {61min, "1 hour 1 minute"},
      {2h, "2 hours"},
      {2h + 5min, "2 hours 5 minutes"},
      {24h, "1 day"},
      {24h + 30min, "1 day"},
      {3 * 24h + 4h + 5min, "3 days 4 hours"},
  };
  for (const auto& [d, want] : cases) EXPECT_EQ(FormatDuration(d), want) << d.count();
}

TEST(MailBodyTest, OneLineAndHtmlEscaped) {
  EXPECT_EQ(OneLine("a\r\nb\tc\x7f"
                    "d"),
            "a  b c d");
  EXPECT_EQ(OneLine("x\xc2\x85y\xe2\x80\xa8z\xe2\x80\xa9!"), "x y z !");  // NEL, U+2028, U+2029
  EXPECT_EQ(OneLine("Café Zoë — 請求書"), "Café Zoë — 請求書");
  EXPECT_EQ(HtmlEscaped("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
  EXPECT_EQ(HtmlEscaped("Café"), "Café");
}

TEST(MailBodyTest, WrapsTextButNeverACommand) {
  MailBody body;
  std::string words;
  for (int i = 0; i < 40; ++i) words += "wörd" + std::to_string(i) + " ";
  const std::string command = "xerod-ctl job retry --all-failed --connection a-rather-long-name";
  body.Paragraph({{words + "then run "}, Code(command), {", and " + words}});
  body.Steps({{{words}}, {{"run "}, Code(command)}});
  std::string text = body.Text();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    std::string line = text.substr(start, end - start);
    auto columns = std::count_if(line.begin(), line.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    });
    EXPECT_LE(columns, 72) << line;
    start = end + 1;
  }
  EXPECT_EQ(Occurrences(text, command), 2u) << text;
  EXPECT_NE(text.find(command + ","), std::string::npos) << "punctuation glued to the command";
  EXPECT_NE(text.find("\n  1. wörd0 "), std::string::npos) << text;
  // Too long to follow "run" within 72 columns: on a line of its own, whole.
  EXPECT_NE(text.find("\n  2. run\n     " + command + "\n"), std::string::npos) << text;
  EXPECT_EQ(Flat(text), Flat(words + "then run " + command + ", and " + words + " 1. " + words +
                             " 2. run " + command) +
                            " ");
}

struct ProblemCase {
  Problem problem;
  std::string subject;
  std::vector<std::string> says;
  std::vector<std::string> does_not_say;
};

const std::vector<std::string> kFullDisconnect = {
    "https://my.xero.com", "choose Settings, then Connected apps",
    "If it is listed more than once, disconnect every entry.", "Log out of Xero completely."};

TEST(LostTest, EachProblemSaysWhyAndWhatToDo) {
  const ProblemCase cases[] = {
      {Problem::kExpired,
       "Xero connection lost: acme (Acme Ltd)",
       {"the authorisation has expired", "has not been used for 60 days", "revoked",
        "xerod-ctl connection connect acme", "If connecting again does not help"},
       kFullDisconnect},
      {Problem::kRevoked,
       "Xero connection lost: acme (Acme Ltd)",
       {"access was revoked", "xerod's access to Acme Ltd was revoked",
        "xerod-ctl connection connect acme", "disconnect fully and connect again from scratch",
        "Click the organisation name (Acme Ltd) at the top left"},
       {"60 days"}},
      {Problem::kDisconnected,
       "Xero connection lost: acme (Acme Ltd)",
       {"the organisation was disconnected", "someone disconnected the app inside Xero",
        "subscription has lapsed", "xerod-ctl connection connect acme",
        "disconnect fully and connect again from scratch"},
       {"60 days"}},
      {Problem::kMissingScope,
       "Xero connection lost: acme (Acme Ltd)",
       {"a permission is missing", "lacks something xerod needs",
        "click Allow access for every permission Xero lists", "xerod-ctl connection connect acme"},
       kFullDisconnect},
      {Problem::kUnreachable,
       "Xero not answering: acme (Acme Ltd)",
       {"Xero is not answering", "Xero has not answered xerod's last 5 checks for Acme Ltd",
        "xerod keeps trying", "https://status.xero.com", "xerod-ctl connection check acme"},
       {"Log out of Xero completely.", "60 days", "subscription"}},
  };
  for (const ProblemCase& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.problem));
    MailMessage m = Lost(Facts(c.problem));
    EXPECT_TRUE(m.to.empty());
    EXPECT_EQ(m.subject, c.subject);
    for (const std::string& phrase : c.says) ExpectSays(m, phrase);
    for (const std::string& phrase : c.does_not_say) ExpectDoesNotSay(m, phrase);
    // Every Lost mail: which, why (Xero's words), since when, what stops, how many wait.
    ExpectSays(m, "acme");
    ExpectSays(m, "Acme Ltd");
    ExpectSays(m, "0c8a1b7e-7c61-4d5b-9d1e-2f3a4b5c6d7e");
    ExpectSays(m, "invalid_grant from identity.xero.com");
    ExpectSays(m, "Tue, 03 Mar 2026 14:05 UTC");
    ExpectSays(m, "xerod does not copy invoices or payments of this connection to Xero");
    ExpectSays(m, "nothing is lost");
    ExpectSays(m, "12 invoices and payments are waiting.");
    EXPECT_NE(Flat(m.body).find("Waiting: 12 invoices and payments"), std::string::npos);
    EXPECT_NE(m.html.find(">Waiting</th><td"), std::string::npos);
    EXPECT_NE(m.html.find(">12 invoices and payments</td>"), std::string::npos);
    ExpectSays(m, "xerod-ctl connection check acme");
    ExpectDoesNotSay(m, "Broken for");
  }
  // Without failed_checks, no made-up number.
  ConnectionFacts f = Facts(Problem::kUnreachable);
  f.failed_checks = 0;
  ExpectSays(Lost(f), "Xero has not answered xerod's recent checks for Acme Ltd");
}

TEST(LostTest, FullDisconnectStepsAreInOrderForDisconnectedAndRevoked) {
  for (Problem p : {Problem::kDisconnected, Problem::kRevoked}) {
    std::string text = Flat(Lost(Facts(p)).body);
    std::size_t at = 0;
    for (const char* step :
         {"1. Sign in to Xero at https://my.xero.com", "2. Click the organisation name",
          "3. Find the app xerod uses", "4. Log out of Xero completely.",
          "5. On the xerod server, run xerod-ctl connection connect acme",
          "6. Check it with xerod-ctl connection check acme"}) {
      std::size_t next = text.find(step, at);
      EXPECT_NE(next, std::string::npos) << step << "\n" << text;
      if (next != std::string::npos) at = next;
    }
  }
}

TEST(LostTest, WaitingCountsAndCommandName) {
  const std::pair<std::int64_t, std::string> cases[] = {
      {0, "Nothing is waiting for this connection at the moment."},
      {1, "1 invoice or payment is waiting."},
      {2, "2 invoices and payments are waiting."},
      {1234, "1234 invoices and payments are waiting."},
  };
  for (const auto& [n, phrase] : cases) {
    ConnectionFacts f = Facts(Problem::kExpired);
    f.waiting = n;
    ExpectSays(Lost(f), phrase);
  }
  ConnectionFacts f = Facts(Problem::kExpired);
  f.ctl = "/usr/bin/xerod-ctl --system";
  f.organisation.clear();
  MailMessage m = Lost(f);
  EXPECT_EQ(m.subject, "Xero connection lost: acme");
  ExpectSays(m, "/usr/bin/xerod-ctl --system connection connect acme");
  ExpectSays(m, "the Xero organisation of connection acme");
  ExpectDoesNotSay(m, "xerod-ctl connection connect");
}

TEST(ReminderTest, SaysHowLongItHasBeenBroken) {
  const TimePoint now = kSince + 3 * 24h + 4h + 5min;
  MailMessage m = Reminder(Facts(Problem::kDisconnected), now);
  EXPECT_EQ(m.subject, "Xero connection still broken: acme (Acme Ltd) since 03 Mar 2026");
  ExpectSays(m,
             "is still not working. It has been broken for 3 days 4 hours, since Tue, 03 Mar "
             "2026 14:05 UTC.");
  ExpectSays(m, "Broken for");
  ExpectSays(m, "12 invoices and payments are waiting.");
  ExpectSays(m, "xerod-ctl connection connect acme");
  ExpectSays(m, "Log out of Xero completely.");

  MailMessage u = Reminder(Facts(Problem::kUnreachable), kSince + 90min);
  EXPECT_EQ(u.subject, "Xero still not answering: acme (Acme Ltd) since 03 Mar 2026");
  ExpectSays(u, "It has been broken for 1 hour 30 minutes");
}

TEST(RestoredTest, SaysHowManyWaitingDocumentsWillNowGo) {
  const std::pair<std::int64_t, std::string> cases[] = {
      {0, "Nothing was waiting for it."},
      {1, "The 1 invoice or payment that was waiting will now be copied to Xero."},
      {12, "The 12 invoices and payments that were waiting will now be copied to Xero."},
  };
  for (const auto& [n, phrase] : cases) {
    ConnectionFacts f = Facts(Problem::kExpired);
    f.waiting = n;
    MailMessage m = Restored(f, kSince + 26h);
    EXPECT_EQ(m.subject, "Xero connection restored: acme (Acme Ltd)");
    ExpectSays(m, phrase);
    ExpectSays(m, "The Xero connection acme (Acme Ltd) works again.");
    ExpectSays(m, "1 day 2 hours");
    ExpectSays(m, "Wed, 04 Mar 2026 16:05 UTC");
    ExpectDoesNotSay(m, "connection connect");
  }
}

FailedCopy Invoice(std::int64_t id, std::string number, std::string client) {
  return FailedCopy{.job_id = id,
                    .kind = "invoice",
                    .number = std::move(number),
                    .client = std::move(client),
                    .reason = "Account code '200' is not a valid code for this document.",
                    .hint = "Set revenue_account for acme, or give the item a sales account."};
}

DigestFacts Digest3() {
  return DigestFacts{.connection = "acme",
                     .organisation = "Acme Ltd",
                     .window_start = kSince,
                     .window_end = kSince + 10min,
                     .failed = {Invoice(101, "INV-0042", "Bright Ideas Ltd"),
                                Invoice(102, "", ""),
                                {.job_id = 103,
                                 .kind = "payment",
                                 .number = "INV-0007",
                                 .client = "Zoë & Co",
                                 .reason = "Payment amount exceeds the amount outstanding on "
                                           "this document",
                                 .hint = ""}},
                     .total = 3};
}

TEST(DigestTest, ListsEachFailureWithWhatToFixAndHowToRetry) {
  MailMessage m = Digest(Digest3());
  EXPECT_EQ(m.subject, "2 invoices and 1 payment could not be copied to Xero: acme (Acme Ltd)");
  ExpectSays(m, "Between Tue, 03 Mar 2026 14:05 UTC and Tue, 03 Mar 2026 14:15 UTC");
  ExpectSays(m, "Invoice INV-0042 (job 101)");
  ExpectSays(m, "Bright Ideas Ltd");
  ExpectSays(m, "Account code '200' is not a valid code for this document.");
  ExpectSays(m, "Set revenue_account for acme, or give the item a sales account.");
  ExpectSays(m, "xerod-ctl job retry 101");
  ExpectSays(m, "Invoice without a number (job 102)");
  ExpectSays(m, "Payment for invoice INV-0007 (job 103)");
  ExpectSays(m, "Zoë & Co");
  ExpectSays(m, "Payment amount exceeds the amount outstanding on this document");
  ExpectSays(m, "xerod-ctl job retry 103");
  ExpectSays(m, "xerod-ctl job retry ID");
  ExpectSays(m, "xerod-ctl job retry --all-failed --connection acme");
  ExpectSays(m, "xerod-ctl job list --state dead --connection acme");
  ExpectDoesNotSay(m, "more (");
  // In text each failure is an entry; fields that are empty are left out.
  EXPECT_NE(m.body.find("  - Invoice INV-0042 (job 101)\n      Client: Bright Ideas Ltd\n"
                        "      Reason: Account code '200' is not a valid code for this document.\n"
                        "      What to fix: Set revenue_account for acme, or give the item a\n"
                        "        sales account.\n"
                        "      Retry: xerod-ctl job retry 101\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("  - Invoice without a number (job 102)\n      Reason: "),
            std::string::npos)
      << m.body;
  EXPECT_EQ(Occurrences(m.body, "What to fix:"), 2u) << m.body;
  // In HTML a table: header and three rows.
  EXPECT_EQ(Occurrences(m.html, "<tr>"), 4u + 3u) << m.html;  // + the three "How to retry" rows
}

TEST(DigestTest, SubjectCountsByKind) {
  auto subject = [](std::vector<FailedCopy> failed, std::int64_t total) {
    DigestFacts f = Digest3();
    f.failed = std::move(failed);
    f.total = total;
    return Digest(f).subject;
  };
  const FailedCopy inv = Invoice(1, "INV-1", "C");
  FailedCopy pay = inv;
  pay.kind = "payment";
  const std::string tail = " could not be copied to Xero: acme (Acme Ltd)";
  EXPECT_EQ(subject({inv}, 1), "1 invoice" + tail);
  EXPECT_EQ(subject({inv, inv, inv}, 3), "3 invoices" + tail);
  EXPECT_EQ(subject({pay, pay}, 2), "2 payments" + tail);
  EXPECT_EQ(subject({inv, pay}, 2), "1 invoice and 1 payment" + tail);
  EXPECT_EQ(subject({inv}, 5), "5 invoices and payments" + tail);  // 4 not listed: kinds unknown
  EXPECT_EQ(subject({inv, inv}, 0), "2 invoices" + tail);          // total < listed: counts listed
  EXPECT_EQ(subject({}, 1), "1 invoice or payment" + tail);
}

TEST(DigestTest, ListsAtMost200ThenHowManyMore) {
  struct Case {
    std::size_t listed;
    std::int64_t total;
    std::string more;  // "" when there is no "and N more" line
  } cases[] = {
      {200, 200, ""},
      {201, 201, "and 1 more (xerod-ctl job list --state dead --connection acme)"},
      {250, 300, "and 100 more (xerod-ctl job list --state dead --connection acme)"},
      {3, 10, "and 7 more (xerod-ctl job list --state dead --connection acme)"},
      {0, 4, "List them with xerod-ctl job list --state dead --connection acme."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.listed);
    DigestFacts f = Digest3();
    f.failed.clear();
    for (std::size_t i = 1; i <= c.listed; ++i) {
      f.failed.push_back(Invoice(static_cast<std::int64_t>(i), "INV-" + std::to_string(i), "C"));
    }
    f.total = c.total;
    MailMessage m = Digest(f);
    const std::size_t shown = std::min<std::size_t>(c.listed, 200);
    EXPECT_EQ(Occurrences(m.body, "\n  - Invoice INV-"), shown);
    if (shown > 0) {
      ExpectSays(m, "(job " + std::to_string(shown) + ")");
      EXPECT_EQ(Occurrences(m.html, "<tr>"), shown + 1 + 3);
    } else {
      EXPECT_EQ(Occurrences(m.html, "<tr>"), 3u);  // only "How to retry"
    }
    ExpectDoesNotSay(m, "(job " + std::to_string(shown + 1) + ")");
    if (c.more.empty()) {
      ExpectDoesNotSay(m, "more (");
    } else {
      ExpectSays(m, c.more);
    }
  }
}

TEST(EscapingTest, EveryValueIsEscapedInHtml) {
  const std::string evil = "<script>&\"'";
  ConnectionFacts f{.connection = "c" + evil,
                    .organisation = "o" + evil,
                    .tenant_id = "t" + evil,
                    .problem = Problem::kRevoked,
                    .reason = "r" + evil,
                    .since = kSince,
                    .waiting = 3,
                    .failed_checks = 0,
                    .ctl = "x" + evil};
  DigestFacts d{.connection = "c" + evil,
                .organisation = "o" + evil,
                .window_start = kSince,
                .window_end = kSince + 1h,
                .failed = {{.job_id = 9,
                            .kind = "k" + evil,
                            .number = "n" + evil,
                            .client = "l" + evil,
                            .reason = "r" + evil,
                            .hint = "h" + evil},
                           {.job_id = 10,
                            .kind = "invoice",
                            .number = "n" + evil,
                            .client = "l" + evil,
                            .reason = "r" + evil,
                            .hint = "h" + evil}},
                .total = 2,
                .ctl = "x" + evil};
  std::vector<MailMessage> mails;
  for (Problem p : {Problem::kExpired, Problem::kRevoked, Problem::kDisconnected,
                    Problem::kMissingScope, Problem::kUnreachable}) {
    f.problem = p;
    mails.push_back(Lost(f));
    mails.push_back(Reminder(f, kSince + 1h));
    mails.push_back(Restored(f, kSince + 1h));
  }
  mails.push_back(Digest(d));
  for (const MailMessage& m : mails) {
    SCOPED_TRACE(m.subject);
    EXPECT_EQ(m.html.find("<script"), std::string::npos) << m.html;
    EXPECT_EQ(m.html.find("&\""), std::string::npos) << m.html;
    // Nothing but our own tags: every '<' starts a tag the renderer writes.
    std::regex tag(R"(<(/?)([a-zA-Z0-9!]+)[ >])");
    std::string rest = m.html;
    for (std::size_t lt = rest.find('<'); lt != std::string::npos; lt = rest.find('<', lt + 1)) {
      std::smatch match;
      std::string at = rest.substr(lt, 20);
      ASSERT_TRUE(std::regex_search(at, match, tag) && match.position(0) == 0) << at;
      static const std::vector<std::string> kTags = {"!DOCTYPE", "html", "head", "meta", "title",
                                                     "body",     "h3",   "p",    "ol",   "li",
                                                     "table",    "tr",   "th",   "td",   "code"};
      EXPECT_NE(std::find(kTags.begin(), kTags.end(), match[2].str()), kTags.end()) << at;
    }
    EXPECT_GE(Occurrences(m.html, Escape(evil)), 2u) << m.html;  // in <title> and the body
    // The text body is not HTML: values appear as given.
    EXPECT_NE(m.body.find(evil), std::string::npos) << m.body;
  }
  // Each value of the digest, escaped.
  for (const char* v : {"c", "o", "k", "n", "l", "r", "h", "x"}) {
    EXPECT_NE(mails.back().html.find(Escape(v + evil)), std::string::npos) << v;
  }
}

TEST(SubjectTest, ControlCharactersBecomeSpacesAndTheMessageIsAccepted) {
  ConnectionFacts f = Facts(Problem::kExpired);
  f.connection = "ac\r\nme";
  f.organisation = "Acme\nBcc: victim@example.test\t\x7f";
  f.reason = "line one\r\nBcc: victim@example.test";
  DigestFacts d = Digest3();
  d.connection = f.connection;
  d.organisation = f.organisation;
  d.failed[0].client = "Client\r\nSubject: forged";
  const MailMessage mails[] = {Lost(f), Reminder(f, kSince + 1h), Restored(f, kSince + 1h),
                               Digest(d)};
  for (MailMessage m : mails) {
    SCOPED_TRACE(m.subject);
    if (m.subject.starts_with("2 invoices")) {
      EXPECT_NE(m.html.find("Client  Subject: forged"), std::string::npos) << m.html;
    }
    EXPECT_EQ(m.subject.find_first_of("\r\n\t\x7f"), std::string::npos);
    EXPECT_NE(m.subject.find("ac  me (Acme Bcc: victim@example.test  )"), std::string::npos);
    // The inputs' line breaks are gone from both bodies (HTML is not wrapped, so
    // the values appear there as one line each).
    EXPECT_EQ(m.body.find('\r'), std::string::npos);
    EXPECT_EQ(m.html.find('\r'), std::string::npos);
    EXPECT_NE(m.html.find("ac  me"), std::string::npos) << m.html;
    EXPECT_NE(m.html.find("Acme Bcc: victim@example.test  "), std::string::npos) << m.html;
    m.to = {"admin@example.test"};
    EXPECT_TRUE(mail::CheckMessage(m).has_value()) << m.subject;
  }
}

TEST(SubjectTest, NonAsciiOrganisation) {
  ConnectionFacts f = Facts(Problem::kDisconnected);
  f.connection = "cafe";
  f.organisation = "Café Zoë Ltd";
  MailMessage m = Lost(f);
  EXPECT_EQ(m.subject, "Xero connection lost: cafe (Café Zoë Ltd)");
  ExpectSays(m, "Click the organisation name (Café Zoë Ltd) at the top left");
  EXPECT_NE(m.html.find("<title>Xero connection lost: cafe (Café Zoë Ltd)</title>"),
            std::string::npos);
  DigestFacts d = Digest3();
  d.connection = "cafe";
  d.organisation = "Café Zoë Ltd";
  EXPECT_EQ(Digest(d).subject,
            "2 invoices and 1 payment could not be copied to Xero: cafe (Café Zoë Ltd)");
  auto from = mail::ParseMailbox("xerod@example.test");
  ASSERT_TRUE(from.has_value());
  m.to = {"a@b.test"};
  std::string text = mail::FormatMessage(m, *from, "D", "<i@example.test>");
  // Not plain ASCII: the whole subject is encoded (mail_test checks the decoding).
  EXPECT_NE(text.find("\r\nSubject: =?UTF-8?B?"), std::string::npos) << text.substr(0, 400);
}

// A minimal RFC 2045/2046 reading of FormatMessage's output, written here.
std::string DecodeQp(const std::string& qp) {
  std::string out;
  std::size_t start = 0;
  while (start < qp.size()) {
    std::size_t end = qp.find("\r\n", start);
    if (end == std::string::npos) end = qp.size();
    std::string line = qp.substr(start, end - start);
    bool soft = !line.empty() && line.back() == '=';
    if (soft) line.pop_back();
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '=') {
        out += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += line[i];
      }
    }
    if (!soft && end < qp.size()) out += "\n";  // back to LF, as the inputs
    start = end + 2;
  }
  return out;
}

TEST(MessagesTest, EachMailFormatsAsAValidMultipartMessage) {
  std::vector<MailMessage> mails;
  for (Problem p : {Problem::kExpired, Problem::kRevoked, Problem::kDisconnected,
                    Problem::kMissingScope, Problem::kUnreachable}) {
    ConnectionFacts f = Facts(p);
    f.organisation = "Café Zoë Ltd";
    mails.push_back(Lost(f));
    mails.push_back(Reminder(f, kSince + 50h));
    mails.push_back(Restored(f, kSince + 50h));
  }
  DigestFacts d = Digest3();
  for (int i = 0; i < 300; ++i)
    d.failed.push_back(Invoice(1000 + i, "INV-" + std::to_string(i), "C"));
  d.total = 400;
  mails.push_back(Digest(d));
  auto from = mail::ParseMailbox("xerod <xerod@example.test>");
  ASSERT_TRUE(from.has_value());
  for (MailMessage m : mails) {
    SCOPED_TRACE(m.subject);
    ASSERT_FALSE(m.body.empty());
    ASSERT_TRUE(m.html.starts_with("<!DOCTYPE html>\n<html>\n")) << m.html;
    ASSERT_TRUE(m.html.ends_with("</body>\n</html>\n")) << m.html;
    for (const std::string tag : {"p", "ol", "li", "table", "tr", "th", "td", "code", "h3"}) {
      EXPECT_EQ(Occurrences(m.html, "<" + tag + ">") + Occurrences(m.html, "<" + tag + " "),
                Occurrences(m.html, "</" + tag + ">"))
          << tag;
    }
    m.to = {"admin@example.test"};
    ASSERT_TRUE(mail::CheckMessage(m).has_value());
    std::string text =
        mail::FormatMessage(m, *from, "Mon, 01 Jan 2024 00:00:00 +0000", "<id@example.test>");
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find("\r\n", start);
      ASSERT_NE(end, std::string::npos);
      EXPECT_LE(end - start, 78u) << text.substr(start, end - start);
      for (std::size_t i = start; i < end; ++i) {
        ASSERT_LT(static_cast<unsigned char>(text[i]), 0x80) << text.substr(start, end - start);
      }
      start = end + 2;
    }
    std::smatch match;
    ASSERT_TRUE(std::regex_search(text, match,
                                  std::regex("\r\nContent-Type: multipart/alternative;\r\n "
                                             "boundary=\"(=_xerod_[0-9A-F]{32})\"\r\n")));
    const std::string delimiter = "\r\n--" + match[1].str();
    std::size_t body = text.find("\r\n\r\n");
    ASSERT_EQ(text.compare(body + 4, delimiter.size() - 2, delimiter.substr(2)), 0);
    std::size_t first = body + 2;  // the delimiter's CRLF is the header block's last
    std::size_t second = text.find(delimiter, first + delimiter.size());
    ASSERT_NE(second, std::string::npos);
    std::size_t close = text.find(delimiter, second + delimiter.size());
    ASSERT_NE(close, std::string::npos);
    EXPECT_EQ(text.substr(close + delimiter.size()), "--\r\n");
    EXPECT_EQ(Occurrences(text, delimiter), 3u);
    auto part = [&](std::size_t from_at, std::size_t to_at, const std::string& type) {
      std::string p =
          text.substr(from_at + delimiter.size() + 2, to_at - from_at - delimiter.size() - 2);
      std::string headers =
          "Content-Type: " + type +
          "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
      EXPECT_TRUE(p.starts_with(headers)) << p.substr(0, 200);
      return DecodeQp(p.substr(headers.size()));
    };
    EXPECT_EQ(part(first, second, "text/plain"), m.body);
    EXPECT_EQ(part(second, close, "text/html"), m.html);
  }
}

}  // namespace
}  // namespace xerod::notify
