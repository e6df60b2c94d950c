// The descriptor budget: the reserve always stays free, client TCP connections and resolutions
// in flight fit in what is left, and the operator's TCP cap wins only when it is lower.
#include "horizon/net/descriptor_budget.hpp"

#include <gtest/gtest.h>

namespace horizon::net {
namespace {

TEST(DescriptorBudget, TheShellDefaultLeavesTheReserveFree) {
  const DescriptorBudget b = planDescriptors(1024, 2, 1, 1024);
  EXPECT_EQ(b.limit, 1024u);
  EXPECT_FALSE(b.starved);
  EXPECT_TRUE(b.tcp_clamped);  // 1024 connections cannot fit under a limit of 1024
  EXPECT_LT(b.tcp_connections, 1024u);
  EXPECT_GT(b.tcp_connections, 100u);
  EXPECT_GT(b.in_flight, 100u);
  // Each resolution may hold one upstream TCP socket: everything fits beside the reserve.
  EXPECT_LE(b.reserve + b.tcp_connections + b.in_flight, 1024u);
  EXPECT_GE(b.in_flight_per_client, 1u);
  EXPECT_LT(b.in_flight_per_client, b.in_flight / 2);
}

TEST(DescriptorBudget, ALowerConfiguredTcpCapWins) {
  const DescriptorBudget b = planDescriptors(65536, 4, 2, 100);
  EXPECT_EQ(b.tcp_connections, 100u);
  EXPECT_FALSE(b.tcp_clamped);
}

TEST(DescriptorBudget, AHugeLimitStillBoundsResolutions) {
  const DescriptorBudget b = planDescriptors(1u << 20, 2, 1, 1024);
  EXPECT_EQ(b.tcp_connections, 1024u);
  EXPECT_EQ(b.in_flight, 2 * kMaxInFlightPerWorker);
}

TEST(DescriptorBudget, ATinyLimitKeepsOneOfEachPerWorker) {
  const DescriptorBudget b = planDescriptors(64, 3, 1, 1024);
  EXPECT_TRUE(b.starved);
  EXPECT_GE(b.tcp_connections, 3u);
  EXPECT_GE(b.in_flight, 3u);
  EXPECT_GE(b.in_flight_per_client, 1u);
}

TEST(DescriptorBudget, MoreListenAddressesAndWorkersReserveMore) {
  EXPECT_GT(planDescriptors(4096, 4, 3, 1024).reserve, planDescriptors(4096, 2, 1, 1024).reserve);
}

}  // namespace
}  // namespace horizon::net
