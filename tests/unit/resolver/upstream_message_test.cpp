// Upstream message decoding: compression in owners and rdata, OPT handling, and rejection of every
// kind of malformation (truncation at each offset, bad pointers, lying lengths) without a crash
// (the ASan build checks reads). Packets are built by hand, and once by ldns as an independent
// encoder.
#include <stdbool.h>  // before ldns: its own bool definition otherwise breaks <optional>
// clang-format off
#include <ldns/ldns.h>
// clang-format on

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "horizon/resolver/upstream_message.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/rdata.hpp"

namespace horizon::resolver {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace type = wire::type;

std::string name(const char* text) {
  return *wire::nameFromText(text, "");
}

std::string rdata(std::uint16_t t, const char* text) {
  std::string error;
  auto r = wire::rdataFromText(t, text, "", &error);
  EXPECT_TRUE(r) << error;
  return r.value_or("");
}

// A tiny writer for hand-made packets; `at()` gives offsets to aim compression pointers at.
struct Writer {
  Bytes b;
  std::size_t at() const { return b.size(); }
  void u8(std::uint8_t v) { b.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void raw(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
  void label(const char* s) {
    u8(static_cast<std::uint8_t>(std::string(s).size()));
    raw(s);
  }
  void ptr(std::size_t off) { u16(static_cast<std::uint16_t>(0xC000 | off)); }
  void header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
              std::uint16_t ns, std::uint16_t ar) {
    u16(id);
    u16(flags);
    u16(qd);
    u16(an);
    u16(ns);
    u16(ar);
  }
  // Type, class, TTL and a length placeholder; returns where the rdata starts.
  std::size_t rrHead(std::uint16_t t, std::uint32_t ttl, std::uint16_t cls = 1) {
    u16(t);
    u16(cls);
    u32(ttl);
    u16(0);
    return at();
  }
  void rrEnd(std::size_t rdata_start) {
    std::size_t len = at() - rdata_start;
    b[rdata_start - 2] = static_cast<std::uint8_t>(len >> 8);
    b[rdata_start - 1] = static_cast<std::uint8_t>(len);
  }
};

// A response exercising compression everywhere it is allowed: question "WwW.Example.COM." A;
// answer CNAME -> mail.Example.COM.; authority SOA (both names compressed); additional MX, SRV,
// NS, PTR, A, a TXT kept as is, and an OPT with extended rcode bits.
struct Sample {
  Bytes wire;
  std::size_t qname_at = 12, example_at = 16;
};

Sample sample() {
  Writer w;
  w.header(0x1234, wire::kFlagQR | wire::kFlagAA | wire::kFlagRD | 0x0001, 1, 1, 1, 7);
  w.label("WwW");
  w.label("Example");
  w.label("COM");
  w.u8(0);
  w.u16(type::A);
  w.u16(1);
  // answer: www.example.com CNAME mail.<ptr example.com>
  w.ptr(12);
  std::size_t r = w.rrHead(type::CNAME, 300);
  w.label("mail");
  w.ptr(16);
  w.rrEnd(r);
  // authority: Example.COM SOA ns1.<ptr> Host\.master.<ptr> 1 2 3 4 5
  w.ptr(16);
  r = w.rrHead(type::SOA, 3600);
  std::size_t ns1_at = w.at();
  w.label("ns1");
  w.ptr(16);
  w.label("Host.master");
  w.ptr(16);
  for (std::uint32_t v = 1; v <= 5; ++v) w.u32(v);
  w.rrEnd(r);
  // additional: MX 10 <ptr mail...>, SRV 1 2 53 <ptr ns1...>, NS <ptr ns1>, PTR, A, TXT, OPT
  w.ptr(16);
  r = w.rrHead(type::MX, 60);
  w.u16(10);
  w.label("MX");
  w.ptr(16);
  w.rrEnd(r);
  w.label("_dns");
  w.label("_udp");
  w.ptr(16);
  r = w.rrHead(type::SRV, 60);
  w.u16(1);
  w.u16(2);
  w.u16(53);
  w.ptr(ns1_at);
  w.rrEnd(r);
  w.ptr(16);
  r = w.rrHead(type::NS, 60);
  w.ptr(ns1_at);
  w.rrEnd(r);
  w.ptr(ns1_at);
  r = w.rrHead(type::PTR, 60);
  w.ptr(12);
  w.rrEnd(r);
  w.ptr(ns1_at);
  r = w.rrHead(type::A, 60);
  w.u32(0xC0000201);  // 192.0.2.1
  w.rrEnd(r);
  w.ptr(12);
  r = w.rrHead(type::TXT, 60);
  w.u8(2);
  w.raw("\xc0\x0c");  // looks like a pointer but TXT rdata is opaque: must stay as is
  w.rrEnd(r);
  w.u8(0);
  r = w.rrHead(type::OPT, 0x01000000, 4096);  // extended rcode 1, version 0
  w.rrEnd(r);
  return {w.b};
}

TEST(ResolverMessageTest, DecodesCompressionInOwnersAndRdata) {
  Sample s = sample();
  auto m = decodeMessage(s.wire);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_TRUE(m->authoritative());
  EXPECT_FALSE(m->truncated());
  EXPECT_EQ(m->qname, name("WwW.Example.COM."));  // question keeps its case
  EXPECT_EQ(m->qtype, type::A);
  EXPECT_EQ(m->qclass, 1);
  ASSERT_EQ(m->answer.size(), 1u);
  EXPECT_EQ(m->answer[0].owner, name("www.example.com."));  // owners are lowercased
  EXPECT_EQ(m->answer[0].type, type::CNAME);
  EXPECT_EQ(m->answer[0].ttl, 300u);
  EXPECT_EQ(m->answer[0].rdata, name("mail.Example.COM."));  // rdata keeps its case
  ASSERT_EQ(m->authority.size(), 1u);
  EXPECT_EQ(m->authority[0].owner, name("example.com."));
  EXPECT_EQ(m->authority[0].rdata,
            rdata(type::SOA, "ns1.Example.COM. Host\\.master.Example.COM. 1 2 3 4 5"));
  ASSERT_EQ(m->additional.size(), 6u);  // the OPT is not a record here
  EXPECT_EQ(m->additional[0].rdata, rdata(type::MX, "10 MX.Example.COM."));
  EXPECT_EQ(m->additional[1].owner, name("_dns._udp.example.com."));
  EXPECT_EQ(m->additional[1].rdata, rdata(type::SRV, "1 2 53 ns1.Example.COM."));
  EXPECT_EQ(m->additional[2].rdata, name("ns1.Example.COM."));
  EXPECT_EQ(m->additional[3].owner, name("ns1.example.com."));
  EXPECT_EQ(m->additional[3].rdata, name("WwW.Example.COM."));
  EXPECT_EQ(m->additional[4].rdata, std::string("\xc0\x00\x02\x01", 4));
  EXPECT_EQ(m->additional[5].rdata, std::string("\x02\xc0\x0c", 3));
  EXPECT_TRUE(m->has_edns);
  EXPECT_EQ(m->edns_udp_size, 4096);
  EXPECT_EQ(m->rcode, 17);  // (extended 1 << 4) | header rcode 1
}

TEST(ResolverMessageTest, DecodesWhatLdnsEncodes) {
  const char* records[] = {
      "Sub.Example.ORG. 120 IN CNAME target.Example.ORG.",
      "target.example.org. 120 IN A 192.0.2.7",
      "example.org. 3600 IN NS ns.Example.org.",
      "example.org. 3600 IN SOA ns.example.org. admin.example.org. 7 3600 600 86400 300",
      "example.org. 60 IN MX 5 mail.example.org.",
      "_sip._tcp.example.org. 60 IN SRV 0 5 5060 sip.example.org.",
      "ns.example.org. 60 IN AAAA 2001:db8::53",
  };
  ldns_pkt* pkt = ldns_pkt_new();
  ldns_pkt_set_id(pkt, 4242);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_rcode(pkt, LDNS_RCODE_NXDOMAIN);
  ldns_rr* q = nullptr;
  ASSERT_EQ(ldns_rr_new_question_frm_str(&q, "sub.example.org. IN A", nullptr, nullptr),
            LDNS_STATUS_OK);
  ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, q);
  ldns_pkt_section sections[] = {LDNS_SECTION_ANSWER,     LDNS_SECTION_ANSWER,
                                 LDNS_SECTION_AUTHORITY,  LDNS_SECTION_AUTHORITY,
                                 LDNS_SECTION_ADDITIONAL, LDNS_SECTION_ADDITIONAL,
                                 LDNS_SECTION_ADDITIONAL};
  for (std::size_t i = 0; i < std::size(records); ++i) {
    ldns_rr* rr = nullptr;
    ASSERT_EQ(ldns_rr_new_frm_str(&rr, records[i], 0, nullptr, nullptr), LDNS_STATUS_OK)
        << records[i];
    ldns_pkt_push_rr(pkt, sections[i], rr);
  }
  std::uint8_t* out = nullptr;
  std::size_t size = 0;
  ASSERT_EQ(ldns_pkt2wire(&out, pkt, &size), LDNS_STATUS_OK);
  Bytes bytes(out, out + size);
  free(out);
  ldns_pkt_free(pkt);

