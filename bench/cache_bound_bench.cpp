// The resolver cache's memory bound: a ResolverCache is filled with 1,000,000 distinct
// entries of a resolver-like mix under a byte bound, and what it holds is set against what it
// was charged and what the process really spent: heap growth as glibc's mallinfo2 counts it
// (uordblks + hblkhd) and RSS growth. With a bound of 64 MiB the cache evicts most of them; with
// 1 GiB all of them fit (they are charged ~660 MB). One iteration each: a fill is the unit
// measured, and its insert and lookup times are taken around those calls only (the entries are
// generated outside the timed part), in thread CPU time: a fill takes seconds, and on a shared
// machine wall time would mostly measure the other load.
//
// Counters: entries (held at the end), charged (byteCount), heap and rss (growth since before
// the cache was built), charged_per_entry and heap_per_entry, heap_over_bound and
// heap_over_charged (ratios), insert_ns and lookup_ns (per call; lookups are of the newest
// 100,000 names, hit_ratio of them answered). BM_CacheBoundIdleFront adds a CacheFront that
// answered 8,192 names and then went quiet while the cache evicted them all: front_entries is
// how many live entries that cost, front_bytes their charge, which the front would have held
// beyond max_bytes before the cache charged entries it had dropped.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../tests/support/realistic_cache_entries.hpp"
#include "horizon/resolver/cache.hpp"
#include "horizon/wire/constants.hpp"

