// Private to the zone loader: the records at the zone's apex that the file does not list, the
// SOA and NS, made from the soa and ns keys (or their defaults) for every view.
#pragma once

#include <cstdint>
#include <optional>

#include "horizon/zone/yaml_tree.hpp"
#include "horizon/zone/zone.hpp"
#include "load_context.hpp"

namespace horizon::zone {

/// The zone's SOA as the soa key makes it, before the serial is known.
struct SoaTemplate {
  ResourceRecord record;                // its serial field is a placeholder
  std::optional<std::uint32_t> serial;  // the soa key's serial, when it gives one
};

/// Puts a placeholder at the front of every view's records for the SOA, which fillSoaSlots writes
/// once the serial is known (making room for it then would move 100,000s of records).
void addSoaSlots(Zone& zone);

/// Reads the soa and ns keys (either may be null; `root` locates the defaults), appends the NS
/// records to every view, and returns the SOA for fillSoaSlots.
SoaTemplate synthesizeApex(LoadContext& context, const Entry* soa, const Entry* ns,
                           const yaml::Node& root);

/// Replaces every view's first record, its SOA slot, with `soa` carrying `serial`.
void fillSoaSlots(Zone& zone, const ResourceRecord& soa, std::uint32_t serial);

}  // namespace horizon::zone
