// Wire-format names (server/wire/name.cpp): decompression from a message, which both the query
// parser and the resolver's message decoder use, and the case-folding helpers.
#include "horizon/wire/name.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"

namespace horizon::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Read {
  std::size_t end;
  std::string name, lower;
};

Read read(const Bytes& message, std::size_t pos) {
  std::uint8_t out[kMaxNameLength], lower[kMaxNameLength];
  std::uint16_t len = 0;
  const std::size_t end = readName(message, pos, out, lower, len);
  if (end == 0) return {0, "", ""};
  return {end, std::string(reinterpret_cast<char*>(out), len),
          std::string(reinterpret_cast<char*>(lower), len)};
}

const std::string kWwwExample("\3WwW\7example\0", 13);

TEST(ReadName, UncompressedKeepsCaseAndFoldsTheCopy) {
  Bytes m(kWwwExample.begin(), kWwwExample.end());
  m.push_back(0xff);  // whatever follows the name
  const Read r = read(m, 0);
  EXPECT_EQ(r.end, 13u);
  EXPECT_EQ(r.name, kWwwExample);
  EXPECT_EQ(r.lower, std::string("\3www\7example\0", 13));
}

TEST(ReadName, FollowsPointersBackwardsAndEndsAfterTheFirst) {
  // 0: a header  12: www.example.  25: "mail" + pointer to 16 (example.)  32: pointer to 25
  Bytes m(kHeaderSize, 0);
  m.insert(m.end(), kWwwExample.begin(), kWwwExample.end());
  m.insert(m.end(), {4, 'm', 'a', 'i', 'l', 0xC0, 16, 0xC0, 25});
  const Read mail = read(m, 25);
  EXPECT_EQ(mail.end, 32u);
  EXPECT_EQ(mail.name, std::string("\4mail\7example\0", 14));
  const Read again = read(m, 32);
  EXPECT_EQ(again.end, 34u);
  EXPECT_EQ(again.name, mail.name);
}

// A message with a zeroed header and then `body`; names in the body start at offset 12.
Bytes afterHeader(std::initializer_list<std::uint8_t> body) {
  Bytes m(kHeaderSize, 0);
  m.insert(m.end(), body);
  return m;
}

TEST(ReadName, RefusesLoopsAndForwardPointers) {
  EXPECT_EQ(read(afterHeader({0xC0, 12}), 12).end, 0u);              // a pointer to itself
  EXPECT_EQ(read(afterHeader({0xC0, 14, 0}), 12).end, 0u);           // forward
  EXPECT_EQ(read(afterHeader({1, 'a', 0xC0, 12}), 12).end, 0u);      // back into its own labels
  EXPECT_EQ(read(afterHeader({0, 1, 'a', 0xC0, 15}), 13).end, 0u);   // at the pointer itself
  EXPECT_EQ(read(afterHeader({0, 1, 'a', 0xC0, 12}), 13).end, 17u);  // to an earlier name: fine
}

TEST(ReadName, RefusesPointersIntoTheHeader) {
  // The header's octets are counts and flags; read as a name, zeroed ones would look like the
  // root and others like labels. Each offset below 12 is refused.
  for (std::uint8_t target = 0; target < kHeaderSize; ++target)
    EXPECT_EQ(read(afterHeader({1, 'a', 0xC0, target}), 12).end, 0u) << int(target);
  EXPECT_EQ(read(afterHeader({0xC0, 11}), 12).end, 0u);
}

TEST(ReadName, RefusesTruncationReservedLabelsAndLongNames) {
  EXPECT_EQ(read({3, 'w', 'w'}, 0).end, 0u);
  EXPECT_EQ(read({3, 'w', 'w', 'w'}, 0).end, 0u);  // no root label
  EXPECT_EQ(read({0xC0}, 0).end, 0u);
  EXPECT_EQ(read({0x40, 0}, 0).end, 0u);
  EXPECT_EQ(read({0x80, 0}, 0).end, 0u);
  Bytes longest;
  for (int i = 0; i < 4; ++i) {
    longest.push_back(62);
    longest.insert(longest.end(), 62, 'a');
  }
  longest.push_back(0);  // 4 * 63 + 1 = 253 octets
  EXPECT_EQ(read(longest, 0).end, 253u);
  Bytes too_long = longest;
  too_long.insert(too_long.begin(), {2, 'b', 'b'});  // 256 octets
  EXPECT_EQ(read(too_long, 0).end, 0u);
}

TEST(ReadName, WithoutALowercaseCopy) {
  Bytes m(kWwwExample.begin(), kWwwExample.end());
  std::uint8_t out[kMaxNameLength];
  std::uint16_t len = 0;
  EXPECT_EQ(readName(m, 0, out, nullptr, len), 13u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), len), kWwwExample);
}

TEST(NameHelpers, LowercaseSubdomainAndLabels) {
  EXPECT_EQ(lowercaseName(kWwwExample), std::string("\3www\7example\0", 13));
  const std::string example("\7example\0", 9);
  EXPECT_TRUE(isSubdomainOf(lowercaseName(kWwwExample), example));
  EXPECT_TRUE(isSubdomainOf(example, example));
  EXPECT_FALSE(isSubdomainOf(example, lowercaseName(kWwwExample)));
  EXPECT_FALSE(isSubdomainOf(std::string("\3www\10xexample\0", 14), example));
  EXPECT_EQ(labelCount(kWwwExample), 2u);
  EXPECT_EQ(labelCount(std::string(1, '\0')), 0u);
  EXPECT_EQ(foldCase('Q'), 'q');
  EXPECT_EQ(foldCase('['), '[');
}

}  // namespace
}  // namespace horizon::wire
