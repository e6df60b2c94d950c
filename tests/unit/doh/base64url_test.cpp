// base64url for dns= (RFC 4648 5): unpadded and padded forms, and the inputs to refuse.
#include "doh/base64url.hpp"

#include <gtest/gtest.h>

namespace horizon::doh {
namespace {

std::string decoded(std::string_view text) {
  const auto bytes = decodeBase64Url(text);
  return bytes ? std::string(bytes->begin(), bytes->end()) : "<invalid>";
}

TEST(Base64Url, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(decoded(""), "");
  EXPECT_EQ(decoded("Zg"), "f");
  EXPECT_EQ(decoded("Zg=="), "f");
  EXPECT_EQ(decoded("Zm8"), "fo");
  EXPECT_EQ(decoded("Zm8="), "fo");
  EXPECT_EQ(decoded("Zm9v"), "foo");
  EXPECT_EQ(decoded("-_-_"), "\xfb\xff\xbf");
}

TEST(Base64Url, RefusesOtherAlphabetsBadPaddingAndImpossibleLengths) {
  EXPECT_EQ(decoded("+/+/"), "<invalid>");   // base64, not base64url
  EXPECT_EQ(decoded("Zm9vY"), "<invalid>");  // 5 characters carry no whole byte
  EXPECT_EQ(decoded("Zg="), "<invalid>");    // padding must complete a group of 4
  EXPECT_EQ(decoded("Z==="), "<invalid>");
  EXPECT_EQ(decoded("Zg==Zg=="), "<invalid>");
  EXPECT_EQ(decoded("Zh"), "<invalid>");  // non-zero unused bits
  EXPECT_EQ(decoded("Zm9v\n"), "<invalid>");
  EXPECT_EQ(decoded(std::string_view("Zm\0v", 4)), "<invalid>");
}

}  // namespace
}  // namespace horizon::doh
