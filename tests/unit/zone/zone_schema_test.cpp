// The zone file's own keys (server/zone/zone_schema.cpp), as zones/FORMAT.md describes them: the
// value grammar of records, views and recursion, one test per error kind with its message and
// exact line, and the zone files that views include. The YAML of each test is written inline;
// its first line is line 1.
#include "zone/zone_schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/zone/yaml_tree.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"
#include "zone/load_context.hpp"

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

// ---- the value grammar ----------------------------------------------------------------------

TEST(ZoneLoader, ValueForms) {
  auto result = load(R"(zone: Madhan.App
ttl: 120
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0, "::/0"]
targets:
  bifrost: [178.156.199.250, "2a01:4f8::1"]
records:
  "@": 178.156.199.250
  both: [bifrost, 178.156.199.251, bifrost]
  split: {lan: 192.168.1.5, public: {A: bifrost, ttl: 60}}
  typed:
    A: [bifrost]
    TXT: ["v=spf1 include:_spf.example.org ~all", '"one" "two"']
    MX: 10 mail
    SRV: 10 5 5060 sip.example.org.
    CAA: '0 issue "letsencrypt.org"'
    ttl: 30
  web: {CNAME: Typed}
  Mixed.Case: 178.156.199.252
  Abs.madhan.app.: 178.156.199.253
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const Zone& zone = *result.zone;
  EXPECT_EQ(zone.origin_text, "madhan.app.");
  EXPECT_EQ(zone.default_ttl, 120u);
  EXPECT_THAT(
      contents(zone, "lan"),
      ElementsAre("abs.madhan.app. A 178.156.199.253", "both.madhan.app. A 178.156.199.250",
                  "both.madhan.app. A 178.156.199.251", "both.madhan.app. AAAA 2a01:4f8::1",
                  "madhan.app. A 178.156.199.250", "mixed.case.madhan.app. A 178.156.199.252",
                  "split.madhan.app. A 192.168.1.5", "typed.madhan.app. A 178.156.199.250",
                  "typed.madhan.app. CAA 0 issue \"letsencrypt.org\"",
                  "typed.madhan.app. MX 10 mail.madhan.app.",
                  "typed.madhan.app. SRV 10 5 5060 sip.example.org.",
                  "typed.madhan.app. TXT \"one\" \"two\"",
                  "typed.madhan.app. TXT \"v=spf1 include:_spf.example.org ~all\"",
                  "web.madhan.app. CNAME Typed.madhan.app."));
  // A type map's A takes only the IPv4 addresses of a target.
  EXPECT_EQ(find(zone, "lan", "typed.madhan.app.", type::AAAA), nullptr);
  // TTLs: zone default, the map's modifier, a modifier inside a view.
  EXPECT_EQ(find(zone, "lan", "both.madhan.app.", type::A)->ttl, 120u);
  EXPECT_EQ(find(zone, "lan", "typed.madhan.app.", type::MX)->ttl, 30u);
  EXPECT_EQ(find(zone, "public", "split.madhan.app.", type::A)->ttl, 60u);
  EXPECT_EQ(find(zone, "lan", "split.madhan.app.", type::A)->ttl, 120u);
  EXPECT_EQ(find(zone, "public", "split.madhan.app.", type::AAAA), nullptr);
  // Locations: the YAML node of the value.
  EXPECT_EQ(find(zone, "lan", "typed.madhan.app.", type::MX)->where.line, 15);
  EXPECT_EQ(find(zone, "lan", "madhan.app.", type::A)->where.line, 9);
  // The YAML file's own records leave the file empty (it is zone.source_file).
  EXPECT_EQ(find(zone, "lan", "madhan.app.", type::A)->where.file, "");
  EXPECT_EQ(zone.source_file, "test.yaml");
  // Duplicates within one view collapse (bifrost listed twice).
  int both_a = 0;
  for (const auto& r : zone.views[0].records)
    if (r.owner == *wire::nameFromText("both.madhan.app.", "") && r.type == type::A) ++both_a;
  EXPECT_EQ(both_a, 2);
}

TEST(ZoneLoader, RecursionListSetsTheFlag) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn: [100.109.0.0/16]
  public: [0.0.0.0/0]
recursion: [lan, vpn]
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_TRUE(result.zone->views[0].recursion);
  EXPECT_TRUE(result.zone->views[1].recursion);
  EXPECT_FALSE(result.zone->views[2].recursion);
}

