// The query path: parse, pick zone and view, find the pre-rendered answer, copy and patch it.
// Nothing here allocates, locks or throws; every byte is written through wire::MessageWriter,
// which checks it against the client's limit.
#include "horizon/query/answer_engine.hpp"

#include <algorithm>
#include <cstring>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/message_writer.hpp"

namespace horizon::query {
namespace {

using wire::ParsedQuery;
using wire::ParseStatus;

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
                        Transport transport, RecursionRequest* recursion, AnswerSummary* summary) {
  using stats::Source;
  using wire::MessageWriter;
  AnswerSummary ignored;
  AnswerSummary& said = summary ? *summary : ignored;
  ParsedQuery q;
  const auto bare = [&](std::uint16_t rcode) {
    said.answered = true;
    said.source = Source::kError;
    said.qtype = q.qtype;
    said.rcode = rcode;
    return MessageWriter::writeBareReply(q, rcode, out);
  };
  switch (wire::parseQuery(query, q)) {
    case ParseStatus::kDrop:
      said.answered = false;
      return 0;
    case ParseStatus::kFormErr:
      return bare(wire::rcode::FORMERR);
    case ParseStatus::kNotImp:
      return bare(wire::rcode::NOTIMP);
    case ParseStatus::kOk:
      break;
  }
  // Question types that are never asked in a question section.
  if (q.qtype == wire::type::OPT) return bare(wire::rcode::FORMERR);

  // How much the client can take: RFC 6891 6.2.5 (at least 512), our advertised maximum.
  std::size_t limit = 65535;
  if (transport == Transport::kUdp) {
    limit = q.has_edns ? std::clamp<std::size_t>(q.edns_udp_size, wire::kMinUdpPayload,
                                                 wire::kAdvertisedUdpPayload)
                       : wire::kMinUdpPayload;
  }
  MessageWriter writer(out, limit);
  if (!writer.startReply(q, wire::kFlagQR | (q.flags & (wire::kFlagRD | wire::kFlagCD))))
    return bare(wire::rcode::FORMERR);
  said.answered = true;
  said.view = stats::kNoView;
  said.source = Source::kRefused;
  said.qtype = q.qtype;
  said.rcode = wire::rcode::REFUSED;
  writer.setRcode(wire::rcode::REFUSED);

  const CompiledZone* zone = nullptr;
  const CompiledView* view = nullptr;
  if (q.has_edns && q.edns_version > 0) {
    // RFC 6891 6.1.3: BADVERS, told through the OPT record's extended rcode.
    writer.setRcode(wire::rcode::BADVERS);
    said.source = Source::kError;
    said.rcode = wire::rcode::BADVERS;
  } else if (q.qclass != wire::kClassIN || q.qtype == wire::type::AXFR ||
             q.qtype == wire::type::IXFR) {
    // REFUSED: other classes and zone transfers are not served.
  } else if ((zone = snapshot.findZone(q.qname_lower, q.qname_len)) == nullptr) {
    // Outside our zones: the resolver answers, if the client's view may recurse.
    const CompiledView* rview = recursion ? snapshot.recursionView(client) : nullptr;
    if (rview) {
      recursion->needed = true;
      recursion->policy = rview->policy;
      recursion->limit = std::min(limit, out.size());
      recursion->query = q;
      said.view = rview->label;
      said.answering_view = rview;
      said.source = Source::kRecursion;
      return 0;
    }
  } else if ((view = zone->selectView(client)) != nullptr) {
    if (view->recursion) writer.setFlags(wire::kFlagRA);
    const RenderedAnswer& a = lookup(*view, q, zone->origin.size());
    writer.setRcode(a.rcode);
    writer.setFlags(wire::kFlagAA);
    said.view = view->label;
    said.answering_view = view;
    said.source = Source::kAuthoritative;
    said.rcode = a.rcode;
    if (std::uint8_t* at = writer.appendRecords(view->bytesOf(a), a.ancount, a.nscount, 0)) {
      // Pointers into the question move with its length; patch them for this client's name.
      for (const auto& r : view->relocationsOf(a)) {
        auto target =
            static_cast<std::uint16_t>(static_cast<int>(wire::kHeaderSize + q.qname_len) + r.delta);
        wire::writeU16(at + r.position, static_cast<std::uint16_t>(0xC000 | target));
      }
    } else {
      writer.truncate();  // RFC 2181 9: the client retries over TCP for the whole answer
    }
  }
  // RFC 3225 3: the DO bit is copied into the response.
  return writer.finish({wire::kAdvertisedUdpPayload, q.edns_do});
}

}  // namespace horizon::query
