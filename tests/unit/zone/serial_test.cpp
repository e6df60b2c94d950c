// The serial (server/zone/serial.cpp): derived from the zone's content when the soa key gives
// none, the same for the same content however it is written, different after any change, and
// carried by the SOA of every view.
#include "zone/serial.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "loader_test_helpers.hpp"

namespace horizon::zone {
namespace {

namespace type = wire::type;

using testing::load;

constexpr const char* kSerialZone = R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
records:
  auth: 178.156.199.250
  "*": {lan: 192.168.1.220}
)";

std::uint32_t soaSerial(const Zone& zone, std::size_t view) {
  for (const auto& r : zone.views[view].records) {
    if (r.type != type::SOA) continue;
    std::string_view rd = r.rdata;
    rd = rd.substr(rd.size() - 20, 4);
    return (static_cast<std::uint32_t>(static_cast<std::uint8_t>(rd[0])) << 24) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(rd[1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<std::uint8_t>(rd[2])) << 8) |
           static_cast<std::uint8_t>(rd[3]);
  }
  return 0;
}

TEST(ZoneLoaderSerial, StableForIdenticalContent) {
  auto first = load(kSerialZone);
  auto second = load(kSerialZone);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first.zone->serial, 0u);
  EXPECT_EQ(first.zone->serial, second.zone->serial);
  // Same content written differently (order, comments, a target): same serial.
  auto reordered = load(R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]   # the LAN
  public: [0.0.0.0/0]
targets: {gw: 192.168.1.220}
records:
  "*": {lan: gw}
  Auth: 178.156.199.250
)");
  ASSERT_TRUE(reordered.ok()) << reordered.report();
  EXPECT_EQ(reordered.zone->serial, first.zone->serial);
  // Every view's SOA carries it.
  EXPECT_EQ(soaSerial(*first.zone, 0), first.zone->serial);
  EXPECT_EQ(soaSerial(*first.zone, 1), first.zone->serial);
}

TEST(ZoneLoaderSerial, ChangesWhenOneRecordChanges) {
  auto base = load(kSerialZone);
  std::string changed = kSerialZone;
  changed.replace(changed.find("192.168.1.220"), 13, "192.168.1.221");
  auto other = load(changed);
  ASSERT_TRUE(base.ok() && other.ok());
  EXPECT_NE(base.zone->serial, other.zone->serial);

  std::string ttl = std::string(kSerialZone) + "ttl: 301\n";
  auto other_ttl = load(ttl);
  ASSERT_TRUE(other_ttl.ok()) << other_ttl.report();
  EXPECT_NE(base.zone->serial, other_ttl.zone->serial);
}

TEST(ZoneLoaderSerial, ExplicitSerialWins) {
  auto result = load(std::string(kSerialZone) + "soa: {serial: 2024010101}\n");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.zone->serial, 2024010101u);
  EXPECT_EQ(soaSerial(*result.zone, 0), 2024010101u);
}

// ---- deriveSerial alone -------------------------------------------------------------------

ResourceRecord record(std::string owner, std::uint16_t t, std::uint32_t ttl, std::string rdata) {
  ResourceRecord r;
  r.owner = std::move(owner);
  r.type = t;
  r.ttl = ttl;
  r.rdata = std::move(rdata);
  return r;
}

// Two views with a few records, as the loader leaves them before the SOA is written.
std::vector<View> twoViews() {
  std::vector<View> views(2);
  views[0].name = "lan";
  views[0].records = {record("", type::SOA, 0, ""),
                      record("\4auth\6madhan\3app", type::A, 300, "\xc0\xa8\x01\x05"),
                      record("\4auth\6madhan\3app", type::TXT, 60, "\5hello")};
  views[1].name = "public";
  views[1].records = {record("", type::SOA, 0, ""),
                      record("\4auth\6madhan\3app", type::A, 300, "\xb2\x9c\xc7\xfa")};
  return views;
}

TEST(DeriveSerial, IgnoresTheOrderOfViewsAndRecords) {
  const std::vector<View> views = twoViews();
  std::vector<View> reordered = views;
  std::swap(reordered[0], reordered[1]);
  std::swap(reordered[1].records[1], reordered[1].records[2]);
  EXPECT_EQ(deriveSerial(reordered), deriveSerial(views));
}

TEST(DeriveSerial, SoaRecordsDoNotCount) {
  const std::vector<View> views = twoViews();
  std::vector<View> with_soa = views;
  with_soa[0].records[0] = record("\6madhan\3app", type::SOA, 300, std::string(22, '\1'));
  EXPECT_EQ(deriveSerial(with_soa), deriveSerial(views));
}

TEST(DeriveSerial, EveryFieldAndTheViewNameCount) {
  const std::vector<View> views = twoViews();
  const std::uint32_t serial = deriveSerial(views);
  auto changed = [&](auto change) {
    std::vector<View> copy = views;
    change(copy);
    return deriveSerial(copy);
  };
  EXPECT_NE(changed([](std::vector<View>& v) { v[0].records[1].owner = "\3www\6madhan\3app"; }),
            serial);
  EXPECT_NE(changed([](std::vector<View>& v) { v[0].records[2].type = type::CAA; }), serial);
  EXPECT_NE(changed([](std::vector<View>& v) { v[0].records[1].ttl = 301; }), serial);
  EXPECT_NE(changed([](std::vector<View>& v) { v[1].records[1].rdata[3] = '\xfb'; }), serial);
  EXPECT_NE(changed([](std::vector<View>& v) { v[1].name = "wan"; }), serial);
  // A record that moves to another view changes the serial too.
  EXPECT_NE(changed([](std::vector<View>& v) {
              v[1].records.push_back(v[0].records.back());
              v[0].records.pop_back();
            }),
            serial);
}

TEST(DeriveSerial, IsNeverZero) {
  EXPECT_NE(deriveSerial({}), 0u);
  std::vector<View> empty(1);
  empty[0].name = "lan";
  EXPECT_NE(deriveSerial(empty), 0u);
}

// The loader writes the derived serial into the zone and every view's SOA.
TEST(DeriveSerial, IsTheSerialOfALoadedZone) {
  auto result = load(kSerialZone);
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(deriveSerial(result.zone->views), result.zone->serial);
}

}  // namespace
}  // namespace horizon::zone
