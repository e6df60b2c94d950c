// The per-length prefix tables that select a view: the same view as a scan of the prefixes,
// most specific first, for random IPv4 and IPv6 prefixes and addresses; and a zone's selectView.
#include "horizon/query/prefix_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace horizon::query {
namespace {

ip::Prefix randomPrefix(std::mt19937& rng, bool v6) {
  ip::Prefix p;
  p.is_v6 = v6;
  const int bits = v6 ? 128 : 32;
  // Few distinct leading octets, so prefixes nest and overlap often.
  for (int i = 0; i < bits / 8; ++i) p.address[i] = static_cast<std::uint8_t>(rng() % 4);
  p.length = static_cast<int>(rng() % (bits + 1));
  for (int bit = p.length; bit < bits; ++bit)
    p.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return p;
}

ip::ClientAddress randomAddress(std::mt19937& rng, bool v6) {
  ip::ClientAddress a;
  a.is_v6 = v6;
  for (int i = 0; i < (v6 ? 16 : 4); ++i) a.bytes[i] = static_cast<std::uint8_t>(rng() % 4);
  return a;
}

TEST(PrefixTable, AgreesWithAScanOfThePrefixesMostSpecificFirst) {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::pair<ip::Prefix, std::uint32_t>> entries;
    const int count = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < count; ++i)
      entries.emplace_back(randomPrefix(rng, rng() % 2 == 0), static_cast<std::uint32_t>(i));
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first.length > b.first.length; });
    const PrefixTable table(entries);
    for (int q = 0; q < 400; ++q) {
      const ip::ClientAddress client = randomAddress(rng, rng() % 2 == 0);
      std::uint32_t expected = PrefixTable::kNoMatch;
      for (const auto& [prefix, value] : entries) {
        if (ip::prefixContains(prefix, client)) {
          expected = value;
          break;
        }
      }
      ASSERT_EQ(table.find(client), expected) << "round " << round << " query " << q;
    }
  }
}

TEST(PrefixTable, FamiliesStaySeparateAndAnEmptyTableMatchesNothing) {
  EXPECT_EQ(PrefixTable().find(*ip::ClientAddress::fromString("192.0.2.1")), PrefixTable::kNoMatch);
  const PrefixTable table({{*ip::parsePrefix("0.0.0.0/0"), 1},
                           {*ip::parsePrefix("192.168.1.0/24"), 2},
                           {*ip::parsePrefix("2001:db8::/32"), 3}});
  EXPECT_EQ(table.find(*ip::ClientAddress::fromString("192.168.1.9")), 2u);
  EXPECT_EQ(table.find(*ip::ClientAddress::fromString("10.0.0.1")), 1u);
  EXPECT_EQ(table.find(*ip::ClientAddress::fromString("2001:db8::1")), 3u);
  EXPECT_EQ(table.find(*ip::ClientAddress::fromString("2001:db9::1")), PrefixTable::kNoMatch);
  // IPv4-mapped clients are IPv4 (ClientAddress), so the IPv4 prefixes hold them.
  EXPECT_EQ(table.find(*ip::ClientAddress::fromString("::ffff:192.168.1.9")), 2u);
}

}  // namespace
}  // namespace horizon::query