TEST(ZoneLoader, WithoutRecursionKeyOnlyPrivateViewsRecurse) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24, 127.0.0.0/8, "::1/128"]
  vpn: [100.109.0.0/16]
  mixed: [10.9.0.0/16, 198.51.100.0/24]
  public: [0.0.0.0/0, "::/0"]
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_TRUE(result.zone->views[0].recursion);
  EXPECT_TRUE(result.zone->views[1].recursion);   // 100.109/16 lies in CGNAT space
  EXPECT_FALSE(result.zone->views[2].recursion);  // one public prefix is enough to refuse
  EXPECT_FALSE(result.zone->views[3].recursion);
  auto off = load("zone: madhan.app\nviews: {lan: [192.168.1.0/24]}\nrecursion: []\n");
  ASSERT_TRUE(off.ok()) << off.report();
  EXPECT_FALSE(off.zone->views[0].recursion);
}

// ---- one test per error kind ----------------------------------------------------------------

TEST(ZoneLoaderErrors, NotAMap) {
  expectOneError(load("- a\n- b\n"), 1, "the file must be a map");
  expectOneError(load(""), 1, "the file is empty");
}

TEST(ZoneLoaderErrors, MissingRequiredKeys) {
  auto result = load("ttl: 300\n");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_THAT(found[0].message, HasSubstr("missing required key 'zone'"));
  EXPECT_THAT(found[1].message, HasSubstr("missing required key 'views'"));

  auto no_views = load("zone: madhan.app\nviews: {}\n");
  expectOneError(no_views, 2, "at least one view");
}

TEST(ZoneLoaderErrors, UnknownTopLevelKey) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
zones: oops
)");
  expectOneError(result, 4, "unknown key 'zones'");
  EXPECT_THAT(errors(result)[0].message,
              HasSubstr("allowed: zone, ttl, views, targets, records, public, soa, ns, recursion"));
  EXPECT_EQ(errors(result)[0].where.column, 1);
}

TEST(ZoneLoaderErrors, UnknownKeyInARecordListsViewsAndTypes) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
records:
  auth:
    A: 178.156.199.250
    AA: 178.156.199.250
)");
  expectOneError(result, 8, "unknown key 'AA' in the value of 'auth'");
  EXPECT_THAT(errors(result)[0].message, HasSubstr("views lan, public"));
  EXPECT_THAT(errors(result)[0].message,
              HasSubstr("record types A, AAAA, CNAME, TXT, MX, SRV, CAA"));
  EXPECT_THAT(errors(result)[0].message, HasSubstr("modifiers ttl, allow-private"));
}

TEST(ZoneLoaderErrors, UnknownKeyInNestedSections) {
  auto in_view = load(R"(zone: madhan.app
views:
  lan: {match: [192.168.1.0/24], zonefil: lan.zone}
)");
  expectOneError(in_view, 3,
                 "unknown key 'zonefil' in view 'lan' (allowed: match, zonefile, rate-limit)");

  auto in_soa = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
soa:
  refresh: 100
  refesh: 100
)");
  expectOneError(in_soa, 6, "unknown key 'refesh' in soa (allowed: mname, rname, serial");

  auto in_public = load(R"(zone: madhan.app
views:
  public: [0.0.0.0/0]
targets:
  bifrost: 178.156.199.250
public:
  via: bifrost
  service: [grafana]
)");
  expectOneError(in_public, 8, "unknown key 'service' in public (allowed: via, services, traefik)");
}

TEST(ZoneLoaderErrors, UnsupportedTypeInRecords) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  sub: {NS: ns.example.org.}
)");
  expectOneError(result, 5, "record type NS is not supported in records");
  EXPECT_THAT(errors(result)[0].message, HasSubstr("SOA and NS are made from the soa and ns keys"));
}

TEST(ZoneLoaderErrors, UndefinedTarget) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
targets:
  bifrost: 178.156.199.250
records:
  auth: bifrost
  netbird: bifrots
)");
  expectOneError(result, 8, "undefined target 'bifrots' (targets: bifrost)");
  EXPECT_EQ(errors(result)[0].where.column, 12);
}

TEST(ZoneLoaderErrors, UndefinedTargetInsideAViewMap) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  "*": {lan: gateway}
)");
  expectOneError(result, 5, "undefined target 'gateway'");
}

TEST(ZoneLoaderErrors, BadCidr) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn:
    - 100.109.0.1/16
)");
  expectOneError(result, 5, "bad CIDR");
  EXPECT_THAT(errors(result)[0].message, HasSubstr("host bits set"));
  EXPECT_EQ(errors(result)[0].where.column, 7);
}

