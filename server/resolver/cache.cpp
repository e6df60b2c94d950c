// The resolver cache. Design: the key space is split into up to 16 shards by a hash of
// (policy, lowercase qname, qtype); each shard has its own mutex, hash index and LRU list, so
// worker threads answering from the cache rarely contend and no lock is ever held across shards.
// Entries are immutable once stored (shared_ptr<const CacheEntry>), so a lookup hands out a
// reference and renders outside the lock; an insert replaces the pointer, never the contents.
#include "horizon/resolver/cache.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message_writer.hpp"
#include "horizon/wire/name.hpp"

namespace horizon::resolver {
namespace {

constexpr std::size_t kMaxShards = 16;
// Below this many entries per shard, LRU within a shard is a poor stand-in for a global LRU, so
// small caches use fewer shards.
constexpr std::size_t kMinEntriesPerShard = 8;
// How far from the LRU tail an insert looks for entries that can never be served again (past
// expiry + max_stale) before evicting live ones; bounded so an insert is O(1).
constexpr std::size_t kDeadScan = 8;
// Entries whose TTL is at least this many seconds may be flagged for prefetch; refreshing
// shorter-lived ones early would roughly double the upstream load for little gain.
constexpr std::uint32_t kMinPrefetchTtl = 10;

// A key that borrows its name: lookups build one over the caller's bytes (no allocation), the
// index stores one over the name owned by its LRU node (list nodes never move).
struct KeyView {
  std::uint32_t policy = 0;
  std::uint16_t qtype = 0;
  std::string_view name;
  std::uint64_t hash = 0;  // of the three fields above; computed once per operation
  bool operator==(const KeyView& other) const {
    return policy == other.policy && qtype == other.qtype && name == other.name;
  }
};

struct KeyHash {
  std::size_t operator()(const KeyView& key) const noexcept {
    return static_cast<std::size_t>(key.hash);
  }
};

// The splitmix64 finalizer: spreads the bits so the top ones (the shard) and the low ones (the
// index bucket) are independent.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

KeyView makeKey(std::uint32_t policy, std::string_view name, std::uint16_t qtype) {
  const std::uint64_t fields = (std::uint64_t{policy} << 16) | qtype;
  const std::uint64_t hash =
      mix(std::hash<std::string_view>{}(name) ^ (fields * 0x9e3779b97f4a7c15ull));
  return KeyView{policy, qtype, name, hash};
}

struct Node {
  std::string name;  // owned copy of the lowercase qname; KeyView in the index points here
  std::uint32_t policy = 0;
  std::uint16_t qtype = 0;
  std::uint64_t hash = 0;
  std::shared_ptr<const CacheEntry> entry;
  Clock::time_point dead_at{};  // from here on the entry can be served neither fresh nor stale
  KeyView key() const { return KeyView{policy, qtype, name, hash}; }
};
using Lru = std::list<Node>;  // front: most recently used

// NOERROR and NXDOMAIN are answers; anything else (SERVFAIL, REFUSED...) is a failure, kept only
// briefly so a broken name does not cost an upstream round per query, and never served stale.
bool isFailure(std::uint8_t rcode) {
  return rcode != wire::rcode::NOERROR && rcode != wire::rcode::NXDOMAIN;
}

Clock::time_point expiresAt(const CacheEntry& entry) {
  return entry.stored + std::chrono::seconds(entry.ttl);
}

Clock::time_point deadAt(const CacheEntry& entry, const CacheLimits& limits) {
  if (isFailure(entry.rcode)) return expiresAt(entry);
  return expiresAt(entry) + std::chrono::seconds(limits.max_stale);
}

// SOA rdata ends with serial, refresh, retry, expire, minimum (RFC 1035 3.3.13); the names
// before them are uncompressed, so MINIMUM is the last four octets. 22 = two root names + 20.
std::optional<std::uint32_t> soaMinimum(const Record& soa) {
  if (soa.rdata.size() < 22) return std::nullopt;
  const auto* p = reinterpret_cast<const std::uint8_t*>(soa.rdata.data() + soa.rdata.size() - 4);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The entry's lifetime in seconds, after caps. Positive: the smallest answer TTL (a CNAME chain
// lives as long as its shortest link). Negative, i.e. NXDOMAIN or no record of qtype (NODATA,
// possibly after a CNAME chain): also bounded by min(SOA TTL, SOA MINIMUM) per RFC 2308 5 and by
// max_negative_ttl; without an SOA, RFC 2308 5 says not to cache, so only servfail_ttl.
// Failures live servfail_ttl exactly: that setting is their whole policy, min_ttl does not apply.
std::uint32_t entryTtl(const CacheEntry& entry, std::uint16_t qtype, const CacheLimits& limits) {
  if (isFailure(entry.rcode)) return limits.servfail_ttl;
  std::uint32_t ttl = UINT32_MAX;
  bool has_qtype = false;
  for (const Record& r : entry.answer) {
    ttl = std::min(ttl, r.ttl);
    has_qtype = has_qtype || r.type == qtype || qtype == wire::type::ANY;
  }
  if (entry.rcode == wire::rcode::NXDOMAIN || !has_qtype) {
    std::uint32_t negative = limits.servfail_ttl;
    for (const Record& r : entry.authority) {
      if (r.type != wire::type::SOA) continue;
      if (auto minimum = soaMinimum(r)) negative = std::min(r.ttl, *minimum);
      break;
    }
    ttl = std::min({ttl, negative, limits.max_negative_ttl});
  }
  return std::min(std::max(ttl, limits.min_ttl), limits.max_ttl);
}

// Record TTLs are kept within the entry's lifetime, so that clients never hold a record longer
// than we do, a raised min_ttl is what they see, and the SOA of a negative answer carries the
// negative TTL (RFC 2308 3). renderFromCache then only subtracts the time elapsed.
void fitRecordTtls(std::vector<Record>& records, std::uint32_t entry_ttl,
                   const CacheLimits& limits) {
  const std::uint32_t floor = std::min(limits.min_ttl, entry_ttl);
  for (Record& r : records) r.ttl = std::max(std::min(r.ttl, entry_ttl), floor);
}

// Memory charged per entry: the heap it pins with libstdc++ and glibc malloc on a 64-bit host,
// block by block, so that max_bytes bounds the memory the cache holds (as mallinfo2 counts it)
// rather than approximating it. glibc serves n bytes from a chunk of n + 8 (its size header)
// rounded up to 16, at least 32 bytes; but when it carves the block out of a larger free chunk
// and the rest would be under 32 bytes, it hands out the whole chunk, 16 bytes more. That is
// rare (up to 0.6% of the heap, measured while a cache of realistic entries fills and starts to
// evict) yet has no other bound, so every block is charged it: the charge runs ~20% above the
// heap actually used, which in practice also covers malloc's free lists (RSS stayed within
// max_bytes in bench/cache_bound_bench.cpp). Other allocators round differently; the model is
// glibc's.
//
// Blocks from kMmapThreshold up may be mmapped instead: whole pages plus a header. The value is
// glibc's default, which glibc only ever raises (unless lowered with mallopt).
constexpr std::size_t kMmapThreshold = 128 * 1024;
constexpr std::size_t kPage = 4096;
constexpr std::size_t heapBlock(std::size_t n) {
  const std::size_t chunk = std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
  return n < kMmapThreshold ? chunk + 16 : chunk + kPage + 16;
}
constexpr std::size_t kSsoCapacity = 15;  // libstdc++: longer strings live on the heap
// The index's value; its node is a next pointer, the value and (depending on the hasher) a
// cached hash, which is counted either way.
using IndexValue = std::pair<const KeyView, Lru::iterator>;
constexpr std::size_t kListNode = heapBlock(2 * sizeof(void*) + sizeof(Node));  // prev, next
constexpr std::size_t kIndexNode =
    heapBlock(sizeof(void*) + sizeof(IndexValue) + sizeof(std::size_t));
// make_shared's block: the control block's vtable pointer and two counts, then the entry.
constexpr std::size_t kSharedEntry =
    heapBlock(sizeof(void*) + 2 * sizeof(int) + sizeof(CacheEntry));
constexpr std::size_t kEntryOverhead = kListNode + kIndexNode + kSharedEntry;

std::size_t stringCharge(const std::string& s) {
  return s.capacity() > kSsoCapacity ? heapBlock(s.capacity() + 1) : 0;
}

std::size_t recordsCharge(const std::vector<Record>& records) {
  if (records.capacity() == 0) return 0;
  std::size_t bytes = heapBlock(records.capacity() * sizeof(Record));
  for (const Record& r : records) bytes += stringCharge(r.owner) + stringCharge(r.rdata);
  return bytes;
}

// `name` is the node's copy of the qname (its capacity, not the caller's, is what is held).
std::size_t entryCharge(const std::string& name, const CacheEntry& entry) {
  return kEntryOverhead + stringCharge(name) + recordsCharge(entry.answer) +
         recordsCharge(entry.authority);
}

// The index's bucket array, charged to its shard: it grows with the most entries the shard has
// held (load factor 1, doubling) and is never shrunk. A single bucket lives inside the map.
std::size_t bucketCharge(std::size_t buckets) {
  return buckets > 1 ? heapBlock(buckets * sizeof(void*)) : 0;
}

// How many dropped-but-referenced nodes an over-full insert checks for release: bounded so an
// insert stays O(1); a node that is still referenced goes to the back of the list.
constexpr std::size_t kPinnedScan = 8;

}  // namespace

struct ResolverCache::Shard {
  std::mutex mutex;
  Lru lru;
  // Nodes dropped from the index and LRU whose entry someone else (a CacheFront, a lookup's
  // caller) still references: that memory stays allocated, so it stays charged until released.
  Lru pinned;
  std::unordered_map<KeyView, Lru::iterator, KeyHash> index;
  std::size_t bytes = 0;         // charges of the entries in lru and pinned, plus bucket_bytes
  std::size_t bucket_bytes = 0;  // the index's bucket array
  std::uint64_t evictions = 0;   // entries dropped to make room (expired past max_stale included)

