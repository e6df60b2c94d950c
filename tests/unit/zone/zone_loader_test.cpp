// The zone YAML loader (server/zone/zone_loader.cpp) as a whole: the seed zone, reading the
// file (syntax errors, a second document, a file that cannot be read), and every error of a file
// reported together. Each step of a load has tests of its own: zone_schema_test.cpp,
// public_schema_test.cpp, apex_test.cpp, semantic_checks_test.cpp and serial_test.cpp.
#include "horizon/zone/zone_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "loader_test_helpers.hpp"

namespace horizon::zone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace type = wire::type;

using testing::contents;
using testing::errors;
using testing::expectOneError;
using testing::find;
using testing::kLoaderData;
using testing::load;
using testing::warnings;

// ---- the seed zone --------------------------------------------------------------------------

// The seed acknowledges its one warning, the wildcard's; without that line it comes back.
TEST(ZoneLoader, SeedZoneLoadsWithItsWildcardWarningAcknowledged) {
  auto result = loadZoneFile(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_TRUE(errors(result).empty());
  EXPECT_TRUE(warnings(result).empty()) << result.report();
  std::ifstream in(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string line = "acknowledge: [wildcard-search-domain]\n";
  ASSERT_NE(text.find(line), std::string::npos);
  text.erase(text.find(line), line.size());
  auto unacknowledged = loadZoneText(text, "seed.yaml", HORIZON_SOURCE_DIR "/zones");
  auto found = warnings(unacknowledged);
  ASSERT_EQ(found.size(), 1u) << unacknowledged.report();
  EXPECT_THAT(found[0].message, HasSubstr("wildcard"));
  EXPECT_THAT(found[0].message, HasSubstr("*.madhan.app."));

  const Zone& zone = *result.zone;
  EXPECT_EQ(zone.origin_text, "madhan.app.");
  ASSERT_EQ(zone.views.size(), 3u);
  const std::string bifrost = "178.156.199.250";
  const std::vector<std::string> vps = {
      "*.madhan.app. A 192.168.1.220",  "*.proxy.madhan.app. A " + bifrost,
      "auth.madhan.app. A " + bifrost,  "netbird.madhan.app. A " + bifrost,
      "proxy.madhan.app. A " + bifrost,
  };
  EXPECT_EQ(contents(zone, "lan"), vps);
  EXPECT_EQ(contents(zone, "vpn"), vps);
  EXPECT_THAT(contents(zone, "public"),
              ElementsAre("*.proxy.madhan.app. A " + bifrost, "auth.madhan.app. A " + bifrost,
                          "grafana.madhan.app. A " + bifrost, "netbird.madhan.app. A " + bifrost,
                          "proxy.madhan.app. A " + bifrost));
  EXPECT_EQ(zone.public_via, "bifrost");
  EXPECT_THAT(zone.public_services, ElementsAre("grafana"));
  for (const auto& view : zone.views) {
    EXPECT_NE(find(zone, view.name, "madhan.app.", type::SOA), nullptr) << view.name;
    EXPECT_NE(find(zone, view.name, "madhan.app.", type::NS), nullptr) << view.name;
    // No recursion key: LAN (with loopback) and VPN are private space and recurse; public not.
    EXPECT_EQ(view.recursion, view.name != "public") << view.name;
  }
  EXPECT_EQ(zone.views[0].name, "lan");
  EXPECT_EQ(zone.views[0].prefixes.size(), 3u);
  EXPECT_NE(zone.serial, 0u);
}

// ---- reading the file -----------------------------------------------------------------------

// yaml-cpp alone would read only the first document and drop the rest: here, the records.
TEST(ZoneLoaderErrors, ASecondDocumentIsAnErrorNotDroppedRecords) {
  expectOneError(load(R"( zone: madhan.app
 views:
   lan: [192.168.1.0/24]
records:
  auth: 178.156.199.250
)"),
                 4, "a second YAML document starts here");
  expectOneError(load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
---
records:
  auth: 178.156.199.250
)"),
                 5, "a second YAML document starts here");
  // An empty document after a "---" loses nothing and stays accepted.
  auto trailing = load("zone: madhan.app\nviews:\n  lan: [192.168.1.0/24]\n---\n");
  EXPECT_TRUE(trailing.ok()) << trailing.report();
}

TEST(ZoneLoaderErrors, YamlSyntaxError) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24
records:
  auth: 178.156.199.250
)");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 1u) << result.report();
  const Diagnostic& d = found[0];
  EXPECT_THAT(d.message, HasSubstr("YAML syntax error"));
  EXPECT_EQ(d.where.line, 4);
  EXPECT_GT(d.where.column, 0);
  EXPECT_EQ(d.toString().rfind("test.yaml:4:", 0), 0u) << d.toString();
}

TEST(ZoneLoaderErrors, UnreadableFile) {
  auto result = loadZoneFile(kLoaderData + "/does-not-exist.yaml");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("cannot read the zone file"));
  EXPECT_THAT(result.report(), HasSubstr("does-not-exist.yaml: error: cannot read"));

  auto directory = loadZoneFile(kLoaderData);
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.report(), HasSubstr("is a directory"));
}

TEST(ZoneLoader, AllErrorsAreCollected) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  auth: nowhere
  grafana: 999.1.1.1
)");
  EXPECT_FALSE(result.ok());
  auto found = errors(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_EQ(found[0].where.line, 5);
  EXPECT_THAT(found[0].message, HasSubstr("undefined target 'nowhere'"));
  EXPECT_EQ(found[1].where.line, 6);
  EXPECT_THAT(found[1].message, HasSubstr("bad address '999.1.1.1'"));
  EXPECT_EQ(result.report(), found[0].toString() + "\n" + found[1].toString());
}

}  // namespace
}  // namespace horizon::zone
