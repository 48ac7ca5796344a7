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