  // Unlinks a node into `graveyard`, which the caller frees after releasing the lock, or into
  // `pinned` if its entry is referenced outside the cache (a count above 1 cannot turn into a
  // new reference: the entry is no longer reachable through the index).
  void drop(Lru::iterator node, Lru& graveyard) {
    ++evictions;
    node->entry->retired.set();  // a CacheFront holding it must ask again
    index.erase(node->key());
    if (node->entry.use_count() > 1) {
      pinned.splice(pinned.end(), lru, node);
      return;
    }
    bytes -= node->entry->bytes;
    graveyard.splice(graveyard.end(), lru, node);
  }

  // Moves up to kPinnedScan pinned nodes whose entry is no longer referenced elsewhere into
  // `graveyard`, uncharging them. Seeing a count of 1 under the lock is final (see drop).
  void releasePinned(Lru& graveyard) {
    for (std::size_t i = 0; i < kPinnedScan && !pinned.empty(); ++i) {
      const auto node = pinned.begin();
      if (node->entry.use_count() == 1) {
        bytes -= node->entry->bytes;
        graveyard.splice(graveyard.end(), pinned, node);
      } else {
        pinned.splice(pinned.end(), pinned, node);
      }
    }
  }

  // Keeps `bytes` in step with the bucket array after an insert that may have rehashed.
  void chargeBuckets() {
    const std::size_t now = bucketCharge(index.bucket_count());
    bytes = bytes - bucket_bytes + now;
    bucket_bytes = now;
  }
};

ResolverCache::ResolverCache(CacheLimits limits) : limits_(limits) {
  while (shard_count_ < kMaxShards && shard_count_ * 2 * kMinEntriesPerShard <= limits_.max_entries)
    shard_count_ *= 2;
  shard_max_entries_ = limits_.max_entries / shard_count_;
  shard_max_bytes_ = limits_.max_bytes / shard_count_;
  shards_ = std::make_unique<Shard[]>(shard_count_);
}

ResolverCache::~ResolverCache() = default;

ResolverCache::Shard& ResolverCache::shardFor(std::uint64_t hash) const {
  // The top bits pick the shard; the index buckets use the hash modulo a prime, i.e. all bits.
  return shards_[(hash >> 56) & (shard_count_ - 1)];
}

CacheLookup ResolverCache::lookup(std::uint32_t policy, std::string_view qname_lower,
                                  std::uint16_t qtype, Clock::time_point now,
                                  bool allow_stale) const {
  const KeyView key = makeKey(policy, qname_lower, qtype);
  Shard& shard = shardFor(key.hash);
  Lru graveyard;  // declared before the lock: a dead entry is freed after unlocking
  std::lock_guard lock(shard.mutex);
  const auto found = shard.index.find(key);
  if (found == shard.index.end()) return {};
  const Lru::iterator node = found->second;
  const CacheEntry& entry = *node->entry;
  const Clock::time_point expires = expiresAt(entry);

  CacheLookup result;
  if (now < expires) {
    const auto remaining = expires - now;
    const auto whole = std::chrono::duration_cast<std::chrono::seconds>(remaining).count();
    result.state = CacheLookup::State::kFresh;
    result.ttl_left = static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(whole, 1, std::max<std::int64_t>(entry.ttl, 1)));
    result.prefetch =
        entry.ttl >= kMinPrefetchTtl &&
        std::chrono::duration<double>(remaining).count() < limits_.prefetch_fraction * entry.ttl;
  } else if (now < node->dead_at) {
    if (!allow_stale) return {};  // kept: a later lookup may allow stale (upstreams down)
    result.state = CacheLookup::State::kStale;
    result.ttl_left = limits_.stale_answer_ttl;
  } else {
    shard.drop(node, graveyard);
    return {};
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, node);
  result.entry = node->entry;
  return result;
}

void ResolverCache::insert(std::uint32_t policy, std::string_view qname_lower, std::uint16_t qtype,
                           CacheEntry entry, Clock::time_point now) {
  if (shard_max_entries_ == 0) return;
  entry.ttl = entryTtl(entry, qtype, limits_);
  fitRecordTtls(entry.answer, entry.ttl, limits_);
  fitRecordTtls(entry.authority, entry.ttl, limits_);
  entry.stored = now;

  // Allocate the node before locking; under the lock it is only spliced in. If the key is
  // already cached, the node carries the replaced entry away instead.
  Lru fresh;
  // std::string(view) allocates the name's exact size (the charge counts its capacity).
  fresh.push_back(Node{std::string(qname_lower), policy, qtype, 0, nullptr, {}});
  Node& node = fresh.front();
  entry.bytes = entryCharge(node.name, entry);
  // An entry bigger than a shard's share would evict the whole shard and still not fit.
  if (entry.bytes > shard_max_bytes_) return;
  const bool failure = isFailure(entry.rcode);
  node.entry = std::make_shared<const CacheEntry>(std::move(entry));
  node.dead_at = deadAt(*node.entry, limits_);
  const KeyView key = makeKey(policy, node.name, qtype);
  node.hash = key.hash;

  Shard& shard = shardFor(key.hash);
  Lru graveyard;  // evicted nodes, freed after unlocking (as is `fresh` when not spliced in)
  std::lock_guard lock(shard.mutex);
  if (const auto found = shard.index.find(key); found != shard.index.end()) {
    Node& held = *found->second;
    // A failed refresh (prefetch, or a retry with upstreams down) must not destroy an answer that
    // can still be served fresh or stale: that answer is what serve-stale exists to give.
    if (failure && !isFailure(held.entry->rcode) && now < held.dead_at) return;
    held.entry->retired.set();
    std::swap(held.entry, node.entry);
    std::swap(held.dead_at, node.dead_at);
    shard.bytes += held.entry->bytes;
    // The replaced entry stays charged while someone else still holds it (see Shard::drop).
    if (node.entry.use_count() > 1) {
      shard.pinned.splice(shard.pinned.end(), fresh);
    } else {
      shard.bytes -= node.entry->bytes;
    }
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
  } else {
    shard.lru.splice(shard.lru.begin(), fresh);
    try {
      shard.index.emplace(node.key(), shard.lru.begin());
    } catch (...) {
      graveyard.splice(graveyard.end(), shard.lru, shard.lru.begin());
      throw;
    }
    shard.bytes += node.entry->bytes;
    shard.chargeBuckets();  // the emplace may have grown the bucket array
  }

  const auto over = [&] {
    return shard.lru.size() > shard_max_entries_ || shard.bytes > shard_max_bytes_;
  };
  if (!over()) return;
  // Entries no longer held elsewhere cost memory and serve nobody: release them first.
  shard.releasePinned(graveyard);
  // Entries past expiry + max_stale are worthless; drop those found near the tail next.
  auto candidate = shard.lru.end();
  for (std::size_t scanned = 0; scanned < kDeadScan && shard.lru.size() > 1; ++scanned) {
    --candidate;
    if (candidate == shard.lru.begin()) break;  // the entry just stored stays
    if (now >= candidate->dead_at) {
      const auto dead = candidate++;
      shard.drop(dead, graveyard);
    }
  }
  // Then least recently used first. The entry just stored is last, and goes too only when what
  // no live entry can free (pinned entries, the bucket array) leaves no room for it.
  while (over() && !shard.lru.empty()) shard.drop(std::prev(shard.lru.end()), graveyard);
}

std::uint64_t ResolverCache::evictionCount() const {
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    count += shards_[i].evictions;
  }
  return count;
}

