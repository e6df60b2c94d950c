// The one writer of DNS messages (include/horizon/wire/message_writer.hpp): header flags and
// counts, the question, the OPT record's reserved room, marks, truncation and the bare replies.
#include "horizon/wire/message_writer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "horizon/wire/constants.hpp"

namespace horizon::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

const std::string kName("\7Grafana\6madhan\3app\0", 20);  // as a client might write it
const std::string kLower("\7grafana\6madhan\3app\0", 20);

ParsedQuery query(bool edns, bool dnssec_ok = false) {
  ParsedQuery q;
  q.id = 0x1234;
  q.flags = kFlagRD | kFlagCD;
  std::copy(kName.begin(), kName.end(), q.qname);
  q.qname_len = static_cast<std::uint16_t>(kName.size());
  q.qtype = type::A;
  q.qclass = kClassIN;
  q.has_edns = edns;
  q.edns_do = dnssec_ok;
  q.edns_udp_size = edns ? 1232 : 0;
  return q;
}

std::uint16_t u16(const Bytes& b, std::size_t at) {
  return readU16(&b[at]);
}

const std::string kAddress("\xc0\xa8\x01\xdc", 4);  // 192.168.1.220

TEST(MessageWriter, ReplyWithOneRecordCompressedToTheQuestion) {
  Bytes out(512);
  MessageWriter w(out, out.size());
  ASSERT_TRUE(w.startReply(query(false), kFlagQR | kFlagRD));
  w.setFlags(kFlagAA);
  ASSERT_TRUE(w.addRecord(Section::kAnswer, kLower, type::A, kClassIN, 300, kAddress));
  const std::size_t size = w.finish();
  out.resize(size);
  ASSERT_EQ(size, 12u + 20 + 4 + 2 + 10 + 4);
  EXPECT_EQ(u16(out, 0), 0x1234);
  EXPECT_EQ(u16(out, 2), kFlagQR | kFlagRD | kFlagAA);
  EXPECT_EQ(u16(out, 4), 1);
  EXPECT_EQ(u16(out, 6), 1);
  EXPECT_EQ(u16(out, 8), 0);
  EXPECT_EQ(u16(out, 10), 0);
  EXPECT_EQ(std::string(out.begin() + 12, out.begin() + 32), kName);  // the client's case
  EXPECT_EQ(u16(out, 36), 0xC00C);                                    // owner -> question
  EXPECT_EQ(u16(out, 38), type::A);
  EXPECT_EQ(std::string(out.end() - 4, out.end()), kAddress);
}

TEST(MessageWriter, OptRecordCarriesTheExtendedRcodeAndDo) {
  Bytes out(512);
  MessageWriter w(out, out.size());
  ASSERT_TRUE(w.startReply(query(true, true), kFlagQR));
  w.setRcode(rcode::BADVERS);
  const std::size_t size = w.finish({kAdvertisedUdpPayload, true, {}});
  out.resize(size);
  ASSERT_EQ(size, 12u + 24 + kEdnsOptSize);
  EXPECT_EQ(u16(out, 2) & 0x0F, rcode::BADVERS & 0x0F);
  EXPECT_EQ(u16(out, 10), 1);
  const std::size_t o = size - kEdnsOptSize;
  EXPECT_EQ(out[o], 0);
  EXPECT_EQ(u16(out, o + 1), type::OPT);
  EXPECT_EQ(u16(out, o + 3), kAdvertisedUdpPayload);
  EXPECT_EQ(out[o + 5], rcode::BADVERS >> 4);
  EXPECT_EQ(out[o + 6], 0);
  EXPECT_EQ(out[o + 7], 0x80);
  EXPECT_EQ(u16(out, o + 9), 0);
}

TEST(MessageWriter, RecordsNeverCrowdOutTheOptRecord) {
  const std::size_t question_end = 12 + 24;
  Bytes out(1024);
  // Room for the question, the OPT record and 10 octets more: a 16-octet A record does not fit.
  MessageWriter w(out, question_end + kEdnsOptSize + 10);
  ASSERT_TRUE(w.startReply(query(true), kFlagQR));
  EXPECT_FALSE(w.addRecord(Section::kAnswer, kLower, type::A, kClassIN, 300, kAddress));
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(w.size(), question_end);
  EXPECT_EQ(w.finish(), question_end + kEdnsOptSize);
}

TEST(MessageWriter, StartFailsWhenTheQuestionAndOptDoNotFit) {
  Bytes out(512);
  EXPECT_FALSE(MessageWriter(out, 12 + 24 + kEdnsOptSize - 1).startReply(query(true), kFlagQR));
  EXPECT_TRUE(MessageWriter(out, 12 + 24 + kEdnsOptSize).startReply(query(true), kFlagQR));
  EXPECT_TRUE(MessageWriter(out, 12 + 24).startReply(query(false), kFlagQR));
  Bytes small(20);
  EXPECT_FALSE(MessageWriter(small, 512).startReply(query(false), kFlagQR));  // the buffer bounds
}

