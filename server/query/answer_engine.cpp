// The query path: parse, pick zone and view, find the pre-rendered answer, copy and patch it.
// Nothing here allocates, locks or throws; every byte is written through wire::MessageWriter,
// which checks it against the client's limit.
#include "horizon/query/answer_engine.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>

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
    // Only the label "*" and the copied suffix are read: the rest of the buffer is not cleared
    // (that cost more than the lookups themselves).
    std::uint8_t wildcard[wire::kMaxNameLength + 2];
    wildcard[0] = 1;
    wildcard[1] = '*';
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

// True for the CH TXT names servers answer with their identity (hostname.bind, id.server).
bool isIdentityQuestion(const ParsedQuery& q) {
  static constexpr std::string_view kHostnameBind(
      "\x08hostname\x04"
      "bind\x00",
      15);
  static constexpr std::string_view kIdServer("\x02id\x06server\x00", 11);
  const std::string_view name(reinterpret_cast<const char*>(q.qname_lower), q.qname_len);
  return q.qclass == wire::kClassCH && q.qtype == wire::type::TXT &&
         (name == kHostnameBind || name == kIdServer);
}

// The identity as one TXT character-string (at most kMaxNsidSize, so one string holds it).
bool addIdentity(wire::MessageWriter& writer, const ParsedQuery& q, std::string_view identity) {
  std::uint8_t rdata[1 + edns::kMaxNsidSize];
  rdata[0] = static_cast<std::uint8_t>(identity.size());
  std::memcpy(rdata + 1, identity.data(), identity.size());
  return writer.addRecord(
      wire::Section::kAnswer, std::string_view(reinterpret_cast<const char*>(q.qname), q.qname_len),
      wire::type::TXT, wire::kClassCH, 0,
      std::string_view(reinterpret_cast<const char*>(rdata), 1 + identity.size()));
}

// Seconds since the epoch, for cookies' timestamps.
std::uint32_t wallSeconds() {
  return static_cast<std::uint32_t>(::time(nullptr));
}

}  // namespace

