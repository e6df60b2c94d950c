// Private to the zone loader: the SOA serial of a zone whose soa key gives none, derived from its
// content so that every load of the same content gives the same serial.
#pragma once

#include <cstdint>
#include <vector>

#include "horizon/zone/zone.hpp"

namespace horizon::zone {

/// A hash of every view's name and records (SOA records excluded: they carry the serial) that
/// does not depend on the order of the views or of their records; never 0. The records of each
/// view must be unique, as the semantic checks leave them.
std::uint32_t deriveSerial(const std::vector<View>& views);

}  // namespace horizon::zone
