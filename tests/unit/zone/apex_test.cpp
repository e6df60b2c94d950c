// The apex records (server/zone/apex.cpp): the SOA and NS made from the soa and ns keys or their
// defaults, in every view, with the SOA written last into the slot each view starts with.
#include "zone/apex.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"
#include "horizon/zone/yaml_tree.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"
#include "zone/load_context.hpp"

namespace horizon::zone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
namespace type = wire::type;

using testing::errors;
using testing::find;
using testing::load;

// ---- through the loader -------------------------------------------------------------------

TEST(ZoneLoader, ZoneWithoutRecordsHasOnlySoaAndNs) {
  auto result = load("zone: madhan.app\nviews: {lan: [192.168.1.0/24]}\n");
  ASSERT_TRUE(result.ok()) << result.report();
  ASSERT_EQ(result.zone->views[0].records.size(), 2u);
  EXPECT_TRUE(result.diagnostics.empty()) << result.report();
}

TEST(ZoneLoaderSoa, Defaults) {
  auto result = load("zone: madhan.app\nttl: 600\nviews: {lan: [192.168.1.0/24]}\n");
  ASSERT_TRUE(result.ok()) << result.report();
  const Zone& zone = *result.zone;
  const ResourceRecord* soa = find(zone, "lan", "madhan.app.", type::SOA);
  ASSERT_NE(soa, nullptr);
  EXPECT_EQ(soa->ttl, 600u);
  EXPECT_EQ(wire::rdataToText(type::SOA, soa->rdata), "ns1.madhan.app. hostmaster.madhan.app. " +
                                                          std::to_string(zone.serial) +
                                                          " 3600 600 604800 300");
  const ResourceRecord* ns = find(zone, "lan", "madhan.app.", type::NS);
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(wire::rdataToText(type::NS, ns->rdata), "ns1.madhan.app.");
  EXPECT_EQ(ns->ttl, 600u);
}

TEST(ZoneLoaderSoa, Overrides) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
soa:
  mname: dns1
  rname: ops.example.org.
  serial: 7
  refresh: 7200
  retry: 900
  expire: 1209600
  minimum: 60
  ttl: 3600
ns: [dns1, ns.example.net.]
)");
  ASSERT_TRUE(result.ok()) << result.report();
  for (const char* view : {"lan", "public"}) {
    const ResourceRecord* soa = find(*result.zone, view, "madhan.app.", type::SOA);
    ASSERT_NE(soa, nullptr);
    EXPECT_EQ(soa->ttl, 3600u);
    EXPECT_EQ(wire::rdataToText(type::SOA, soa->rdata),
              "dns1.madhan.app. ops.example.org. 7 7200 900 1209600 60");
    std::set<std::string> ns;
    for (const auto& r :
         result.zone->views[static_cast<std::size_t>(findView(*result.zone, view))].records)
      if (r.type == type::NS) ns.insert(wire::rdataToText(r.type, r.rdata));
    EXPECT_THAT(ns, UnorderedElementsAre("dns1.madhan.app.", "ns.example.net."));
  }
}

TEST(ZoneLoaderSoa, DefaultNsFollowsMname) {
  auto result = load("zone: madhan.app\nviews: {lan: [192.168.1.0/24]}\nsoa: {mname: a.b.}\n");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(wire::rdataToText(type::NS, find(*result.zone, "lan", "madhan.app.", type::NS)->rdata),
            "a.b.");
}

TEST(ZoneLoaderSoa, BadValues) {
  auto result = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
soa:
  rname: hostmaster@madhan.app
  serial: 4294967296
ns: []
)");
  auto found = errors(result);
  ASSERT_EQ(found.size(), 3u) << result.report();
  EXPECT_EQ(found[0].where.line, 5);
  EXPECT_THAT(found[0].message, HasSubstr("not an e-mail address"));
  EXPECT_EQ(found[1].where.line, 6);
  EXPECT_THAT(found[1].message, HasSubstr("soa serial must be an integer from 0 to 4294967295"));
  EXPECT_EQ(found[2].where.line, 7);
  EXPECT_THAT(found[2].message, HasSubstr("ns needs at least one name server"));
}

// ---- the steps alone ----------------------------------------------------------------------

// `context` as the zone keys leave it: the zone madhan.app with views lan and public, each
// holding its SOA slot and one record.
void prepare(LoadContext& context) {
  Zone& zone = context.zone();
  zone.origin = *wire::nameFromText("madhan.app.", "");
  zone.origin_text = "madhan.app.";
  zone.views.resize(2);
  zone.views[0].name = "lan";
  zone.views[1].name = "public";
  addSoaSlots(zone);
  for (View& view : zone.views) {
    ResourceRecord& record = view.records.emplace_back();
    record.owner = *wire::nameFromText("auth.madhan.app.", "");
    record.type = type::A;
    record.rdata = std::string("\xb2\x9c\xc7\xfa", 4);
  }
}

