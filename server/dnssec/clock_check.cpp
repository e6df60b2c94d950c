// The start-up check of the system clock for validation.
#include "horizon/dnssec/clock_check.hpp"

#include <ctime>

namespace horizon::dnssec {
namespace {

std::string utcDate(std::int64_t t) {
  const std::time_t when = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&when, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace

std::string implausibleClock(std::int64_t now, std::int64_t earliest) {
  constexpr std::int64_t kThirtyYears = 30LL * 365 * 86400;
  if (now < earliest)
    return "the clock says " + utcDate(now) + ", before " + utcDate(earliest) +
           " (the built-in root key's publication): DNSSEC signatures will look not yet valid "
           "and signed answers will be SERVFAIL until the clock is set (NTP), or run with "
           "--no-dnssec";
  if (now - earliest > kThirtyYears)
    return "the clock says " + utcDate(now) +
           ", decades ahead: DNSSEC signatures will look expired and signed answers will be "
           "SERVFAIL until the clock is set (NTP), or run with --no-dnssec";
  return "";
}

}  // namespace horizon::dnssec
