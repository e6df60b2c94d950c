// The zone file's `cloudflare` key (zones/FORMAT.md): zone id, defaults and per-name options
// for horizon-sync, and every mistake in them reported with its line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "horizon/wire/name.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::zone {
namespace {

using ::testing::HasSubstr;

const std::string kHead = R"(zone: madhan.app
views: {lan: [192.168.1.0/24], public: [0.0.0.0/0]}
targets: {bifrost: 178.156.199.250}
records:
  auth: bifrost
  mail: {public: {TXT: "v=spf1 -all"}}
public: {via: bifrost, services: [grafana]}
)";  // 7 lines: the cloudflare key of each test starts on line 8

LoadResult load(const std::string& tail) {
  return loadZoneText(kHead + tail, "t.yaml", ".");
}

std::string firstError(const LoadResult& r) {
  for (const auto& d : r.diagnostics)
    if (d.severity == Diagnostic::Severity::kError) return d.toString();
  return "";
}

TEST(ZoneLoaderCloudflareTest, DefaultsWithoutTheKey) {
  LoadResult r = load("");
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.zone->cloudflare.zone_id.empty());
  EXPECT_FALSE(r.zone->cloudflare.proxied);
  EXPECT_EQ(r.zone->cloudflare.ttl, 1u);
  EXPECT_TRUE(r.zone->cloudflare.names.empty());
}

TEST(ZoneLoaderCloudflareTest, ZoneIdDefaultsAndPerNameOptions) {
  LoadResult r = load(R"(cloudflare:
  zone-id: 023e105f4ecef8ad9ca31a8372d0c353
  proxied: true
  ttl: 3600
  records:
    grafana: {proxied: false, ttl: auto}
    Auth: {ttl: 120}
)");
  ASSERT_TRUE(r.ok()) << r.report();
  const CloudflareOptions& cf = r.zone->cloudflare;
  EXPECT_EQ(cf.zone_id, "023e105f4ecef8ad9ca31a8372d0c353");
  EXPECT_TRUE(cf.proxied);
  EXPECT_EQ(cf.ttl, 3600u);
  ASSERT_EQ(cf.names.size(), 2u);
  EXPECT_EQ(wire::nameToText(cf.names[0].owner), "grafana.madhan.app.");
  EXPECT_EQ(cf.names[0].proxied, false);
  EXPECT_EQ(cf.names[0].ttl, 1u);
  EXPECT_EQ(wire::nameToText(cf.names[1].owner), "auth.madhan.app.");
  EXPECT_EQ(cf.names[1].ttl, 120u);
  EXPECT_EQ(cf.names[1].where.line, 14);
}

TEST(ZoneLoaderCloudflareTest, EachMistakeIsAnErrorWithItsLine) {
  struct Case {
    std::string tail;
    std::string expected;
  } cases[] = {
      {"cloudflare: {zone-id: xyz}\n", "t.yaml:8:23: error: cloudflare zone-id must be"},
      {"cloudflare: {ttl: 30}\n", "t.yaml:8:19: error: cloudflare ttl must be auto or an integer"},
      {"cloudflare: {proxied: maybe}\n", "t.yaml:8:23: error: cloudflare proxied must be true"},
      {"cloudflare: {zone_id: x}\n", "t.yaml:8:14: error: unknown key 'zone_id' in cloudflare"},
      {"cloudflare:\n  records:\n    nas: {ttl: 60}\n",
       "t.yaml:10:5: error: cloudflare options for 'nas', which has no record in the public view"},
      {"cloudflare:\n  records:\n    mail: {proxied: true}\n",
       "t.yaml:10:5: error: 'mail' cannot be proxied"},
      {"cloudflare:\n  records:\n    auth: {proxy: true}\n",
       "t.yaml:10:12: error: unknown key 'proxy' in the cloudflare options of 'auth'"},
      {"cloudflare: [1]\n", "t.yaml:8:13: error: cloudflare must be a map"},
  };
  for (const Case& c : cases) {
    LoadResult r = load(c.tail);
    EXPECT_FALSE(r.ok()) << c.tail;
    EXPECT_THAT(firstError(r), HasSubstr(c.expected)) << c.tail;
  }
}

TEST(ZoneLoaderCloudflareTest, NeedsAPublicView) {
  LoadResult r =
      loadZoneText("zone: madhan.app\nviews: {lan: [10.0.0.0/8]}\ncloudflare: {}\n", "t.yaml", ".");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(firstError(r), HasSubstr("t.yaml:3:1: error: cloudflare mirrors the view named "
                                       "'public', but there is no such view"));
}

TEST(ZoneLoaderCloudflareTest, ProxiedWithATtlWarns) {
  LoadResult r = load("cloudflare:\n  records:\n    auth: {proxied: true, ttl: 600}\n");
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_THAT(r.report(), HasSubstr("warning: 'auth' is proxied"));
}

}  // namespace
}  // namespace horizon::zone
