// The PROXY protocol version 2 header a load balancer puts before the TLS bytes of a connection
// (haproxy's proxy-protocol.txt, section 2.2): the client's address and port as the proxy saw
// them. Parsing only; whether the peer may send one is the connection's decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "horizon/ip/address.hpp"

namespace horizon::doh {

/// The longest header accepted: the 16 fixed bytes and up to 2032 bytes of addresses and TLVs,
/// more than any proxy sends, so a hostile length field cannot make the connection buffer 64 KiB.
constexpr std::size_t kMaxProxyHeaderLength = 2048;

/// What the front of the stream holds.
enum class ProxyStatus : std::uint8_t {
  kIncomplete,  // a valid beginning of a header: read more bytes and parse again
  kInvalid,     // not a version 2 header (bad signature, version 1 text, bad fields, too long)
  kOk,          // a complete header of `length` bytes
};

/// A parsed header. `source` is set only for the PROXY command over TCP on IPv4 or IPv6; for the
/// LOCAL command (the proxy's own health check) and for other families or protocols the
/// connection keeps the socket's addresses, as the specification asks.
struct ProxyHeader {
  ProxyStatus status = ProxyStatus::kInvalid;
  std::size_t length = 0;  // bytes to skip before the TLS stream; set when kOk
  bool local = false;      // LOCAL command
  std::optional<ip::ClientAddress> source;
  std::optional<ip::ClientAddress> destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
};

/// Parses the header at the front of `bytes`; TLVs after the addresses are skipped unread.
ProxyHeader parseProxyV2(std::span<const std::uint8_t> bytes);

}  // namespace horizon::doh
