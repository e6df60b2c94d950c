// Bounds-checked parsing of a DNS query over borrowed bytes: header, one question, EDNS OPT.
// Allocation-free and exception-free: this runs on the query path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "horizon/wire/name.hpp"

namespace horizon::wire {

/// What the answer path should do with a packet after parsing it.
enum class ParseStatus : std::uint8_t {
  kOk,       // a well-formed query with one question
  kDrop,     // not worth an answer: shorter than a header, or a response (QR=1)
  kFormErr,  // malformed beyond the header: answer FORMERR
  kNotImp,   // opcode other than QUERY: answer NOTIMP
};

/// A parsed query. `qname` holds the decompressed question name exactly as the client wrote it
/// (case preserved); `qname_lower` the same name lowercased for lookups.
struct ParsedQuery {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // the client's flags word
  std::uint8_t opcode = 0;
  bool has_question = false;
  std::uint8_t qname[kMaxNameLength];
  std::uint8_t qname_lower[kMaxNameLength];
  std::uint16_t qname_len = 0;  // octets, including the root label
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool has_edns = false;
  std::uint8_t edns_version = 0;
  bool edns_do = false;
  std::uint16_t edns_udp_size = 0;  // as sent by the client; 0 without EDNS
  bool nsid_requested = false;      // an NSID option was present (RFC 5001 2.1)
  std::uint8_t cookie_len = 0;      // COOKIE option length: 0 none, 8 client only, 16 to 40 both
  std::uint8_t cookie[40];          // the client cookie, then the server cookie if any
  std::uint16_t tsig_offset = 0;    // where a TSIG record (the last one) starts; 0: unsigned
};

/// Parses `packet` into `out`. Never reads outside the span, never allocates, never throws.
ParseStatus parseQuery(std::span<const std::uint8_t> packet, ParsedQuery& out);

/// Reads a big-endian 16-bit value; the caller has checked the bounds.
inline std::uint16_t readU16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
/// Writes a big-endian 16-bit value; the caller has checked the bounds.
inline void writeU16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
/// Writes a big-endian 32-bit value; the caller has checked the bounds.
inline void writeU32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace horizon::wire
