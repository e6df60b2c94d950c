// Private to the zone loader: reads an RFC 1035 master file (the `zonefile:` key of a view) with
// ldns into resource records of one view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "horizon/zone/zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::zone {

/// Appends the records of the master file at `path` to `records` and every problem to
/// `diagnostics` (file:line of the zone file; `referenced_at` when the file cannot be read).
/// `origin` is the lowercase wire apex; the apex SOA and NS are skipped with a warning, names
/// outside the zone, delegations and $INCLUDE are errors. Never throws.
void readZonefile(const std::string& path, const SourceLocation& referenced_at,
                  const std::string& origin, std::uint32_t default_ttl,
                  std::vector<ResourceRecord>& records, std::vector<Diagnostic>& diagnostics);

}  // namespace horizon::zone
