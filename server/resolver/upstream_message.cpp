// Decoding of whole upstream messages and encoding of the resolver's queries.
// Every length is checked against what remains; names are decompressed by wire::readName, whose
// pointers must point strictly backwards, which bounds decompression and rules out loops.
#include "horizon/resolver/upstream_message.hpp"

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/message_writer.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::resolver {
namespace {

using wire::readU16;

std::uint32_t readU32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Reads the possibly compressed name at `*pos` into `out` (uncompressed wire format, case kept)
// and advances `*pos` past the name as it sits in the message (a pointer counts two octets).
bool readNameAt(std::span<const std::uint8_t> msg, std::size_t* pos, std::string& out) {
  std::uint8_t name[wire::kMaxNameLength];
  std::uint16_t len = 0;
  const std::size_t end = wire::readName(msg, *pos, name, nullptr, len);
  if (end == 0) return false;
  out.assign(reinterpret_cast<const char*>(name), len);
  *pos = end;
  return true;
}

// Decompresses the rdata of the types whose rdata holds names (RFC 3597 section 4 allows
// compression only in those). `start`/`end` delimit the rdata in the message; the names must
// fill it exactly, with the fixed-size fields where the type puts them.
bool readRdata(std::span<const std::uint8_t> msg, std::uint16_t type, std::uint16_t rclass,
               std::size_t start, std::size_t end, std::string& out) {
  auto raw = [&](std::size_t from, std::size_t to) {
    out.append(reinterpret_cast<const char*>(msg.data() + from), to - from);
  };
  std::span<const std::uint8_t> bounded = msg.first(end);  // names may not run past the rdata
  std::string name;
  std::size_t p = start;
  auto appendName = [&]() {
    if (!readNameAt(bounded, &p, name)) return false;
    out += name;
    return true;
  };
  out.clear();
  switch (type) {
    case wire::type::NS:
    case wire::type::CNAME:
    case wire::type::PTR:
    case wire::type::DNAME:  // RFC 6672 2.5 forbids compressing it; accepted anyway, and checked
      if (!appendName()) return false;
      break;
    case wire::type::MX:
    case wire::type::SRV: {
      std::size_t fixed = type == wire::type::MX ? 2 : 6;
      if (end - start < fixed) return false;
      raw(start, start + fixed);
      p = start + fixed;
      if (!appendName()) return false;
      break;
    }
    case wire::type::SOA:
      if (!appendName() || !appendName()) return false;
      if (end - p != 20) return false;  // serial, refresh, retry, expire, minimum
      raw(p, end);
      p = end;
      break;
    case wire::type::A:
    case wire::type::AAAA:
      // Addresses have a fixed size in class IN; other classes define A differently.
      if (rclass == wire::kClassIN && end - start != (type == wire::type::A ? 4u : 16u)) {
        return false;
      }
      raw(start, end);
      p = end;
      break;
    default:
      raw(start, end);
      p = end;
      break;
  }
  return p == end;
}

}  // namespace

std::optional<Message> decodeMessage(std::span<const std::uint8_t> msg) {
  if (msg.size() < wire::kHeaderSize) return std::nullopt;
  Message m;
  m.id = readU16(&msg[0]);
  m.flags = readU16(&msg[2]);
  m.rcode = m.flags & 0x000F;
  std::uint16_t qdcount = readU16(&msg[4]);
  std::uint16_t counts[3] = {readU16(&msg[6]), readU16(&msg[8]), readU16(&msg[10])};
  // Some error responses (FORMERR, NOTIMP) carry no question; more than one is never valid.
  if (qdcount > 1) return std::nullopt;
  std::size_t pos = wire::kHeaderSize;
  if (qdcount == 1) {
    if (!readNameAt(msg, &pos, m.qname)) return std::nullopt;
    if (msg.size() - pos < 4) return std::nullopt;
    m.qtype = readU16(&msg[pos]);
    m.qclass = readU16(&msg[pos + 2]);
    pos += 4;
  }
  // Each record takes at least 11 octets; reject counts that cannot fit before allocating.
  if ((std::size_t{counts[0]} + counts[1] + counts[2]) * 11 > msg.size() - pos) return std::nullopt;
  std::vector<Record>* sections[3] = {&m.answer, &m.authority, &m.additional};
  for (int s = 0; s < 3; ++s) {
    sections[s]->reserve(counts[s]);
    for (std::uint16_t i = 0; i < counts[s]; ++i) {
      Record r;
      if (!readNameAt(msg, &pos, r.owner)) return std::nullopt;
      if (msg.size() - pos < 10) return std::nullopt;
      r.type = readU16(&msg[pos]);
      r.rclass = readU16(&msg[pos + 2]);
      r.ttl = readU32(&msg[pos + 4]);
      std::uint16_t rdlength = readU16(&msg[pos + 8]);
      pos += 10;
      if (msg.size() - pos < rdlength) return std::nullopt;
      std::size_t end = pos + rdlength;
      if (r.type == wire::type::OPT) {
        // RFC 6891 6.1.1: one OPT at most, in the additional section, owned by the root.
        if (s != 2 || m.has_edns || r.owner.size() != 1) return std::nullopt;
        m.has_edns = true;
        m.edns_udp_size = r.rclass;
        m.rcode = static_cast<std::uint16_t>(((r.ttl >> 24) << 4) | (m.flags & 0x000F));
        pos = end;  // options are not needed by the resolver; the length was checked
        continue;
      }
      if (!readRdata(msg, r.type, r.rclass, pos, end, r.rdata)) return std::nullopt;
      pos = end;
      r.owner = wire::lowercaseName(r.owner);
      sections[s]->push_back(std::move(r));
    }
  }
  // Octets after the last counted record mean the counts lie: treat it as malformed.
  if (pos != msg.size()) return std::nullopt;
  return m;
}

std::vector<std::uint8_t> encodeQuery(std::uint16_t id, std::string_view qname, std::uint16_t qtype,
                                      std::uint16_t flags, std::uint16_t edns_udp_size,
                                      bool dnssec_ok) {
  std::vector<std::uint8_t> out(wire::kHeaderSize + qname.size() + 4 +
                                (edns_udp_size ? wire::kEdnsOptSize : 0));
  wire::MessageWriter writer(out, out.size());
  if (!writer.start(id, flags, reinterpret_cast<const std::uint8_t*>(qname.data()), qname.size(),
                    qtype, wire::kClassIN, edns_udp_size != 0))
    return {};
  out.resize(writer.finish({edns_udp_size, dnssec_ok && edns_udp_size != 0, {}}));
  return out;
}

}  // namespace horizon::resolver
