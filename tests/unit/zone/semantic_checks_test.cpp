// The semantic checks (server/zone/semantic_checks.cpp), run over the loaded views whatever key
// or zone file a record came from: duplicates and TTLs within an RRset, CNAMEs, private
// addresses in public-facing views and wildcards. A problem found in several views is one
// diagnostic naming them.
#include "zone/semantic_checks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/ip/prefix.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"
#include "zone/load_context.hpp"

namespace horizon::zone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace type = wire::type;

using testing::errors;
using testing::expectOneError;
using testing::find;
using testing::kLoaderData;
using testing::load;
using testing::warnings;

// ---- through the loader -------------------------------------------------------------------

TEST(ZoneLoaderErrors, CnameBesideOtherData) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn: [100.109.0.0/16]
records:
  web:
    A: 192.168.1.5
    CNAME: other
)");
  expectOneError(result, 8, "CNAME beside other data at 'web.madhan.app.': A at line 7");
  // One error for the two views it happens in.
  EXPECT_THAT(errors(result)[0].message, HasSubstr("(views lan, vpn)"));
}

TEST(ZoneLoaderErrors, CnameAtTheApex) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  "@": {CNAME: elsewhere.example.org.}
)");
  expectOneError(result, 5, "CNAME at the zone apex madhan.app.");
}

TEST(ZoneLoaderErrors, PrivateAddressInPublicView) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
targets:
  gateway: 192.168.1.220
records:
  nas: 192.168.1.10
  ok: {lan: gateway}
)");
  expectOneError(result, 8,
                 "private address 192.168.1.10 for 'nas.madhan.app.' in a public-facing view; "
                 "set allow-private: true");
  EXPECT_THAT(errors(result)[0].message, HasSubstr("(view public)"));
}

TEST(ZoneLoaderErrors, PublicFacingMeansAnyNonPrivatePrefix) {
  // "home" serves 0.0.0.0/0 besides the LAN, so it is public-facing even though it is not named
  // public; CGNAT and IPv6 ULA addresses count as private.
  auto result = load(R"(zone: madhan.app
views:
  home: [192.168.1.0/24, 0.0.0.0/0]
  vpn: [100.109.0.0/16, "fd00::/8"]
records:
  peer: 100.109.1.1
  ula: {AAAA: "fd00::1"}
)");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_EQ(found[0].where.line, 6);
  EXPECT_THAT(found[0].message, HasSubstr("private address 100.109.1.1"));
  EXPECT_THAT(found[0].message, HasSubstr("(view home)"));
  EXPECT_EQ(found[1].where.line, 7);
  EXPECT_THAT(found[1].message, HasSubstr("private address fd00::1"));
}

TEST(ZoneLoaderErrors, AllowPrivateWaivesTheCheck) {
  auto result = load(R"(zone: madhan.app
views:
  public: [0.0.0.0/0]
records:
  nas: {A: 192.168.1.10, allow-private: true}
  vpn: {public: {A: 100.109.0.5}, allow-private: yes}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_TRUE(find(*result.zone, "public", "nas.madhan.app.", type::A)->allow_private);
  EXPECT_TRUE(find(*result.zone, "public", "vpn.madhan.app.", type::A)->allow_private);

  auto bad = load(R"(zone: madhan.app
views:
  public: [0.0.0.0/0]
records:
  nas: {A: 192.168.1.10, allow-private: perhaps}
)");
  auto found = errors(bad);
  ASSERT_EQ(found.size(), 2u) << bad.report();
  // Same line: the address (column 12) comes before the bad flag (column 40).
  EXPECT_THAT(found[0].message, HasSubstr("private address 192.168.1.10"));
  EXPECT_THAT(found[1].message, HasSubstr("allow-private must be true or false"));
}

TEST(ZoneLoader, WildcardWarningNamesItsViews) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn: [100.109.0.0/16]
  public: [0.0.0.0/0]
records:
  auth: 178.156.199.250
  "*": {lan: 192.168.1.220, vpn: 192.168.1.220}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  auto found = warnings(result);
  ASSERT_EQ(found.size(), 1u) << result.report();
  EXPECT_EQ(found[0].where.line, 8);
  EXPECT_EQ(found[0].toString(),
            "test.yaml:8:3: warning: wildcard *.madhan.app. (line 8; views lan, vpn) also "
            "matches names with more labels (e.g. a.b.madhan.app.), so a client that uses "
            "madhan.app as a search domain gets its answer for mistyped or unqualified names");
}

