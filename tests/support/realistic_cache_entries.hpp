// A resolver-like mix of cache entries, shared by the cache-bound unit test and its benchmark so
// that the bound is asserted and measured on the same data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/resolver/cache.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::resolver::testing {

/// A name in wire format from its labels, e.g. {"www", "example", "com"}.
inline std::string wireName(std::initializer_list<std::string_view> labels) {
  std::string out;
  for (std::string_view label : labels) {
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
  }
  out.push_back('\0');
  return out;
}

/// A distinct IPv4 address (10.x.y.z) per i, as A rdata.
inline std::string address(std::size_t i) {
  return {'\x0a', static_cast<char>(i >> 16), static_cast<char>(i >> 8), static_cast<char>(i)};
}

/// The example.com SOA rdata: two names and the five counters (MINIMUM 300).
inline std::string soaRdata() {
  std::string rdata =
      wireName({"ns1", "example", "com"}) + wireName({"hostmaster", "example", "com"});
  for (std::uint32_t field : {2024010101u, 7200u, 3600u, 1209600u, 300u}) {
    for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(static_cast<char>(field >> shift));
  }
  return rdata;
}

/// One generated cache entry and the question it answers.
struct GeneratedEntry {
  std::string qname;
  std::uint16_t qtype = wire::type::A;
  CacheEntry entry;
};

/// Entry number i: 60% A answers of one or two records, 10% AAAA, 15% CNAME chains (one or two
/// links, then two A records), 15% negative answers carrying the zone's SOA (NXDOMAIN, or NODATA
/// for AAAA). Names are distinct per i and mostly longer than the small-string buffer, as real
/// ones are.
inline GeneratedEntry realisticEntry(std::size_t i) {
  namespace type = wire::type;
  static const std::string soa = soaRdata();
  static const std::string zone = wireName({"example", "com"});
  const std::string n = std::to_string(i);
  GeneratedEntry g;
  std::vector<Record>& answer = g.entry.answer;
  const std::size_t kind = i % 20;
  if (kind < 12) {
    g.qname = wireName({"host" + n, "example", "com"});
    answer.push_back(Record{g.qname, type::A, wire::kClassIN, 300, address(i)});
    if (i % 3 == 0) answer.push_back(Record{g.qname, type::A, wire::kClassIN, 300, address(i + 1)});
  } else if (kind < 14) {
    g.qname = wireName({"v6-" + n, "example", "org"});
    g.qtype = type::AAAA;
    answer.push_back(
        Record{g.qname, type::AAAA, wire::kClassIN, 300, std::string(12, '\0') + address(i)});
  } else if (kind < 17) {
    g.qname = wireName({"www" + n, "shop", "example", "com"});
    std::string target = wireName({"e" + n, "cdn", "example", "net"});
    answer.push_back(Record{g.qname, type::CNAME, wire::kClassIN, 300, target});
    if (kind == 16) {
      std::string next = wireName({"edge" + n, "akadns", "example", "net"});
      answer.push_back(Record{target, type::CNAME, wire::kClassIN, 300, next});
      target = next;
    }
    answer.push_back(Record{target, type::A, wire::kClassIN, 60, address(i)});
    answer.push_back(Record{target, type::A, wire::kClassIN, 60, address(i + 7)});
  } else {
    if (kind == 19) {
      g.qname = wireName({"host" + n, "example", "com"});
      g.qtype = type::AAAA;
    } else {
      g.qname = wireName({"nx" + n, "example", "com"});
      g.entry.rcode = wire::rcode::NXDOMAIN;
    }
    g.entry.authority.push_back(Record{zone, type::SOA, wire::kClassIN, 300, soa});
  }
  return g;
}

}  // namespace horizon::resolver::testing
