// The answer engine over zones built in code, checked with ldns as an independent parser.
#include "horizon/query/answer_engine.hpp"

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "horizon/stats/view_labels.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::query {
namespace {

namespace type = wire::type;
using ip::ClientAddress;

std::string name(const std::string& text) {
  return wire::lowercaseName(*wire::nameFromText(text, ""));
}
std::string rawName(const std::string& text) {
  return *wire::nameFromText(text, "");
}
std::string a(int x) {
  return std::string{char(192), char(0), char(2), char(x)};
}
std::string u16(int v) {
  return std::string{char(v >> 8), char(v & 0xff)};
}
std::string u32(std::uint32_t v) {
  return u16(int(v >> 16)) + u16(int(v & 0xffff));
}

ip::Prefix prefix(std::initializer_list<int> bytes, int length, bool v6 = false) {
  ip::Prefix p;
  p.is_v6 = v6;
  int i = 0;
  for (int b : bytes) p.address[i++] = static_cast<std::uint8_t>(b);
  p.length = length;
  return p;
}

// A test zone: example.test with views "lan" (127.0.0.0/8), "vpn" (127.0.0.2/32) and
// "public" (10.0.0.0/8 only, so 192.0.2.1 is in no view).
class AnswerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone::Zone z;
    z.origin = name("example.test.");
    z.origin_text = "example.test.";
    zone::View lan{"lan", {prefix({127, 0, 0, 0}, 8)}, {}, false, false, std::nullopt};
    zone::View vpn{"vpn", {prefix({127, 0, 0, 2}, 32)}, {}, false, false, std::nullopt};
    zone::View pub{"public", {prefix({10, 0, 0, 0}, 8)}, {}, false, false, std::nullopt};
    for (auto* v : {&lan, &vpn, &pub}) {
      add(*v, "example.test.", type::SOA,
          rawName("ns1.example.test.") + rawName("hostmaster.example.test.") + u32(7) + u32(3600) +
              u32(600) + u32(604800) + u32(60),
          300);
      add(*v, "example.test.", type::NS, rawName("ns1.example.test."));
    }
    add(lan, "*.example.test.", type::A, a(220));
    add(lan, "auth.example.test.", type::A, a(250));
    add(lan, "multi.example.test.", type::A, a(1));
    add(lan, "multi.example.test.", type::A, a(2));
    add(lan, "deep.ent.example.test.", type::A, a(3));  // makes ent.example.test. an ENT
    add(lan, "www.example.test.", type::CNAME, rawName("Web.example.test."));
    add(lan, "web.example.test.", type::CNAME, rawName("host.example.test."));
    add(lan, "host.example.test.", type::A, a(4));
    add(lan, "dangling.example.test.", type::CNAME, rawName("a.nothing.auth.example.test."));
    add(lan, "out.example.test.", type::CNAME, rawName("elsewhere.invalid."));
    add(lan, "loop1.example.test.", type::CNAME, rawName("loop2.example.test."));
    add(lan, "loop2.example.test.", type::CNAME, rawName("loop1.example.test."));
    add(lan, "self.example.test.", type::CNAME, rawName("self.example.test."));
    add(lan, "mail.example.test.", type::MX, u16(10) + rawName("mx1.example.test."));
    add(lan, "*.w.example.test.", type::CNAME, rawName("target.sub.example.test."));
    add(lan, "target.sub.example.test.", type::A, a(9));
    std::string big;
    for (int i = 0; i < 10; ++i) {
      std::string s(100, static_cast<char>('a' + i));
      add(lan, "big.example.test.", type::TXT, std::string(1, char(100)) + s);
    }
    add(vpn, "*.example.test.", type::A, a(221));
    add(pub, "grafana.example.test.", type::A, a(250));
    lan.recursion = true;  // LAN clients may resolve outside names; the others may not
    z.views = {lan, vpn, pub};
    snapshot_ = compileSnapshot({z});
  }

  static void add(zone::View& v, const std::string& owner, std::uint16_t t, const std::string& rd,
                  std::uint32_t ttl = 300) {
    zone::ResourceRecord rr;
    rr.owner = name(owner);
    rr.type = t;
    rr.ttl = ttl;
    rr.rdata = rd;
    v.records.push_back(rr);
  }

  // Builds a query with ldns; `edns_size` 0 means no EDNS.
  static std::vector<std::uint8_t> query(const std::string& qname, ldns_rr_type qtype,
                                         std::uint16_t edns_size = 0) {
    ldns_pkt* pkt = nullptr;
    EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, qname.c_str(), qtype, LDNS_RR_CLASS_IN, LDNS_RD),
              LDNS_STATUS_OK);
    ldns_pkt_set_id(pkt, 4242);
    if (edns_size) {
      ldns_pkt_set_edns_udp_size(pkt, edns_size);
      ldns_pkt_set_edns_data(pkt, ldns_rdf_new_frm_str(LDNS_RDF_TYPE_HEX, ""));
    }
    std::uint8_t* wire = nullptr;
    size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
    std::vector<std::uint8_t> out(wire, wire + size);
    free(wire);
    ldns_pkt_free(pkt);
    return out;
  }

  struct Reply {
    std::vector<std::uint8_t> wire;
    std::unique_ptr<ldns_pkt, void (*)(ldns_pkt*)> pkt{nullptr, ldns_pkt_free};
    ldns_pkt* operator->() const { return pkt.get(); }
  };

  Reply ask(const std::vector<std::uint8_t>& q, const char* from = "127.0.0.1",
            Transport transport = Transport::kUdp) {
    std::vector<std::uint8_t> out(kMaxResponseSize);
    auto client = ClientAddress::fromString(from);
    EXPECT_TRUE(client.has_value());
    std::size_t n = answerQuery(*snapshot_, *client, q, out, transport);
    Reply r;
    out.resize(n);
    r.wire = out;
    if (n > 0) {
      ldns_pkt* p = nullptr;
      ldns_status status = ldns_wire2pkt(&p, out.data(), n);
      // Throwing ends the test with a failure instead of crashing on a null packet.
      if (status != LDNS_STATUS_OK)
        throw std::runtime_error(std::string("ldns cannot parse the response: ") +
                                 ldns_get_errorstr_by_id(status) + "\n" + hex(out));
      r.pkt.reset(p);
    }
    return r;
  }

  static std::string hex(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    char buf[4];
    for (auto b : bytes) {
      std::snprintf(buf, sizeof buf, "%02x ", b);
      out += buf;
    }
    return out;
  }

  static std::set<std::string> section(ldns_rr_list* list) {
    std::set<std::string> out;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
      char* s = ldns_rr2str(ldns_rr_list_rr(list, i));
      std::string line(s);
      free(s);
      while (!line.empty() && line.back() == '\n') line.pop_back();
      out.insert(line);
    }
    return out;
  }

  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(AnswerEngineTest, ExactNameIsAuthoritativeAndEchoesCase) {
  auto r = ask(query("AuTh.Example.TEST.", LDNS_RR_TYPE_A));
  ASSERT_TRUE(r.pkt);
  EXPECT_EQ(ldns_pkt_id(r.pkt.get()), 4242);
  EXPECT_TRUE(ldns_pkt_qr(r.pkt.get()));
  EXPECT_TRUE(ldns_pkt_aa(r.pkt.get()));
  EXPECT_TRUE(ldns_pkt_rd(r.pkt.get()));
  EXPECT_TRUE(ldns_pkt_ra(r.pkt.get()));  // the LAN view may recurse
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(section(ldns_pkt_answer(r.pkt.get())),
            std::set<std::string>{"AuTh.Example.TEST.\t300\tIN\tA\t192.0.2.250"});
  // The question bytes are the client's.
  EXPECT_EQ(std::string(r.wire.begin() + 12, r.wire.begin() + 17), std::string("\x04"
                                                                               "AuTh"));
}

