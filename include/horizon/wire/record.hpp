// One decoded resource record, the unit the resolver and the DNSSEC validator work on.
#pragma once

#include <cstdint>
#include <string>

namespace horizon::wire {

/// One resource record with every name decompressed. `owner` and names inside `rdata` are
/// uncompressed wire format; `owner` is lowercase, rdata names keep the case received.
struct Record {
  std::string owner;
  std::uint16_t type = 0;
  std::uint16_t rclass = 1;
  std::uint32_t ttl = 0;
  std::string rdata;  // names decompressed for the RFC 1035 types (NS, CNAME, SOA, PTR, MX),
                      // SRV and DNAME; other types as received
  bool operator==(const Record&) const = default;
};

}  // namespace horizon::wire
