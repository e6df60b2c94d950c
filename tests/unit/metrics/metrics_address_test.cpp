// --metrics ADDR:PORT (server/metrics/metrics_address.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "horizon/metrics/http_endpoint.hpp"

namespace horizon::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsAddressTest, TakesIpv4Ipv6AndABarePort) {
  std::string error;
  auto v4 = parseMetricsAddress("0.0.0.0:9153", &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->address, "0.0.0.0");
  EXPECT_EQ(v4->port, 9153);
  auto v6 = parseMetricsAddress("[::1]:9154", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 9154);
  auto bare = parseMetricsAddress("9155", &error);
  ASSERT_TRUE(bare) << error;
  EXPECT_EQ(bare->address, "127.0.0.1");
  EXPECT_EQ(bare->port, 9155);
  auto any = parseMetricsAddress("127.0.0.1:0", &error);
  ASSERT_TRUE(any) << error;
  EXPECT_EQ(any->port, 0);
}

TEST(MetricsAddressTest, KeepsTheOtherDefaults) {
  std::string error;
  auto parsed = parseMetricsAddress("127.0.0.1:9153", &error);
  ASSERT_TRUE(parsed);
  const EndpointOptions defaults;
  EXPECT_EQ(parsed->max_connections, defaults.max_connections);
  EXPECT_EQ(parsed->request_timeout, defaults.request_timeout);
  EXPECT_EQ(parsed->max_header_bytes, defaults.max_header_bytes);
}

TEST(MetricsAddressTest, RefusesWhatIsNotAnAddressAndPort) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "empty"},
      {"127.0.0.1", "expected ADDR:PORT"},
      {"::1", "expected ADDR:PORT"},
      {"::1:9153", "expected ADDR:PORT"},
      {"[::1]", "expected ADDR:PORT"},
      {"[::1]9153", "expected ADDR:PORT"},
      {"localhost:9153", "'localhost' is not an IPv4 or IPv6 address"},
      {":9153", "'' is not an IPv4 or IPv6 address"},
      {"127.0.0.1:65536", "port must be a number from 0 to 65535, got '65536'"},
      {"127.0.0.1:+80", "got '+80'"},
      {"127.0.0.1:", "got ''"},
      {"[127.0.0.1]:80", nullptr},  // brackets around IPv4 are tolerated
  };
  for (const auto& c : cases) {
    std::string error;
    auto parsed = parseMetricsAddress(c.text, &error);
    if (c.says == nullptr) {
      EXPECT_TRUE(parsed) << c.text << ": " << error;
      continue;
    }
    EXPECT_FALSE(parsed) << c.text;
    EXPECT_THAT(error, HasSubstr(c.says)) << c.text;
  }
}

}  // namespace
}  // namespace horizon::metrics