namespace {

using horizon::resolver::CacheEntry;
using horizon::resolver::CacheFront;
using horizon::resolver::CacheLimits;
using horizon::resolver::CacheLookup;
using horizon::resolver::Clock;
using horizon::resolver::Record;
using horizon::resolver::ResolverCache;
namespace wire = horizon::wire;

constexpr std::size_t kEntries = 1'000'000;
constexpr std::size_t kBatch = 10'000;     // entries generated ahead of each timed insert run
constexpr std::size_t kLookups = 100'000;  // the newest names, looked up after the fill
constexpr std::uint32_t kPolicy = 1;
const Clock::time_point kNow = Clock::time_point{} + std::chrono::hours(24 * 365);

// This thread's CPU time.
std::chrono::nanoseconds cpuNow() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Small and mmapped blocks in use (a big shard's bucket array is mmapped).
std::size_t heapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total = 0, resident = 0;
  statm >> total >> resident;
  return resident * 4096;
}

using horizon::resolver::testing::GeneratedEntry;
using horizon::resolver::testing::realisticEntry;
using horizon::resolver::testing::wireName;

// Inserts entries [first, last) in generated batches; returns the time spent in insert().
std::chrono::nanoseconds fill(ResolverCache& cache, std::size_t first, std::size_t last) {
  std::chrono::nanoseconds inserting{0};
  std::vector<GeneratedEntry> batch;
  batch.reserve(kBatch);
  for (std::size_t start = first; start < last; start += kBatch) {
    batch.clear();
    for (std::size_t i = start; i < std::min(last, start + kBatch); ++i)
      batch.push_back(realisticEntry(i));
    const auto t0 = cpuNow();
    for (GeneratedEntry& g : batch)
      cache.insert(kPolicy, g.qname, g.qtype, std::move(g.entry), kNow);
    inserting += cpuNow() - t0;
  }
  return inserting;
}

// Looks up the newest kLookups names; sets lookup_ns and hit_ratio.
void timeLookups(benchmark::State& state, const ResolverCache& cache) {
  std::vector<std::pair<std::string, std::uint16_t>> keys;
  keys.reserve(kLookups);
  for (std::size_t i = kEntries - kLookups; i < kEntries; ++i) {
    GeneratedEntry g = realisticEntry(i);
    keys.emplace_back(std::move(g.qname), g.qtype);
  }
  std::size_t hits = 0;
  const auto t0 = cpuNow();
  for (const auto& [qname, qtype] : keys) {
    const CacheLookup found = cache.lookup(kPolicy, qname, qtype, kNow, false);
    hits += found.state == CacheLookup::State::kFresh;
  }
  const std::chrono::duration<double, std::nano> took = cpuNow() - t0;
  state.counters["lookup_ns"] = took.count() / kLookups;
  state.counters["hit_ratio"] = static_cast<double>(hits) / kLookups;
}

void BM_CacheBound(benchmark::State& state) {
  CacheLimits limits;
  limits.max_entries = 2 * kEntries;  // each shard's share must hold its part of the million
  limits.max_bytes = static_cast<std::size_t>(state.range(0)) << 20;
  for (auto _ : state) {
    realisticEntry(0);  // the generator's statics come before the baseline
    malloc_trim(0);     // so that RSS growth is not hidden by memory an earlier run freed
    const std::size_t heap_before = heapInUse(), rss_before = residentBytes();
    auto cache = std::make_unique<ResolverCache>(limits);
    const std::chrono::nanoseconds inserting = fill(*cache, 0, kEntries);
    const std::size_t heap = heapInUse() - heap_before, rss = residentBytes() - rss_before;
    const std::size_t entries = cache->entryCount(), charged = cache->byteCount();
    state.counters["entries"] = static_cast<double>(entries);
    state.counters["charged"] = static_cast<double>(charged);
    state.counters["heap"] = static_cast<double>(heap);
    state.counters["rss"] = static_cast<double>(rss);
    state.counters["charged_per_entry"] = static_cast<double>(charged) / entries;
    state.counters["heap_per_entry"] = static_cast<double>(heap) / entries;
    state.counters["heap_over_bound"] = static_cast<double>(heap) / limits.max_bytes;
    state.counters["heap_over_charged"] = static_cast<double>(heap) / charged;
    state.counters["insert_ns"] = static_cast<double>(inserting.count()) / kEntries;
    timeLookups(state, *cache);
    cache.reset();
  }
}
BENCHMARK(BM_CacheBound)
    ->Arg(64)
    ->Arg(1024)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_CacheBoundIdleFront(benchmark::State& state) {
  CacheLimits limits;
  limits.max_bytes = static_cast<std::size_t>(state.range(0)) << 20;
  constexpr std::size_t kFilled = 200'000, kAnswered = 8192;
  limits.max_entries = 2 * kEntries;
  for (auto _ : state) {
    realisticEntry(0);
    malloc_trim(0);
    const std::size_t heap_before = heapInUse();
    auto cache = std::make_unique<ResolverCache>(limits);
    fill(*cache, 0, kFilled);
    const std::size_t entries_alone = cache->entryCount();
    const double charged_per_entry = static_cast<double>(cache->byteCount()) / entries_alone;

    // The front answers the newest names (as a worker does after resolving them), then goes
    // quiet while inserts from elsewhere evict everything it holds.
    CacheFront front(*cache);
    bool prefetch = false;
    const std::size_t heap_before_front = heapInUse();
    for (std::size_t i = kFilled - kAnswered; i < kFilled; ++i) {
      const GeneratedEntry g = realisticEntry(i);
      front.lookupFresh(kPolicy, g.qname, g.qtype, kNow, prefetch);
    }
    const std::size_t slot_table = heapInUse() - heap_before_front;
    fill(*cache, kFilled, kEntries);
    const std::size_t heap = heapInUse() - heap_before - slot_table;
    const double front_entries =
        static_cast<double>(entries_alone) - static_cast<double>(cache->entryCount());
    state.counters["entries"] = static_cast<double>(cache->entryCount());
    state.counters["charged"] = static_cast<double>(cache->byteCount());
    state.counters["heap"] = static_cast<double>(heap);
    state.counters["heap_over_bound"] = static_cast<double>(heap) / limits.max_bytes;
    state.counters["front_entries"] = front_entries;
    state.counters["front_bytes"] = front_entries * charged_per_entry;
    state.counters["slot_table"] = static_cast<double>(slot_table);
  }
}
BENCHMARK(BM_CacheBoundIdleFront)
    ->Arg(64)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