std::size_t answerQuery(const Snapshot& snapshot, const ip::ClientAddress& client,
                        std::span<const std::uint8_t> query, std::span<std::uint8_t> out,
                        Transport transport, RecursionRequest* recursion, AnswerSummary* summary,
                        const ProtocolOptions* protocol) {
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
  const edns::EdnsResponder* edns = protocol ? protocol->edns : nullptr;
  // A signed query is checked before anything else is decided (RFC 8945 5.2); only signed
  // queries take this path, and it allocates. The verdict lives on the heap because an unsigned
  // query (nearly all of them) should not pay for clearing a verdict on the stack.
  std::unique_ptr<tsig::Verdict> tsig;
  if (q.tsig_offset != 0) {
    static const tsig::Keyring kNoKeys;
    tsig = std::make_unique<tsig::Verdict>(tsig::verifyRequest(
        query, q.tsig_offset, protocol && protocol->tsig_keys ? *protocol->tsig_keys : kNoKeys,
        wallSeconds()));
    if (tsig->malformed) return bare(wire::rcode::FORMERR);
  }

  // How much the client can take: RFC 6891 6.2.5 (at least 512), our advertised maximum.
  std::size_t limit = 65535;
  if (transport == Transport::kUdp) {
    limit = q.has_edns ? std::clamp<std::size_t>(q.edns_udp_size, wire::kMinUdpPayload,
                                                 wire::kAdvertisedUdpPayload)
                       : wire::kMinUdpPayload;
  }
  edns::ResponseOptions options;
  edns::CookieState cookie = edns::CookieState::kNone;
  if (edns) cookie = edns->respond(q, client, q.cookie_len ? wallSeconds() : 0, options);
  said.cookie_valid = cookie == edns::CookieState::kValid;
  // Room for the response's TSIG record is kept back from the records.
  const std::size_t tsig_room = tsig ? tsig::responseRecordSize(*tsig) : 0;
  if (tsig_room >= std::min(limit, out.size())) return bare(wire::rcode::SERVFAIL);
  MessageWriter writer(out, std::min(limit, out.size()) - tsig_room);
  if (!writer.startReply(q, wire::kFlagQR | (q.flags & (wire::kFlagRD | wire::kFlagCD)),
                         options.size))
    return bare(wire::rcode::FORMERR);
  said.answered = true;
  said.view = stats::kNoView;
  said.source = Source::kRefused;
  said.qtype = q.qtype;
  said.rcode = wire::rcode::REFUSED;
  writer.setRcode(wire::rcode::REFUSED);

  const CompiledZone* zone = nullptr;
  const CompiledView* view = nullptr;
  if (tsig && tsig->error != tsig::Error::kNone) {
    // BADKEY, BADSIG, BADTIME: NOTAUTH, with the TSIG error in the response's TSIG record.
    writer.setRcode(wire::rcode::NOTAUTH);
    said.source = Source::kError;
    said.rcode = wire::rcode::NOTAUTH;
  } else if (q.has_edns && q.edns_version > 0) {
    // RFC 6891 6.1.3: BADVERS, told through the OPT record's extended rcode.
    writer.setRcode(wire::rcode::BADVERS);
    said.source = Source::kError;
    said.rcode = wire::rcode::BADVERS;
  } else if (cookie == edns::CookieState::kInvalid && transport == Transport::kUdp) {
    // RFC 7873 5.2.4: a server cookie we did not make (or made too long ago, or for another
    // address) gets BADCOOKIE with a fresh one, and the client asks again with it. Over TCP the
    // address is proven by the handshake, so the question is answered.
    writer.setRcode(wire::rcode::BADCOOKIE);
    said.source = Source::kError;
    said.rcode = wire::rcode::BADCOOKIE;
  } else if (edns && edns->answersChaosIdentity() && isIdentityQuestion(q)) {
    // So replicas behind one address can be told apart (RFC 4892 3).
    writer.setRcode(wire::rcode::NOERROR);
    writer.setFlags(wire::kFlagAA);
    said.source = Source::kAuthoritative;
    said.rcode = wire::rcode::NOERROR;
    if (!addIdentity(writer, q, edns->identity())) writer.truncate();
  } else if (q.qclass != wire::kClassIN || q.qtype == wire::type::AXFR ||
             q.qtype == wire::type::IXFR) {
    // REFUSED: other classes and zone transfers are not served.
  } else if ((zone = snapshot.findZone(q.qname_lower, q.qname_len)) == nullptr) {
    // Outside our zones: the resolver answers, if the client's view may recurse.
    // Signed queries are for our zones (transfers, later): an answer from recursion could not
    // be signed when it arrives, so they are refused here.
    const CompiledView* rview = recursion && !tsig ? snapshot.recursionView(client) : nullptr;
    if (rview) {
      recursion->needed = true;
      recursion->policy = rview->policy;
      recursion->limit = std::min(limit, out.size());
      recursion->query = q;
      recursion->options = options;
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
  const std::size_t size = writer.finish({wire::kAdvertisedUdpPayload, q.edns_do, options.view()});
  if (!tsig) return size;
  const std::size_t signed_size =
      tsig::appendResponse(out.first(std::min(limit, out.size())), size, *tsig, wallSeconds());
  return signed_size != 0 ? signed_size : bare(wire::rcode::SERVFAIL);
}

std::size_t refuseWithoutRecursion(const RecursionRequest& request, std::span<std::uint8_t> out) {
  const ParsedQuery& q = request.query;
  // RA stays set: the server does recurse for this client, when asked to (as Unbound answers).
  wire::MessageWriter writer(out, request.limit);
  if (!writer.startReply(q, wire::kFlagQR | wire::kFlagRA | (q.flags & wire::kFlagCD),
                         request.options.size))
    return wire::MessageWriter::writeBareReply(q, wire::rcode::REFUSED, out);
  writer.setRcode(wire::rcode::REFUSED);
  return writer.finish({wire::kAdvertisedUdpPayload, q.edns_do, request.options.view()});
}

}  // namespace horizon::query
