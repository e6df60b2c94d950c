// Transparent huge pages for large, freshly allocated arrays of the zone loader.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace horizon::zone {

/// Asks for transparent huge pages over the whole 2 MiB pages of a fresh, untouched array. Page
/// faults are what a large zone's first load spends most time on (on a virtual machine ~12 us
/// each, one per 4 KiB page; 100,000 names touch some 20,000 pages); with huge pages there is one
/// per 2 MiB. Only an advice: where THP is off or the array is small, nothing changes.
inline void adviseHugePages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace horizon::zone