TEST_F(AnswerEngineTest, MultiValuedRRset) {
  auto r = ask(query("multi.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(section(ldns_pkt_answer(r.pkt.get())).size(), 2u);
}

TEST_F(AnswerEngineTest, NodataHasSoaWithNegativeTtl) {
  auto r = ask(query("auth.example.test.", LDNS_RR_TYPE_AAAA));
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(r.pkt.get()), 0);
  auto auth = section(ldns_pkt_authority(r.pkt.get()));
  ASSERT_EQ(auth.size(), 1u);
  // min(SOA TTL 300, MINIMUM 60) per RFC 2308.
  EXPECT_EQ(*auth.begin(),
            "example.test.\t60\tIN\tSOA\tns1.example.test. hostmaster.example.test. 7 3600 600 "
            "604800 60");
}

TEST_F(AnswerEngineTest, EmptyNonTerminalIsNodataAndBlocksWildcard) {
  auto r = ask(query("ent.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(r.pkt.get()), 0);
  EXPECT_EQ(ldns_pkt_nscount(r.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, WildcardAnswersWithTheQuestionAsOwner) {
  auto r = ask(query("Sonarr.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(section(ldns_pkt_answer(r.pkt.get())),
            std::set<std::string>{"Sonarr.example.test.\t300\tIN\tA\t192.0.2.220"});
  auto deep = ask(query("a.b.c.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(section(ldns_pkt_answer(deep.pkt.get())),
            std::set<std::string>{"a.b.c.example.test.\t300\tIN\tA\t192.0.2.220"});
}

TEST_F(AnswerEngineTest, ExistingNameBelowApexBlocksApexWildcard) {
  // Closest encloser is auth.example.test, which has no wildcard child: NXDOMAIN (RFC 4592).
  auto r = ask(query("x.auth.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_nscount(r.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, CnameChainFollowedInsideZone) {
  auto r = ask(query("www.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(section(ldns_pkt_answer(r.pkt.get())),
            (std::set<std::string>{"www.example.test.\t300\tIN\tCNAME\tWeb.example.test.",
                                   // The owner reuses the CNAME's spelling through compression.
                                   "Web.example.test.\t300\tIN\tCNAME\thost.example.test.",
                                   "host.example.test.\t300\tIN\tA\t192.0.2.4"}));
  auto c = ask(query("www.example.test.", LDNS_RR_TYPE_CNAME));
  EXPECT_EQ(ldns_pkt_ancount(c.pkt.get()), 1);
  auto t = ask(query("www.example.test.", LDNS_RR_TYPE_TXT));  // chain ends in NODATA
  EXPECT_EQ(ldns_pkt_ancount(t.pkt.get()), 2);
  EXPECT_EQ(ldns_pkt_nscount(t.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, CnameLoopEndsWithoutRepeatingARecord) {
  auto loop = ask(query("loop1.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(loop.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(loop.pkt.get()), 2);
  auto self = ask(query("self.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_ancount(self.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, CnameToMissingNameIsNxdomain) {
  auto r = ask(query("dangling.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_ancount(r.pkt.get()), 1);
  auto out = ask(query("out.example.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(out.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(out.pkt.get()), 1);
  EXPECT_EQ(ldns_pkt_nscount(out.pkt.get()), 0);
}

TEST_F(AnswerEngineTest, CompressedNamesSurviveRelocation) {
  auto mx = ask(query("MAIL.example.test.", LDNS_RR_TYPE_MX));
  EXPECT_EQ(section(ldns_pkt_answer(mx.pkt.get())),
            std::set<std::string>{"MAIL.example.test.\t300\tIN\tMX\t10 mx1.example.test."});
  // A wildcard CNAME: the rendering is shared by names of different lengths.
  for (std::string q : {"x.w.example.test.", "a-much-longer-label.and.more.w.example.test."}) {
    auto r = ask(query(q, LDNS_RR_TYPE_A));
    EXPECT_EQ(section(ldns_pkt_answer(r.pkt.get())),
              (std::set<std::string>{q + "\t300\tIN\tCNAME\ttarget.sub.example.test.",
                                     "target.sub.example.test.\t300\tIN\tA\t192.0.2.9"}))
        << q;
  }
}

TEST_F(AnswerEngineTest, AnyGetsOneRRset) {
  auto r = ask(query("example.test.", LDNS_RR_TYPE_ANY));
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(r.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, ViewsByMostSpecificPrefix) {
  auto lan = ask(query("sonarr.example.test.", LDNS_RR_TYPE_A), "127.0.0.1");
  auto vpn = ask(query("sonarr.example.test.", LDNS_RR_TYPE_A), "127.0.0.2");
  auto mapped = ask(query("sonarr.example.test.", LDNS_RR_TYPE_A), "::ffff:127.0.0.2");
  auto pub = ask(query("sonarr.example.test.", LDNS_RR_TYPE_A), "10.1.2.3");
  EXPECT_EQ(*section(ldns_pkt_answer(lan.pkt.get())).begin(),
            "sonarr.example.test.\t300\tIN\tA\t192.0.2.220");
  EXPECT_EQ(*section(ldns_pkt_answer(vpn.pkt.get())).begin(),
            "sonarr.example.test.\t300\tIN\tA\t192.0.2.221");
  EXPECT_EQ(section(ldns_pkt_answer(mapped.pkt.get())), section(ldns_pkt_answer(vpn.pkt.get())));
  EXPECT_EQ(ldns_pkt_get_rcode(pub.pkt.get()), LDNS_RCODE_NXDOMAIN);
  auto pub_grafana = ask(query("grafana.example.test.", LDNS_RR_TYPE_A), "10.1.2.3");
  EXPECT_EQ(ldns_pkt_ancount(pub_grafana.pkt.get()), 1);
}

TEST_F(AnswerEngineTest, RefusedOutsideZoneOrView) {
  auto outside = ask(query("example.com.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(outside.pkt.get()), LDNS_RCODE_REFUSED);
  EXPECT_FALSE(ldns_pkt_aa(outside.pkt.get()));
  auto suffix_only = ask(query("notexample.test.", LDNS_RR_TYPE_A));
  EXPECT_EQ(ldns_pkt_get_rcode(suffix_only.pkt.get()), LDNS_RCODE_REFUSED);
  auto no_view = ask(query("auth.example.test.", LDNS_RR_TYPE_A), "192.0.2.1");
  EXPECT_EQ(ldns_pkt_get_rcode(no_view.pkt.get()), LDNS_RCODE_REFUSED);
  auto v6 = ask(query("auth.example.test.", LDNS_RR_TYPE_A), "2001:db8::1");
  EXPECT_EQ(ldns_pkt_get_rcode(v6.pkt.get()), LDNS_RCODE_REFUSED);
}

TEST_F(AnswerEngineTest, OutsideNamesGoToTheResolverOnlyForRecursingViews) {
  std::vector<std::uint8_t> out(kMaxResponseSize);
  auto q = query("www.Example.COM.", LDNS_RR_TYPE_AAAA, 4096);
  RecursionRequest lan;
  EXPECT_EQ(answerQuery(*snapshot_, *ClientAddress::fromString("127.0.0.1"), q, out,
                        Transport::kUdp, &lan),
            0u);
  ASSERT_TRUE(lan.needed);
  EXPECT_EQ(lan.policy, snapshot_->zones[0].views[0].policy);
  EXPECT_NE(lan.policy, 0u);
  EXPECT_EQ(lan.limit, 1232u);
  EXPECT_EQ(lan.query.qtype, LDNS_RR_TYPE_AAAA);
  EXPECT_EQ(lan.query.qname_lower[1], 'w');
  EXPECT_EQ(lan.query.qname[5], 'E');  // the client's spelling is kept for the answer
  // A view without recursion, and a caller without a resolver, get REFUSED.
  RecursionRequest vpn;
  std::size_t n = answerQuery(*snapshot_, *ClientAddress::fromString("127.0.0.2"), q, out,
                              Transport::kUdp, &vpn);
  EXPECT_FALSE(vpn.needed);
  ASSERT_GT(n, 12u);
  EXPECT_EQ(out[3] & 0x0F, LDNS_RCODE_REFUSED);
  EXPECT_EQ(ldns_pkt_get_rcode(ask(q, "127.0.0.1").pkt.get()), LDNS_RCODE_REFUSED);
  // Our own zone always wins over recursion, with RA set for a recursing view.
  RecursionRequest own;
  auto r = query("auth.example.test.", LDNS_RR_TYPE_A);
  n = answerQuery(*snapshot_, *ClientAddress::fromString("127.0.0.1"), r, out, Transport::kUdp,
                  &own);
  EXPECT_FALSE(own.needed);
  EXPECT_TRUE(out[3] & 0x80);  // RA
}

TEST_F(AnswerEngineTest, EdnsEchoedAndTruncationOverUdp) {
  auto plain = ask(query("big.example.test.", LDNS_RR_TYPE_TXT));
  EXPECT_TRUE(ldns_pkt_tc(plain.pkt.get()));
  EXPECT_EQ(ldns_pkt_ancount(plain.pkt.get()), 0);
  EXPECT_LE(plain.wire.size(), 512u);
  auto edns = ask(query("big.example.test.", LDNS_RR_TYPE_TXT, 4096));
  EXPECT_FALSE(ldns_pkt_tc(edns.pkt.get()));
  EXPECT_EQ(ldns_pkt_ancount(edns.pkt.get()), 10);
  EXPECT_EQ(ldns_pkt_edns_udp_size(edns.pkt.get()), 1232);
  auto tcp = ask(query("big.example.test.", LDNS_RR_TYPE_TXT), "127.0.0.1", Transport::kTcp);
  EXPECT_FALSE(ldns_pkt_tc(tcp.pkt.get()));
  EXPECT_EQ(ldns_pkt_ancount(tcp.pkt.get()), 10);
  EXPECT_FALSE(ldns_pkt_edns(tcp.pkt.get()));
}

TEST_F(AnswerEngineTest, EdnsVersionOneIsBadvers) {
  auto q = query("auth.example.test.", LDNS_RR_TYPE_A, 1232);
  // The OPT record is last: owner(1) type(2) class(2) then ext-rcode, version.
  q[q.size() - 11 + 6] = 1;
  auto r = ask(q);
  ASSERT_TRUE(r.pkt);
  EXPECT_EQ(r.wire[3] & 0x0F, 0);                // header rcode: low bits of 16
  EXPECT_EQ(r.wire[r.wire.size() - 11 + 5], 1);  // OPT extended rcode: 16 >> 4
  EXPECT_EQ(ldns_pkt_ancount(r.pkt.get()), 0);
}

TEST_F(AnswerEngineTest, MalformedAndOddPackets) {
  auto base = query("auth.example.test.", LDNS_RR_TYPE_A);
  std::vector<std::uint8_t> out(kMaxResponseSize);
  auto client = *ClientAddress::fromString("127.0.0.1");
  for (std::size_t n = 0; n < 12; ++n)  // shorter than a header: silence
    EXPECT_EQ(answerQuery(*snapshot_, client, std::span(base.data(), n), out, Transport::kUdp), 0u);
  auto response = base;
  response[2] |= 0x80;  // QR=1 is never answered
  EXPECT_EQ(answerQuery(*snapshot_, client, response, out, Transport::kUdp), 0u);
  auto update = base;
  update[2] = static_cast<std::uint8_t>((update[2] & 0x87) | (5 << 3));
  auto r = ask(update);
  EXPECT_EQ(ldns_pkt_get_rcode(r.pkt.get()), LDNS_RCODE_NOTIMPL);
  auto two = base;
  two[5] = 2;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(two).pkt.get()), LDNS_RCODE_FORMERR);
  auto zero = base;
  zero[5] = 0;
  EXPECT_EQ(ldns_pkt_get_rcode(ask(zero).pkt.get()), LDNS_RCODE_FORMERR);
  // A question name that points at itself.
  std::vector<std::uint8_t> loop(base.begin(), base.begin() + 12);
  loop.insert(loop.end(), {0xC0, 12, 0, 1, 0, 1});
  EXPECT_EQ(ldns_pkt_get_rcode(ask(loop).pkt.get()), LDNS_RCODE_FORMERR);
  auto truncated = std::vector<std::uint8_t>(base.begin(), base.end() - 3);
  EXPECT_EQ(ldns_pkt_get_rcode(ask(truncated).pkt.get()), LDNS_RCODE_FORMERR);
}

// The summary tells the statistics and the query log which view answered, from where and how.
TEST_F(AnswerEngineTest, SummarySaysViewSourceAndRcode) {
  std::vector<std::uint8_t> out(kMaxResponseSize);
  const auto summarise = [&](const std::vector<std::uint8_t>& q, const char* from,
                             RecursionRequest* recursion = nullptr) {
    AnswerSummary summary;
    answerQuery(*snapshot_, *ClientAddress::fromString(from), q, out, Transport::kUdp, recursion,
                &summary);
    return summary;
  };
  const std::uint16_t lan = snapshot_->zones[0].views[0].label;
  const std::uint16_t vpn = snapshot_->zones[0].views[1].label;
  EXPECT_EQ(stats::viewLabelName(lan), "lan");
  EXPECT_EQ(stats::viewLabelName(vpn), "vpn");

  auto s = summarise(query("auth.example.test.", LDNS_RR_TYPE_AAAA), "127.0.0.1");
  EXPECT_TRUE(s.answered);
  EXPECT_EQ(s.view, lan);
  EXPECT_EQ(s.source, stats::Source::kAuthoritative);
  EXPECT_EQ(s.qtype, LDNS_RR_TYPE_AAAA);
  EXPECT_EQ(s.rcode, LDNS_RCODE_NOERROR);

  s = summarise(query("nope.sub.example.test.", LDNS_RR_TYPE_A), "127.0.0.2");
  EXPECT_EQ(s.view, vpn);  // the vpn view has only a wildcard: NOERROR there
  s = summarise(query("auth.example.test.", LDNS_RR_TYPE_A), "192.0.2.1");
  EXPECT_EQ(s.view, stats::kNoView);
  EXPECT_EQ(s.source, stats::Source::kRefused);
  EXPECT_EQ(s.rcode, LDNS_RCODE_REFUSED);

  RecursionRequest recursion;
  s = summarise(query("www.example.com.", LDNS_RR_TYPE_A), "127.0.0.1", &recursion);
  ASSERT_TRUE(recursion.needed);
  EXPECT_EQ(s.view, lan);
  EXPECT_EQ(s.source, stats::Source::kRecursion);

  auto badvers = query("auth.example.test.", LDNS_RR_TYPE_A, 1232);
  badvers[badvers.size() - 5] = 1;  // the OPT record's VERSION octet
  s = summarise(badvers, "127.0.0.1");
  EXPECT_EQ(s.source, stats::Source::kError);
  EXPECT_EQ(s.rcode, 16);  // BADVERS

  std::vector<std::uint8_t> response_bit = query("auth.example.test.", LDNS_RR_TYPE_A);
  response_bit[2] |= 0x80;  // QR: a response is never answered
  s = summarise(response_bit, "127.0.0.1");
  EXPECT_FALSE(s.answered);
}

}  // namespace
}  // namespace horizon::query
