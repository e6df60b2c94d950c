// The upstream table: one slot per address up to the cap, the rest folded into "other".
#include "horizon/resolver/resolver_stats.hpp"

#include <gtest/gtest.h>

#include <string>

namespace horizon::resolver {
namespace {

Endpoint endpoint(int i) {
  return {boost::asio::ip::make_address("127.0.1." + std::to_string(i)), 53};
}

TEST(UpstreamTable, SlotsUpToTheCapThenOther) {
  UpstreamTable table;
  for (int i = 0; i < 40; ++i) table.of(endpoint(i)).queries.add();
  for (int i = 0; i < 40; ++i) table.of(endpoint(i)).queries.add();  // known ones keep their slot
  ASSERT_EQ(table.size(), UpstreamTable::kMaxUpstreams);
  EXPECT_EQ(table.label(0), "127.0.1.0:53");
  EXPECT_EQ(table.counters(0).queries.get(), 2u);
  EXPECT_EQ(table.counters(UpstreamTable::kMaxUpstreams - 1).queries.get(), 2u);
  EXPECT_EQ(table.other().queries.get(), 2u * (40 - UpstreamTable::kMaxUpstreams));
}

TEST(UpstreamTable, PortsAndFamiliesAreDifferentUpstreams) {
  UpstreamTable table;
  table.of({boost::asio::ip::make_address("127.0.0.1"), 53}).timeouts.add();
  table.of({boost::asio::ip::make_address("127.0.0.1"), 5353}).timeouts.add();
  table.of({boost::asio::ip::make_address("::1"), 53}).timeouts.add();
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table.label(1), "127.0.0.1:5353");
  EXPECT_EQ(table.label(2), "[::1]:53");
}

}  // namespace
}  // namespace horizon::resolver