std::size_t ResolverCache::entryCount() const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    count += shards_[i].lru.size();
  }
  return count;
}

std::size_t ResolverCache::byteCount() const {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    bytes += shards_[i].bytes;
  }
  return bytes;
}

namespace {
// How often a slot of a CacheFront goes back to the cache on a hit, so that the cache's LRU order
// sees entries the front answers from (at most once a second per slot: cheap, and recency at a
// second's resolution is plenty for eviction).
constexpr auto kFrontRecheck = std::chrono::seconds(1);
}  // namespace

struct CacheFront::Slot {
  std::uint64_t hash = 0;
  std::shared_ptr<const CacheEntry> entry;  // null: empty
  // A hit needs now < valid_until: the earliest of expiry, the start of the prefetch window and
  // the next LRU recheck. Past it, the cache answers (and decides about prefetch).
  Clock::time_point valid_until{};
  std::uint32_t policy = 0;
  std::uint16_t qtype = 0;
  std::uint16_t name_len = 0;
  std::array<char, wire::kMaxNameLength> name;  // not zero-filled: only name_len bytes are read

  bool holds(std::uint64_t h, std::uint32_t p, std::string_view n, std::uint16_t t) const {
    return hash == h && policy == p && qtype == t && name_len == n.size() &&
           std::memcmp(name.data(), n.data(), n.size()) == 0;
  }
};