TEST(MessageWriter, TruncateDropsEveryRecordAndSetsTc) {
  Bytes out(512);
  MessageWriter w(out, 12 + 24 + 16 + 5);  // one record fits, the second does not
  ASSERT_TRUE(w.startReply(query(false), kFlagQR));
  EXPECT_TRUE(w.addRecord(Section::kAnswer, kLower, type::A, kClassIN, 300, kAddress));
  EXPECT_FALSE(w.addRecord(Section::kAnswer, kLower, type::A, kClassIN, 300, kAddress));
  w.truncate();
  EXPECT_FALSE(w.overflowed());
  const std::size_t size = w.finish();
  out.resize(size);
  EXPECT_EQ(size, 12u + 24);
  EXPECT_EQ(u16(out, 2), kFlagQR | kFlagTC);
  EXPECT_EQ(u16(out, 6), 0);
}

TEST(MessageWriter, RollbackRestoresPositionAndCounts) {
  Bytes out(512);
  MessageWriter w(out, out.size());
  ASSERT_TRUE(w.startReply(query(false), kFlagQR));
  ASSERT_TRUE(w.addRecord(Section::kAnswer, kLower, type::A, kClassIN, 300, kAddress));
  const auto mark = w.mark();
  ASSERT_TRUE(
      w.addRecord(Section::kAuthority, std::string("\3foo\0", 5), type::A, kClassIN, 60, kAddress));
  w.rollback(mark);
  const std::size_t size = w.finish();
  out.resize(size);
  EXPECT_EQ(size, 12u + 24 + 16);
  EXPECT_EQ(u16(out, 6), 1);
  EXPECT_EQ(u16(out, 8), 0);
}

TEST(MessageWriter, OwnersOtherThanTheQuestionAreWrittenWhole) {
  Bytes out(512);
  MessageWriter w(out, out.size());
  ASSERT_TRUE(w.startReply(query(false), kFlagQR));
  const std::string owner("\3foo\0", 5);
  ASSERT_TRUE(w.addRecord(Section::kAdditional, owner, type::A, kClassIN, 60, kAddress));
  ASSERT_TRUE(w.addRecord(Section::kAdditional, "", type::A, kClassIN, 60, kAddress));
  const std::size_t size = w.finish();
  out.resize(size);
  EXPECT_EQ(std::string(out.begin() + 36, out.begin() + 41), owner);
  EXPECT_EQ(out[36 + 5 + 14], 0);  // the empty owner became the root label
  EXPECT_EQ(u16(out, 10), 2);
}

TEST(MessageWriter, PreRenderedRecordsAreCopiedAndCounted) {
  Bytes out(512);
  MessageWriter w(out, 12 + 24 + 8);
  ASSERT_TRUE(w.startReply(query(false), kFlagQR));
  const Bytes records = {1, 2, 3, 4, 5, 6, 7, 8};
  std::uint8_t* at = w.appendRecords(records, 1, 2, 0);
  ASSERT_NE(at, nullptr);
  EXPECT_EQ(at, out.data() + 36);
  EXPECT_EQ(w.appendRecords(records, 1, 0, 0), nullptr);
  EXPECT_TRUE(w.overflowed());
  const std::size_t size = w.finish();
  out.resize(size);
  EXPECT_EQ(u16(out, 6), 1);
  EXPECT_EQ(u16(out, 8), 2);
  EXPECT_EQ(Bytes(out.begin() + 36, out.end()), records);
}

TEST(MessageWriter, AQueryForTheResolver) {
  Bytes out(512);
  MessageWriter w(out, out.size());
  const std::string name("\3WwW\7example\0", 13);  // 0x20 case, sent as given
  ASSERT_TRUE(w.start(7, kFlagRD, reinterpret_cast<const std::uint8_t*>(name.data()), name.size(),
                      type::AAAA, kClassIN, true));
  const std::size_t size = w.finish({4096, false, {}});
  out.resize(size);
  EXPECT_EQ(u16(out, 0), 7);
  EXPECT_EQ(u16(out, 2), kFlagRD);
  EXPECT_EQ(u16(out, 10), 1);
  EXPECT_EQ(std::string(out.begin() + 12, out.begin() + 25), name);
  EXPECT_EQ(u16(out, size - kEdnsOptSize + 3), 4096);
  EXPECT_EQ(out[size - kEdnsOptSize + 7], 0);
}

TEST(MessageWriter, BareRepliesKeepOpcodeRdAndCdExceptCdForNotImp) {
  ParsedQuery q = query(true);
  q.flags = static_cast<std::uint16_t>((5 << 11) | kFlagRD | kFlagCD | kFlagAA);
  Bytes out(12);
  ASSERT_EQ(MessageWriter::writeBareReply(q, rcode::NOTIMP, out), 12u);
  EXPECT_EQ(u16(out, 0), 0x1234);
  EXPECT_EQ(u16(out, 2), kFlagQR | (5 << 11) | kFlagRD | rcode::NOTIMP);
  ASSERT_EQ(MessageWriter::writeBareReply(q, rcode::FORMERR, out), 12u);
  EXPECT_EQ(u16(out, 2), kFlagQR | (5 << 11) | kFlagRD | kFlagCD | rcode::FORMERR);
  for (std::size_t i = 4; i < 12; ++i) EXPECT_EQ(out[i], 0);
  Bytes tiny(11);
  EXPECT_EQ(MessageWriter::writeBareReply(q, rcode::FORMERR, tiny), 0u);
}

}  // namespace
}  // namespace horizon::wire