  auto m = decodeMessage(bytes);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, 4242);
  EXPECT_EQ(m->rcode, wire::rcode::NXDOMAIN);
  EXPECT_FALSE(m->has_edns);
  EXPECT_EQ(m->qname, name("sub.example.org."));
  ASSERT_EQ(m->answer.size(), 2u);
  ASSERT_EQ(m->authority.size(), 2u);
  ASSERT_EQ(m->additional.size(), 3u);
  EXPECT_EQ(m->answer[0].owner, name("sub.example.org."));
  // ldns compresses rdata names too, case-insensitively (a pointer to the lowercase owner), so
  // only the lowercase forms are comparable.
  EXPECT_EQ(wire::lowercaseName(m->answer[0].rdata), name("target.example.org."));
  EXPECT_EQ(m->answer[1].rdata, rdata(type::A, "192.0.2.7"));
  EXPECT_EQ(wire::lowercaseName(m->authority[0].rdata), name("ns.example.org."));
  EXPECT_EQ(m->authority[1].rdata,
            rdata(type::SOA, "ns.example.org. admin.example.org. 7 3600 600 86400 300"));
  EXPECT_EQ(m->additional[0].rdata, rdata(type::MX, "5 mail.example.org."));
  EXPECT_EQ(m->additional[1].rdata, rdata(type::SRV, "0 5 5060 sip.example.org."));
  EXPECT_EQ(m->additional[2].rdata, rdata(type::AAAA, "2001:db8::53"));
}

