// The query path: parse, pick zone and view, find the pre-rendered answer, copy and patch it.
// Nothing here allocates, locks or throws; every write is checked against the output span.
#include "horizon/query/answer_engine.hpp"

#include <algorithm>
#include <cstring>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::query {
namespace {

using wire::ParsedQuery;
using wire::ParseStatus;

// Writes a header-only reply (FORMERR, NOTIMP): the question is not echoed because it may be
// the very thing that was malformed.
std::size_t writeBareReply(const ParsedQuery& q, std::uint8_t rcode, std::span<std::uint8_t> out) {
  if (out.size() < wire::kHeaderSize) return 0;
  wire::writeU16(&out[0], q.id);
  std::uint16_t flags = static_cast<std::uint16_t>(
      wire::kFlagQR | (q.flags & (0x7800 | wire::kFlagRD | wire::kFlagCD)) | rcode);
  wire::writeU16(&out[2], flags);
  std::memset(&out[4], 0, 8);
  return wire::kHeaderSize;
}

// Looks up the answer for the question in one view: exact name, else the wildcard at the
// closest encloser, else NXDOMAIN (RFC 1034 4.3.2 with RFC 4592).
const RenderedAnswer& lookup(const CompiledView& view, const ParsedQuery& q,
                             std::size_t origin_len) {
  const NameNode* node = view.find(q.qname_lower, q.qname_len);
  if (!node) {
    std::uint8_t wildcard[wire::kMaxNameLength + 2] = {1, '*'};
    std::size_t pos = q.qname_lower[0] + 1u;  // the parent of the question name
    while (q.qname_len - pos >= origin_len) {
      const std::uint8_t* suffix = q.qname_lower + pos;
      std::size_t len = q.qname_len - pos;
      if (view.find(suffix, len)) {
        std::memcpy(wildcard + 2, suffix, len);
        node = view.find(wildcard, len + 2);
        break;
      }
      pos += suffix[0] + 1u;
    }
    if (!node) return view.answers[view.nxdomain_answer];
  }
  return view.answerFor(*node, q.qtype);
}

}  // namespace

std::size_t answerQuery(const Snapshot& snapshot, const ip::ClientAddress& client,
                        std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
                        Transport transport, RecursionRequest* recursion) {
  ParsedQuery q;
  switch (wire::parseQuery(query, q)) {
    case ParseStatus::kDrop:
      return 0;
    case ParseStatus::kFormErr:
      return writeBareReply(q, wire::rcode::FORMERR, out);
    case ParseStatus::kNotImp:
      return writeBareReply(q, wire::rcode::NOTIMP, out);
    case ParseStatus::kOk:
      break;
  }
  // Question types that are never asked in a question section.
  if (q.qtype == wire::type::OPT) return writeBareReply(q, wire::rcode::FORMERR, out);

  // How much the client can take: RFC 6891 6.2.5 (at least 512), our advertised maximum.
  std::size_t limit = 65535;
  if (transport == Transport::kUdp) {
    limit = q.has_edns ? std::clamp<std::size_t>(q.edns_udp_size, wire::kMinUdpPayload,
                                                 wire::kAdvertisedUdpPayload)
                       : wire::kMinUdpPayload;
  }
  limit = std::min(limit, out.size());
  const std::size_t opt_size = q.has_edns ? wire::kEdnsOptSize : 0;
  std::size_t question_end = wire::kHeaderSize + q.qname_len + 4u;
  if (question_end + opt_size > limit) return writeBareReply(q, wire::rcode::FORMERR, out);

  std::uint8_t* p = out.data();
  wire::writeU16(p, q.id);
  std::memcpy(p + wire::kHeaderSize, q.qname, q.qname_len);
  wire::writeU16(p + wire::kHeaderSize + q.qname_len, q.qtype);
  wire::writeU16(p + wire::kHeaderSize + q.qname_len + 2, q.qclass);
  std::uint16_t flags =
      static_cast<std::uint16_t>(wire::kFlagQR | (q.flags & (wire::kFlagRD | wire::kFlagCD)));
  std::uint16_t ancount = 0, nscount = 0;
  std::uint8_t rcode = wire::rcode::REFUSED;
  std::uint8_t ext_rcode = 0;
  std::size_t size = question_end;

  const CompiledZone* zone = nullptr;
  const CompiledView* view = nullptr;
  if (q.has_edns && q.edns_version > 0) {
    // RFC 6891 6.1.3: BADVERS, told through the OPT record's extended rcode.
    rcode = wire::rcode::BADVERS & 0x0F;
    ext_rcode = wire::rcode::BADVERS >> 4;
  } else if (q.qclass != wire::kClassIN || q.qtype == wire::type::AXFR ||
             q.qtype == wire::type::IXFR) {
    // REFUSED: other classes and zone transfers are not served.
  } else if ((zone = snapshot.findZone(q.qname_lower, q.qname_len)) == nullptr) {
    // Outside our zones: the resolver answers, if the client's view may recurse.
    const CompiledView* rview = recursion ? snapshot.recursionView(client) : nullptr;
    if (rview) {
      recursion->needed = true;
      recursion->policy = rview->policy;
      recursion->limit = limit;
      recursion->query = q;
      return 0;
    }
  } else if ((view = zone->selectView(client)) != nullptr) {
    if (view->recursion) flags |= wire::kFlagRA;
    const RenderedAnswer& a = lookup(*view, q, zone->origin.size());
    rcode = a.rcode;
    flags |= wire::kFlagAA;
    const auto bytes = view->bytesOf(a);
    if (size + bytes.size() + opt_size <= limit) {
      std::memcpy(p + size, bytes.data(), bytes.size());
      // Pointers into the question move with its length; patch them for this client's name.
      for (const auto& r : view->relocationsOf(a)) {
        auto target =
            static_cast<std::uint16_t>(static_cast<int>(wire::kHeaderSize + q.qname_len) + r.delta);
        wire::writeU16(p + size + r.position, static_cast<std::uint16_t>(0xC000 | target));
      }
      size += bytes.size();
      ancount = a.ancount;
      nscount = a.nscount;
    } else {
      flags |= wire::kFlagTC;  // RFC 2181 9: the client retries over TCP for the whole answer
    }
  }
  wire::writeU16(p + 2, static_cast<std::uint16_t>(flags | rcode));
  wire::writeU16(p + 4, 1);
  wire::writeU16(p + 6, ancount);
  wire::writeU16(p + 8, nscount);
  wire::writeU16(p + 10, q.has_edns ? 1 : 0);
  if (q.has_edns) {
    std::uint8_t* o = p + size;
    o[0] = 0;  // root owner
    wire::writeU16(o + 1, wire::type::OPT);
    wire::writeU16(o + 3, wire::kAdvertisedUdpPayload);
    o[5] = ext_rcode;
    o[6] = 0;                     // version 0
    o[7] = q.edns_do ? 0x80 : 0;  // RFC 3225 3: the DO bit is copied into the response
    o[8] = 0;
    wire::writeU16(o + 9, 0);
    size += wire::kEdnsOptSize;
  }
  return size;
}

}  // namespace horizon::query