CacheFront::CacheFront(const ResolverCache& cache, std::size_t slots) : cache_(cache) {
  std::size_t count = 2;
  while (count < slots) count *= 2;
  mask_ = count - 1;
}

CacheFront::~CacheFront() = default;

// Out of line, so that the hit path in lookupFresh stays as small as it was.
[[gnu::noinline]] void CacheFront::sweep() {
  // The cache keeps charging an entry it dropped while a front still holds it; let go of such
  // entries in slots nobody asks for, a couple per trip to the cache, so they do not crowd out
  // live ones for long.
  for (int i = 0; i < 2; ++i) {
    Slot& slot = slots_[sweep_++ & mask_];
    if (slot.entry && slot.entry->retired.isSet()) slot.entry.reset();
  }
}

const CacheEntry* CacheFront::lookupFresh(std::uint32_t policy, std::string_view qname_lower,
                                          std::uint16_t qtype, Clock::time_point now,
                                          bool& prefetch) {
  prefetch = false;
  if (qname_lower.size() > wire::kMaxNameLength) return nullptr;  // no such DNS name
  // Allocated on first use (warm-up), so a server that never recurses does not carry the table.
  if (!slots_) slots_ = std::make_unique<Slot[]>(mask_ + 1);
  const KeyView key = makeKey(policy, qname_lower, qtype);
  // The two ways of a set are neighbours; the low bits pick the set (the cache's shard uses the
  // top ones).
  Slot* const way = &slots_[key.hash & mask_ & ~std::size_t{1}];
  Slot* found = nullptr;
  for (int i = 0; i < 2; ++i) {
    if (way[i].holds(key.hash, policy, qname_lower, qtype)) found = &way[i];
  }
  if (found != nullptr && found->entry && now < found->valid_until &&
      !found->entry->retired.isSet()) {
    return found->entry.get();
  }
  sweep();

  CacheLookup hit = cache_.lookup(policy, qname_lower, qtype, now, false);
  if (hit.state != CacheLookup::State::kFresh) {
    if (found != nullptr) found->entry.reset();  // let a dropped entry go now
    return nullptr;
  }
  prefetch = hit.prefetch;
  if (found == nullptr) {
    // Replace an empty way, else the one due back to the cache first (roughly the older).
    found = !way[0].entry                              ? &way[0]
            : !way[1].entry                            ? &way[1]
            : way[0].valid_until <= way[1].valid_until ? &way[0]
                                                       : &way[1];
    found->hash = key.hash;
    found->policy = policy;
    found->qtype = qtype;
    found->name_len = static_cast<std::uint16_t>(qname_lower.size());
    std::memcpy(found->name.data(), qname_lower.data(), qname_lower.size());
  }
  const CacheEntry& entry = *hit.entry;
  Clock::time_point until = std::min(expiresAt(entry), now + kFrontRecheck);
  if (entry.ttl >= kMinPrefetchTtl) {
    // The cache flags prefetch once less than prefetch_fraction of the TTL remains; from then
    // on every lookup goes to it.
    const auto window = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(cache_.limits().prefetch_fraction * entry.ttl));
    until = std::min(until, expiresAt(entry) - window);
  }
  found->valid_until = until;
  found->entry = std::move(hit.entry);
  return found->entry.get();
}

