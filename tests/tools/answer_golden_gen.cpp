// Writes tests/data/answers.golden: a corpus of zones and of queries with the exact response the
// answer engine gives to each. compiled_zone_test replays it, so any change to compileSnapshot or
// answerQuery that alters a single response byte fails. The zones are stored as the records the
// loader produced (not as YAML) so that the corpus tests the compiler and not the loader.
//
// Usage: answer_golden_gen OUTPUT
// Regenerate only when a change of answers is intended, and review the diff of the file.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "horizon/ip/prefix.hpp"
#include "horizon/query/answer_engine.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using namespace horizon;
namespace type = wire::type;

// Deterministic and identical on every platform, unlike the <random> distributions.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

std::string hex(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}
std::string hex(const std::string& s) {
  return hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string wireName(const std::string& text) {
  auto n = wire::nameFromText(text, "");
  if (!n) throw std::runtime_error("bad name " + text);
  return *n;
}
std::string lowerName(const std::string& text) {
  return wire::lowercaseName(wireName(text));
}
std::string u16(unsigned v) {
  return std::string{char(v >> 8), char(v & 0xff)};
}
std::string u32(std::uint32_t v) {
  return u16(v >> 16) + u16(v & 0xffff);
}
std::string ipv4(int a, int b, int c, int d) {
  return std::string{char(a), char(b), char(c), char(d)};
}
std::string ipv6Tail(int x) {
  std::string s(16, '\0');
  s[0] = char(0x20), s[1] = char(0x01), s[2] = char(0x0d), s[3] = char(0xb8);
  s[14] = char(x >> 8), s[15] = char(x & 0xff);
  return s;
}
std::string txt(const std::vector<std::string>& strings) {
  std::string out;
  for (const auto& s : strings) out += char(s.size()) + s;
  return out;
}

ip::Prefix prefix(const std::string& text) {
  auto p = ip::parsePrefix(text);
  if (!p) throw std::runtime_error("bad prefix " + text);
  return *p;
}

void add(zone::View& v, const std::string& owner, std::uint16_t t, const std::string& rdata,
         std::uint32_t ttl = 300) {
  zone::ResourceRecord rr;
  rr.owner = lowerName(owner);
  rr.type = t;
  rr.ttl = ttl;
  rr.rdata = rdata;
  v.records.push_back(rr);
}

zone::Zone emptyZone(const std::string& origin_text, std::uint32_t serial,
                     const std::vector<std::pair<std::string, std::vector<std::string>>>& views) {
  zone::Zone z;
  z.origin = lowerName(origin_text);
  z.origin_text = origin_text;
  z.serial = serial;
  for (const auto& [name, prefixes] : views) {
    zone::View v;
    v.name = name;
    for (const auto& p : prefixes) v.prefixes.push_back(prefix(p));
    const std::string dot_origin = origin_text == "." ? "." : "." + origin_text;
    add(v, origin_text, type::SOA,
        wireName("ns1" + dot_origin) + wireName("Hostmaster" + dot_origin) + u32(serial) +
            u32(3600) + u32(600) + u32(604800) + u32(120),
        300);
    add(v, origin_text, type::NS, wireName("ns1" + dot_origin));
    z.views.push_back(std::move(v));
  }
  return z;
}

// The awkward cases, in three views that differ: chains, loops, wildcards at several depths,
// empty non-terminals, every type whose rdata names are compressed, mixed-case rdata names,
// TTL mismatches, duplicates, and RRsets too large for UDP or for 14-bit pointers.
zone::Zone synthZone() {
  zone::Zone z = emptyZone("Synth.Test.", 42,
                           {{"lan", {"10.0.0.0/8", "::1/128"}},
                            {"vpn", {"10.9.0.0/16"}},
                            {"public", {"0.0.0.0/0", "::/0"}}});
  z.views[0].recursion = true;
  for (int vi = 0; vi < 3; ++vi) {
    zone::View& v = z.views[vi];
    add(v, "synth.test.", type::NS, wireName("NS2.Other.Example."));
    add(v, "synth.test.", type::A, ipv4(192, 0, 2, 1 + vi));
    add(v, "synth.test.", type::AAAA, ipv6Tail(1));
    add(v, "synth.test.", type::MX, u16(10) + wireName("mail.synth.test."));
    add(v, "synth.test.", type::MX, u16(20) + wireName("Mail2.SYNTH.test."));
    add(v, "synth.test.", type::TXT, txt({"v=spf1 mx -all"}));
    add(v, "synth.test.", type::CAA, std::string("\0\x05issue", 7) + "letsencrypt.org");
    add(v, "ns1.synth.test.", type::A, ipv4(192, 0, 2, 53));
    add(v, "mail.synth.test.", type::A, ipv4(192, 0, 2, 25));
    add(v, "mail2.synth.test.", type::AAAA, ipv6Tail(25));
    add(v, "www.synth.test.", type::A, ipv4(192, 0, 2, 10 + vi));
    add(v, "www.synth.test.", type::A, ipv4(192, 0, 2, 20 + vi));
    add(v, "www.synth.test.", type::AAAA, ipv6Tail(10));
    // A chain longer than the 8 hops that are followed.
    for (int i = 1; i < 11; ++i)
      add(v, "c" + std::to_string(i) + ".synth.test.", type::CNAME,
          wireName("C" + std::to_string(i + 1) + ".synth.test."));
    add(v, "c11.synth.test.", type::CNAME, wireName("WWW.Synth.Test."));
    add(v, "short.synth.test.", type::CNAME, wireName("c9.synth.test."), 60);
    add(v, "loop1.synth.test.", type::CNAME, wireName("loop2.synth.test."));
    add(v, "loop2.synth.test.", type::CNAME, wireName("Loop1.synth.test."));
    add(v, "self.synth.test.", type::CNAME, wireName("SELF.synth.test."));
    add(v, "out.synth.test.", type::CNAME, wireName("target.Example.NET."));
    add(v, "dangling.synth.test.", type::CNAME, wireName("gone.blocked.dev.synth.test."));
    add(v, "to-ent.synth.test.", type::CNAME, wireName("ent.synth.test."));
    add(v, "to-wild.synth.test.", type::CNAME, wireName("anything.dev.synth.test."));
    add(v, "to-apex.synth.test.", type::CNAME, wireName("synth.test."));
    add(v, "via-cdn.synth.test.", type::CNAME, wireName("y.cdn.synth.test."));
    add(v, "host.sub.ent.synth.test.", type::A, ipv4(192, 0, 2, 30));
    add(v, "x.ent2.synth.test.", type::TXT, txt({"makes ent2 an empty non-terminal"}));
    add(v, "_sip._tcp.synth.test.", type::SRV,
        u16(10) + u16(60) + u16(5060) + wireName("sip.synth.test."));
    add(v, "_sip._tcp.synth.test.", type::SRV,
        u16(20) + u16(0) + u16(5061) + wireName("sip2.example.net."));
    add(v, "sip.synth.test.", type::A, ipv4(192, 0, 2, 40));
    add(v, "deleg.synth.test.", type::NS, wireName("ns.deleg.synth.test."));
    add(v, "deleg.synth.test.", type::NS, wireName("ns.elsewhere.example."));
    add(v, "ns.deleg.synth.test.", type::A, ipv4(192, 0, 2, 54));
    add(v, "1.2.0.192.rev.synth.test.", type::PTR, wireName("WWW.synth.test."));
    add(v, "multi.synth.test.", type::TXT, txt({"part one", "part two", "part three"}));
    add(v, "ttlmix.synth.test.", type::A, ipv4(192, 0, 2, 61), 100);
    add(v, "ttlmix.synth.test.", type::A, ipv4(192, 0, 2, 62), 50);
    add(v, "dup.synth.test.", type::A, ipv4(192, 0, 2, 63));
    add(v, "dup.synth.test.", type::A, ipv4(192, 0, 2, 63));
    add(v, "both.synth.test.", type::CNAME, wireName("www.synth.test."));
    add(v, "both.synth.test.", type::TXT, txt({"a CNAME with other data"}));
    add(v, "mx.deeper.synth.test.", type::MX, u16(5) + wireName("a.b.mx.deeper.synth.test."));
    add(v, "mx.deeper.synth.test.", type::MX, u16(6) + wireName("mx.deeper.synth.test."));
    add(v, "a.b.mx.deeper.synth.test.", type::A, ipv4(192, 0, 2, 70));
    if (vi != 2) {
      // Wildcards only where the view has them.
      add(v, "*.synth.test.", type::A, ipv4(192, 0, 2, 100 + vi));
      add(v, "*.synth.test.", type::TXT, txt({"top-level wildcard"}));
      add(v, "*.dev.synth.test.", type::CNAME, wireName("www.synth.test."));
      add(v, "blocked.dev.synth.test.", type::TXT, txt({"blocks *.dev"}));
      add(v, "*.a.b.deep.synth.test.", type::A, ipv4(192, 0, 2, 102));
      add(v, "*.ent2.synth.test.", type::MX, u16(1) + wireName("Mail.synth.test."));
      add(v, "*.cdn.synth.test.", type::CNAME, wireName("c10.synth.test."));
      add(v, "*.wmx.synth.test.", type::MX, u16(1) + wireName("host.wmx.synth.test."));
      add(v, "*.wmx.synth.test.", type::MX, u16(2) + wireName("other.example."));
    }
    // "*.went" exists only as an empty non-terminal: it matches names but holds nothing.
    add(v, "sub.*.went.synth.test.", type::A, ipv4(192, 0, 2, 80));
    add(v, "to-went.synth.test.", type::CNAME, wireName("x.went.synth.test."));
    if (vi == 1) add(v, "vpn-only.synth.test.", type::A, ipv4(100, 64, 0, 1));
    if (vi == 0) {
      std::string big(200, 'x');
      for (int i = 0; i < 12; ++i) {
        big[0] = static_cast<char>('a' + i);
        add(v, "bigtxt.synth.test.", type::TXT, txt({big}));
      }
      // Enough distinct names that the answer passes the 14-bit pointer range, after which
      // names are written without being remembered for compression: the group labels that
      // first appear beyond it are written again in full by the next records of their group.
      for (int i = 0; i < 700; ++i) {
        char label[48];
        std::snprintf(label, sizeof label, "mailexchanger-%04d.g%d", i, i / 50);
        add(v, "bigmx.synth.test.", type::MX,
            u16(i) + wireName(std::string(label) + ".bigmx.synth.test."));
      }
    }
  }
  return z;
}

// Nested zones in one snapshot: the longest origin must win.
std::vector<zone::Zone> nestedZones() {
  zone::Zone parent = emptyZone("parent.test.", 1, {{"all", {"0.0.0.0/0", "::/0"}}});
  add(parent.views[0], "www.parent.test.", type::A, ipv4(192, 0, 2, 1));
  add(parent.views[0], "*.parent.test.", type::A, ipv4(192, 0, 2, 2));
  add(parent.views[0], "child.parent.test.", type::NS, wireName("ns1.child.parent.test."));
  zone::Zone child =
      emptyZone("child.parent.test.", 2, {{"inside", {"10.0.0.0/8"}}, {"outside", {"0.0.0.0/0"}}});
  add(child.views[0], "www.child.parent.test.", type::A, ipv4(10, 0, 0, 1));
  add(child.views[1], "www.child.parent.test.", type::A, ipv4(198, 51, 100, 1));
  add(child.views[0], "alias.child.parent.test.", type::CNAME, wireName("www.parent.test."));
  zone::Zone other = emptyZone("other.test.", 3, {{"all", {"0.0.0.0/0"}}});
  add(other.views[0], "x.other.test.", type::CNAME, wireName("www.child.parent.test."));
  return {parent, child, other};
}

// The root zone: every name is inside it, and its suffixes end at the root label.
zone::Zone rootZone() {
  zone::Zone z = emptyZone(".", 9, {{"all", {"0.0.0.0/0", "::/0"}}});
  add(z.views[0], "a.", type::A, ipv4(192, 0, 2, 1));
  add(z.views[0], "*.b.", type::MX, u16(1) + wireName("mx.a."));
  add(z.views[0], "c.d.e.", type::CNAME, wireName("x.b."));
  add(z.views[0], "*.", type::TXT, txt({"root wildcard"}));
  return z;
}

// The shape of the 100k-name scale zone, small: one distinct A per name and view.
zone::Zone scaleZone(int names) {
  zone::Zone z = emptyZone("scale.test.", 7,
                           {{"lan", {"192.168.1.0/24", "127.0.0.0/8"}},
                            {"vpn", {"100.109.0.0/16"}},
                            {"public", {"0.0.0.0/0"}}});
  const int kFirstOctet[] = {10, 100, 198};
  for (int i = 0; i < names; ++i)
    for (int vi = 0; vi < 3; ++vi)
      add(z.views[vi], "h" + std::to_string(i) + ".scale.test.", type::A,
          ipv4(kFirstOctet[vi], 64 + vi, i >> 8, i & 255));
  return z;
}

zone::Zone loadFile(const std::string& path) {
  auto result = zone::loadZoneFile(path);
  if (!result.ok()) throw std::runtime_error("cannot load " + path + ":\n" + result.report());
  return std::move(*result.zone);
}

// `label` prepended to the wire name `name`.
std::string withLabel(const std::string& label, const std::string& name) {
  return char(label.size()) + label + name;
}

std::string parentOf(const std::string& name) {
  return name.substr(static_cast<std::uint8_t>(name[0]) + 1);
}

std::string addressText(const ip::Prefix& p) {
  if (p.length == 0) return p.is_v6 ? "2001:db8::77" : "198.51.100.77";
  auto bytes = p.address;
  const int width = p.is_v6 ? 16 : 4;
  if (p.length < width * 8) bytes[width - 1] |= 7;  // a host inside the prefix, not its base
  char buf[64];
  if (!p.is_v6) {
    std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buf;
  }
  std::string text;
  for (int i = 0; i < 16; i += 2) {
    std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (bytes[i] << 8) | bytes[i + 1]);
    text += buf;
  }
  return text;
}