// The wildcard warning is about the zone's design: once the operator has read it, the file says
// so and the loader keeps quiet (check and every reload), wildcards from a zone file included.
TEST(ZoneLoader, AnAcknowledgedWildcardWarningIsNotRepeated) {
  const std::string zone = R"(zone: madhan.app
acknowledge: [wildcard-search-domain]
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
records:
  "*": {lan: 192.168.1.220}
  "*.proxy": 178.156.199.250
)";
  auto result = load(zone);
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_TRUE(warnings(result).empty()) << result.report();
  auto empty = load(R"(zone: madhan.app
acknowledge:
views:
  lan: [192.168.1.0/24]
records:
  "*": 192.168.1.220
)");
  ASSERT_TRUE(empty.ok()) << empty.report();
  EXPECT_EQ(warnings(empty).size(), 1u) << "an empty acknowledge acknowledges nothing";
}

TEST(ZoneLoaderErrors, AcknowledgeTakesOnlyKnownWarningsOnce) {
  auto unknown = load(R"(zone: madhan.app
acknowledge: [wildcard-search-domain, private-address]
views:
  lan: [192.168.1.0/24]
)");
  expectOneError(unknown, 2,
                 "unknown warning 'private-address' in acknowledge (known: "
                 "wildcard-search-domain)");
  EXPECT_EQ(errors(unknown).at(0).where.column, 39);
  auto twice = load(R"(zone: madhan.app
acknowledge:
  - wildcard-search-domain
  - wildcard-search-domain
views:
  lan: [192.168.1.0/24]
)");
  expectOneError(twice, 4, "'wildcard-search-domain' is acknowledged twice (first at line 3)");
  EXPECT_EQ(errors(twice).at(0).where.column, 5);
  auto map = load(R"(zone: madhan.app
acknowledge: {wildcard-search-domain: true}
views:
  lan: [192.168.1.0/24]
)");
  expectOneError(map, 2, "acknowledge must be a list");
  EXPECT_EQ(errors(map).at(0).where.column, 14);
}

TEST(ZoneLoader, ZonefileRecordsAreCheckedLikeYamlRecords) {
  // lan.zone holds private addresses; a public view must refuse them, at the zone file's line.
  auto result = load(R"(zone: madhan.app
views:
  public: {match: [0.0.0.0/0], zonefile: lan.zone}
)");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_EQ(found[0].where.file, kLoaderData + "/lan.zone");
  EXPECT_EQ(found[0].where.line, 6);
  EXPECT_THAT(found[0].message, HasSubstr("private address 192.168.1.50"));
  EXPECT_EQ(found[1].where.line, 7);
  EXPECT_THAT(found[1].message, HasSubstr("private address fd00::5"));
}

// ---- the checks alone ---------------------------------------------------------------------

// A LoadContext for t.yaml whose zone madhan.app has one view per name in `views`, each serving
// `prefix`, and no records yet.
void prepare(LoadContext& context, const std::vector<std::string>& views,
             const std::string& prefix = "192.168.1.0/24") {
  Zone& zone = context.zone();
  zone.origin = *wire::nameFromText("madhan.app.", "");
  zone.origin_text = "madhan.app.";
  for (const std::string& name : views) {
    View& view = zone.views.emplace_back();
    view.name = name;
    view.prefixes.push_back(*ip::parsePrefix(prefix));
  }
}

// A record of the zone file as the loader makes it: `where` has no file unless it came from
// another one.
ResourceRecord record(const std::string& owner, std::uint16_t t, const std::string& rdata, int line,
                      std::uint32_t ttl = 300, const std::string& file = "") {
  ResourceRecord r;
  r.owner = *wire::nameFromText(owner, "");
  r.type = t;
  r.ttl = ttl;
  r.rdata = *wire::rdataFromText(t, rdata, r.owner);
  r.where = SourceLocation{file, line, 3};
  return r;
}

std::vector<std::string> reports(LoadContext& context) {
  std::vector<std::string> out;
  for (const Diagnostic& d : context.diagnostics()) out.push_back(d.toString());
  return out;
}

