// The resolver's cache: bounded in entries and bytes, TTL-correct, negative caching (RFC 2308),
// serve-stale (RFC 8767), keyed by resolution policy so answers never cross views.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/dnssec/security.hpp"
#include "horizon/resolver/upstream_message.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::resolver {

using Clock = std::chrono::steady_clock;

/// Raised by ResolverCache when it drops or replaces an entry, so that a CacheFront still holding
/// the entry knows to ask the cache again. Not part of the entry's value: a copy starts lowered.
class RetiredFlag {
 public:
  RetiredFlag() = default;
  RetiredFlag(const RetiredFlag&) noexcept {}
  RetiredFlag& operator=(const RetiredFlag&) noexcept { return *this; }
  bool isSet() const noexcept { return flag_.load(std::memory_order_acquire); }
  void set() const noexcept { flag_.store(true, std::memory_order_release); }

 private:
  mutable std::atomic<bool> flag_{false};
};

/// A cached resolution: what the client gets for (qname, qtype) under one policy.
struct CacheEntry {
  std::uint8_t rcode = 0;         // NOERROR, NXDOMAIN (or SERVFAIL, cached briefly)
  std::vector<Record> answer;     // the answer section, CNAME chain first, with their RRSIGs
  std::vector<Record> authority;  // for negative answers: the SOA; NSEC/NSEC3 proofs and RRSIGs
  dnssec::Security security = dnssec::Security::kUnchecked;  // what validation concluded
  std::uint16_t ede = dnssec::ede::kNone;  // bogus: the Extended DNS Error code (RFC 8914)
  bool insecure_delegation = false;        // a DS question: proven no DS at a delegation
  std::string why;                         // bogus: the reason, for the log and the EDE text
  std::uint32_t ttl = 0;                   // seconds the entry is fresh, after caps
  Clock::time_point stored{};              // when it was inserted
  std::size_t bytes = 0;  // heap charged for it in the cache, list and index nodes too
  RetiredFlag retired;    // set once the cache no longer serves this entry
};

/// Limits and TTL policy; defaults are what an Unbound operator would expect.
struct CacheLimits {
  std::size_t max_entries = 100000;
  std::size_t max_bytes = 64u << 20;
  std::uint32_t min_ttl = 0;
  std::uint32_t max_ttl = 86400;
  std::uint32_t max_negative_ttl = 3600;
  std::uint32_t servfail_ttl = 5;       // failed resolutions are remembered this long
  std::uint32_t stale_answer_ttl = 30;  // RFC 8767 4: TTL given to stale answers
  std::uint32_t max_stale = 86400;      // how long past expiry an entry may still be served stale
  double prefetch_fraction = 0.1;       // prefetch when less than this part of the TTL remains
};

/// What a lookup found.
struct CacheLookup {
  enum class State { kMiss, kFresh, kStale } state = State::kMiss;
  std::shared_ptr<const CacheEntry> entry;
  std::uint32_t ttl_left = 0;  // for kFresh: remaining TTL; for kStale: stale_answer_ttl
  bool prefetch = false;       // fresh, but close enough to expiry that it should be refreshed
};

/// A thread-safe cache (sharded locks). Eviction: least recently used within a shard when a
/// shard exceeds its share of max_entries or max_bytes; expired entries beyond max_stale go first.
/// max_bytes bounds the heap the cache holds (as glibc's mallinfo2 counts it; the shard array's
/// few KiB aside): each entry is charged the malloc blocks it pins at their worst-case size
/// (~20% above what they usually take), each shard its index's bucket array, and an entry the
/// cache dropped stays charged while something else (a CacheFront, a lookup's result) holds it.
class ResolverCache {
 public:
  /// Creates an empty cache bounded by `limits` (max_entries == 0 caches nothing).
  explicit ResolverCache(CacheLimits limits = {});
  ~ResolverCache();

  /// Looks up (policy, lowercase qname, qtype). Stale entries are returned only if allow_stale.
  CacheLookup lookup(std::uint32_t policy, std::string_view qname_lower, std::uint16_t qtype,
                     Clock::time_point now, bool allow_stale) const;

  /// Stores an entry, applying the TTL caps (entry.ttl is taken from its records: the minimum
  /// TTL of the answer, or for negative answers min(SOA TTL, SOA MINIMUM) per RFC 2308).
  void insert(std::uint32_t policy, std::string_view qname_lower, std::uint16_t qtype,
              CacheEntry entry, Clock::time_point now);

