// Private to the zone loader: a flat open-addressing set of indices into an array, for finding
// the first of equal elements (duplicate names, identical records, RRsets) in linear time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace horizon::zone {

/// An empty table for up to `entries` indices: a power of two of at least twice as many slots.
inline std::vector<std::uint32_t> emptyIndexTable(std::size_t entries) {
  std::size_t size = 16;
  while (size < entries * 2) size *= 2;
  return std::vector<std::uint32_t>(size, 0);
}

/// The first index equal to `i` under `same(a, b)` among those in `table`, or `i`, then inserted,
/// when there is none. `hash` must be equal for equal elements. Slots hold index + 1; 0 is empty.
/// Flat and allocation-free per element: a node-based hash set made dedupe the slowest step of a
/// 100,000-name load.
template <class Same>
std::uint32_t firstEqual(std::vector<std::uint32_t>& table, std::uint64_t hash, std::uint32_t i,
                         const Same& same) {
  const std::size_t mask = table.size() - 1;
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    if (table[slot] == 0) {
      table[slot] = i + 1;
      return i;
    }
    if (same(table[slot] - 1, i)) return table[slot] - 1;
  }
}

}  // namespace horizon::zone
