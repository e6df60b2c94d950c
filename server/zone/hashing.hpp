// Private to the zone loader: the hash finaliser that the record tables and the serial share.
#pragma once

#include <cstdint>

namespace horizon::zone {

/// Spreads every input bit over the result (splitmix64's finaliser), so that sums of record
/// hashes do not cancel out for records that differ in a few bits.
inline std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace horizon::zone
