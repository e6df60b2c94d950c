// The HTTP freshness lifetime of a DNS answer served over HTTPS (RFC 8484 5.1).
#pragma once

#include <cstdint>
#include <span>

namespace horizon::doh {

/// The smallest TTL of the records in the answer, authority and additional sections, leaving out
/// the OPT and TSIG meta-records; an SOA in the authority section counts as the lesser of its TTL
/// and its MINIMUM field (the negative-caching TTL, RFC 2308 5). TTLs with the top bit set count
/// as 0 (RFC 2181 8). Returns 0 when there are no records or the message is malformed.
std::uint32_t cacheMaxAge(std::span<const std::uint8_t> dns_response);

}  // namespace horizon::doh
