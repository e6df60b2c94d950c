// compileSnapshot and the answer engine against a golden corpus (tests/data/answers.golden,
// written by tests/tools/answer_golden_gen.cpp before the compact snapshot layout and the shared
// message writer): every response must come out byte for byte as it did then. Also:
// identical answers are stored once per view, and a view of one A record per name stays small.
#include "horizon/query/compiled_zone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "horizon/query/answer_engine.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::query {
namespace {

namespace type = wire::type;
using ip::ClientAddress;

const std::string kGoldenFile = HORIZON_TEST_DATA "/answers.golden";

std::string fromHex(const std::string& text) {
  if (text.size() % 2 != 0) throw std::runtime_error("odd hex length: " + text);
  auto digit = [&](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::runtime_error("bad hex: " + text);
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2)
    out.push_back(static_cast<char>(digit(text[i]) * 16 + digit(text[i + 1])));
  return out;
}

std::string toHex(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string u16(unsigned v) {
  return std::string{char(v >> 8), char(v & 0xff)};
}

// One query of the corpus and the response recorded for it.
struct GoldenQuery {
  unsigned id = 0;
  std::string client, form, qname_text, expected;
  std::uint16_t qclass = 0, qtype = 0;
};

// One group of the corpus: zones compiled into one snapshot, and the queries asked of it.
struct GoldenGroup {
  std::string label;
  std::vector<zone::Zone> zones;
  std::vector<GoldenQuery> queries;
};

std::vector<GoldenGroup> readGolden(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<GoldenGroup> groups;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == "group") {
      groups.emplace_back();
      fields >> groups.back().label;
      continue;
    }
    if (groups.empty()) throw std::runtime_error("a line before the first group: " + line);
    GoldenGroup& g = groups.back();
    if (kind == "zone") {
      std::string origin;
      zone::Zone z;
      fields >> origin >> z.serial >> z.origin_text;
      z.origin = fromHex(origin);
      g.zones.push_back(std::move(z));
    } else if (kind == "view") {
      zone::View v;
      int recursion = 0;
      fields >> v.name >> recursion;
      v.recursion = recursion != 0;
      g.zones.back().views.push_back(std::move(v));
    } else if (kind == "prefix") {
      ip::Prefix p;
      std::string address;
      fields >> p.length >> address;
      address = fromHex(address);
      p.is_v6 = address.size() == 16;
      std::copy(address.begin(), address.end(), p.address.begin());
      g.zones.back().views.back().prefixes.push_back(p);
    } else if (kind == "rr") {
      zone::ResourceRecord rr;
      std::string owner, rdata;
      fields >> owner >> rr.type >> rr.ttl >> rdata;
      rr.owner = fromHex(owner);
      rr.rdata = fromHex(rdata);
      g.zones.back().views.back().records.push_back(std::move(rr));
    } else if (kind == "q") {
      GoldenQuery q;
      fields >> q.id >> q.client >> q.form >> q.qclass >> q.qtype >> q.qname_text >> q.expected;
      g.queries.push_back(std::move(q));
    } else {
      throw std::runtime_error("unknown line: " + line);
    }
    if (fields.fail()) throw std::runtime_error("malformed line: " + line);
  }
  return groups;
}

// The query bytes answer_golden_gen sent: RD set, one question, an OPT record for EDNS forms.
std::vector<std::uint8_t> buildQuery(const GoldenQuery& q, Transport* transport) {
  std::uint16_t edns = 0;
  bool dnssec_ok = false;
  *transport = Transport::kUdp;
  if (q.form == "tcp") {
    *transport = Transport::kTcp;
  } else if (q.form == "udp-1232-do") {
    edns = 1232;
    dnssec_ok = true;
  } else if (q.form == "udp-4096") {
    edns = 4096;
  } else if (q.form != "udp") {
    throw std::runtime_error("unknown query form " + q.form);
  }
  auto qname = wire::nameFromText(q.qname_text, "");
  if (!qname) throw std::runtime_error("bad query name " + q.qname_text);
  std::string bytes = u16(q.id) + u16(wire::kFlagRD) + u16(1) + u16(0) + u16(0) +
                      u16(edns ? 1 : 0) + *qname + u16(q.qtype) + u16(q.qclass);
  if (edns)
    bytes += std::string(1, '\0') + u16(type::OPT) + u16(edns) + u16(0) +
             u16(dnssec_ok ? 0x8000 : 0) + u16(0);  // extended rcode and version 0, DO, rdlen
  return {bytes.begin(), bytes.end()};
}

TEST(CompiledZoneGolden, EveryResponseIsByteForByteTheRecordedOne) {
  const auto groups = readGolden(kGoldenFile);
  std::size_t asked = 0, wrong = 0;
  std::vector<std::uint8_t> out(kMaxResponseSize);
  for (const auto& g : groups) {
    SCOPED_TRACE("group " + g.label);
    auto snapshot = compileSnapshot(g.zones);
    for (const auto& q : g.queries) {
      Transport transport;
      const auto query = buildQuery(q, &transport);
      const auto client = ClientAddress::fromString(q.client);
      ASSERT_TRUE(client) << q.client;
      RecursionRequest recursion;
      std::size_t n = answerQuery(*snapshot, *client, query, out, transport, &recursion);
      std::string got = n > 0              ? toHex(out.data(), n)
                        : recursion.needed ? "recurse:" + std::to_string(recursion.policy)
                                           : "none";
      ++asked;
      if (got != q.expected && ++wrong <= 20) {
        std::size_t at = 0;
        while (at < got.size() && at < q.expected.size() && got[at] == q.expected[at]) ++at;
        ADD_FAILURE() << "query " << q.id << " from " << q.client << " (" << q.form << ") "
                      << q.qname_text << " type " << q.qtype << " class " << q.qclass
                      << ": first difference at response octet " << at / 2 << "\n  expected "
                      << q.expected << "\n  got      " << got;
      }
    }
  }
  EXPECT_EQ(wrong, 0u) << "of " << asked << " queries";
  // The corpus is what makes this test mean something: it must not shrink unnoticed.
  EXPECT_GE(groups.size(), 10u);
  EXPECT_GE(asked, 8000u);
}