// Clients: `primary` holds one address per view that selects it; `secondary` one IPv6 address
// (when no primary is IPv6) and one address that no view serves, if there is such an address.
struct Clients {
  std::vector<std::string> primary, secondary;
};
Clients clientsFor(const query::Snapshot& snapshot) {
  Clients out;
  std::set<const query::CompiledView*> covered;
  bool have_v6 = false;
  auto selected = [&](const std::string& text) -> const query::CompiledView* {
    auto c = ip::ClientAddress::fromString(text);
    for (const auto& z : snapshot.zones)
      if (const auto* v = z.selectView(*c)) return v;
    return nullptr;
  };
  for (const auto& z : snapshot.zones) {
    for (const auto& entry : z.prefixes) {
      std::string text = addressText(entry.prefix);
      const auto* view = &z.views[entry.view];
      if (z.selectView(*ip::ClientAddress::fromString(text)) != view) continue;
      if (covered.insert(view).second) {
        out.primary.push_back(text);
        have_v6 |= entry.prefix.is_v6;
      } else if (entry.prefix.is_v6 && !have_v6) {
        out.secondary.push_back(text);
        have_v6 = true;
      }
    }
  }
  for (const char* nowhere : {"203.0.113.9", "2001:db8:ffff::9"}) {
    if (selected(nowhere) == nullptr) {
      out.secondary.push_back(nowhere);
      break;
    }
  }
  return out;
}