std::size_t renderFromCache(const CacheEntry& entry, const wire::ParsedQuery& query,
                            std::uint32_t elapsed_seconds, bool stale, std::uint32_t stale_ttl,
                            std::span<std::uint8_t> out, std::size_t limit,
                            std::span<const std::uint8_t> options) {
  const bool checking_disabled = (query.flags & wire::kFlagCD) != 0;
  const bool bogus = entry.security == dnssec::Security::kBogus && !checking_disabled;
  // The EDE option (RFC 8914 2) after the options the caller gives: code, then the reason cut to
  // what the buffer holds.
  std::array<std::uint8_t, 256> with_ede;
  if (bogus && entry.ede != dnssec::ede::kNone && query.edns_udp_size > 0 &&
      options.size() + 6 <= with_ede.size()) {
    const std::size_t text = std::min(entry.why.size(), with_ede.size() - options.size() - 6);
    std::copy(options.begin(), options.end(), with_ede.begin());
    std::uint8_t* o = with_ede.data() + options.size();
    const std::size_t length = 2 + text;
    o[0] = 0;
    o[1] = static_cast<std::uint8_t>(wire::kOptionEde);
    o[2] = static_cast<std::uint8_t>(length >> 8);
    o[3] = static_cast<std::uint8_t>(length & 0xFF);
    o[4] = static_cast<std::uint8_t>(entry.ede >> 8);
    o[5] = static_cast<std::uint8_t>(entry.ede & 0xFF);
    std::copy_n(entry.why.data(), text, o + 6);
    options = std::span<const std::uint8_t>(with_ede.data(), options.size() + 6 + text);
  }
  wire::MessageWriter writer(out, limit);
  // Data validated secure is authentic whoever asks, CD or not (RFC 6840 5.7, 5.9; Unbound
  // does the same); CD only lets bogus data through, never with AD.
  const bool authentic = entry.security == dnssec::Security::kSecure &&
                         (query.edns_do || (query.flags & wire::kFlagAD));
  // Without room for even the truncated form there is nothing useful to send.
  if (!writer.startReply(query,
                         wire::kFlagQR | wire::kFlagRA | (authentic ? wire::kFlagAD : 0) |
                             (query.flags & (wire::kOpcodeMask | wire::kFlagRD | wire::kFlagCD)),
                         options.size()))
    return 0;
  if (bogus) {
    writer.setRcode(wire::rcode::SERVFAIL);
    return writer.finish({wire::kAdvertisedUdpPayload, query.edns_do, options});
  }
  writer.setRcode(entry.rcode);
  auto ttl = [&](const Record& r) {
    return stale ? stale_ttl : (r.ttl > elapsed_seconds ? r.ttl - elapsed_seconds : 0);
  };
  // RFC 4035 3.2.1: signatures and proofs go to DO queries; a record of the type asked is data.
  const auto shown = [&](const Record& r) {
    if (query.edns_do || r.type == query.qtype) return true;
    return r.type != wire::type::RRSIG && r.type != wire::type::NSEC && r.type != wire::type::NSEC3;
  };
  for (const Record& r : entry.answer)
    if (shown(r))
      writer.addRecord(wire::Section::kAnswer, r.owner, r.type, r.rclass, ttl(r), r.rdata);
  for (const Record& r : entry.authority)
    if (query.edns_do ||
        (r.type != wire::type::RRSIG && r.type != wire::type::NSEC && r.type != wire::type::NSEC3))
      writer.addRecord(wire::Section::kAuthority, r.owner, r.type, r.rclass, ttl(r), r.rdata);
  // All or nothing: a partial answer set would be cached by the client as if complete.
  if (writer.overflowed()) writer.truncate();
  return writer.finish({wire::kAdvertisedUdpPayload, query.edns_do, options});
}

}  // namespace horizon::resolver
