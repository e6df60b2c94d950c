// Canonical name order against the example list of RFC 4034 6.1.
#include "horizon/dnssec/canonical_order.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dnssec_test_records.hpp"

namespace horizon::dnssec {
namespace {

using testing::wireName;

TEST(CanonicalOrder, Rfc4034Section61ExampleIsSorted) {
  // RFC 4034 6.1 lists these names in canonical order.
  const std::vector<std::string> sorted = {
      "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",    "zABC.a.EXAMPLE.",
      "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example."};
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      int c = canonicalCompare(wireName(sorted[i]), wireName(sorted[j]));
      int want = i < j ? -1 : (i == j ? 0 : 1);
      EXPECT_EQ((c > 0) - (c < 0), want) << sorted[i] << " vs " << sorted[j];
    }
  }
}

TEST(CanonicalOrder, IgnoresAsciiCaseOnly) {
  EXPECT_EQ(canonicalCompare(wireName("WwW.Example."), wireName("www.example.")), 0);
  // Octets above 0x7f are not letters: \200 and \240 stay distinct.
  EXPECT_LT(canonicalCompare(wireName("\\200.example."), wireName("\\240.example.")), 0);
}

TEST(CanonicalOrder, AncestorSortsBeforeDescendantAndRootFirst) {
  EXPECT_LT(canonicalCompare(wireName("."), wireName("example.")), 0);
  EXPECT_LT(canonicalCompare(wireName("w.example."), wireName("a.w.example.")), 0);
  // The rightmost label decides first: b.a sorts before a.b.
  EXPECT_LT(canonicalCompare(wireName("b.a."), wireName("a.b.")), 0);
  // A label that is a prefix of another sorts first.
  EXPECT_LT(canonicalCompare(wireName("ab.example."), wireName("abc.example.")), 0);
}

TEST(CanonicalOrder, MalformedNamesAreComparedWithoutReadingPastThem) {
  const std::string truncated(
      "\x05"
      "abc",
      4);
  const std::string unterminated(
      "\x03"
      "abc",
      4);
  EXPECT_EQ(canonicalCompare(truncated, std::string()), 0);
  EXPECT_GT(canonicalCompare(unterminated, std::string(1, '\0')), 0);
  EXPECT_EQ(canonicalCompare(std::string(), std::string(1, '\0')), 0);
}

}  // namespace
}  // namespace horizon::dnssec