std::string wireName(const std::string& text) {
  return *wire::nameFromText(text, "");
}

const NameNode* findName(const CompiledView& view, const std::string& text) {
  const std::string name = wireName(text);
  return view.find(reinterpret_cast<const std::uint8_t*>(name.data()), name.size());
}

zone::ResourceRecord record(const std::string& owner, std::uint16_t t, const std::string& rdata) {
  zone::ResourceRecord rr;
  rr.owner = wireName(owner);
  rr.type = t;
  rr.ttl = 300;
  rr.rdata = rdata;
  return rr;
}

// A zone shaped like the 100k-name benchmark zone: views lan, vpn and public, and per name one
// A record per view; `same_address` gives every name of a view the same address.
zone::Zone scaleZone(int names, bool same_address = false) {
  zone::Zone z;
  z.origin = wireName("scale.test.");
  z.origin_text = "scale.test.";
  for (const char* view_name : {"lan", "vpn", "public"}) {
    zone::View v;
    v.name = view_name;
    v.prefixes.push_back(*ip::parsePrefix(v.name == "lan"   ? "192.168.1.0/24"
                                          : v.name == "vpn" ? "100.109.0.0/16"
                                                            : "0.0.0.0/0"));
    v.records.push_back(record("scale.test.", type::SOA,
                               wireName("ns1.scale.test.") + wireName("hostmaster.scale.test.") +
                                   std::string(20, '\x01')));
    v.records.push_back(record("scale.test.", type::NS, wireName("ns1.scale.test.")));
    for (int i = 0; i < names; ++i) {
      const int a = same_address ? 7 : i;
      v.records.push_back(record("h" + std::to_string(i) + ".scale.test.", type::A,
                                 std::string{10, char(v.name.size()), char(a >> 8), char(a)}));
    }
    z.views.push_back(std::move(v));
  }
  return z;
}

TEST(CompiledZoneLayout, IdenticalAnswersAreStoredOncePerView) {
  constexpr std::size_t kNames = 20000;
  const auto snapshot = compileSnapshot({scaleZone(kNames)});
  for (const auto& view : snapshot->zones[0].views) {
    SCOPED_TRACE(view.name);
    EXPECT_EQ(view.nodes.size(), kNames + 1);
    // Each name's own A answer (ANY gives the same one), one NODATA for every other type shared
    // by all names, and a few answers at the apex: before, each name had four answers.
    EXPECT_LE(view.answers.size(), kNames + 8);
    // Typed entries only where the answer is not the name's default: A and ANY.
    EXPECT_LE(view.typed.size(), 2 * kNames + 8);
    // Names, table, typed entries and one 16-octet A answer per name.
    EXPECT_LT(view.memoryBytes(), 150 * view.record_count);
  }
}

TEST(CompiledZoneLayout, NamesWithTheSameRecordShareOneAnswer) {
  constexpr std::size_t kNames = 1000;
  const auto snapshot = compileSnapshot({scaleZone(kNames, true)});
  for (const auto& view : snapshot->zones[0].views) {
    // The owner is written as a pointer to the question, so the renderings are identical.
    EXPECT_LE(view.answers.size(), 8u) << view.name;
    const NameNode* a = findName(view, "h1.scale.test.");
    const NameNode* b = findName(view, "h2.scale.test.");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(&view.answerFor(*a, type::A), &view.answerFor(*b, type::A));
    EXPECT_EQ(&view.answerFor(*a, type::ANY), &view.answerFor(*a, type::A));
    EXPECT_EQ(&view.answerFor(*a, type::MX), &view.answerFor(*b, type::TXT));  // one NODATA
  }
}

TEST(CompiledZoneLayout, EveryNodeIsFoundByItsNameAndItsArenasAreConsistent) {
  const auto snapshot = compileSnapshot({scaleZone(500)});
  for (const auto& view : snapshot->zones[0].views) {
    for (const auto& node : view.nodes) {
      const std::string_view name = view.nameOf(node);
      EXPECT_EQ(view.find(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()), &node);
      const auto typed = view.typedOf(node);
      EXPECT_TRUE(std::is_sorted(
          typed.begin(), typed.end(),
          [](const TypedAnswer& x, const TypedAnswer& y) { return x.qtype < y.qtype; }));
      for (const auto& t : typed) {
        ASSERT_LT(t.answer, view.answers.size());
        EXPECT_NE(t.answer, node.default_answer);  // such entries are left out
      }
    }
    for (const auto& a : view.answers) {
      EXPECT_LE(a.bytes_offset + a.bytes_size, view.answer_bytes.size());
      EXPECT_LE(a.relocations_offset + a.relocations_count, view.relocations.size());
      for (const auto& r : view.relocationsOf(a)) EXPECT_LT(r.position + 1u, a.bytes_size);
    }
    EXPECT_EQ(findName(view, "absent.scale.test."), nullptr);
  }
  EXPECT_GT(snapshot->memoryBytes(), snapshot->zones[0].views[0].memoryBytes() * 3);
}

}  // namespace
}  // namespace horizon::query