std::vector<std::string> nsOf(const View& view) {
  std::vector<std::string> out;
  for (const ResourceRecord& r : view.records)
    if (r.type == type::NS) out.push_back(wire::rdataToText(r.type, r.rdata));
  return out;
}

TEST(AddSoaSlots, EveryViewStartsWithAnSoaWithoutOwner) {
  Zone zone;
  zone.views.resize(2);
  addSoaSlots(zone);
  for (const View& view : zone.views) {
    ASSERT_EQ(view.records.size(), 1u);
    EXPECT_EQ(view.records[0].type, type::SOA);
    EXPECT_EQ(view.records[0].owner, "");
  }
}

TEST(SynthesizeApex, KeysGiveTheSoaAndTheNsOfEveryView) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("soa: {serial: 42, refresh: 7200}\nns: [dns1, ns.example.net.]\n");
  const std::vector<Entry> keys = context.entries(tree.root(), "the file");
  ASSERT_EQ(keys.size(), 2u);
  const SoaTemplate soa = synthesizeApex(context, &keys[0], &keys[1], tree.root());
  EXPECT_TRUE(context.diagnostics().empty());
  EXPECT_EQ(soa.serial, 42u);
  EXPECT_EQ(wire::nameToText(soa.record.owner), "madhan.app.");
  EXPECT_EQ(soa.record.where.line, 1);
  EXPECT_EQ(wire::rdataToText(type::SOA, soa.record.rdata),
            "ns1.madhan.app. hostmaster.madhan.app. 42 7200 600 604800 300");
  for (const View& view : context.zone().views) {
    // Appended behind the records already there; the SOA slot stays first.
    ASSERT_EQ(view.records.size(), 4u) << view.name;
    EXPECT_EQ(view.records[0].owner, "");
    EXPECT_EQ(view.records[1].type, type::A);
    EXPECT_THAT(nsOf(view), ElementsAre("dns1.madhan.app.", "ns.example.net."));
    EXPECT_EQ(view.records[3].where.line, 2);
  }
}

TEST(SynthesizeApex, WithoutKeysEverythingHasItsDefault) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("zone: madhan.app\n");
  const SoaTemplate soa = synthesizeApex(context, nullptr, nullptr, tree.root());
  EXPECT_TRUE(context.diagnostics().empty());
  EXPECT_FALSE(soa.serial.has_value());
  EXPECT_EQ(soa.record.ttl, 300u);
  EXPECT_EQ(wire::rdataToText(type::SOA, soa.record.rdata),
            "ns1.madhan.app. hostmaster.madhan.app. 0 3600 600 604800 300");
  for (const View& view : context.zone().views)
    EXPECT_THAT(nsOf(view), ElementsAre("ns1.madhan.app."));
}

TEST(SynthesizeApex, BadKeysAreReportedAndLeaveNoNs) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("soa: [1]\nns: {a: b}\n");
  const std::vector<Entry> keys = context.entries(tree.root(), "the file");
  synthesizeApex(context, &keys[0], &keys[1], tree.root());
  ASSERT_EQ(context.diagnostics().size(), 2u);
  EXPECT_EQ(context.diagnostics()[0].toString(),
            "t.yaml:1:6: error: soa must be a map (allowed: mname, rname, serial, refresh, retry, "
            "expire, minimum, ttl)");
  EXPECT_EQ(context.diagnostics()[1].toString(), "t.yaml:2:5: error: ns must be a list");
  for (const View& view : context.zone().views) EXPECT_TRUE(nsOf(view).empty());
}

TEST(FillSoaSlots, EveryViewGetsTheSoaWithTheSerial) {
  LoadContext context("t.yaml", ".");
  prepare(context);
  yaml::Tree tree = yaml::parse("zone: madhan.app\n");
  const SoaTemplate soa = synthesizeApex(context, nullptr, nullptr, tree.root());
  Zone& zone = context.zone();
  fillSoaSlots(zone, soa.record, 2024010101u);
  for (const View& view : zone.views) {
    const ResourceRecord& first = view.records.front();
    EXPECT_EQ(first.type, type::SOA);
    EXPECT_EQ(wire::nameToText(first.owner), "madhan.app.");
    EXPECT_EQ(wire::rdataToText(type::SOA, first.rdata),
              "ns1.madhan.app. hostmaster.madhan.app. 2024010101 3600 600 604800 300");
    EXPECT_EQ(view.records.size(), 3u);  // replaced, not added
  }
  // The template itself is left as it was.
  EXPECT_EQ(wire::rdataToText(type::SOA, soa.record.rdata),
            "ns1.madhan.app. hostmaster.madhan.app. 0 3600 600 604800 300");
}

}  // namespace
}  // namespace horizon::zone