TEST(ZoneLoaderErrors, BadAddress) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  auth: 300.1.1.1
)");
  expectOneError(result, 5, "bad address '300.1.1.1'");

  auto target = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
targets:
  gateway: 192.168.1.2200
)");
  expectOneError(target, 5, "bad address '192.168.1.2200' for target 'gateway'");

  auto typed = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  auth: {A: "2001:db8::1"}
)");
  expectOneError(typed, 5, "'2001:db8::1' is not an IPv4 address");
}

TEST(ZoneLoaderErrors, BadName) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  "a..b": 192.168.1.1
)");
  expectOneError(result, 5, "bad name 'a..b'");

  auto long_label = load("zone: madhan.app\nviews:\n  lan: [192.168.1.0/24]\nrecords:\n  " +
                         std::string(64, 'x') + ": 192.168.1.1\n");
  expectOneError(long_label, 5, "longer than 63 octets");

  auto inner_wildcard = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  "proxy.*": 192.168.1.1
)");
  expectOneError(inner_wildcard, 5, "'*' is only allowed as the whole leftmost label");

  auto outside = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  grafana.example.org.: 192.168.1.1
)");
  expectOneError(outside, 5, "'grafana.example.org.' is outside the zone madhan.app.");

  auto bad_cname = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  web: {CNAME: "a..b"}
)");
  expectOneError(bad_cname, 5, "bad CNAME value 'a..b'");
}

TEST(ZoneLoaderErrors, MoreThanOneCname) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  web: {CNAME: [a, b]}
)");
  expectOneError(result, 5, "CNAME of 'web' takes exactly one name");
}

TEST(ZoneLoaderErrors, DuplicateNamesDifferingInCase) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  grafana: 192.168.1.5
  auth: 192.168.1.6
  Grafana: 192.168.1.7
)");
  expectOneError(result, 7,
                 "duplicate name: 'grafana' (line 5) and 'Grafana' (line 7) are both "
                 "grafana.madhan.app.");
}

TEST(ZoneLoaderErrors, DuplicateNamesRelativeAndAbsolute) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  grafana.madhan.app.: 192.168.1.5
  grafana: 192.168.1.7
)");
  expectOneError(result, 6, "'grafana.madhan.app.' (line 5) and 'grafana' (line 6)");
}

TEST(ZoneLoaderErrors, DuplicateKeysInOtherMaps) {
  auto targets = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
targets:
  gateway: 192.168.1.220
  gateway: 192.168.1.221
)");
  expectOneError(targets, 6, "duplicate key 'gateway' in targets (first at line 5)");

  auto top = load(R"(zone: madhan.app
ttl: 300
views:
  lan: [192.168.1.0/24]
ttl: 600
)");
  expectOneError(top, 5, "duplicate key 'ttl' in the file (first at line 2)");

  auto types = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  auth:
    A: 192.168.1.1
    a: 192.168.1.2
)");
  expectOneError(types, 7, "duplicate key 'a' in the value of 'auth' (first at line 6)");
}

TEST(ZoneLoaderErrors, ViewNamedLikeARecordType) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  mx: [10.0.0.0/8]
)");
  expectOneError(result, 4, "view name 'mx' is also the record type MX");

  auto any = load("zone: madhan.app\nviews:\n  any: [10.0.0.0/8]\n  lan: [192.168.1.0/24]\n");
  expectOneError(any, 3, "view name 'any' is also the record type ANY");

  auto modifier = load("zone: madhan.app\nviews:\n  lan: [192.168.1.0/24]\n  ttl: [10.0.0.0/8]\n");
  expectOneError(modifier, 4, "view name 'ttl' is a reserved word");

  auto bad = load("zone: madhan.app\nviews:\n  Lan: [192.168.1.0/24]\n");
  expectOneError(bad, 3, "bad view name 'Lan'");
}

TEST(ZoneLoaderErrors, MixedViewAndTypeKeys) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
records:
  web: {lan: 192.168.1.5, A: 192.168.1.6}
)");
  expectOneError(result, 5, "mixes view keys (lan) and record type keys (A)");
}

TEST(ZoneLoaderErrors, NestedViewMaps) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  vpn: [100.109.0.0/16]
records:
  web:
    lan: {vpn: 192.168.1.5}
)");
  expectOneError(result, 7, "a view map cannot be nested in another view map");
}

