// The flat index table of the zone loader (server/zone/index_table.hpp): the first of equal
// elements, found however the hashes collide.
#include "zone/index_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace horizon::zone {
namespace {

TEST(IndexTable, SizeIsAPowerOfTwoOfAtLeastTwiceTheEntries) {
  EXPECT_EQ(emptyIndexTable(0).size(), 16u);
  EXPECT_EQ(emptyIndexTable(8).size(), 16u);
  EXPECT_EQ(emptyIndexTable(9).size(), 32u);
  EXPECT_EQ(emptyIndexTable(1000).size(), 2048u);
  for (std::uint32_t slot : emptyIndexTable(100)) EXPECT_EQ(slot, 0u);
}

TEST(IndexTable, FirstEqualFindsTheFirstOfEqualElements) {
  const std::vector<std::string> words = {"a", "b", "a", "c", "b", "a"};
  auto same = [&](std::uint32_t x, std::uint32_t y) { return words[x] == words[y]; };
  // A constant hash makes every element collide: equality alone must tell them apart.
  for (std::uint64_t hash : {std::uint64_t{7}, std::uint64_t{0}}) {
    std::vector<std::uint32_t> table = emptyIndexTable(words.size());
    std::vector<std::uint32_t> first;
    for (std::uint32_t i = 0; i < words.size(); ++i)
      first.push_back(firstEqual(table, hash, i, same));
    EXPECT_EQ(first, (std::vector<std::uint32_t>{0, 1, 0, 3, 1, 0}));
  }
  // With real hashes, the same answers.
  std::vector<std::uint32_t> table = emptyIndexTable(words.size());
  std::vector<std::uint32_t> first;
  for (std::uint32_t i = 0; i < words.size(); ++i)
    first.push_back(firstEqual(table, std::hash<std::string>()(words[i]), i, same));
  EXPECT_EQ(first, (std::vector<std::uint32_t>{0, 1, 0, 3, 1, 0}));
}

}  // namespace
}  // namespace horizon::zone
