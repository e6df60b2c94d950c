// Lookups over a loaded zone (server/zone/zone.cpp).
#include "horizon/zone/zone.hpp"

#include <gtest/gtest.h>

namespace horizon::zone {
namespace {

TEST(FindView, ByName) {
  Zone zone;
  zone.views.resize(2);
  zone.views[0].name = "lan";
  zone.views[1].name = "public";
  EXPECT_EQ(findView(zone, "lan"), 0);
  EXPECT_EQ(findView(zone, "public"), 1);
  EXPECT_EQ(findView(zone, "vpn"), -1);
  EXPECT_EQ(findView(zone, "LAN"), -1);
}

}  // namespace
}  // namespace horizon::zone