TEST(ZoneLoaderErrors, BadTtl) {
  auto result = load(R"(zone: madhan.app
ttl: 2147483648
views:
  lan: [192.168.1.0/24]
records:
  web: {A: 192.168.1.5, ttl: -1}
)");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_EQ(found[0].where.line, 2);
  EXPECT_THAT(found[0].message, HasSubstr("ttl must be an integer from 0 to 2147483647"));
  EXPECT_EQ(found[1].where.line, 6);
  EXPECT_THAT(found[1].message, HasSubstr("not '-1'"));
}

TEST(ZoneLoaderErrors, RecursionNamesUnknownView) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
recursion: [lan, van]
)");
  expectOneError(result, 4, "unknown view 'van' in recursion (views: lan)");
}

// ---- zone files -----------------------------------------------------------------------------

TEST(ZoneLoader, ZonefileRecordsLandInTheirView) {
  auto result = load(R"(zone: madhan.app
views:
  lan:
    match: [192.168.1.0/24]
    zonefile: lan.zone
  public: [0.0.0.0/0]
records:
  auth: 178.156.199.250
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const Zone& zone = *result.zone;
  EXPECT_THAT(contents(zone, "lan"),
              ElementsAre("_sip._tcp.madhan.app. SRV 10 5 5060 pbx.madhan.app.",
                          "auth.madhan.app. A 178.156.199.250", "nas.madhan.app. AAAA fd00::5",
                          "printer.madhan.app. A 192.168.1.50",
                          "www.madhan.app. CNAME printer.madhan.app."));
  EXPECT_THAT(contents(zone, "public"), ElementsAre("auth.madhan.app. A 178.156.199.250"));
  const ResourceRecord* printer = find(zone, "lan", "printer.madhan.app.", type::A);
  ASSERT_NE(printer, nullptr);
  EXPECT_EQ(printer->ttl, 600u);  // $TTL of the file
  EXPECT_EQ(printer->where.file, kLoaderData + "/lan.zone");
  EXPECT_EQ(printer->where.line, 6);
  EXPECT_EQ(find(zone, "lan", "nas.madhan.app.", type::AAAA)->ttl, 60u);
  // The YAML's SOA applies, not the file's (serial 1, mname ns1 but refresh 3600 in both).
  const ResourceRecord* soa = find(zone, "lan", "madhan.app.", type::SOA);
  ASSERT_NE(soa, nullptr);
  EXPECT_EQ(soa->where.file, "test.yaml");
  int ns_count = 0;
  for (const auto& r : zone.views[0].records) ns_count += r.type == type::NS;
  EXPECT_EQ(ns_count, 1);

  auto found = warnings(result);
  ASSERT_EQ(found.size(), 2u) << result.report();
  EXPECT_EQ(found[0].where.file, kLoaderData + "/lan.zone");
  EXPECT_EQ(found[0].where.line, 3);
  EXPECT_THAT(found[0].message, HasSubstr("apex SOA of the zone file is ignored"));
  EXPECT_EQ(found[1].where.line, 5);
  EXPECT_THAT(found[1].message, HasSubstr("apex NS of the zone file is ignored"));
  EXPECT_EQ(found[0].toString(),
            kLoaderData +
                "/lan.zone:3: warning: the apex SOA of the zone file is ignored: the "
                "soa key of the YAML file applies");
}

TEST(ZoneLoader, ZonefileIsRelativeToTheYamlFile) {
  auto result = loadZoneFile(kLoaderData + "/with_zonefile.yaml");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_NE(find(*result.zone, "lan", "printer.madhan.app.", type::A), nullptr);
  EXPECT_EQ(find(*result.zone, "public", "printer.madhan.app.", type::A), nullptr);
}

TEST(ZoneLoader, ZonefileErrorsCarryTheirLine) {
  auto result = load(R"(zone: madhan.app
views:
  lan: {match: [192.168.1.0/24], zonefile: bad.zone}
)");
  EXPECT_FALSE(result.ok());
  auto found = errors(result);
  ASSERT_EQ(found.size(), 3u) << result.report();
  for (const auto& d : found) EXPECT_EQ(d.where.file, kLoaderData + "/bad.zone");
  EXPECT_EQ(found[0].where.line, 3);
  EXPECT_THAT(found[0].message, HasSubstr("ldns: "));
  EXPECT_EQ(found[1].where.line, 4);
  EXPECT_THAT(found[1].message, HasSubstr("'other.example.org.' is outside the zone madhan.app."));
  EXPECT_EQ(found[2].where.line, 5);
  EXPECT_THAT(found[2].message, HasSubstr("delegations are not supported"));
}

TEST(ZoneLoader, MissingZonefileIsReportedAtTheKey) {
  auto result = load(R"(zone: madhan.app
views:
  lan:
    match: [192.168.1.0/24]
    zonefile: nope.zone
)");
  expectOneError(result, 5, "cannot read zone file '" + kLoaderData + "/nope.zone'");
}

// ---- the step alone -----------------------------------------------------------------------

TEST(ReadTopLevel, KnownKeysEachOnce) {
  LoadContext context("t.yaml", ".");
  yaml::Tree tree = yaml::parse("zone: a.example\nzones: x\nttl: 1\nttl: 2\nviews: {}\n");
  const std::optional<TopLevel> top = readTopLevel(context, tree.root());
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->keys.size(), 3u);
  ASSERT_NE(top->find("ttl"), nullptr);
  EXPECT_EQ(top->find("ttl")->value.scalar(), "1");
  EXPECT_EQ(top->find("records"), nullptr);
  // In the order found: duplicates while the map is read, unknown keys after (a load sorts
  // its diagnostics by line at the end).
  ASSERT_EQ(context.diagnostics().size(), 2u);
  EXPECT_THAT(context.diagnostics()[0].toString(),
              HasSubstr("t.yaml:4:1: error: duplicate key 'ttl' in the file (first at line 3)"));
  EXPECT_THAT(context.diagnostics()[1].toString(), HasSubstr("t.yaml:2:1: error: unknown key"));
}

