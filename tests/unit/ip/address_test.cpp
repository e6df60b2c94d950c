// Client addresses and prefix matching of the ip module (server/ip/): what view selection sees.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "horizon/ip/prefix.hpp"

namespace horizon::ip {
namespace {

Prefix prefix(const char* text) {
  auto p = parsePrefix(text);
  EXPECT_TRUE(p) << text;
  return p.value_or(Prefix{});
}

TEST(ClientAddress, ParsesBothFamilies) {
  auto v4 = ClientAddress::fromString("192.168.1.7");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->is_v6);
  EXPECT_EQ(v4->bytes[0], 192);
  EXPECT_EQ(v4->bytes[3], 7);
  auto v6 = ClientAddress::fromString("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->is_v6);
  EXPECT_EQ(v6->bytes[0], 0x20);
  EXPECT_EQ(v6->bytes[15], 1);
  EXPECT_FALSE(ClientAddress::fromString("grafana"));
  EXPECT_FALSE(ClientAddress::fromString("10.0.0.0/8"));
}

TEST(ClientAddress, FoldsV4MappedIntoV4) {
  auto mapped = ClientAddress::fromString("::ffff:192.168.1.9");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->is_v6);
  EXPECT_TRUE(prefixContains(prefix("192.168.1.0/24"), *mapped));

  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:100.109.3.4", &sa.sin6_addr), 1);
  auto from_socket = ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
  EXPECT_FALSE(from_socket.is_v6);
  EXPECT_TRUE(prefixContains(prefix("100.109.0.0/16"), from_socket));
}

TEST(ClientAddress, FromSockaddrV4) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr), 1);
  auto a = ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
  EXPECT_FALSE(a.is_v6);
  EXPECT_TRUE(prefixContains(prefix("127.0.0.0/8"), a));
  EXPECT_FALSE(prefixContains(prefix("127.0.0.1/32"), a));
}

TEST(PrefixContains, ComparesOnlyTheLeadingBits) {
  auto a = *ClientAddress::fromString("192.168.1.255");
  EXPECT_TRUE(prefixContains(prefix("192.168.1.0/24"), a));
  EXPECT_TRUE(prefixContains(prefix("192.168.0.0/23"), a));
  EXPECT_TRUE(prefixContains(prefix("192.168.1.128/25"), a));
  EXPECT_FALSE(prefixContains(prefix("192.168.1.0/25"), a));
  EXPECT_TRUE(prefixContains(prefix("0.0.0.0/0"), a));
}

TEST(PrefixContains, NeverAcrossFamilies) {
  EXPECT_FALSE(prefixContains(prefix("::/0"), *ClientAddress::fromString("10.0.0.1")));
  EXPECT_FALSE(prefixContains(prefix("0.0.0.0/0"), *ClientAddress::fromString("fd00::1")));
  EXPECT_TRUE(prefixContains(prefix("fd00::/8"), *ClientAddress::fromString("fd00::1")));
}

}  // namespace
}  // namespace horizon::ip
