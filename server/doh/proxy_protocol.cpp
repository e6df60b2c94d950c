// PROXY protocol version 2 (haproxy's proxy-protocol.txt, 2.2): 16 fixed bytes, then `len`
// bytes of addresses and TLVs.
#include "horizon/doh/proxy_protocol.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace horizon::doh {
namespace {

constexpr std::uint8_t kSignature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::size_t kFixedLength = 16;
constexpr std::uint8_t kCommandLocal = 0x0;
constexpr std::uint8_t kCommandProxy = 0x1;
constexpr std::uint8_t kFamilyInet = 0x1;
constexpr std::uint8_t kFamilyInet6 = 0x2;
constexpr std::uint8_t kProtocolStream = 0x1;

std::uint16_t readU16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Through fromSockaddr, so a v4-mapped IPv6 source is the IPv4 client it stands for.
ip::ClientAddress addressFrom(const std::uint8_t* bytes, bool v6) {
  if (!v6) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    std::memcpy(&sa.sin_addr, bytes, 4);
    return ip::ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::memcpy(&sa.sin6_addr, bytes, 16);
  return ip::ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
}

}  // namespace

ProxyHeader parseProxyV2(std::span<const std::uint8_t> bytes) {
  ProxyHeader out;
  const std::size_t prefix = std::min(bytes.size(), sizeof kSignature);
  // A stream that cannot become the signature is rejected at once, version 1 text included.
  if (std::memcmp(bytes.data(), kSignature, prefix) != 0) return out;
  if (bytes.size() < kFixedLength) {
    out.status = ProxyStatus::kIncomplete;
    return out;
  }
  const std::uint8_t version = bytes[12] >> 4;
  const std::uint8_t command = bytes[12] & 0x0F;
  const std::uint8_t family = bytes[13] >> 4;
  const std::uint8_t protocol = bytes[13] & 0x0F;
  const std::size_t length = kFixedLength + readU16(&bytes[14]);
  if (version != 2 || (command != kCommandLocal && command != kCommandProxy)) return out;
  if (length > kMaxProxyHeaderLength) return out;
  const bool v4 = family == kFamilyInet, v6 = family == kFamilyInet6;
  // The address block must fit in `len` for the families that have one (2.2: 12 and 36 bytes).
  const std::size_t address_block = v4 ? 12 : v6 ? 36 : 0;
  if (length - kFixedLength < address_block) return out;
  if (bytes.size() < length) {
    out.status = ProxyStatus::kIncomplete;
    return out;
  }
  out.status = ProxyStatus::kOk;
  out.length = length;
  out.local = command == kCommandLocal;
  if (out.local || protocol != kProtocolStream || (!v4 && !v6)) return out;
  const std::uint8_t* block = bytes.data() + kFixedLength;
  const std::size_t address_size = v4 ? 4 : 16;
  out.source = addressFrom(block, v6);
  out.destination = addressFrom(block + address_size, v6);
  out.source_port = readU16(block + 2 * address_size);
  out.destination_port = readU16(block + 2 * address_size + 2);
  return out;
}

}  // namespace horizon::doh