TEST(SemanticChecks, IdenticalRecordsCollapseIntoTheFirst) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan"});
  auto& records = context.zone().views[0].records;
  records = {record("a.madhan.app.", type::A, "192.168.1.5", 5),
             record("a.madhan.app.", type::A, "192.168.1.6", 6),
             record("a.madhan.app.", type::A, "192.168.1.5", 7)};
  runSemanticChecks(context);
  EXPECT_TRUE(context.diagnostics().empty());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].where.line, 5);
  EXPECT_EQ(records[1].where.line, 6);
}

TEST(SemanticChecks, AnRrsetTakesItsLowestTtlWithAWarning) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan"});
  auto& records = context.zone().views[0].records;
  records = {record("a.madhan.app.", type::A, "192.168.1.5", 5, 300),
             record("a.madhan.app.", type::A, "192.168.1.6", 8, 60, "lan.zone"),
             record("a.madhan.app.", type::TXT, "\"x\"", 9, 600)};
  runSemanticChecks(context);
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:5:3: warning: the A records of 'a.madhan.app.' have different "
                          "TTLs (300 here, 60 at line 8); all get 60 (view lan)"));
  EXPECT_EQ(records[0].ttl, 60u);
  EXPECT_EQ(records[1].ttl, 60u);
  EXPECT_EQ(records[2].ttl, 600u);  // another RRset
}

TEST(SemanticChecks, OneDiagnosticForEveryViewItHappensIn) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan", "vpn", "office"});
  for (View& view : context.zone().views) {
    view.records = {record("web.madhan.app.", type::A, "192.168.1.5", 7)};
    if (view.name != "vpn")
      view.records.push_back(record("web.madhan.app.", type::CNAME, "other", 8));
  }
  runSemanticChecks(context);
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:8:3: error: CNAME beside other data at 'web.madhan.app.': A at "
                          "line 7; a CNAME must be the only record at its name (views lan, "
                          "office)"));
}

TEST(SemanticChecks, WhatACnameIsBesideIsNamedWithItsFile) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan", "vpn"});
  context.zone().views[0].records = {
      record("web.madhan.app.", type::CNAME, "other", 8),
      record("web.madhan.app.", type::TXT, "\"x\"", 3, 300, "office.zone")};
  context.zone().views[1].records = {record("web.madhan.app.", type::CNAME, "other", 8),
                                     record("web.madhan.app.", type::CNAME, "third", 9)};
  runSemanticChecks(context);
  // Two CNAMEs are one conflict, reported at the first.
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:8:3: error: CNAME beside other data at 'web.madhan.app.': TXT "
                          "at office.zone:3; a CNAME must be the only record at its name (view "
                          "lan)",
                          "t.yaml:8:3: error: CNAME beside other data at 'web.madhan.app.': a "
                          "second CNAME at line 9; a CNAME must be the only record at its name "
                          "(view vpn)"));
}

TEST(SemanticChecks, PrivateAddressesOnlyInPublicFacingViews) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan"});
  prepare(context, {"home"}, "0.0.0.0/0");
  for (View& view : context.zone().views) {
    view.records = {record("nas.madhan.app.", type::A, "192.168.1.10", 5),
                    record("pub.madhan.app.", type::A, "178.156.199.250", 6),
                    record("ok.madhan.app.", type::AAAA, "fd00::1", 7)};
    view.records.back().allow_private = true;
  }
  runSemanticChecks(context);
  EXPECT_THAT(reports(context),
              ElementsAre("t.yaml:5:3: error: private address 192.168.1.10 for 'nas.madhan.app.' "
                          "in a public-facing view; set allow-private: true on this value if it "
                          "is intended (view home)"));
}

TEST(SemanticChecks, AWildcardFromAZoneFileIsReportedAtItsLine) {
  LoadContext context("t.yaml", ".");
  prepare(context, {"lan"});
  context.zone().views[0].records = {
      record("*.madhan.app.", type::A, "192.168.1.5", 4, 300, "lan.zone")};
  runSemanticChecks(context);
  EXPECT_THAT(reports(context),
              ElementsAre("lan.zone:4:3: warning: wildcard *.madhan.app. (lan.zone line 4; view "
                          "lan) also matches names with more labels (e.g. a.b.madhan.app.), so a "
                          "client that uses madhan.app as a search domain gets its answer for "
                          "mistyped or unqualified names"));
}

}  // namespace
}  // namespace horizon::zone
