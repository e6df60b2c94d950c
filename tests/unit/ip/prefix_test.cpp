// Prefixes, addresses and the private-address rules of the ip module (server/ip/).
#include "horizon/ip/prefix.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace horizon::ip {
namespace {

using ::testing::HasSubstr;

std::string v4(int a, int b, int c, int d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                     static_cast<char>(d)};
}

std::string prefixError(std::string_view text) {
  std::string error;
  auto prefix = parsePrefix(text, &error);
  EXPECT_FALSE(prefix.has_value()) << "'" << text << "' was accepted";
  EXPECT_FALSE(error.empty()) << "'" << text << "' gave no reason";
  return error;
}

bool isPrivate(const char* text) {
  auto address = parseAddress(text);
  EXPECT_TRUE(address.has_value()) << text;
  if (!address) return false;
  return isPrivateAddress(reinterpret_cast<const std::uint8_t*>(address->data()),
                          address->size() == 16);
}

bool isPrivateNet(const char* text) {
  auto prefix = parsePrefix(text);
  EXPECT_TRUE(prefix.has_value()) << text;
  return prefix && isPrivatePrefix(*prefix);
}

TEST(ParsePrefix, Ipv4Network) {
  auto prefix = parsePrefix("192.168.1.0/24");
  ASSERT_TRUE(prefix);
  EXPECT_FALSE(prefix->is_v6);
  EXPECT_EQ(prefix->length, 24);
  EXPECT_EQ(std::string(prefix->address.begin(), prefix->address.begin() + 4), v4(192, 168, 1, 0));
}

TEST(ParsePrefix, Ipv6Default) {
  auto prefix = parsePrefix("::/0");
  ASSERT_TRUE(prefix);
  EXPECT_TRUE(prefix->is_v6);
  EXPECT_EQ(prefix->length, 0);
  EXPECT_EQ(prefix->address, (std::array<std::uint8_t, 16>{}));
}

TEST(ParsePrefix, BareAddressIsAHostPrefix) {
  auto v4prefix = parsePrefix("10.1.2.3");
  ASSERT_TRUE(v4prefix);
  EXPECT_EQ(v4prefix->length, 32);
  auto v6prefix = parsePrefix("2001:db8::1");
  ASSERT_TRUE(v6prefix);
  EXPECT_TRUE(v6prefix->is_v6);
  EXPECT_EQ(v6prefix->length, 128);
  EXPECT_EQ(v6prefix->address[15], 1);
}

TEST(ParsePrefix, EdgeLengths) {
  EXPECT_TRUE(parsePrefix("0.0.0.0/0"));
  EXPECT_TRUE(parsePrefix("255.255.255.255/32"));
  EXPECT_TRUE(parsePrefix("::1/128"));
  EXPECT_TRUE(parsePrefix("fe80::/10"));
  EXPECT_TRUE(parsePrefix("100.64.0.0/10"));
}

TEST(ParsePrefix, RejectsHostBitsAndSuggestsTheNetwork) {
  EXPECT_THAT(prefixError("192.168.1.1/24"), HasSubstr("host bits set"));
  EXPECT_THAT(prefixError("192.168.1.1/24"), HasSubstr("192.168.1.0/24"));
  EXPECT_THAT(prefixError("100.109.0.0/9"), HasSubstr("100.0.0.0/9"));
  EXPECT_THAT(prefixError("2001:db8::1/64"), HasSubstr("2001:db8::/64"));
  EXPECT_THAT(prefixError("fe80::/8"), HasSubstr("fe00::/8"));
  EXPECT_TRUE(parsePrefix("fe80::/9"));  // 0xfe80 has no bit set past the ninth
}

TEST(ParsePrefix, RejectsBadLengths) {
  EXPECT_THAT(prefixError("10.0.0.0/33"), HasSubstr("0 to 32"));
  EXPECT_THAT(prefixError("::/129"), HasSubstr("0 to 128"));
  EXPECT_THAT(prefixError("10.0.0.0/"), HasSubstr("bad prefix length"));
  EXPECT_THAT(prefixError("10.0.0.0/-1"), HasSubstr("bad prefix length"));
  EXPECT_THAT(prefixError("10.0.0.0/8x"), HasSubstr("bad prefix length"));
  EXPECT_THAT(prefixError("10.0.0.0/8/8"), HasSubstr("bad prefix length"));
  EXPECT_THAT(prefixError("10.0.0.0/ 8"), HasSubstr("bad prefix length"));
}

TEST(ParsePrefix, RejectsGarbage) {
  for (const char* text : {"", "/8", "garbage", "10.0.0/8", "10.0.0.256/32", " 10.0.0.0/8",
                           "10.0.0.0 /8", "lan", "fe80::1%eth0", "1.2.3.4.5", "01.2.3.4"})
    EXPECT_THAT(prefixError(text), HasSubstr("not an IPv4 or IPv6 prefix")) << text;
}

TEST(ParseAddress, BothFamilies) {
  EXPECT_EQ(parseAddress("178.156.199.250"), v4(178, 156, 199, 250));
  auto v6 = parseAddress("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->size(), 16u);
  EXPECT_FALSE(parseAddress("1.2.3"));
  EXPECT_FALSE(parseAddress("bifrost"));
  EXPECT_FALSE(parseAddress(""));
  EXPECT_FALSE(parseAddress("10.0.0.0/8"));
  EXPECT_FALSE(parseAddress(std::string(100, '1')));
}

TEST(PrivateAddress, Ipv4Ranges) {
  for (const char* text :
       {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.220", "100.64.0.1", "100.109.3.4",
        "100.127.255.255", "127.0.0.1", "169.254.10.1", "0.0.0.0"})
    EXPECT_TRUE(isPrivate(text)) << text;
  for (const char* text : {"178.156.199.250", "8.8.8.8", "172.32.0.1", "172.15.255.255",
                           "100.63.255.255", "100.128.0.1", "192.169.0.1", "1.1.1.1"})
    EXPECT_FALSE(isPrivate(text)) << text;
}

TEST(PrivateAddress, Ipv6Ranges) {
  for (const char* text : {"::1", "::", "fd00::1", "fc00::1", "fe80::1", "febf::1",
                           "::ffff:192.168.1.1", "::ffff:100.109.0.1"})
    EXPECT_TRUE(isPrivate(text)) << text;
  for (const char* text : {"2a01:4f8::1", "fec0::1", "::2", "::ffff:8.8.8.8", "2001:db8::1"})
    EXPECT_FALSE(isPrivate(text)) << text;
}

TEST(PrivatePrefix, WholePrefixMustBePrivate) {
  for (const char* text : {"192.168.1.0/24", "100.109.0.0/16", "127.0.0.0/8", "::1/128", "fd00::/8",
                           "fc00::/7", "10.0.0.0/8", "::ffff:192.168.0.0/112"})
    EXPECT_TRUE(isPrivateNet(text)) << text;
  for (const char* text : {"0.0.0.0/0", "::/0", "10.0.0.0/7", "fc00::/6", "100.0.0.0/8",
                           "178.156.199.250/32", "::ffff:0.0.0.0/96", "192.168.0.0/15"})
    EXPECT_FALSE(isPrivateNet(text)) << text;
}

}  // namespace
}  // namespace horizon::ip