TEST(ResolverMessageTest, EveryTruncationIsRejected) {
  Bytes full = sample().wire;
  ASSERT_TRUE(decodeMessage(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(decodeMessage(cut)) << "prefix of " << n << " octets";
  }
}

TEST(ResolverMessageTest, SurvivesEverySingleByteCorruption) {
  // Not an oracle: each variant must decode or be rejected without touching memory outside the
  // buffer (checked by the sanitizer build); decoded names must stay within the limits.
  Bytes full = sample().wire;
  for (std::size_t i = 0; i < full.size(); ++i) {
    for (int v : {0x00, 0x01, 0x3F, 0x40, 0x80, 0xC0, 0xC1, 0xFF}) {
      Bytes mutated = full;
      mutated[i] = static_cast<std::uint8_t>(v);
      if (auto m = decodeMessage(mutated)) {
        EXPECT_LE(m->qname.size(), wire::kMaxNameLength);
        for (const auto* section : {&m->answer, &m->authority, &m->additional}) {
          for (const Record& r : *section) EXPECT_LE(r.owner.size(), wire::kMaxNameLength);
        }
      }
    }
  }
}

Bytes headerOnly(std::uint16_t qd, std::uint16_t an, std::uint16_t ns = 0, std::uint16_t ar = 0) {
  Writer w;
  w.header(1, wire::kFlagQR, qd, an, ns, ar);
  return w.b;
}

TEST(ResolverMessageTest, RejectsBadCompressionPointers) {
  auto withAnswerOwner = [](auto writeOwner) {
    Writer w;
    w.header(1, wire::kFlagQR, 1, 1, 0, 0);
    w.label("a");
    w.u8(0);
    w.u16(type::A);
    w.u16(1);
    writeOwner(w);
    std::size_t r = w.rrHead(type::A, 1);
    w.u32(0x7F000001);
    w.rrEnd(r);
    return w.b;
  };
  EXPECT_TRUE(decodeMessage(withAnswerOwner([](Writer& w) { w.ptr(12); })));
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) { w.ptr(w.at()); })));       // self
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) { w.ptr(w.at() + 2); })));   // forward
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) { w.ptr(0x3FFF); })));       // far off
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) { w.u16(0x4000 | 12); })));  // 0x40
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) { w.u16(0x8000 | 12); })));  // 0x80
  // A loop: label "x" then a pointer back to that label. Backward-only pointers still allow
  // this shape; the 255-octet name limit must end it.
  EXPECT_FALSE(decodeMessage(withAnswerOwner([](Writer& w) {
    std::size_t here = w.at();
    w.label("x");
    w.ptr(here);
  })));
}

