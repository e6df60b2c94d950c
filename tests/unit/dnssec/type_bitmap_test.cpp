// Type bit maps (RFC 4034 4.1.2): the example of RFC 4034 4.3 and malformed maps.
#include "horizon/dnssec/type_bitmap.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dnssec_test_records.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::dnssec {
namespace {

std::string bytes(std::initializer_list<int> octets) {
  std::string out;
  for (int o : octets) out.push_back(static_cast<char>(o));
  return out;
}

TEST(TypeBitmap, Rfc4034Section43Example) {
  // RFC 4034 4.3: "alfa.example.com. NSEC host.example.com. A MX RRSIG NSEC TYPE1234".
  auto rec = testing::recordFromText(
      "alfa.example.com. 86400 IN NSEC host.example.com. A MX RRSIG NSEC TYPE1234");
  std::string bitmap = rec.rdata.substr(testing::wireName("host.example.com.").size());
  // Window 0: A, MX, RRSIG, NSEC; window 4: type 1234, the last of 27 octets.
  EXPECT_EQ(bitmap, bytes({0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b}) +
                        std::string(26, '\0') + bytes({0x20}));
  ASSERT_TRUE(isValidTypeBitmap(bitmap));
  for (std::uint16_t t : {wire::type::A, wire::type::MX, wire::type::RRSIG, wire::type::NSEC,
                          static_cast<std::uint16_t>(1234)}) {
    EXPECT_TRUE(bitmapHasType(bitmap, t)) << t;
  }
  for (std::uint16_t t : {wire::type::NS, wire::type::CNAME, wire::type::SOA, wire::type::DS,
                          wire::type::AAAA, static_cast<std::uint16_t>(1233),
                          static_cast<std::uint16_t>(65535), static_cast<std::uint16_t>(0)}) {
    EXPECT_FALSE(bitmapHasType(bitmap, t)) << t;
  }
}

TEST(TypeBitmap, EmptyIsValidAndHoldsNothing) {
  EXPECT_TRUE(isValidTypeBitmap({}));
  EXPECT_FALSE(bitmapHasType({}, wire::type::A));
}

TEST(TypeBitmap, RejectsMalformedWindows) {
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x00})));              // no length octet
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x00, 0x00})));        // zero-length window
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x00, 0x02, 0x40})));  // runs past the end
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x00, 0x21}) + std::string(33, '\x01')));  // > 32
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x01, 0x01, 0x80, 0x00, 0x01, 0x40})));    // decreasing
  EXPECT_FALSE(isValidTypeBitmap(bytes({0x00, 0x01, 0x40, 0x00, 0x01, 0x20})));    // repeated
  // A malformed map holds no types, so a proof cannot rest on one.
  EXPECT_FALSE(bitmapHasType(bytes({0x00, 0x02, 0x40}), wire::type::A));
  EXPECT_TRUE(isValidTypeBitmap(bytes({0x00, 0x01, 0x40, 0x01, 0x01, 0x80})));
  EXPECT_TRUE(bitmapHasType(bytes({0x00, 0x01, 0x40, 0x01, 0x01, 0x80}), 256));
}

TEST(TypeBitmap, TypesBeyondAWindowsLengthAreAbsent) {
  // Window 0 with one octet covers types 0-7 only.
  EXPECT_FALSE(bitmapHasType(bytes({0x00, 0x01, 0xff}), wire::type::MX));
  EXPECT_TRUE(bitmapHasType(bytes({0x00, 0x01, 0xff}), 7));
}

}  // namespace
}  // namespace horizon::dnssec
