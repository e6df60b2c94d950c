// PROXY protocol v2 headers: addresses, LOCAL, partial input and the ones to refuse.
#include "horizon/doh/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace horizon::doh {
namespace {

using Bytes = std::vector<std::uint8_t>;

const Bytes kSignature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// A header with command/version byte `ver_cmd`, family/protocol byte `fam`, and `block` (the
// addresses and any TLVs) whose length goes in the length field.
Bytes header(std::uint8_t ver_cmd, std::uint8_t fam, const Bytes& block) {
  Bytes out = kSignature;
  out.push_back(ver_cmd);
  out.push_back(fam);
  out.push_back(static_cast<std::uint8_t>(block.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(block.size()));
  out.insert(out.end(), block.begin(), block.end());
  return out;
}

const Bytes kV4Block = {192, 0, 2, 10, 203, 0, 113, 1, 0xC3, 0x50, 0x01, 0xBB};  // :50000 → :443

TEST(ProxyProtocolV2, TcpOverIpv4GivesTheClientAndTheHeaderLength) {
  Bytes stream = header(0x21, 0x11, kV4Block);
  stream.insert(stream.end(), {0x16, 0x03, 0x01});  // the TLS ClientHello that follows
  const ProxyHeader h = parseProxyV2(stream);
  ASSERT_EQ(h.status, ProxyStatus::kOk);
  EXPECT_EQ(h.length, 28u);
  EXPECT_FALSE(h.local);
  ASSERT_TRUE(h.source);
  EXPECT_FALSE(h.source->is_v6);
  EXPECT_EQ(h.source->bytes[0], 192);
  EXPECT_EQ(h.source->bytes[3], 10);
  ASSERT_TRUE(h.destination);
  EXPECT_EQ(h.destination->bytes[0], 203);
  EXPECT_EQ(h.source_port, 50000);
  EXPECT_EQ(h.destination_port, 443);
}

TEST(ProxyProtocolV2, TcpOverIpv6WithTlvsSkipsTheTlvs) {
  Bytes block(36, 0);
  block[0] = 0x20;
  block[1] = 0x01;
  block[2] = 0x0d;
  block[3] = 0xb8;
  block[15] = 0x07;
  block[16 + 15] = 0x01;
  block[32] = 0x12;
  block[33] = 0x34;
  const Bytes tlv = {0x04, 0x00, 0x03, 'a', 'b', 'c'};  // PP2_TYPE_NOOP
  block.insert(block.end(), tlv.begin(), tlv.end());
  const ProxyHeader h = parseProxyV2(header(0x21, 0x21, block));
  ASSERT_EQ(h.status, ProxyStatus::kOk);
  EXPECT_EQ(h.length, 16u + 42u);
  ASSERT_TRUE(h.source);
  EXPECT_TRUE(h.source->is_v6);
  EXPECT_EQ(h.source->bytes[1], 0x01);
  EXPECT_EQ(h.source->bytes[15], 0x07);
  EXPECT_EQ(h.source_port, 0x1234);
}

TEST(ProxyProtocolV2, AMappedIpv6SourceIsItsIpv4Client) {
  Bytes block(36, 0);
  block[10] = block[11] = 0xFF;
  block[12] = 198;
  block[13] = 51;
  block[14] = 100;
  block[15] = 7;
  const ProxyHeader h = parseProxyV2(header(0x21, 0x21, block));
  ASSERT_EQ(h.status, ProxyStatus::kOk);
  ASSERT_TRUE(h.source);
  EXPECT_FALSE(h.source->is_v6);
  EXPECT_EQ(h.source->bytes[0], 198);
}

TEST(ProxyProtocolV2, LocalAndUnspecifiedKeepTheSocketAddress) {
  const ProxyHeader local = parseProxyV2(header(0x20, 0x00, {}));
  ASSERT_EQ(local.status, ProxyStatus::kOk);
  EXPECT_TRUE(local.local);
  EXPECT_EQ(local.length, 16u);
  EXPECT_FALSE(local.source);
  // LOCAL with addresses: they are the proxy's own and are not used.
  const ProxyHeader local_v4 = parseProxyV2(header(0x20, 0x11, kV4Block));
  ASSERT_EQ(local_v4.status, ProxyStatus::kOk);
  EXPECT_FALSE(local_v4.source);
  const ProxyHeader udp = parseProxyV2(header(0x21, 0x12, kV4Block));
  ASSERT_EQ(udp.status, ProxyStatus::kOk);
  EXPECT_FALSE(udp.source);
  const ProxyHeader unix_socket = parseProxyV2(header(0x21, 0x31, Bytes(216, 0)));
  ASSERT_EQ(unix_socket.status, ProxyStatus::kOk);
  EXPECT_FALSE(unix_socket.source);
}

TEST(ProxyProtocolV2, EveryPrefixOfAValidHeaderIsIncomplete) {
  const Bytes full = header(0x21, 0x11, kV4Block);
  for (std::size_t n = 0; n < full.size(); ++n)
    EXPECT_EQ(parseProxyV2({full.data(), n}).status, ProxyStatus::kIncomplete) << n;
}

TEST(ProxyProtocolV2, RefusesVersionOneBadSignaturesAndBadFields) {
  const std::string v1 = "PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\n";
  EXPECT_EQ(parseProxyV2({reinterpret_cast<const std::uint8_t*>(v1.data()), v1.size()}).status,
            ProxyStatus::kInvalid);
  const Bytes tls = {0x16, 0x03, 0x01, 0x02, 0x00};
  EXPECT_EQ(parseProxyV2(tls).status, ProxyStatus::kInvalid);
  Bytes bad = header(0x21, 0x11, kV4Block);
  bad[5] ^= 0x01;
  EXPECT_EQ(parseProxyV2(bad).status, ProxyStatus::kInvalid);
  // A wrong byte is refused at once, before the 16 bytes are in.
  EXPECT_EQ(parseProxyV2({bad.data(), 6}).status, ProxyStatus::kInvalid);
  EXPECT_EQ(parseProxyV2(header(0x11, 0x11, kV4Block)).status, ProxyStatus::kInvalid);  // v1
  EXPECT_EQ(parseProxyV2(header(0x22, 0x11, kV4Block)).status, ProxyStatus::kInvalid);  // cmd
  // Too short an address block for the family.
  EXPECT_EQ(parseProxyV2(header(0x21, 0x11, Bytes(11, 0))).status, ProxyStatus::kInvalid);
  EXPECT_EQ(parseProxyV2(header(0x21, 0x21, Bytes(35, 0))).status, ProxyStatus::kInvalid);
}

TEST(ProxyProtocolV2, AHostileLengthIsRefusedBeforeItIsBuffered) {
  Bytes huge = kSignature;
  huge.insert(huge.end(), {0x21, 0x11, 0xFF, 0xFF});
  EXPECT_EQ(parseProxyV2(huge).status, ProxyStatus::kInvalid);
  const Bytes largest = header(0x21, 0x11, Bytes(kMaxProxyHeaderLength - 16, 0));
  EXPECT_EQ(parseProxyV2(largest).status, ProxyStatus::kOk);
  const Bytes over = header(0x21, 0x11, Bytes(kMaxProxyHeaderLength - 15, 0));
  EXPECT_EQ(parseProxyV2(over).status, ProxyStatus::kInvalid);
}

}  // namespace
}  // namespace horizon::doh