  /// Number of entries held now, over all shards (each shard counted under its lock).
  std::size_t entryCount() const;
  /// Memory charged now: the entries held, dropped ones still referenced elsewhere, the index
  /// buckets; at most max_bytes.
  std::size_t byteCount() const;
  /// Entries dropped so far to stay within the limits (each shard counted under its lock).
  std::uint64_t evictionCount() const;
  /// The limits the cache was built with.
  const CacheLimits& limits() const { return limits_; }

 private:
  struct Shard;
  Shard& shardFor(std::uint64_t hash) const;
  CacheLimits limits_;
  std::size_t shard_count_ = 1;        // a power of two, at most 16
  std::size_t shard_max_entries_ = 0;  // max_entries / shard_count_
  std::size_t shard_max_bytes_ = 0;    // max_bytes / shard_count_
  std::unique_ptr<Shard[]> shards_;
};

/// One thread's lock-free front for a ResolverCache's fresh hits (the recursive answer path).
///
/// A small 2-way set-associative table of entries this thread answered from recently. A hit reads
/// only this thread's slot and the immutable entry: no lock, no atomic read-modify-write (a
/// shared_ptr copy would be one, on a cache line every worker touches), no allocation. Anything
/// else goes to the cache and refills the slot. The front defers to the cache (so its semantics
/// stay the cache's) when the entry was dropped or replaced there (CacheEntry::retired), when it
/// expires, when it enters its prefetch window (the cache decides whether to prefetch), and once
/// a second per slot so the cache's LRU order still sees the entry used. Stale answers are never
/// served from the front. Memory: a front may hold up to `slots` entries the cache has dropped;
/// the cache keeps charging those against max_bytes until the front lets go of them (on its next
/// use of the slot, or when its sweep passes the slot), so fronts do not extend the cache's byte
/// bound. The slot table itself (~1.2 MiB at kDefaultSlots) is outside it. Not thread-safe: one
/// per thread; the cache must outlive it.
class CacheFront {
 public:
  // Enough for a busy network's working set; a slot is ~300 bytes (the name is kept inline).
  static constexpr std::size_t kDefaultSlots = 4096;

  explicit CacheFront(const ResolverCache& cache, std::size_t slots = kDefaultSlots);
  ~CacheFront();
  CacheFront(const CacheFront&) = delete;
  CacheFront& operator=(const CacheFront&) = delete;

  /// As cache.lookup(policy, qname_lower, qtype, now, false) when that finds a fresh entry: the
  /// entry (valid until the next call on this front) and `prefetch` as the cache would set it;
  /// nullptr otherwise (miss or only stale).
  const CacheEntry* lookupFresh(std::uint32_t policy, std::string_view qname_lower,
                                std::uint16_t qtype, Clock::time_point now, bool& prefetch);

 private:
  struct Slot;
  // Lets go of entries the cache has dropped in the next two slots (any lookup that misses).
  void sweep();
  const ResolverCache& cache_;
  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_;       // slots - 1; slots is a power of two
  std::size_t sweep_ = 0;  // next slot checked for an entry the cache dropped
};

/// Writes a response to `query` from a cache entry into `out` (at most `limit` bytes): header
/// with RA set and AA clear, the question as the client sent it, the records with `ttl` as their
/// TTL ceiling (each record's TTL is reduced by the time elapsed, never below 0, or replaced
/// with ttl when serving stale), TC when it does not fit, and `options` in its OPT record (when
/// the query had one). DNSSEC as RFC 4035 3.2 asks: RRSIG, NSEC and NSEC3 records only for DO
/// queries (or when asked for by type); AD for secure data when the query had DO or AD; bogus
/// data only with CD, otherwise SERVFAIL with the entry's Extended DNS Error (RFC 8914) when the
/// query had EDNS. Returns the size. Allocation-free.
std::size_t renderFromCache(const CacheEntry& entry, const wire::ParsedQuery& query,
                            std::uint32_t elapsed_seconds, bool stale, std::uint32_t stale_ttl,
                            std::span<std::uint8_t> out, std::size_t limit,
                            std::span<const std::uint8_t> options = {});

}  // namespace horizon::resolver
