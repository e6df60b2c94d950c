// Private to the query module: the hash table of a view's names, shared by the compiler that
// fills it and the lookups that read it on the query path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "horizon/query/compiled_zone.hpp"

namespace horizon::query::detail {

/// FNV-1a over a lowercase wire name.
inline std::uint32_t hashName(const std::uint8_t* p, std::size_t len) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < len; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

/// Finds `name` in the view's table (open addressing, linear probing), or the empty slot where
/// it belongs.
inline std::size_t findSlot(const CompiledView& view, const std::uint8_t* name, std::size_t len,
                            std::uint32_t hash) {
  const std::size_t mask = view.table.size() - 1;
  for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const std::uint32_t entry = view.table[slot];
    if (entry == 0) return slot;
    const NameNode& node = view.nodes[entry - 1];
    if (node.name_size == len && std::memcmp(view.names.data() + node.name_offset, name, len) == 0)
      return slot;
  }
}

}  // namespace horizon::query::detail