// Names worth asking. `held`: every owner and empty non-terminal. `derived`: names that only
// wildcards match, names below existing ones, NXDOMAIN names, the targets of CNAME/MX/NS/SRV/PTR
// (a few per RRset) and names outside every zone.
struct Names {
  std::vector<std::string> held, derived;
};
Names namesFor(const std::vector<zone::Zone>& zones, std::size_t limit_owners) {
  std::set<std::string> seen;
  Names out;
  auto addTo = [&](std::vector<std::string>& list, const std::string& n) {
    if (n.size() <= 255 && seen.insert(n).second) list.push_back(n);
  };
  for (const auto& z : zones) {
    std::set<std::string> owners;
    std::map<std::pair<std::string, std::uint16_t>, int> targets_taken;
    for (const auto& v : z.views) {
      for (const auto& rr : v.records) {
        if (!owners.count(rr.owner) && owners.size() >= limit_owners) continue;
        if (owners.insert(rr.owner).second) {
          for (std::string s = rr.owner; s.size() >= z.origin.size(); s = parentOf(s)) {
            addTo(out.held, s);
            if (s == z.origin) break;
          }
          bool wildcard = rr.owner.size() > 2 && rr.owner[0] == 1 && rr.owner[1] == '*';
          std::string base = wildcard ? parentOf(rr.owner) : rr.owner;
          if (wildcard) {
            addTo(out.derived, withLabel("matched", base));
            addTo(out.derived, withLabel("q", withLabel("rs", base)));
          }
          addTo(out.derived, withLabel("below", base));
        }
        if (++targets_taken[{rr.owner, rr.type}] > 2) continue;
        switch (rr.type) {
          case type::CNAME:
          case type::NS:
          case type::PTR:
            addTo(out.derived, wire::lowercaseName(rr.rdata));
            break;
          case type::MX:
            addTo(out.derived, wire::lowercaseName(rr.rdata.substr(2)));
            break;
          case type::SRV:
            addTo(out.derived, wire::lowercaseName(rr.rdata.substr(6)));
            break;
          default:
            break;
        }
      }
    }
    addTo(out.derived, withLabel("no-such-name", z.origin));
    addTo(out.derived, withLabel("z", withLabel("no-such-name", z.origin)));
    if (z.origin.size() > 1) addTo(out.derived, parentOf(z.origin));
  }
  addTo(out.derived, lowerName("outside.example."));
  addTo(out.derived, std::string(1, '\0'));
  return out;
}

