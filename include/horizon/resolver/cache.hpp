// The resolver's cache: bounded in entries and bytes, TTL-correct, negative caching (RFC 2308),
// serve-stale (RFC 8767), keyed by resolution policy so answers never cross views.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "horizon/resolver/message.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::resolver {

using Clock = std::chrono::steady_clock;

/// A cached resolution: what the client gets for (qname, qtype) under one policy.
struct CacheEntry {
  std::uint8_t rcode = 0;         // NOERROR, NXDOMAIN (or SERVFAIL, cached briefly)
  std::vector<Record> answer;     // the answer section, CNAME chain first
  std::vector<Record> authority;  // for negative answers: the SOA
  std::uint32_t ttl = 0;          // seconds the entry is fresh, after caps
  Clock::time_point stored{};     // when it was inserted
  std::size_t bytes = 0;          // memory charged to the cache for this entry
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
  /// Memory charged for the entries held now (CacheEntry::bytes summed); at most max_bytes.
  std::size_t byteCount() const;
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

/// Writes a response to `query` from a cache entry into `out` (at most `limit` bytes): header
/// with RA set and AA clear, the question as the client sent it, the records with `ttl` as their
/// TTL ceiling (each record's TTL is reduced by the time elapsed, never below 0, or replaced
/// with ttl when serving stale), TC when it does not fit. Returns the size. Allocation-free.
std::size_t renderFromCache(const CacheEntry& entry, const wire::ParsedQuery& query,
                            std::uint32_t elapsed_seconds, bool stale, std::uint32_t stale_ttl,
                            std::span<std::uint8_t> out, std::size_t limit);

}  // namespace horizon::resolver
