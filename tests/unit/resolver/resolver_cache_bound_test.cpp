// The resolver cache's byte bound is a bound on memory: filled with a realistic mix of
// entries far beyond max_bytes, the cache's accounting stays within its limits and the heap it
// really holds (glibc's mallinfo2) stays within max_bytes plus a small fixed allowance, also while
// a CacheFront holds entries the cache has dropped. Eviction still works at that size: the newest
// entries answer, the oldest miss. Speed and the exact ratios are measured by
// bench/cache_bound_bench.cpp, not here.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../support/realistic_cache_entries.hpp"
#include "horizon/resolver/cache.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::resolver {
namespace {

using State = CacheLookup::State;
namespace type = wire::type;
namespace rcode = wire::rcode;

const Clock::time_point kNow = Clock::time_point{} + std::chrono::hours(24 * 365);
constexpr std::uint32_t kPolicy = 1;

// The heap in use, as glibc counts it (small blocks plus mmapped ones: a big shard's bucket array
// is mmapped); nullopt under a sanitizer, whose allocator mallinfo2 does not see.
std::optional<std::size_t> heapInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return std::nullopt;
#else
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

// What the heap may hold beyond max_bytes once the cache has settled: glibc's per-thread cache
// of freed blocks (tcache) counts as in use, and holds at most 7 blocks in each of its 64 size
// classes (32 to 1040 bytes); plus the cache's shard array and the test's own few strings, which
// 16 KiB covers many times over (a shard is ~160 bytes, at most 16 of them).
constexpr std::size_t kTcacheMax = 7 * (64 * 32 + 16 * (63 * 64 / 2));
constexpr std::size_t kHeapAllowance = kTcacheMax + 16 * 1024;

using testing::GeneratedEntry;
using testing::realisticEntry;
using testing::wireName;

void insertRealistic(ResolverCache& cache, std::size_t i) {
  GeneratedEntry g = realisticEntry(i);
  cache.insert(kPolicy, g.qname, g.qtype, std::move(g.entry), kNow);
}

State lookupRealistic(const ResolverCache& cache, std::size_t i) {
  const GeneratedEntry g = realisticEntry(i);
  return cache.lookup(kPolicy, g.qname, g.qtype, kNow, false).state;
}

TEST(ResolverCacheBound, AMillionRealisticEntriesStayWithinTheByteBound) {
  // A million entries of this mix take ~550 MB of heap; the bound is a small fraction of that.
  constexpr std::size_t kEntries = 1'000'000, kBatch = 50'000;
  CacheLimits limits;
  limits.max_entries = kEntries;
  limits.max_bytes = 32u << 20;
  realisticEntry(0);  // the generator's statics are allocated before the baseline
  const std::optional<std::size_t> heap_before = heapInUse();
  ResolverCache cache(limits);
  for (std::size_t i = 0; i < kEntries; ++i) {
    insertRealistic(cache, i);
    if ((i + 1) % kBatch != 0) continue;
    ASSERT_LE(cache.byteCount(), limits.max_bytes) << i;
    ASSERT_LE(cache.entryCount(), limits.max_entries) << i;
    if (heap_before) {
      ASSERT_LE(*heapInUse(), *heap_before + limits.max_bytes + kHeapAllowance) << i;
    }
  }
  // The bytes bind (each entry is charged ~660 bytes), and the cache stays nearly full.
  EXPECT_LT(cache.entryCount(), 100'000u);
  EXPECT_GT(cache.byteCount(), limits.max_bytes * 9 / 10);
  // Least recently used goes first: the newest thousand all answer, the oldest are gone.
  for (std::size_t i = kEntries - 1000; i < kEntries; ++i)
    ASSERT_EQ(lookupRealistic(cache, i), State::kFresh) << i;
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_EQ(lookupRealistic(cache, i), State::kMiss) << i;
}

// Entry number i of a mix built for malloc's worst rounding: an NS set of 8 records whose names
// are all 24 bytes long, so each name's 25-byte block takes a 48-byte chunk.
GeneratedEntry awkward(std::size_t i) {
  char host[16], server[16];
  std::snprintf(host, sizeof host, "host%06zu", i % 1'000'000);
  GeneratedEntry g;
  g.qname = wireName({host, "example", "com"});
  g.qtype = type::NS;
  g.entry.answer.reserve(8);
  for (int k = 0; k < 8; ++k) {
    std::snprintf(server, sizeof server, "ns%d-%06zu", k, i % 1'000'000);
    g.entry.answer.push_back(
        Record{g.qname, type::NS, wire::kClassIN, 300, wireName({server, "example", "com"})});
  }
  return g;
}

TEST(ResolverCacheBound, BadlyRoundedEntriesStayWithinTheByteBound) {
  CacheLimits limits;
  limits.max_entries = 1'000'000;
  limits.max_bytes = 32u << 20;
  const std::optional<std::size_t> heap_before = heapInUse();
  ResolverCache cache(limits);
  for (std::size_t i = 0; i < 200'000; ++i) {
    GeneratedEntry g = awkward(i);
    cache.insert(kPolicy, g.qname, g.qtype, std::move(g.entry), kNow);
    if ((i + 1) % 20'000 != 0) continue;
    ASSERT_LE(cache.byteCount(), limits.max_bytes) << i;
    if (heap_before) {
      ASSERT_LE(*heapInUse(), *heap_before + limits.max_bytes + kHeapAllowance) << i;
    }
  }
  EXPECT_GT(cache.byteCount(), limits.max_bytes * 9 / 10);
}

// A CacheFront keeps entries the cache has dropped until it looks at their slot again; the cache
// charges them meanwhile, so the front's working set fits inside max_bytes instead of on top of
// it. The worst case is a front that went quiet after answering many names: all it holds may be
// evicted by other threads' inserts. When the front is used again, its sweep lets go of them and
// the cache takes the room back for live entries.
TEST(ResolverCacheBound, EntriesHeldByAFrontStayWithinTheByteBound) {
  CacheLimits limits;
  limits.max_entries = 1'000'000;
  limits.max_bytes = 4u << 20;  // ~6,300 entries; a full front holds ~4,000
  realisticEntry(0);
  ResolverCache cache(limits);
  std::size_t next = 0;
  for (; next < 50'000; ++next) insertRealistic(cache, next);
  const std::size_t unpinned_entries = cache.entryCount();

  // The front answers the newest 8,000 names, filling most of its slots.
  CacheFront front(cache);
  bool prefetch = false;
  for (std::size_t i = next - 8000; i < next; ++i) {
    const GeneratedEntry g = realisticEntry(i);
    front.lookupFresh(kPolicy, g.qname, g.qtype, kNow, prefetch);
  }
  const std::optional<std::size_t> heap_before = heapInUse();  // slot table included
  const std::size_t bytes_before = cache.byteCount();
  for (std::size_t end = next + 50'000; next < end; ++next) {
    insertRealistic(cache, next);
    if ((next + 1) % 10'000 != 0) continue;
    ASSERT_LE(cache.byteCount(), limits.max_bytes) << next;
    // The settled cache may grow by what its bound leaves, whatever the front holds.
    if (heap_before) {
      ASSERT_LE(*heapInUse(), *heap_before + (limits.max_bytes - bytes_before) + kHeapAllowance)
          << next;
    }
  }
  // All the front's entries were evicted, and took room from live ones.
  EXPECT_LT(cache.entryCount(), unpinned_entries * 3 / 4);

  // New names through the front, as a server answers them: each trip to the cache sweeps two
  // slots, so the evicted entries are let go of, and what the front holds now is live.
  for (std::size_t end = next + 5000; next < end; ++next) {
    GeneratedEntry g = realisticEntry(next);
    cache.insert(kPolicy, g.qname, g.qtype, CacheEntry(g.entry), kNow);
    ASSERT_NE(front.lookupFresh(kPolicy, g.qname, g.qtype, kNow, prefetch), nullptr) << next;
  }
  EXPECT_GT(cache.entryCount(), unpinned_entries * 9 / 10);
  EXPECT_LE(cache.byteCount(), limits.max_bytes);
}

// The same holds for a lookup's result kept by its caller (a resolver callback, say).
TEST(ResolverCacheBound, AnEntryHeldByACallerStaysChargedUntilReleased) {
  CacheLimits limits;
  limits.max_entries = 8;  // one shard of 8, so LRU order is global
  ResolverCache cache(limits);
  insertRealistic(cache, 0);
  const GeneratedEntry first = realisticEntry(0);
  CacheLookup held = cache.lookup(kPolicy, first.qname, first.qtype, kNow, false);
  ASSERT_EQ(held.state, State::kFresh);
  const std::size_t held_bytes = held.entry->bytes;
  for (std::size_t i = 1; i <= 32; ++i) insertRealistic(cache, i);
  EXPECT_EQ(lookupRealistic(cache, 0), State::kMiss);
  EXPECT_TRUE(held.entry->retired.isSet());

  // Looked up oldest first, so the LRU order stays the insertion order.
  std::size_t live_bytes = 0, oldest_bytes = 0;
  for (std::size_t i = 25; i <= 32; ++i) {
    const GeneratedEntry g = realisticEntry(i);
    const std::size_t bytes = cache.lookup(kPolicy, g.qname, g.qtype, kNow, false).entry->bytes;
    live_bytes += bytes;
    if (i == 25) oldest_bytes = bytes;
  }
  ASSERT_EQ(cache.entryCount(), 8u);
  // Charged while held; what is left over is the index's bucket array (a few pointers).
  ASSERT_GE(cache.byteCount(), live_bytes + held_bytes);
  const std::size_t buckets = cache.byteCount() - live_bytes - held_bytes;
  EXPECT_LT(buckets, 1024u);

  held = {};
  insertRealistic(cache, 33);  // an insert past the bound releases what nobody holds any more
  const GeneratedEntry newest = realisticEntry(33);
  const std::size_t newest_bytes =
      cache.lookup(kPolicy, newest.qname, newest.qtype, kNow, false).entry->bytes;
  EXPECT_EQ(lookupRealistic(cache, 25), State::kMiss);
  EXPECT_EQ(cache.byteCount(), live_bytes - oldest_bytes + newest_bytes + buckets);
}

}  // namespace
}  // namespace horizon::resolver