std::string mixCase(const std::string& name, SplitMix& rng) {
  std::string out = name;
  for (std::size_t i = 0; i < out.size();) {
    auto len = static_cast<std::uint8_t>(out[i]);
    for (std::size_t j = 1; j <= len; ++j) {
      char& c = out[i + j];
      if (c >= 'a' && c <= 'z' && (rng.next() & 1)) c = static_cast<char>(c - 32);
    }
    i += len + 1;
    if (len == 0) break;
  }
  return out;
}

// How a query is sent: the transport and the EDNS OPT record decide the size limit.
struct QueryForm {
  const char* label;
  bool tcp;
  std::uint16_t edns;  // 0: no OPT record
  bool dnssec_ok;
};
constexpr QueryForm kForms[] = {{"udp", false, 0, false},
                                {"udp-1232-do", false, 1232, true},
                                {"tcp", true, 0, false},
                                {"udp-4096", false, 4096, false}};

// The same layout compiled_zone_test builds from a query line.
std::vector<std::uint8_t> buildQuery(std::uint16_t id, const std::string& qname,
                                     std::uint16_t qtype, std::uint16_t qclass,
                                     const QueryForm& form) {
  std::string q = u16(id) + u16(wire::kFlagRD) + u16(1) + u16(0) + u16(0) + u16(form.edns ? 1 : 0) +
                  qname + u16(qtype) + u16(qclass);
  if (form.edns)
    q += std::string(1, '\0') + u16(type::OPT) + u16(form.edns) + u32(form.dnssec_ok ? 0x8000 : 0) +
         u16(0);
  return {q.begin(), q.end()};
}