TEST(ReadTopLevel, NothingWithoutAMap) {
  LoadContext context("t.yaml", ".");
  yaml::Tree empty = yaml::parse("# nothing\n");
  EXPECT_FALSE(readTopLevel(context, empty.root()).has_value());
  yaml::Tree list = yaml::parse("- zone\n");
  EXPECT_FALSE(readTopLevel(context, list.root()).has_value());
  EXPECT_EQ(context.diagnostics().size(), 2u);
}

TEST(ParseZoneSchema, RecordsFollowTheSoaSlotOfEachView) {
  LoadContext context("t.yaml", HORIZON_TEST_DATA "/loader");
  yaml::Tree tree = yaml::parse(
      "zone: madhan.app\nviews: {lan: [192.168.1.0/24], public: [0.0.0.0/0]}\n"
      "records: {auth: 178.156.199.250, nas: {lan: 192.168.1.10}}\n");
  const std::optional<TopLevel> top = readTopLevel(context, tree.root());
  ASSERT_TRUE(top.has_value());
  EXPECT_TRUE(parseZoneSchema(context, *top, tree.root()));
  EXPECT_TRUE(context.diagnostics().empty());
  const Zone& zone = context.zone();
  EXPECT_EQ(zone.origin_text, "madhan.app.");
  ASSERT_EQ(zone.views.size(), 2u);
  ASSERT_EQ(zone.views[0].records.size(), 3u);
  ASSERT_EQ(zone.views[1].records.size(), 2u);
  for (const View& view : zone.views) {
    EXPECT_EQ(view.records[0].type, type::SOA);  // the slot, filled at the end of a load
    EXPECT_EQ(view.records[0].owner, "");
    EXPECT_EQ(wire::nameToText(view.records[1].owner), "auth.madhan.app.");
  }
  // The lan view recurses: all its prefixes are private.
  EXPECT_TRUE(zone.views[0].recursion);
  EXPECT_FALSE(zone.views[1].recursion);
}

TEST(ParseZoneSchema, WithoutAZoneNameTheRecordsAreNotRead) {
  LoadContext context("t.yaml", ".");
  yaml::Tree tree = yaml::parse(
      "zone: bad..name\nviews: {lan: [192.168.1.0/24]}\ntargets: {gw: 192.168.1.1}\n"
      "records: {auth: gw}\n");
  const std::optional<TopLevel> top = readTopLevel(context, tree.root());
  ASSERT_TRUE(top.has_value());
  EXPECT_FALSE(parseZoneSchema(context, *top, tree.root()));
  ASSERT_EQ(context.diagnostics().size(), 1u);
  EXPECT_THAT(context.diagnostics()[0].message, HasSubstr("bad zone name 'bad..name'"));
  // Views and targets are still read (and checked); records need the zone's name.
  ASSERT_EQ(context.zone().views.size(), 1u);
  EXPECT_TRUE(context.zone().views[0].records.empty());
  EXPECT_EQ(context.targets().count("gw"), 1u);
}

}  // namespace
}  // namespace horizon::zone
