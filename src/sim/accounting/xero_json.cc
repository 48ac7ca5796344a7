// SPDX-License-Identifier: MIT
#include "sim/accounting/xero_json.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace xero_sim {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

// Howard Hinnant's civil-date algorithms.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t y;
  unsigned m;
  unsigned d;
};

Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::optional<unsigned> Digits(std::string_view s) {
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

}  // namespace

std::int64_t UnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int64_t DayOf(TimePoint t) { return FloorDiv(UnixMillis(t), kMsPerDay); }

std::string MsDateForDay(std::int64_t day) { return MsDateForMillis(day * kMsPerDay); }

std::string MsDateForMillis(std::int64_t ms) { return fmt::format("/Date({}+0000)/", ms); }

std::string DateStringForDay(std::int64_t day) {
  Civil c = CivilFromDays(day);
  return fmt::format("{:04}-{:02}-{:02}T00:00:00", c.y, c.m, c.d);
}

std::string IsoUtcForMillis(std::int64_t ms) {
  std::int64_t day = FloorDiv(ms, kMsPerDay);
  std::int64_t secs = (ms - day * kMsPerDay) / 1000;
  Civil c = CivilFromDays(day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.y, c.m, c.d, secs / 3600,
                     (secs / 60) % 60, secs % 60);
}

