// X-Forwarded-For and Forwarded: the last hop's address, and nothing from hostile values.
#include "horizon/doh/forwarded.hpp"

#include <gtest/gtest.h>

#include <string>

namespace horizon::doh {
namespace {

std::string text(const std::optional<ip::ClientAddress>& a) {
  if (!a) return "none";
  std::string out;
  if (!a->is_v6) {
    for (int i = 0; i < 4; ++i) out += (i ? "." : "") + std::to_string(a->bytes[i]);
    return out;
  }
  char buf[8];
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%s%02x%02x", i ? ":" : "", a->bytes[i], a->bytes[i + 1]);
    out += buf;
  }
  return out;
}

TEST(XForwardedFor, TakesTheLastAddressTheNearestProxyAppended) {
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(text(parseXForwardedFor("10.9.9.9, 198.51.100.7")), "198.51.100.7");
  EXPECT_EQ(text(parseXForwardedFor("10.9.9.9,198.51.100.7 ")), "198.51.100.7");
  EXPECT_EQ(text(parseXForwardedFor(" 2001:db8::1")), "2001:0db8:0000:0000:0000:0000:0000:0001");
  EXPECT_EQ(text(parseXForwardedFor("[2001:db8::2]:8443")),
            "2001:0db8:0000:0000:0000:0000:0000:0002");
  EXPECT_EQ(text(parseXForwardedFor("203.0.113.9:51234")), "203.0.113.9");
  // An IPv4-mapped address is its IPv4 client, as the view prefixes expect.
  EXPECT_EQ(text(parseXForwardedFor("::ffff:192.0.2.44")), "192.0.2.44");
}

TEST(XForwardedFor, AnUnusableLastElementNeverFallsBackToAnEarlierOne) {
  // The client wrote 192.0.2.1 itself; the proxy's own element is garbage.
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.1, unknown")), "none");
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.1,")), "none");
  EXPECT_EQ(text(parseXForwardedFor("")), "none");
  EXPECT_EQ(text(parseXForwardedFor(",,,")), "none");
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.300")), "none");
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.1:99999")), "none");
  EXPECT_EQ(text(parseXForwardedFor("192.0.2.1:")), "none");
  EXPECT_EQ(text(parseXForwardedFor("[192.0.2.1]")), "none");
  EXPECT_EQ(text(parseXForwardedFor("[2001:db8::1")), "none");
  EXPECT_EQ(text(parseXForwardedFor("[2001:db8::1]x")), "none");
  EXPECT_EQ(text(parseXForwardedFor("fe80::1%eth0")), "none");
  EXPECT_EQ(text(parseXForwardedFor(std::string(5000, '1'))), "none");
  EXPECT_EQ(text(parseXForwardedFor(std::string("192.0.2.1\0", 10))), "none");
}

TEST(Forwarded, TakesForOfTheLastElement) {
  EXPECT_EQ(text(parseForwarded("for=192.0.2.60;proto=http;by=203.0.113.43")), "192.0.2.60");
  EXPECT_EQ(text(parseForwarded("For=\"[2001:db8:cafe::17]:4711\"")),
            "2001:0db8:cafe:0000:0000:0000:0000:0017");
  EXPECT_EQ(text(parseForwarded("for=192.0.2.43, for=198.51.100.17")), "198.51.100.17");
  EXPECT_EQ(text(parseForwarded("for=192.0.2.43,for=\"198.51.100.17:80\";proto=https")),
            "198.51.100.17");
  EXPECT_EQ(text(parseForwarded("proto=https; for=\"192.0.2.5\" ")), "192.0.2.5");
  // A comma inside a quoted string does not start an element.
  EXPECT_EQ(text(parseForwarded("for=192.0.2.1;host=\"a,b\"")), "192.0.2.1");
  EXPECT_EQ(text(parseForwarded("for=\"[2001:db8::1]:_port\"")),
            "2001:0db8:0000:0000:0000:0000:0000:0001");
}

TEST(Forwarded, UnknownObfuscatedAndMalformedGiveNothing) {
  EXPECT_EQ(text(parseForwarded("for=unknown")), "none");
  EXPECT_EQ(text(parseForwarded("for=_hidden")), "none");
  EXPECT_EQ(text(parseForwarded("for=\"_gazonk\"")), "none");
  EXPECT_EQ(text(parseForwarded("for=192.0.2.1, proto=https")), "none");   // last has no for=
  EXPECT_EQ(text(parseForwarded("for=192.0.2.1;for=192.0.2.2")), "none");  // twice
  EXPECT_EQ(text(parseForwarded("for=\"192.0.2.1")), "none");              // unterminated
  EXPECT_EQ(text(parseForwarded("for=")), "none");
  EXPECT_EQ(text(parseForwarded("for")), "none");
  EXPECT_EQ(text(parseForwarded("=192.0.2.1")), "none");
  EXPECT_EQ(text(parseForwarded("")), "none");
  EXPECT_EQ(text(parseForwarded("for=\"\\")), "none");
  EXPECT_EQ(text(parseForwarded("for=\"a\"b\"")), "none");
  EXPECT_EQ(text(parseForwarded("for=192.0.2.1 x")), "none");
  EXPECT_EQ(text(parseForwarded(std::string(10000, '"'))), "none");
  EXPECT_EQ(text(parseForwarded(std::string(10000, ';'))), "none");
}

}  // namespace
}  // namespace horizon::doh
