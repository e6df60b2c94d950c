// Query parsing over borrowed bytes. Every read is preceded by a bounds check against the packet
// end; names are decompressed by readName (name.hpp), whose pointers must point strictly
// backwards, which makes loops impossible.
#include "horizon/wire/message.hpp"

#include <cstring>

#include "horizon/wire/constants.hpp"

namespace horizon::wire {
namespace {

// Skips a possibly compressed name without following pointers; 0 when it runs off the end.
std::size_t skipName(std::span<const std::uint8_t> pkt, std::size_t pos) {
  for (int labels = 0; labels < 128; ++labels) {
    if (pos >= pkt.size()) return 0;
    std::uint8_t label = pkt[pos];
    if ((label & 0xC0) == 0xC0) return pos + 2 <= pkt.size() ? pos + 2 : 0;
    if (label & 0xC0) return 0;
    pos += 1 + label;
    if (label == 0) return pos <= pkt.size() ? pos : 0;
  }
  return 0;
}

}  // namespace

ParseStatus parseQuery(std::span<const std::uint8_t> pkt, ParsedQuery& q) {
  q.has_question = false;
  q.has_edns = false;
  q.edns_version = 0;
  q.edns_do = false;
  q.edns_udp_size = 0;
  q.nsid_requested = false;
  q.cookie_len = 0;
  q.tsig_offset = 0;
  q.qname_len = 0;
  if (pkt.size() < kHeaderSize) return ParseStatus::kDrop;
  q.id = readU16(&pkt[0]);
  q.flags = readU16(&pkt[2]);
  if (q.flags & kFlagQR) return ParseStatus::kDrop;
  q.opcode = static_cast<std::uint8_t>((q.flags >> 11) & 0x0F);
  if (q.opcode != kOpcodeQuery) return ParseStatus::kNotImp;
  std::uint16_t qdcount = readU16(&pkt[4]);
  std::uint16_t ancount = readU16(&pkt[6]);
  std::uint16_t nscount = readU16(&pkt[8]);
  std::uint16_t arcount = readU16(&pkt[10]);
  if (qdcount != 1) return ParseStatus::kFormErr;

  std::size_t pos = readName(pkt, kHeaderSize, q.qname, q.qname_lower, q.qname_len);
  if (pos == 0 || pos + 4 > pkt.size()) return ParseStatus::kFormErr;
  q.qtype = readU16(&pkt[pos]);
  q.qclass = readU16(&pkt[pos + 2]);
  pos += 4;
  q.has_question = true;

  // Skip answer and authority records (a query should have none), then look for OPT.
  const std::uint32_t total = static_cast<std::uint32_t>(ancount) + nscount + arcount;
  for (std::uint32_t i = 0; i < total; ++i) {
    std::size_t owner = pos;
    pos = skipName(pkt, pos);
    if (pos == 0 || pos + 10 > pkt.size()) return ParseStatus::kFormErr;
    std::uint16_t type = readU16(&pkt[pos]);
    std::uint16_t rdlen = readU16(&pkt[pos + 8]);
    if (pos + 10 + rdlen > pkt.size()) return ParseStatus::kFormErr;
    if (type == type::TSIG) {
      // RFC 8945 5.1: the last record of the additional section, or the message is FORMERR.
      if (i + 1 != total || i < static_cast<std::uint32_t>(ancount) + nscount)
        return ParseStatus::kFormErr;
      q.tsig_offset = static_cast<std::uint16_t>(owner);
    }
    if (type == type::OPT) {
      // RFC 6891 6.1.1: one OPT, in the additional section, owned by the root.
      if (i < static_cast<std::uint32_t>(ancount) + nscount || q.has_edns || pkt[owner] != 0)
        return ParseStatus::kFormErr;
      q.has_edns = true;
      q.edns_udp_size = readU16(&pkt[pos + 2]);
      q.edns_version = pkt[pos + 5];
      q.edns_do = (pkt[pos + 6] & 0x80) != 0;
      // Options must tile the rdata exactly; NSID and COOKIE are read, others ignored.
      std::size_t opt = pos + 10, opt_end = pos + 10 + rdlen;
      while (opt < opt_end) {
        if (opt + 4 > opt_end) return ParseStatus::kFormErr;
        const std::uint16_t code = readU16(&pkt[opt]);
        const std::uint16_t olen = readU16(&pkt[opt + 2]);
        if (opt + 4 + olen > opt_end) return ParseStatus::kFormErr;
        if (code == kOptionNsid) q.nsid_requested = true;
        if (code == kOptionCookie) {
          // RFC 7873 5.2.2: a client cookie of 8 octets, then optionally a server cookie of 8
          // to 32; any other length, or a second COOKIE option, is FORMERR.
          if (q.cookie_len != 0 || olen < 8 || (olen > 8 && olen < 16) || olen > 40)
            return ParseStatus::kFormErr;
          std::memcpy(q.cookie, &pkt[opt + 4], olen);
          q.cookie_len = static_cast<std::uint8_t>(olen);
        }
        opt += 4 + olen;
      }
    }
    pos += 10 + rdlen;
  }
  return ParseStatus::kOk;
}

}  // namespace horizon::wire
