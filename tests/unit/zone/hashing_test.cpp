// The hash finaliser of the zone loader (server/zone/hashing.hpp): inputs that differ in one bit
// give results that differ in about half of theirs, so sums of record hashes do not cancel out.
#include "zone/hashing.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <set>

namespace horizon::zone {
namespace {

TEST(Mix64, OneBitOfInputChangesAboutHalfTheOutput) {
  std::set<std::uint64_t> seen;
  int flipped = 0;
  int pairs = 0;
  for (std::uint64_t x = 1; x <= 1000; ++x) {
    seen.insert(mix64(x));
    for (int bit = 0; bit < 64; bit += 7) {
      flipped += std::popcount(mix64(x) ^ mix64(x ^ (std::uint64_t{1} << bit)));
      ++pairs;
    }
  }
  EXPECT_EQ(seen.size(), 1000u);
  const double average = static_cast<double>(flipped) / pairs;
  EXPECT_GT(average, 28.0);
  EXPECT_LT(average, 36.0);
}

}  // namespace
}  // namespace horizon::zone
