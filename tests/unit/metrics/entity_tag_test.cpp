// If-None-Match as RFC 9110 section 13.1.2 reads it (server/metrics/entity_tag.cpp): "*" or a
// list of entity tags, weak comparison, and no match from a value it cannot parse.
#include "metrics/entity_tag.hpp"

#include <gtest/gtest.h>

namespace horizon::metrics {
namespace {

constexpr const char* kTag = "\"0123456789abcdef\"";

TEST(EntityTagTest, NamesTheTagAloneOrInAList) {
  EXPECT_TRUE(noneMatchNames("\"0123456789abcdef\"", kTag));
  EXPECT_TRUE(noneMatchNames("\"x\", \"0123456789abcdef\"", kTag));
  EXPECT_TRUE(noneMatchNames(" ,\"x\",,\t\"0123456789abcdef\" , ", kTag));
  EXPECT_FALSE(noneMatchNames("\"x\", \"y\"", kTag));
  EXPECT_FALSE(noneMatchNames("", kTag));
  EXPECT_FALSE(noneMatchNames(" , ", kTag));
}

TEST(EntityTagTest, ComparesWeakly) {
  EXPECT_TRUE(noneMatchNames("W/\"0123456789abcdef\"", kTag));
  EXPECT_TRUE(noneMatchNames("\"0123456789abcdef\"", "W/\"0123456789abcdef\""));
  EXPECT_TRUE(noneMatchNames("W/\"0123456789abcdef\"", "W/\"0123456789abcdef\""));
  EXPECT_FALSE(noneMatchNames("w/\"0123456789abcdef\"", kTag));  // the prefix is case-sensitive
}

TEST(EntityTagTest, AStarAloneNamesAnyTag) {
  EXPECT_TRUE(noneMatchNames("*", kTag));
  EXPECT_TRUE(noneMatchNames(" * ", kTag));
  EXPECT_FALSE(noneMatchNames("\"x\", *", kTag));
  EXPECT_FALSE(noneMatchNames("*, \"x\"", kTag));
}

TEST(EntityTagTest, ACommaInsideATagBelongsToTheTag) {
  EXPECT_TRUE(noneMatchNames("\"a,b\"", "\"a,b\""));
  EXPECT_FALSE(noneMatchNames("\"a,b\"", "\"a\""));
  EXPECT_FALSE(noneMatchNames("\"a,b\"", "\"b\""));
}

TEST(EntityTagTest, NothingMatchesAfterAFault) {
  EXPECT_FALSE(noneMatchNames("0123456789abcdef", kTag));              // unquoted
  EXPECT_FALSE(noneMatchNames("\"0123456789abcdef", kTag));            // unterminated
  EXPECT_FALSE(noneMatchNames("\"x\"y, \"0123456789abcdef\"", kTag));  // junk after a tag
  EXPECT_FALSE(noneMatchNames("\"0123456789abcdef\"junk", kTag));      // the tag itself
  EXPECT_TRUE(noneMatchNames("\"0123456789abcdef\", junk", kTag));     // found before the fault
}

}  // namespace
}  // namespace horizon::metrics
