// The query parser on hand-made packets: every malformation gets kFormErr, never a read past
// the end (the ASan build of this test checks the latter).
#include "horizon/wire/message.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace horizon::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes header(std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0, std::uint16_t ar = 0) {
  return {0xab,
          0xcd,
          0x01,
          0x00,
          std::uint8_t(qd >> 8),
          std::uint8_t(qd),
          std::uint8_t(an >> 8),
          std::uint8_t(an),
          std::uint8_t(ns >> 8),
          std::uint8_t(ns),
          std::uint8_t(ar >> 8),
          std::uint8_t(ar)};
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Bytes kName = {3, 'W', 'w', 'W', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
const Bytes kTypeClass = {0, 1, 0, 1};
const Bytes kOpt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};  // 1232, DO

ParseStatus parse(const Bytes& b, ParsedQuery& q) {
  return parseQuery(b, q);
}

TEST(MessageTest, ParsesQuestionAndEdns) {
  ParsedQuery q;
  ASSERT_EQ(parse(header(1, 0, 0, 1) + kName + kTypeClass + kOpt, q), ParseStatus::kOk);
  EXPECT_EQ(q.id, 0xabcd);
  EXPECT_EQ(q.qname_len, kName.size());
  EXPECT_EQ(Bytes(q.qname, q.qname + q.qname_len), kName);
  EXPECT_EQ(q.qname_lower[1], 'w');
  EXPECT_EQ(q.qname_lower[2], 'w');
  EXPECT_EQ(q.qtype, 1);
  EXPECT_TRUE(q.has_edns);
  EXPECT_EQ(q.edns_udp_size, 1232);
  EXPECT_TRUE(q.edns_do);
  EXPECT_EQ(q.edns_version, 0);
}

TEST(MessageTest, DropsShortPacketsAndResponses) {
  ParsedQuery q;
  for (std::size_t n = 0; n < 12; ++n) EXPECT_EQ(parse(Bytes(n, 0), q), ParseStatus::kDrop);
  Bytes response = header(1) + kName + kTypeClass;
  response[2] |= 0x80;
  EXPECT_EQ(parse(response, q), ParseStatus::kDrop);
}

TEST(MessageTest, OpcodeOtherThanQueryIsNotImp) {
  ParsedQuery q;
  Bytes update = header(1) + kName + kTypeClass;
  update[2] = 5 << 3;
  EXPECT_EQ(parse(update, q), ParseStatus::kNotImp);
}

TEST(MessageTest, MalformedQuestions) {
  ParsedQuery q;
  EXPECT_EQ(parse(header(0), q), ParseStatus::kFormErr);
  EXPECT_EQ(parse(header(2) + kName + kTypeClass + kName + kTypeClass, q), ParseStatus::kFormErr);
  EXPECT_EQ(parse(header(1) + kName + Bytes{0, 1}, q), ParseStatus::kFormErr);           // no class
  EXPECT_EQ(parse(header(1) + Bytes{0xc0, 12} + kTypeClass, q), ParseStatus::kFormErr);  // self
  EXPECT_EQ(parse(header(1) + Bytes{0xc0, 40} + kTypeClass, q), ParseStatus::kFormErr);  // forward
  // Into the header: a zeroed count byte would otherwise read as the root name.
  EXPECT_EQ(parse(header(1) + Bytes{0xc0, 4} + kTypeClass, q), ParseStatus::kFormErr);
  EXPECT_EQ(parse(header(1) + Bytes{0x40, 'a', 0} + kTypeClass, q), ParseStatus::kFormErr);
  Bytes long_label = {64};
  long_label.resize(66, 'a');
  EXPECT_EQ(parse(header(1) + long_label + Bytes{0} + kTypeClass, q), ParseStatus::kFormErr);
  Bytes long_name;
  for (int i = 0; i < 5; ++i) {
    long_name.push_back(63);
    long_name.resize(long_name.size() + 63, 'b');
  }
  EXPECT_EQ(parse(header(1) + long_name + Bytes{0} + kTypeClass, q), ParseStatus::kFormErr);
}

TEST(MessageTest, PointerLoopThroughALabelIsFormErr) {
  // "a" then a pointer back to the "a": an endless name unless pointers must keep going back.
  ParsedQuery q;
  EXPECT_EQ(parse(header(1) + Bytes{1, 'a', 0xc0, 12} + kTypeClass, q), ParseStatus::kFormErr);
}

TEST(MessageTest, MalformedAdditionalSection) {
  ParsedQuery q;
  EXPECT_EQ(parse(header(1, 0, 0, 1) + kName + kTypeClass, q), ParseStatus::kFormErr);
  EXPECT_EQ(parse(header(1, 0, 0, 2) + kName + kTypeClass + kOpt + kOpt, q), ParseStatus::kFormErr);
  EXPECT_EQ(parse(header(1, 1) + kName + kTypeClass + kOpt, q), ParseStatus::kFormErr);
  Bytes bad_options = kOpt;
  bad_options[10] = 3;  // rdlen 3 but no bytes follow
  EXPECT_EQ(parse(header(1, 0, 0, 1) + kName + kTypeClass + bad_options, q), ParseStatus::kFormErr);
  Bytes unknown_option = kOpt;
  unknown_option[10] = 6;
  unknown_option = unknown_option + Bytes{0xfe, 0xed, 0, 2, 1, 2};
  EXPECT_EQ(parse(header(1, 0, 0, 1) + kName + kTypeClass + unknown_option, q), ParseStatus::kOk);
  Bytes version1 = kOpt;
  version1[6] = 1;
  ASSERT_EQ(parse(header(1, 0, 0, 1) + kName + kTypeClass + version1, q), ParseStatus::kOk);
  EXPECT_EQ(q.edns_version, 1);
}

}  // namespace
}  // namespace horizon::wire