std::optional<std::int64_t> ParseXeroDate(std::string_view text) {
  if (text.starts_with("/Date(") && text.ends_with(")/")) {
    std::string_view inner = text.substr(6, text.size() - 8);
    std::size_t end = inner.find_first_of("+-", 1);
    std::string_view num = inner.substr(0, end);
    std::int64_t ms = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), ms);
    if (ec != std::errc() || p != num.data() + num.size()) return std::nullopt;
    return FloorDiv(ms, kMsPerDay);
  }
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (text.size() > 10 && text[10] != 'T') return std::nullopt;
  auto y = Digits(text.substr(0, 4));
  auto m = Digits(text.substr(5, 2));
  auto d = Digits(text.substr(8, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  std::int64_t day = DaysFromCivil(*y, *m, *d);
  Civil back = CivilFromDays(day);
  if (back.m != *m || back.d != *d) return std::nullopt;  // e.g. 2023-02-30
  return day;
}

namespace {

std::optional<unsigned> Num(std::string_view s, std::size_t pos, std::size_t len) {
  if (pos + len > s.size()) return std::nullopt;
  return Digits(s.substr(pos, len));
}

// Days since the epoch of a valid calendar date, else nullopt.
std::optional<std::int64_t> Day(std::int64_t y, unsigned m, unsigned d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  std::int64_t day = DaysFromCivil(y, m, d);
  Civil back = CivilFromDays(day);
  if (back.m != m || back.d != d) return std::nullopt;
  return day;
}

std::optional<std::int64_t> Millis(std::int64_t day, unsigned h, unsigned mi, unsigned sec) {
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;  // 60: a leap second
  return day * kMsPerDay + (static_cast<std::int64_t>(h) * 3600 + mi * 60 + sec) * 1000;
}

// "2020-02-06T12:17:43.202-08:00", "2020-02-06T12:17:43Z", "2020-02-06T12:17", "2020-02-06".
std::optional<std::int64_t> ParseIsoMillis(std::string_view s) {
  auto y = Num(s, 0, 4), mo = Num(s, 5, 2), d = Num(s, 8, 2);
  if (!y || !mo || !d || s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto day = Day(*y, *mo, *d);
  if (!day) return std::nullopt;
  if (s.size() == 10) return *day * kMsPerDay;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  auto h = Num(s, 11, 2), mi = Num(s, 14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':') return std::nullopt;
  std::size_t pos = 16;
  std::optional<unsigned> sec = 0;
  if (pos < s.size() && s[pos] == ':') {
    sec = Num(s, pos + 1, 2);
    if (!sec) return std::nullopt;
    pos += 3;
  }
  auto ms = Millis(*day, *h, *mi, *sec);
  if (!ms) return std::nullopt;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {  // fraction: milliseconds kept
    std::size_t end = pos + 1;
    std::int64_t frac = 0, scale = 100;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
      frac += (s[end] - '0') * scale;
      scale /= 10;
      ++end;
    }
    if (end == pos + 1) return std::nullopt;
    *ms += frac;
    pos = end;
  }
  if (pos == s.size()) return ms;  // no offset: UTC
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return ms;
  if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
  const int sign = s[pos] == '-' ? -1 : 1;
  std::string_view off = s.substr(pos + 1);
  std::optional<unsigned> oh, om;
  if (off.size() == 5 && off[2] == ':') {
    oh = Num(off, 0, 2);
    om = Num(off, 3, 2);
  } else if (off.size() == 4) {
    oh = Num(off, 0, 2);
    om = Num(off, 2, 2);
  } else if (off.size() == 2) {
    oh = Num(off, 0, 2);
    om = 0;
  }
  if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
  // Local time = UTC + offset, so UTC = local - offset.
  return *ms - sign * (static_cast<std::int64_t>(*oh) * 60 + *om) * 60'000;
}

std::optional<unsigned> MonthOf(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < 12; ++i)
    if (name == kMonths[i]) return i + 1;
  return std::nullopt;
}

// "08:49:37" at `pos`.
std::optional<std::int64_t> TimeOfDay(std::string_view s, std::size_t pos, std::int64_t day) {
  auto h = Num(s, pos, 2), mi = Num(s, pos + 3, 2), sec = Num(s, pos + 6, 2);
  if (!h || !mi || !sec || s[pos + 2] != ':' || s[pos + 5] != ':') return std::nullopt;
  return Millis(day, *h, *mi, *sec);
}

// RFC 7231 7.1.1.1: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete
// RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
std::optional<std::int64_t> ParseHttpDateMillis(std::string_view s) {
  std::size_t comma = s.find(", ");
  if (comma != std::string_view::npos) {
    std::string_view rest = s.substr(comma + 2);
    if (rest.size() == 24 && rest[2] == ' ' && rest[6] == ' ' && rest[11] == ' ' &&
        rest.substr(20) == " GMT") {  // IMF-fixdate
      auto d = Num(rest, 0, 2), y = Num(rest, 7, 4);
      auto m = MonthOf(rest.substr(3, 3));
      if (!d || !y || !m) return std::nullopt;
      auto day = Day(*y, *m, *d);
      return day ? TimeOfDay(rest, 12, *day) : std::nullopt;
    }
    if (rest.size() == 22 && rest[2] == '-' && rest[6] == '-' && rest[9] == ' ' &&
        rest.substr(18) == " GMT") {  // RFC 850; a two-digit year 00-69 is 20xx
      auto d = Num(rest, 0, 2), yy = Num(rest, 7, 2);
      auto m = MonthOf(rest.substr(3, 3));
      if (!d || !yy || !m) return std::nullopt;
      auto day = Day(*yy < 70 ? 2000 + *yy : 1900 + *yy, *m, *d);
      return day ? TimeOfDay(rest, 10, *day) : std::nullopt;
    }
    return std::nullopt;
  }
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {  // asctime
    auto m = MonthOf(s.substr(4, 3));
    std::string_view dd = s.substr(8, 2);
    auto d = dd[0] == ' ' ? Num(dd, 1, 1) : Num(dd, 0, 2);
    auto y = Num(s, 20, 4);
    if (!d || !y || !m) return std::nullopt;
    auto day = Day(*y, *m, *d);
    return day ? TimeOfDay(s, 11, *day) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> ParseTimestampMillis(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.size() >= 10 && text[4] == '-') return ParseIsoMillis(text);
  return ParseHttpDateMillis(text);
}

nlohmann::json Money(Decimal d) { return d.ToDouble(); }

std::string NewGuid(std::mt19937_64& rng) {
  std::uint64_t a = rng();
  std::uint64_t b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff,
                     b >> 48, b & 0xffffffffffffULL);
}

bool IsGuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && Lower(a) == Lower(b);
}

nlohmann::json Envelope(std::mt19937_64& rng, TimePoint now, const std::string& key,
                        nlohmann::json items) {
  nlohmann::json j = nlohmann::json::object();
  j["Id"] = NewGuid(rng);
  j["Status"] = "OK";
  j["ProviderName"] = "xero-sim";
  j["DateTimeUTC"] = fmt::format("/Date({})/", UnixMillis(now));
  j[key] = std::move(items);
  return j;
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

Response ValidationException(const std::vector<nlohmann::json>& elements) {
  nlohmann::json j = {{"ErrorNumber", 10},
                      {"Type", "ValidationException"},
                      {"Message", "A validation exception occurred"},
                      {"Elements", elements}};
  return JsonResponse(400, j);
}

Response PostDataInvalid(const std::string& detail) {
  nlohmann::json j = {{"ErrorNumber", 14},
                      {"Type", "PostDataInvalidException"},
                      {"Message", "JSON for post data was invalid," + detail}};
  return JsonResponse(400, j);
}

Response NotFound() {
  Response r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "The resource you're looking for cannot be found";
  return r;
}

nlohmann::json MessagesJson(const std::vector<std::string>& messages) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& m : messages) arr.push_back({{"Message", m}});
  return arr;
}

}  // namespace xero_sim