TEST(ResolverMessageTest, RejectsOverlongNames) {
  Writer w;
  w.header(1, wire::kFlagQR, 1, 0, 0, 0);
  for (int i = 0; i < 5; ++i) w.label(std::string(60, 'a').c_str());  // 5 * 61 > 255
  w.u8(0);
  w.u16(type::A);
  w.u16(1);
  EXPECT_FALSE(decodeMessage(w.b));
}

TEST(ResolverMessageTest, RejectsLyingLengthsAndCounts) {
  const std::string owner = name("a.");
  auto oneRecord = [&](std::uint16_t t, const std::string& rd, int len_delta = 0) {
    Writer w;
    w.header(1, wire::kFlagQR, 0, 1, 0, 0);
    w.raw(owner);
    w.u16(t);
    w.u16(1);
    w.u32(1);
    w.u16(static_cast<std::uint16_t>(static_cast<int>(rd.size()) + len_delta));
    w.raw(rd);
    return w.b;
  };
  EXPECT_TRUE(decodeMessage(oneRecord(type::NS, name("ns.a."))));
  EXPECT_FALSE(decodeMessage(oneRecord(type::NS, name("ns.a."), +1)));    // rdlength past the end
  EXPECT_FALSE(decodeMessage(oneRecord(type::NS, name("ns.a.") + "x")));  // junk after the name
  EXPECT_FALSE(decodeMessage(oneRecord(type::NS, "")));
  EXPECT_FALSE(decodeMessage(oneRecord(type::CNAME,
                                       "\x05"
                                       "ab")));              // name runs past rdata
  EXPECT_FALSE(decodeMessage(oneRecord(type::MX, "\x00")));  // no room for preference
  EXPECT_FALSE(decodeMessage(oneRecord(type::SRV, std::string(5, '\0'))));
  EXPECT_FALSE(decodeMessage(oneRecord(type::SOA, name("a.") + name("b.") + std::string(19, 0))));
  EXPECT_TRUE(decodeMessage(oneRecord(type::SOA, name("a.") + name("b.") + std::string(20, 0))));
  EXPECT_FALSE(decodeMessage(oneRecord(type::A, std::string(5, '\1'))));
  EXPECT_FALSE(decodeMessage(oneRecord(type::AAAA, std::string(4, '\1'))));
  EXPECT_TRUE(decodeMessage(oneRecord(type::TXT, std::string(1, '\0'))));
  // Trailing octets after the counted records, and counts that promise more than is there.
  Bytes trailing = oneRecord(type::TXT, std::string(1, '\0'));
  trailing.push_back(0);
  EXPECT_FALSE(decodeMessage(trailing));
  EXPECT_FALSE(decodeMessage(headerOnly(0, 1)));
  EXPECT_FALSE(decodeMessage(headerOnly(0, 0xFFFF, 0xFFFF, 0xFFFF)));
  EXPECT_FALSE(decodeMessage(headerOnly(2, 0)));  // two questions
  EXPECT_TRUE(decodeMessage(headerOnly(0, 0)));   // e.g. a FORMERR without a question
  EXPECT_FALSE(decodeMessage(Bytes(11, 0)));
}