class Writer {
 public:
  explicit Writer(const std::string& path) : out_(path) {
    if (!out_) throw std::runtime_error("cannot write " + path);
    out_ << "# Golden answers: written by tests/tools/answer_golden_gen.cpp, replayed by\n"
            "# tests/unit/query/compiled_zone_test.cpp. Do not edit by hand.\n"
            "# group LABEL | zone ORIGIN_HEX SERIAL ORIGIN_TEXT | view NAME RECURSION |\n"
            "# prefix LENGTH ADDRESS_HEX | rr OWNER_HEX TYPE TTL RDATA_HEX |\n"
            "# q ID CLIENT FORM QCLASS QTYPE QNAME RESPONSE_HEX|recurse:POLICY|none\n";
  }

  void group(const std::string& label, const std::vector<zone::Zone>& zones,
             std::size_t limit_owners = SIZE_MAX) {
    out_ << "group " << label << "\n";
    std::map<std::string, std::set<std::uint16_t>> types_at;  // owner -> types, in any view
    std::set<std::uint16_t> zone_types;
    for (const auto& z : zones) {
      out_ << "zone " << hex(z.origin) << " " << z.serial << " " << z.origin_text << "\n";
      for (const auto& v : z.views) {
        out_ << "view " << v.name << " " << (v.recursion ? 1 : 0) << "\n";
        for (const auto& p : v.prefixes)
          out_ << "prefix " << p.length << " " << hex(p.address.data(), p.is_v6 ? 16 : 4) << "\n";
        for (const auto& rr : v.records) {
          out_ << "rr " << hex(rr.owner) << " " << rr.type << " " << rr.ttl << " " << hex(rr.rdata)
               << "\n";
          types_at[rr.owner].insert(rr.type);
          zone_types.insert(rr.type);
        }
      }
    }
    auto snapshot = query::compileSnapshot(zones);
    SplitMix rng{0};
    for (char c : label) rng.state = rng.state * 131 + static_cast<unsigned char>(c);
    // Each owner is asked the types it holds, the usual ones, ANY and two it cannot hold; a CNAME
    // also every type of the zone, since the end of its chain decides those answers. Other names
    // get `fewer`.
    const std::set<std::uint16_t> usual = {type::A,   type::AAAA, type::CNAME, type::MX, type::TXT,
                                           type::ANY, type::SOA,  type::NS,    4660,     0xFF00};
    const std::set<std::uint16_t> fewer = {type::A,   type::CNAME, type::MX, type::TXT,
                                           type::ANY, type::NS,    4660};
    auto typesFor = [&](const std::string& name) {
      std::set<std::uint16_t> out = types_at.count(name) ? usual : fewer;
      auto it = types_at.find(name);
      if (it != types_at.end()) {
        out.insert(it->second.begin(), it->second.end());
        if (it->second.count(type::CNAME)) out.insert(zone_types.begin(), zone_types.end());
      }
      return out;
    };
    const Clients clients = clientsFor(*snapshot);
    const Names names = namesFor(zones, limit_owners);
    const std::size_t before = count_;
    auto ask = [&](const std::string& client, const std::vector<std::string>& list,
                   std::size_t max_names) {
      for (std::size_t i = 0; i < list.size() && i < max_names; ++i) {
        for (std::uint16_t qtype : typesFor(list[i])) {
          const std::string qname = mixCase(list[i], rng);
          // Answers that do not fit a small UDP response are asked in every form.
          if (tcpSize(*snapshot, client, qname, qtype) > 500) {
            for (const auto& form : kForms) emit(*snapshot, client, qname, qtype, 1, form);
          } else {
            emit(*snapshot, client, qname, qtype, wire::kClassIN, kForms[rng.next() % 4]);
          }
        }
      }
    };
    for (const auto& client : clients.primary) {
      ask(client, names.held, SIZE_MAX);
      ask(client, names.derived, SIZE_MAX);
      // What is never answered from the zone: transfers, OPT as a question, class CH.
      for (const auto& z : zones) {
        for (std::uint16_t t : {type::AXFR, type::IXFR, type::OPT})
          emit(*snapshot, client, mixCase(z.origin, rng), t, wire::kClassIN, kForms[1]);
        emit(*snapshot, client, mixCase(z.origin, rng), type::A, 3, kForms[0]);
      }
    }
    for (const auto& client : clients.secondary) {
      ask(client, names.held, 8);
      ask(client, names.derived, 4);
    }
    std::fprintf(stderr, "%s: %zu+%zu clients, %zu+%zu names, %zu queries\n", label.c_str(),
                 clients.primary.size(), clients.secondary.size(), names.held.size(),
                 names.derived.size(), count_ - before);
  }

