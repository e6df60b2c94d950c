// The start-up clock check: a clock validation cannot work with is named, a plausible one is not.
#include "horizon/dnssec/clock_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace horizon::dnssec {
namespace {

using ::testing::HasSubstr;

TEST(ClockCheck, AClockBeforeTheBuiltInKeysOrDecadesAheadIsReported) {
  EXPECT_EQ(implausibleClock(kBuiltInAnchorsTime), "");
  EXPECT_EQ(implausibleClock(kBuiltInAnchorsTime + 10LL * 365 * 86400), "");
  // A board without a real-time clock starts in 1970 until NTP answers.
  const std::string early = implausibleClock(0);
  EXPECT_THAT(early, HasSubstr("1970-01-01 00:00 UTC"));
  EXPECT_THAT(early, HasSubstr("not yet valid"));
  EXPECT_THAT(early, HasSubstr("--no-dnssec"));
  EXPECT_THAT(implausibleClock(kBuiltInAnchorsTime - 1), HasSubstr("before 2024-07-18"));
  EXPECT_THAT(implausibleClock(kBuiltInAnchorsTime + 40LL * 365 * 86400), HasSubstr("expired"));
}

}  // namespace
}  // namespace horizon::dnssec