TEST(ResolverMessageTest, OptMustBeSingleRootOwnedAndInAdditional) {
  auto withOpts = [](int section, int count, bool root_owner) {
    Writer w;
    std::uint16_t n = static_cast<std::uint16_t>(count);
    w.header(1, wire::kFlagQR, 0, section == 0 ? n : 0, section == 1 ? n : 0, section == 2 ? n : 0);
    for (int i = 0; i < count; ++i) {
      if (root_owner) {
        w.u8(0);
      } else {
        w.label("x");
        w.u8(0);
      }
      std::size_t r = w.rrHead(type::OPT, 0, 1232);
      w.u16(10);  // an option: cookie-shaped, skipped
      w.u16(8);
      w.u32(1);
      w.u32(2);
      w.rrEnd(r);
    }
    return w.b;
  };
  auto ok = decodeMessage(withOpts(2, 1, true));
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->has_edns);
  EXPECT_EQ(ok->edns_udp_size, 1232);
  EXPECT_TRUE(ok->additional.empty());
  EXPECT_FALSE(decodeMessage(withOpts(2, 2, true)));
  EXPECT_FALSE(decodeMessage(withOpts(2, 1, false)));
  EXPECT_FALSE(decodeMessage(withOpts(0, 1, true)));
  EXPECT_FALSE(decodeMessage(withOpts(1, 1, true)));
}

TEST(ResolverMessageTest, EncodeQueryRoundTrips) {
  std::string qname = name("WwW.eXample.Test.");
  Bytes q = encodeQuery(0xBEEF, qname, type::AAAA, wire::kFlagRD, 1232);
  auto m = decodeMessage(q);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, 0xBEEF);
  EXPECT_EQ(m->flags, wire::kFlagRD);
  EXPECT_EQ(m->qname, qname);  // sent exactly as given
  EXPECT_EQ(m->qtype, type::AAAA);
  EXPECT_EQ(m->qclass, wire::kClassIN);
  EXPECT_TRUE(m->answer.empty() && m->authority.empty() && m->additional.empty());
  EXPECT_TRUE(m->has_edns);
  EXPECT_EQ(m->edns_udp_size, 1232);
  ASSERT_GE(q.size(), 11u);
  const std::uint8_t* opt = q.data() + q.size() - 11;
  EXPECT_EQ(opt[0], 0);            // root owner
  EXPECT_EQ(opt[5] | opt[6], 0);   // extended rcode and version 0
  EXPECT_EQ(opt[7] & 0x80, 0);     // DO clear
  EXPECT_EQ(opt[9] | opt[10], 0);  // no options

  Bytes plain = encodeQuery(7, name("."), type::NS, 0, 0);
  EXPECT_EQ(plain.size(), 12u + 1 + 4);
  auto p = decodeMessage(plain);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->has_edns);
  EXPECT_EQ(p->qname, std::string(1, '\0'));

  // An independent decoder agrees.
  ldns_pkt* pkt = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&pkt, q.data(), q.size()), LDNS_STATUS_OK);
  EXPECT_EQ(ldns_pkt_id(pkt), 0xBEEF);
  EXPECT_TRUE(ldns_pkt_rd(pkt));
  EXPECT_FALSE(ldns_pkt_qr(pkt));
  EXPECT_EQ(ldns_pkt_edns_udp_size(pkt), 1232);
  EXPECT_FALSE(ldns_pkt_edns_do(pkt));
  char* text = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
  EXPECT_STREQ(text, "WwW.eXample.Test.");
  free(text);
  ldns_pkt_free(pkt);
}

}  // namespace
}  // namespace horizon::resolver