 private:
  static std::size_t tcpSize(const query::Snapshot& snapshot, const std::string& client_text,
                             const std::string& qname, std::uint16_t qtype) {
    auto query = buildQuery(0, qname, qtype, wire::kClassIN, kForms[2]);
    std::vector<std::uint8_t> out(query::kMaxResponseSize);
    query::RecursionRequest recursion;
    return query::answerQuery(snapshot, *ip::ClientAddress::fromString(client_text), query, out,
                              query::Transport::kTcp, &recursion);
  }

  // Answers one query and writes its line.
  void emit(const query::Snapshot& snapshot, const std::string& client_text,
            const std::string& qname, std::uint16_t qtype, std::uint16_t qclass,
            const QueryForm& form) {
    const auto id = static_cast<std::uint16_t>(++count_);
    auto query = buildQuery(id, qname, qtype, qclass, form);
    auto client = *ip::ClientAddress::fromString(client_text);
    std::vector<std::uint8_t> out(query::kMaxResponseSize);
    query::RecursionRequest recursion;
    std::size_t n =
        query::answerQuery(snapshot, client, query, out,
                           form.tcp ? query::Transport::kTcp : query::Transport::kUdp, &recursion);
    out_ << "q " << id << " " << client_text << " " << form.label << " " << qclass << " " << qtype
         << " " << wire::nameToText(qname) << " ";
    if (n > 0)
      out_ << hex(out.data(), n);
    else if (recursion.needed)
      out_ << "recurse:" << recursion.policy;
    else
      out_ << "none";
    out_ << "\n";
  }

  std::ofstream out_;
  std::size_t count_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: answer_golden_gen OUTPUT\n");
    return 2;
  }
  try {
    const std::string src = HORIZON_SOURCE_DIR;
    Writer w(argv[1]);
    w.group("seed", {loadFile(src + "/zones/madhan.app.yaml")});
    w.group("tricky", {loadFile(src + "/tests/data/differential/tricky.example.yaml")});
    w.group("with_zonefile", {loadFile(src + "/tests/data/loader/with_zonefile.yaml")});
    w.group("net", {loadFile(src + "/tests/data/net/example.test.yaml")});
    w.group("resolver_home", {loadFile(src + "/tests/data/resolver/home.test.yaml")});
    w.group("resolver_iter", {loadFile(src + "/tests/data/resolver_iter/lan.yaml")});
    w.group("seed_views", {loadFile(src + "/tests/data/seed_views.yaml")});
    w.group("synth", {synthZone()});
    w.group("nested", nestedZones());
    w.group("root", {rootZone()});
    w.group("scale", {scaleZone(300)}, 12);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "answer_golden_gen: %s\n", e.what());
    return 1;
  }
  return 0;
}
