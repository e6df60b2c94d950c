// A record read by ldns as a wire::Record, for the tests and fuzz targets that take their DNSSEC
// data from ldns-signzone: ldns is a parser independent of horizon's.
#pragma once

#include <stdbool.h>  // before ldns: its own bool definition otherwise breaks <optional>
// clang-format off: the order above matters
#include <ldns/ldns.h>
// clang-format on

#include <string>

#include "horizon/wire/name.hpp"
#include "horizon/wire/record.hpp"

namespace horizon::dnssec::testing {

/// One record from ldns: owner lowercased, rdata in uncompressed wire format with the case as
/// written.
inline wire::Record fromLdns(const ldns_rr* rr) {
  wire::Record r;
  const ldns_rdf* owner = ldns_rr_owner(rr);
  r.owner = wire::lowercaseName(
      std::string(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner)));
  r.type = ldns_rr_get_type(rr);
  r.rclass = ldns_rr_get_class(rr);
  r.ttl = ldns_rr_ttl(rr);
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* f = ldns_rr_rdf(rr, i);
    r.rdata.append(reinterpret_cast<const char*>(ldns_rdf_data(f)), ldns_rdf_size(f));
  }
  return r;
}

}  // namespace horizon::dnssec::testing
