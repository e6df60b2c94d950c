// The keys about the public view (server/zone/public_schema.cpp): `public`, whose services get
// the addresses of a target in the public view, and `cloudflare` (zones/FORMAT.md), horizon-sync's
// zone id, defaults and per-name options; every mistake in them is reported with its line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"

namespace horizon::zone {
namespace {

// ---- public services ----------------------------------------------------------------------

namespace public_key {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace type = wire::type;

using testing::contents;
using testing::errors;
using testing::expectOneError;
using testing::find;
using testing::load;

TEST(ZoneLoaderPublic, ServicesGoOnlyToThePublicView) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0, "::/0"]
targets:
  gateway: 192.168.1.220
  bifrost: [178.156.199.250, "2a01:4f8::1"]
records:
  "*": {lan: gateway}
  grafana: {lan: 192.168.1.221}
public:
  via: bifrost
  services: [grafana, photos]
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const Zone& zone = *result.zone;
  EXPECT_EQ(zone.public_via, "bifrost");
  EXPECT_THAT(zone.public_services, ElementsAre("grafana", "photos"));
  EXPECT_THAT(
      contents(zone, "public"),
      ElementsAre("grafana.madhan.app. A 178.156.199.250", "grafana.madhan.app. AAAA 2a01:4f8::1",
                  "photos.madhan.app. A 178.156.199.250", "photos.madhan.app. AAAA 2a01:4f8::1"));
  // The LAN keeps its explicit grafana and its wildcard (which answers photos).
  EXPECT_THAT(contents(zone, "lan"),
              ElementsAre("*.madhan.app. A 192.168.1.220", "grafana.madhan.app. A 192.168.1.221"));
  EXPECT_EQ(find(zone, "public", "photos.madhan.app.", type::A)->where.line, 13);
}

TEST(ZoneLoaderPublic, NeedsAPublicView) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
targets:
  bifrost: 178.156.199.250
public:
  via: bifrost
  services: [grafana]
)");
  expectOneError(result, 6, "no such view (views: lan)");
}

TEST(ZoneLoaderPublic, ViaMustBeATarget) {
  auto result = load(R"(zone: madhan.app
views:
  public: [0.0.0.0/0]
targets:
  bifrost: 178.156.199.250
public:
  via: bifrot
  services: [grafana]
)");
  expectOneError(result, 7, "undefined target 'bifrot'");
}

TEST(ZoneLoaderPublic, ServiceListedTwice) {
  auto result = load(R"(zone: madhan.app
views:
  public: [0.0.0.0/0]
targets:
  bifrost: 178.156.199.250
public:
  via: bifrost
  services:
    - grafana
    - photos
    - Grafana
)");
  expectOneError(result, 11, "service 'Grafana' is listed twice (lines 9 and 11)");
}

TEST(ZoneLoaderPublic, ServiceWithAnExplicitPublicRecord) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
targets:
  bifrost: 178.156.199.250
records:
  grafana: 178.156.199.251
public:
  via: bifrost
  services: [grafana]
)");
  expectOneError(result, 11, "service 'grafana' already has a record in the public view");
  EXPECT_THAT(errors(result)[0].message, HasSubstr("line 8"));
}

}  // namespace public_key

// ---- cloudflare ---------------------------------------------------------------------------

// These tests share the head of one zone file, to which each adds its cloudflare key.
namespace cloudflare_key {

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

}  // namespace cloudflare_key

}  // namespace
}  // namespace horizon::zone
