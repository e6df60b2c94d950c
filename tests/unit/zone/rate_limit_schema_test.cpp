// A view's `rate-limit` key (zones/FORMAT.md): its forms, its errors, and the defaults a compiled
// snapshot gives views that do not say (limited unless the view recurses).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"

namespace horizon::zone {
namespace {

using testing::errors;
using testing::expectOneError;
using ::testing::HasSubstr;
using testing::load;

TEST(RateLimitSchema, MapReplacesSingleDefaults) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public:
    match: [0.0.0.0/0]
    rate-limit: {responses-per-second: 50, slip: 1, ipv6-prefix: 48}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_FALSE(result.zone->views[0].rate_limit.has_value());
  ASSERT_TRUE(result.zone->views[1].rate_limit.has_value());
  const RateLimitSettings& limit = *result.zone->views[1].rate_limit;
  EXPECT_TRUE(limit.enabled);
  EXPECT_EQ(limit.responses_per_second, 50u);
  EXPECT_EQ(limit.errors_per_second, kDefaultRateLimit.errors_per_second);
  EXPECT_EQ(limit.slip, 1u);
  EXPECT_EQ(limit.ipv4_prefix, 24);
  EXPECT_EQ(limit.ipv6_prefix, 48);
}

TEST(RateLimitSchema, OffAndOnWords) {
  for (const char* off : {"off", "false", "0"}) {
    auto result = load(std::string("zone: madhan.app\nviews:\n  public: {match: [0.0.0.0/0], "
                                   "rate-limit: ") +
                       off + "}\n");
    ASSERT_TRUE(result.ok()) << off << ": " << result.report();
    EXPECT_EQ(result.zone->views[0].rate_limit, kNoRateLimit) << off;
  }
  auto on = load("zone: madhan.app\nviews:\n  lan: {match: [10.0.0.0/8], rate-limit: on}\n");
  ASSERT_TRUE(on.ok()) << on.report();
  EXPECT_EQ(on.zone->views[0].rate_limit, kDefaultRateLimit);
}

TEST(RateLimitSchema, ErrorsNameTheKeyAndLine) {
  auto unknown = load(R"(zone: madhan.app
views:
  public:
    match: [0.0.0.0/0]
    rate-limit: {responses-per-second: 5, window: 15}
)");
  expectOneError(unknown, 5, "unknown key 'window' in rate-limit of view 'public'");
  auto too_long = load(R"(zone: madhan.app
views:
  public:
    match: [0.0.0.0/0]
    rate-limit: {ipv4-prefix: 33}
)");
  expectOneError(too_long, 5,
                 "rate-limit of view 'public' ipv4-prefix must be an integer from 0 to 32");
  auto word = load(R"(zone: madhan.app
views:
  public:
    match: [0.0.0.0/0]
    rate-limit: sometimes
)");
  expectOneError(word, 5, "rate-limit of view 'public' must be off, on, or a map");
}

TEST(RateLimitSchema, PrivateViewsAreNotLimitedEvenWithoutRecursion) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [127.0.0.3/32]
  edge: [198.51.100.0/24]
recursion: []
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(defaultRateLimit(result.zone->views[0]), kNoRateLimit);
  EXPECT_EQ(defaultRateLimit(result.zone->views[1]), kDefaultRateLimit);  // by its name
  EXPECT_EQ(defaultRateLimit(result.zone->views[2]), kDefaultRateLimit);
}

TEST(RateLimitSchema, ViewsThatFaceTheInternetAndDoNotRecurseAreLimitedByDefault) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24, 127.0.0.0/8]
  vpn: [100.109.0.0/16]
  public: [0.0.0.0/0, "::/0"]
  partner: {match: [198.51.100.0/24], rate-limit: off}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  auto snapshot = query::compileSnapshot({*result.zone});
  const auto& views = snapshot->zones[0].views;
  ASSERT_EQ(views.size(), 4u);
  EXPECT_EQ(views[0].rate_limit, kNoRateLimit);       // lan recurses
  EXPECT_EQ(views[1].rate_limit, kNoRateLimit);       // vpn recurses
  EXPECT_EQ(views[2].rate_limit, kDefaultRateLimit);  // public does not
  EXPECT_EQ(views[3].rate_limit, kNoRateLimit);       // the file turned it off
  EXPECT_NE(views[2].rate_limit_scope, views[3].rate_limit_scope);
}

}  // namespace
}  // namespace horizon::zone
