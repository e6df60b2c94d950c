// DNS messages from upstream servers, fully decoded (control-plane speed: allocations allowed).
// The resolver works on these; the client-facing hot path never does.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/wire/record.hpp"

namespace horizon::resolver {

using wire::Record;

/// A decoded DNS message.
struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // header flags word, rcode bits included
  std::uint16_t rcode = 0;  // full rcode, extended bits from OPT included
  std::string qname;        // as received (case preserved), wire format
  std::uint16_t qtype = 0, qclass = 0;
  std::vector<Record> answer, authority, additional;  // additional excludes the OPT record
  bool has_edns = false;
  std::uint16_t edns_udp_size = 0;
  bool truncated() const { return (flags & 0x0200) != 0; }
  bool authoritative() const { return (flags & 0x0400) != 0; }
};

/// Decodes a whole message (any QR); nullopt when it is malformed in any way.
std::optional<Message> decodeMessage(std::span<const std::uint8_t> wire);

/// Encodes a query: one question, the given id, flags (e.g. RD for forwarding, CD), and an EDNS
/// OPT advertising `edns_udp_size` (0: no EDNS) with DO when `dnssec_ok`. `qname` is sent exactly
/// as given (0x20 case).
std::vector<std::uint8_t> encodeQuery(std::uint16_t id, std::string_view qname, std::uint16_t qtype,
                                      std::uint16_t flags, std::uint16_t edns_udp_size,
                                      bool dnssec_ok = false);

}  // namespace horizon::resolver
