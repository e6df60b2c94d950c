// Private to the network module: one line per answered query, when query logging is on.
#pragma once

#include <cstdint>
#include <span>

#include "horizon/query/compiled_zone.hpp"

struct sockaddr;

namespace horizon::net {

/// Logs "query TRANSPORT client=ADDR qname=NAME qtype=TYPE rcode=RCODE view=VIEW" for `request`
/// and the `response` sent to `peer` (an empty response is logged as DROPPED). Names and types
/// are printed as the wire module's presentation functions print them everywhere else. Off the
/// allocation-free path: only called when query logging is on.
void logQuery(const query::Snapshot& snapshot, const sockaddr* peer,
              std::span<const std::uint8_t> request, std::span<const std::uint8_t> response,
              const char* transport);

}  // namespace horizon::net
