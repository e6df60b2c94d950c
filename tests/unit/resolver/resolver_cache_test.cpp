// The resolver cache (server/resolver/cache.cpp) with an injected clock: TTL arithmetic, negative
// caching, caps, serve-stale, prefetch, policy isolation, bounds and eviction; and responses
// rendered from it, checked by decoding them with ldns, an independent parser.
// clang-format off
#include "horizon/resolver/cache.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <stdbool.h>  // before ldns: its own bool definition otherwise breaks <optional>
#include <ldns/ldns.h>
// clang-format on

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::resolver {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using State = CacheLookup::State;
namespace type = wire::type;
namespace rcode = wire::rcode;

// Any fixed instant will do: the cache only compares and subtracts time points.
const Clock::time_point kT0 = Clock::time_point{} + hours(24 * 365);
constexpr std::uint32_t kLan = 1, kVpn = 2;  // two resolution policies

std::string name(std::string_view text) {
  return *wire::nameFromText(text, "");
}

Record a(std::string_view owner, std::uint32_t ttl, std::uint8_t last_octet = 1) {
  return Record{name(owner), type::A, wire::kClassIN, ttl,
                std::string{'\xc0', '\x00', '\x02', static_cast<char>(last_octet)}};
}

Record cname(std::string_view owner, std::uint32_t ttl, std::string_view target) {
  return Record{name(owner), type::CNAME, wire::kClassIN, ttl, name(target)};
}

Record soa(std::string_view owner, std::uint32_t ttl, std::uint32_t minimum) {
  std::string rdata = name("ns.example.com.") + name("admin.example.com.");
  for (std::uint32_t field : {2024010101u, 7200u, 3600u, 1209600u, minimum}) {
    for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(static_cast<char>(field >> shift));
  }
  return Record{name(owner), type::SOA, wire::kClassIN, ttl, rdata};
}

CacheEntry positive(std::vector<Record> answer) {
  CacheEntry entry;
  entry.answer = std::move(answer);
  return entry;
}

CacheEntry negative(std::uint8_t code, std::vector<Record> authority) {
  CacheEntry entry;
  entry.rcode = code;
  entry.authority = std::move(authority);
  return entry;
}

CacheEntry servfail() {
  CacheEntry entry;
  entry.rcode = rcode::SERVFAIL;
  return entry;
}

// Inserts `entry` for (policy, text, A) at kT0 and returns what the cache stored.
std::shared_ptr<const CacheEntry> store(ResolverCache& cache, CacheEntry entry,
                                        std::string_view text = "www.example.com.",
                                        std::uint32_t policy = kLan) {
  cache.insert(policy, name(text), type::A, std::move(entry), kT0);
  return cache.lookup(policy, name(text), type::A, kT0, false).entry;
}

// A client query as the server would have parsed it; `text` keeps its case.
wire::ParsedQuery query(std::string_view text, bool edns = false, bool dnssec_ok = false,
                        std::uint16_t qtype = type::A) {
  std::vector<std::uint8_t> packet = {0xbe, 0xef, 0x01, 0x10, 0, 1,
                                      0,    0,    0,    0,    0, std::uint8_t(edns ? 1 : 0)};
  const std::string qname = name(text);
  packet.insert(packet.end(), qname.begin(), qname.end());
  packet.insert(packet.end(), {std::uint8_t(qtype >> 8), std::uint8_t(qtype), 0, 1});
  if (edns) {
    packet.insert(packet.end(),
                  {0, 0, 41, 0x10, 0x00, 0, 0, std::uint8_t(dnssec_ok ? 0x80 : 0), 0, 0, 0});
  }
  wire::ParsedQuery parsed;
  EXPECT_EQ(wire::parseQuery(packet, parsed), wire::ParseStatus::kOk);
  return parsed;
}

using Packet = std::unique_ptr<ldns_pkt, decltype(&ldns_pkt_free)>;

Packet decode(const std::vector<std::uint8_t>& bytes) {
  ldns_pkt* pkt = nullptr;
  EXPECT_EQ(ldns_wire2pkt(&pkt, bytes.data(), bytes.size()), LDNS_STATUS_OK);
  return Packet(pkt, ldns_pkt_free);
}

std::string text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "";
  free(s);
  return out;
}

std::vector<std::uint8_t> render(const CacheEntry& entry, const wire::ParsedQuery& q,
                                 std::uint32_t elapsed, bool stale = false,
                                 std::size_t limit = 4096) {
  std::vector<std::uint8_t> out(4096);
  const std::size_t size = renderFromCache(entry, q, elapsed, stale, 30, out, limit);
  out.resize(size);
  return out;
}

std::uint16_t u16At(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  return static_cast<std::uint16_t>(bytes.at(offset) << 8 | bytes.at(offset + 1));
}

// ---- TTLs and states ----

TEST(ResolverCache, FreshUntilTtlThenStaleThenGone) {
  ResolverCache cache;
  cache.insert(kLan, name("www.example.com."), type::A, positive({a("www.example.com.", 300)}),
               kT0);
  const std::string key = name("www.example.com.");

  CacheLookup hit = cache.lookup(kLan, key, type::A, kT0, false);
  ASSERT_EQ(hit.state, State::kFresh);
  EXPECT_EQ(hit.ttl_left, 300u);
  EXPECT_EQ(hit.entry->ttl, 300u);
  EXPECT_EQ(hit.entry->stored, kT0);

  hit = cache.lookup(kLan, key, type::A, kT0 + seconds(200) + milliseconds(400), false);
  EXPECT_EQ(hit.state, State::kFresh);
  EXPECT_EQ(hit.ttl_left, 99u);  // whole seconds remaining

  hit = cache.lookup(kLan, key, type::A, kT0 + seconds(300) - milliseconds(1), false);
  EXPECT_EQ(hit.state, State::kFresh);
  EXPECT_EQ(hit.ttl_left, 1u);  // never 0 while fresh

  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0 + seconds(300), false).state, State::kMiss);
  hit = cache.lookup(kLan, key, type::A, kT0 + seconds(300), true);
  EXPECT_EQ(hit.state, State::kStale);
  EXPECT_EQ(hit.ttl_left, cache.limits().stale_answer_ttl);
  ASSERT_NE(hit.entry, nullptr);
  const std::size_t entry_bytes = hit.entry->bytes;
  const std::size_t held_bytes = cache.byteCount();
  hit = {};  // an entry still referenced here would stay charged after the cache drops it

  const auto last_stale = kT0 + seconds(300 + cache.limits().max_stale) - milliseconds(1);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, last_stale, true).state, State::kStale);
  const auto gone = kT0 + seconds(300 + cache.limits().max_stale);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, gone, true).state, State::kMiss);
  EXPECT_EQ(cache.entryCount(), 0u);                       // found dead, so dropped
  EXPECT_EQ(cache.byteCount(), held_bytes - entry_bytes);  // the index's buckets remain
}

TEST(ResolverCache, StaleIsNotServedWithoutAllowStale) {
  ResolverCache cache;
  store(cache, positive({a("www.example.com.", 60)}));
  const std::string key = name("www.example.com.");
  const CacheLookup miss = cache.lookup(kLan, key, type::A, kT0 + seconds(61), false);
  EXPECT_EQ(miss.state, State::kMiss);
  EXPECT_EQ(miss.entry, nullptr);
  // Still there for when upstreams fail.
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0 + seconds(61), true).state, State::kStale);
}

TEST(ResolverCache, PositiveTtlIsTheSmallestInTheAnswer) {
  ResolverCache cache;
  auto entry = store(cache, positive({cname("www.example.com.", 3600, "edge.cdn.example.net."),
                                      a("edge.cdn.example.net.", 20)}));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->ttl, 20u);
  // Records never outlive the entry, so a client's copy expires with ours.
  EXPECT_EQ(entry->answer[0].ttl, 20u);
  EXPECT_EQ(entry->answer[1].ttl, 20u);
}

TEST(ResolverCache, NegativeTtlIsSoaMinimumOrSoaTtlWhicheverIsSmaller) {
  ResolverCache cache;
  auto by_minimum = store(cache, negative(rcode::NXDOMAIN, {soa("example.com.", 3600, 300)}),
                          "gone.example.com.");
  ASSERT_NE(by_minimum, nullptr);
  EXPECT_EQ(by_minimum->ttl, 300u);
  EXPECT_EQ(by_minimum->authority[0].ttl, 300u);  // RFC 2308 3: the SOA carries the negative TTL

  auto by_soa_ttl = store(cache, negative(rcode::NXDOMAIN, {soa("example.com.", 120, 900)}),
                          "also-gone.example.com.");
  ASSERT_NE(by_soa_ttl, nullptr);
  EXPECT_EQ(by_soa_ttl->ttl, 120u);

  // NODATA: NOERROR with an empty answer is negative too.
  auto nodata =
      store(cache, negative(rcode::NOERROR, {soa("example.com.", 3600, 45)}), "txt.example.com.");
  ASSERT_NE(nodata, nullptr);
  EXPECT_EQ(nodata->ttl, 45u);

  // NODATA after a CNAME: bounded by both the chain and the SOA.
  CacheEntry chain = negative(rcode::NOERROR, {soa("example.net.", 3600, 30)});
  chain.answer = {cname("alias.example.com.", 600, "target.example.net.")};
  auto chained = store(cache, std::move(chain), "alias.example.com.");
  ASSERT_NE(chained, nullptr);
  EXPECT_EQ(chained->ttl, 30u);
}

TEST(ResolverCache, NegativeWithoutSoaIsKeptOnlyBriefly) {
  CacheLimits limits;
  limits.servfail_ttl = 7;
  ResolverCache cache(limits);
  auto entry = store(cache, negative(rcode::NXDOMAIN, {}));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->ttl, 7u);
}

TEST(ResolverCache, TtlCapsApply) {
  CacheLimits limits;
  limits.min_ttl = 60;
  limits.max_ttl = 3600;
  limits.max_negative_ttl = 900;
  ResolverCache cache(limits);

  auto raised = store(cache, positive({a("short.example.com.", 5)}), "short.example.com.");
  ASSERT_NE(raised, nullptr);
  EXPECT_EQ(raised->ttl, 60u);
  EXPECT_EQ(raised->answer[0].ttl, 60u);

  auto lowered = store(cache, positive({a("long.example.com.", 604800)}), "long.example.com.");
  ASSERT_NE(lowered, nullptr);
  EXPECT_EQ(lowered->ttl, 3600u);
  EXPECT_EQ(lowered->answer[0].ttl, 3600u);

  auto negative_capped = store(
      cache, negative(rcode::NXDOMAIN, {soa("example.com.", 86400, 86400)}), "nx.example.com.");
  ASSERT_NE(negative_capped, nullptr);
  EXPECT_EQ(negative_capped->ttl, 900u);

  auto negative_raised =
      store(cache, negative(rcode::NXDOMAIN, {soa("example.com.", 10, 10)}), "nx2.example.com.");
  ASSERT_NE(negative_raised, nullptr);
  EXPECT_EQ(negative_raised->ttl, 60u);
}

TEST(ResolverCache, ServfailIsRememberedBrieflyAndNeverServedStale) {
  CacheLimits limits;
  limits.servfail_ttl = 5;
  limits.min_ttl = 300;  // does not stretch a failure
  ResolverCache cache(limits);
  const std::string key = name("broken.example.com.");
  cache.insert(kLan, key, type::A, servfail(), kT0);

  const CacheLookup hit = cache.lookup(kLan, key, type::A, kT0 + seconds(4), true);
  ASSERT_EQ(hit.state, State::kFresh);
  EXPECT_EQ(hit.entry->rcode, rcode::SERVFAIL);
  EXPECT_EQ(hit.entry->ttl, 5u);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0 + seconds(5), true).state, State::kMiss);
}

TEST(ResolverCache, FailureDoesNotReplaceAnAnswerThatCanStillBeServed) {
  ResolverCache cache;
  const std::string key = name("www.example.com.");
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 60)}), kT0);
  // The refresh failed after expiry: the stale answer must survive for serve-stale.
  cache.insert(kLan, key, type::A, servfail(), kT0 + seconds(120));
  const CacheLookup hit = cache.lookup(kLan, key, type::A, kT0 + seconds(121), true);
  ASSERT_EQ(hit.state, State::kStale);
  EXPECT_EQ(hit.entry->rcode, rcode::NOERROR);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0 + seconds(121), false).state, State::kMiss);

  // A real answer does replace it.
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 60, 9)}), kT0 + seconds(130));
  const CacheLookup fresh = cache.lookup(kLan, key, type::A, kT0 + seconds(131), false);
  ASSERT_EQ(fresh.state, State::kFresh);
  EXPECT_EQ(fresh.entry->answer[0].rdata.back(), '\x09');
  EXPECT_EQ(cache.entryCount(), 1u);
}

TEST(ResolverCache, ReplacingAKeyReplacesItsEntryAndCharge) {
  ResolverCache cache;
  const std::string key = name("www.example.com.");
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 60)}), kT0);
  const std::size_t one = cache.byteCount();
  const std::size_t one_entry = cache.lookup(kLan, key, type::A, kT0, false).entry->bytes;
  std::vector<Record> many;
  for (int i = 0; i < 20; ++i) many.push_back(a("www.example.com.", 60, static_cast<uint8_t>(i)));
  cache.insert(kLan, key, type::A, positive(many), kT0);
  EXPECT_EQ(cache.entryCount(), 1u);
  EXPECT_GT(cache.byteCount(), one);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0, false).entry->answer.size(), 20u);
  // The old entry's charge is gone (nothing held it), the new one's is added; the rest (the
  // index's buckets) is unchanged.
  const std::size_t many_entry = cache.lookup(kLan, key, type::A, kT0, false).entry->bytes;
  EXPECT_EQ(cache.byteCount() - many_entry, one - one_entry);
}

TEST(ResolverCache, PrefetchIsFlaggedInTheLastPartOfTheTtl) {
  ResolverCache cache;  // prefetch_fraction 0.1
  const std::string key = name("www.example.com.");
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 100)}), kT0);
  EXPECT_FALSE(cache.lookup(kLan, key, type::A, kT0 + seconds(89), false).prefetch);
  const CacheLookup late = cache.lookup(kLan, key, type::A, kT0 + seconds(91), false);
  EXPECT_EQ(late.state, State::kFresh);
  EXPECT_TRUE(late.prefetch);

  // Short TTLs are not worth refreshing early.
  const std::string brief = name("brief.example.com.");
  cache.insert(kLan, brief, type::A, positive({a("brief.example.com.", 5)}), kT0);
  EXPECT_FALSE(
      cache.lookup(kLan, brief, type::A, kT0 + seconds(4) + milliseconds(900), false).prefetch);
}

TEST(ResolverCache, PoliciesNeverSeeEachOthersEntries) {
  ResolverCache cache;
  const std::string key = name("printer.home.arpa.");
  cache.insert(kLan, key, type::A, positive({a("printer.home.arpa.", 300, 10)}), kT0);
  EXPECT_EQ(cache.lookup(kVpn, key, type::A, kT0, true).state, State::kMiss);

  cache.insert(kVpn, key, type::A, positive({a("printer.home.arpa.", 300, 20)}), kT0);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0, false).entry->answer[0].rdata.back(), '\x0a');
  EXPECT_EQ(cache.lookup(kVpn, key, type::A, kT0, false).entry->answer[0].rdata.back(), '\x14');
  EXPECT_EQ(cache.entryCount(), 2u);
  // The type is part of the key as well.
  EXPECT_EQ(cache.lookup(kLan, key, type::AAAA, kT0, false).state, State::kMiss);
}

// ---- bounds and eviction ----

std::string numbered(int i) {
  return name("host" + std::to_string(i) + ".example.com.");
}

TEST(ResolverCache, EntryBoundEvictsLeastRecentlyUsed) {
  CacheLimits limits;
  limits.max_entries = 64;
  ResolverCache cache(limits);
  const std::string hot = name("hot.example.com.");
  cache.insert(kLan, hot, type::A, positive({a("hot.example.com.", 3600)}), kT0);
  for (int i = 0; i < 2000; ++i) {
    const std::string key = numbered(i);
    cache.insert(kLan, key, type::A, positive({Record{key, type::A, 1, 3600, "\1\2\3\4"}}), kT0);
    ASSERT_LE(cache.entryCount(), 64u);
    ASSERT_EQ(cache.lookup(kLan, hot, type::A, kT0, false).state, State::kFresh) << i;
  }
  EXPECT_GE(cache.entryCount(), 32u);  // eviction frees what it must, not everything
  EXPECT_EQ(cache.lookup(kLan, numbered(0), type::A, kT0, false).state, State::kMiss);
  EXPECT_EQ(cache.lookup(kLan, numbered(1999), type::A, kT0, false).state, State::kFresh);
}

TEST(ResolverCache, ByteBoundEvictsLeastRecentlyUsed) {
  CacheLimits limits;
  limits.max_entries = 1'000'000;
  limits.max_bytes = 256 * 1024;  // a share of 16 KiB per shard: several of the largest entries
  ResolverCache cache(limits);
  const std::string hot = name("hot.example.com.");
  cache.insert(kLan, hot, type::A, positive({a("hot.example.com.", 3600)}), kT0);
  std::size_t largest = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string key = numbered(i);
    std::vector<Record> answer(1 + i % 7, Record{key, type::TXT, 1, 3600, std::string(100, 'x')});
    cache.insert(kLan, key, type::A, positive(answer), kT0);
    ASSERT_LE(cache.byteCount(), limits.max_bytes);
    ASSERT_EQ(cache.lookup(kLan, hot, type::A, kT0, false).state, State::kFresh) << i;
    largest = std::max(largest, cache.lookup(kLan, key, type::A, kT0, false).entry->bytes);
  }
  EXPECT_GT(largest, 7 * 100u);  // the charge grows with the records
  EXPECT_GE(cache.byteCount(), limits.max_bytes / 2);
  EXPECT_LT(cache.entryCount(), 5000u);
}

TEST(ResolverCache, EntryLargerThanItsShareIsNotCached) {
  CacheLimits limits;
  limits.max_bytes = 4096;
  ResolverCache cache(limits);
  const std::string key = name("big.example.com.");
  std::vector<Record> answer(10, Record{key, type::TXT, 1, 3600, std::string(1000, 'x')});
  cache.insert(kLan, key, type::TXT, positive(answer), kT0);
  EXPECT_EQ(cache.entryCount(), 0u);
  EXPECT_EQ(cache.byteCount(), 0u);
}

TEST(ResolverCache, EntriesPastServeStaleAreEvictedBeforeLiveOnes) {
  CacheLimits limits;
  limits.max_entries = 4;  // one shard, so LRU order is global
  limits.max_stale = 100;
  ResolverCache cache(limits);
  cache.insert(kLan, numbered(0), type::A, positive({a("host0.example.com.", 10)}), kT0);
  for (int i = 1; i < 4; ++i) {
    cache.insert(kLan, numbered(i), type::A, positive({a("host.example.com.", 3600)}), kT0);
  }
  // host0 becomes the most recently used, but it will be dead when the cache is next full.
  ASSERT_EQ(cache.lookup(kLan, numbered(0), type::A, kT0, false).state, State::kFresh);
  cache.insert(kLan, numbered(4), type::A, positive({a("host.example.com.", 3600)}),
               kT0 + seconds(200));
  EXPECT_EQ(cache.entryCount(), 4u);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(cache.lookup(kLan, numbered(i), type::A, kT0 + seconds(200), false).state,
              State::kFresh)
        << i;
  }
}

TEST(ResolverCache, ZeroEntriesCachesNothing) {
  CacheLimits limits;
  limits.max_entries = 0;
  ResolverCache cache(limits);
  cache.insert(kLan, name("www.example.com."), type::A, positive({a("www.example.com.", 60)}), kT0);
  EXPECT_EQ(cache.entryCount(), 0u);
  EXPECT_EQ(cache.lookup(kLan, name("www.example.com."), type::A, kT0, true).state, State::kMiss);
}

std::size_t heapInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return 0;  // the sanitizers' allocators are invisible to mallinfo2
#else
  return mallinfo2().uordblks;
#endif
}

// Fills `cache` with `count` one-record entries named h0000000.example.com. upwards.
void insertSmall(ResolverCache& cache, int count, const std::function<void(int)>& every_100k) {
  std::string key = name("h0000000.example.com.");  // names of one length: no reallocation
  Record record{key, type::A, 1, 3600, "\1\2\3\4"};
  for (int i = 0; i < count; ++i) {
    for (int d = 0, v = i; d < 7; ++d, v /= 10) key[8 - d] = static_cast<char>('0' + v % 10);
    record.owner = key;
    CacheEntry entry;
    entry.answer.push_back(record);
    cache.insert(kLan, key, type::A, std::move(entry), kT0);
    if (i % 100'000 == 99'999) every_100k(i);
  }
}

TEST(ResolverCache, AMillionInsertsStayWithinTheByteBound) {
  CacheLimits limits;
  limits.max_entries = 1'000'000;
  limits.max_bytes = 64u << 20;
  const std::size_t heap_before = heapInUse();
  std::size_t heap_peak = 0, charged_peak = 0;
  {
    ResolverCache cache(limits);
    insertSmall(cache, 1'000'000, [&](int) {
      ASSERT_LE(cache.entryCount(), limits.max_entries);
      ASSERT_LE(cache.byteCount(), limits.max_bytes);
      heap_peak = std::max(heap_peak, heapInUse());
      charged_peak = std::max(charged_peak, cache.byteCount());
    });
    // The bytes bind here (each entry is charged a few hundred bytes), and nearly fill.
    EXPECT_LT(cache.entryCount(), limits.max_entries);
    EXPECT_GT(cache.byteCount(), limits.max_bytes * 3 / 4);
    EXPECT_EQ(cache.lookup(kLan, name("h0999999.example.com."), type::A, kT0, false).state,
              State::kFresh);
    EXPECT_EQ(cache.lookup(kLan, name("h0000000.example.com."), type::A, kT0, false).state,
              State::kMiss);
  }
  // The charge approximates real memory: heap growth stays near what was charged.
  if (heap_before != 0) {
    EXPECT_LT(heap_peak - heap_before, charged_peak + charged_peak / 2);
    EXPECT_GT(heap_peak - heap_before, charged_peak / 2);
  }
}

TEST(ResolverCache, ManyInsertsStayWithinTheEntryBound) {
  CacheLimits limits;
  limits.max_entries = 20'000;
  ResolverCache cache(limits);
  insertSmall(cache, 200'000, [&](int) { ASSERT_LE(cache.entryCount(), limits.max_entries); });
  EXPECT_GT(cache.entryCount(), limits.max_entries * 3 / 4);
  EXPECT_LT(cache.byteCount(), limits.max_bytes);
}

TEST(ResolverCache, ConcurrentInsertsAndLookupsAreSafe) {
  CacheLimits limits;
  // Small enough that eviction runs concurrently with lookups (4,096 keys over both policies),
  // large enough that the ~683 inserts a thread makes between inserting a key and looking it up
  // again fit: hits then do not depend on the threads overlapping in time (with 512, a machine
  // busy enough to run the threads one after another gave none).
  limits.max_entries = 1024;
  ResolverCache cache(limits);
  std::atomic<std::size_t> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &hits, t] {
      for (int i = 0; i < 20'000; ++i) {
        const std::string key = numbered((i * 7 + t) % 2048);
        const auto now = kT0 + milliseconds(i);
        if (i % 3 == 0) {
          cache.insert(t % 2 ? kLan : kVpn, key, type::A, positive({Record{key, 1, 1, 10, "abcd"}}),
                       now);
        } else {
          const CacheLookup hit = cache.lookup(t % 2 ? kLan : kVpn, key, type::A, now, true);
          if (hit.entry) hits += hit.entry->answer.size();  // reads the shared entry unlocked
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.entryCount(), limits.max_entries);
  EXPECT_GT(hits.load(), 0u);
}

// ---- the per-thread front (CacheFront) ----

TEST(CacheFront, AnswersWhatTheCacheHoldsFreshAndNothingElse) {
  ResolverCache cache;
  CacheFront front(cache);
  const std::string key = name("www.example.com.");
  bool prefetch = true;
  EXPECT_EQ(front.lookupFresh(kLan, key, type::A, kT0, prefetch), nullptr);
  EXPECT_FALSE(prefetch);
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 60)}), kT0);
  const CacheEntry* first = front.lookupFresh(kLan, key, type::A, kT0, prefetch);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, cache.lookup(kLan, key, type::A, kT0, false).entry.get());
  // Hits come from the front now, and are the same entry.
  EXPECT_EQ(front.lookupFresh(kLan, key, type::A, kT0 + milliseconds(10), prefetch), first);
  // Past its TTL the entry is stale: never served from the front.
  EXPECT_EQ(front.lookupFresh(kLan, key, type::A, kT0 + seconds(60), prefetch), nullptr);
  EXPECT_EQ(cache.lookup(kLan, key, type::A, kT0 + seconds(60), true).state, State::kStale);
}

TEST(CacheFront, PoliciesTypesAndNamesStayApart) {
  ResolverCache cache;
  CacheFront front(cache, 2);  // one set: every key competes for the same two ways
  const std::string key = name("printer.home.arpa.");
  cache.insert(kLan, key, type::A, positive({a("printer.home.arpa.", 300, 10)}), kT0);
  cache.insert(kVpn, key, type::A, positive({a("printer.home.arpa.", 300, 20)}), kT0);
  bool prefetch = false;
  for (int round = 0; round < 3; ++round) {
    const CacheEntry* lan = front.lookupFresh(kLan, key, type::A, kT0, prefetch);
    const CacheEntry* vpn = front.lookupFresh(kVpn, key, type::A, kT0, prefetch);
    ASSERT_NE(lan, nullptr);
    ASSERT_NE(vpn, nullptr);
    EXPECT_EQ(lan->answer[0].rdata.back(), '\x0a');
    EXPECT_EQ(vpn->answer[0].rdata.back(), '\x14');
    EXPECT_EQ(front.lookupFresh(kLan, key, type::AAAA, kT0, prefetch), nullptr);
    EXPECT_EQ(front.lookupFresh(kLan, name("printer.home.arpa.x."), type::A, kT0, prefetch),
              nullptr);
  }
}

TEST(CacheFront, SeesReplacementAndEvictionInTheCache) {
  CacheLimits limits;
  limits.max_entries = 16;  // one shard of 16
  ResolverCache cache(limits);
  CacheFront front(cache);
  const std::string key = name("www.example.com.");
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 600, 1)}), kT0);
  bool prefetch = false;
  ASSERT_NE(front.lookupFresh(kLan, key, type::A, kT0, prefetch), nullptr);
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 600, 2)}), kT0);
  const CacheEntry* replaced = front.lookupFresh(kLan, key, type::A, kT0, prefetch);
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->answer[0].rdata.back(), '\x02');

  for (int i = 0; i < 64; ++i) {
    const std::string other = numbered(i);
    cache.insert(kLan, other, type::A, positive({Record{other, type::A, 1, 600, "abcd"}}), kT0);
  }
  ASSERT_EQ(cache.lookup(kLan, key, type::A, kT0, false).state, State::kMiss);
  EXPECT_EQ(front.lookupFresh(kLan, key, type::A, kT0, prefetch), nullptr);
}

TEST(CacheFront, PrefetchIsFlaggedAsTheCacheFlagsIt) {
  ResolverCache cache;  // prefetch_fraction 0.1
  CacheFront front(cache);
  const std::string key = name("www.example.com.");
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 100)}), kT0);
  bool prefetch = true;
  ASSERT_NE(front.lookupFresh(kLan, key, type::A, kT0, prefetch), nullptr);
  EXPECT_FALSE(prefetch);
  ASSERT_NE(front.lookupFresh(kLan, key, type::A, kT0 + seconds(89), prefetch), nullptr);
  EXPECT_FALSE(prefetch);
  for (int i = 0; i < 3; ++i) {  // every lookup in the window, until the entry is refreshed
    ASSERT_NE(front.lookupFresh(kLan, key, type::A, kT0 + seconds(91), prefetch), nullptr);
    EXPECT_TRUE(prefetch);
  }
  cache.insert(kLan, key, type::A, positive({a("www.example.com.", 100)}), kT0 + seconds(91));
  ASSERT_NE(front.lookupFresh(kLan, key, type::A, kT0 + seconds(92), prefetch), nullptr);
  EXPECT_FALSE(prefetch);
}

TEST(CacheFront, HitsKeepTheEntryRecentInTheCache) {
  CacheLimits limits;
  limits.max_entries = 256;  // 16 shards of 16: the hot entry's shard turns over many times
  ResolverCache cache(limits);
  CacheFront front(cache);
  const std::string hot = name("hot.example.com.");
  cache.insert(kLan, hot, type::A, positive({a("hot.example.com.", 3600)}), kT0);
  bool prefetch = false;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = numbered(i);
    const auto now = kT0 + milliseconds(200 * i);  // 400 s; the front rechecks each second
    cache.insert(kLan, key, type::A, positive({Record{key, type::A, 1, 3600, "\1\2\3\4"}}), now);
    ASSERT_NE(front.lookupFresh(kLan, hot, type::A, now, prefetch), nullptr) << i;
  }
  EXPECT_EQ(cache.lookup(kLan, hot, type::A, kT0 + seconds(400), false).state, State::kFresh);
}

// ---- rendering ----

TEST(RenderFromCache, HeaderQuestionAndDecrementedTtls) {
  ResolverCache cache;
  auto entry =
      store(cache, positive({a("www.example.com.", 300, 1), a("www.example.com.", 300, 2)}));
  ASSERT_NE(entry, nullptr);
  const auto bytes = render(*entry, query("www.example.com."), 100);
  Packet pkt = decode(bytes);
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_id(pkt.get()), 0xbeef);
  EXPECT_TRUE(ldns_pkt_qr(pkt.get()));
  EXPECT_TRUE(ldns_pkt_rd(pkt.get()));
  EXPECT_TRUE(ldns_pkt_ra(pkt.get()));
  EXPECT_TRUE(ldns_pkt_cd(pkt.get()));  // the test query sets CD
  EXPECT_FALSE(ldns_pkt_aa(pkt.get()));
  EXPECT_FALSE(ldns_pkt_tc(pkt.get()));
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NOERROR);
  ASSERT_EQ(ldns_pkt_ancount(pkt.get()), 2);
  for (int i = 0; i < 2; ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), i);
    EXPECT_EQ(ldns_rr_ttl(rr), 200u);
    EXPECT_EQ(text(ldns_rr_owner(rr)), "www.example.com.");
    EXPECT_EQ(text(ldns_rr_rdf(rr, 0)), "192.0.2." + std::to_string(i + 1));
  }
  EXPECT_EQ(u16At(bytes, 10), 0);  // no OPT without client EDNS

  // Past the record TTL (a caller rendering late) the TTL stops at 0; stale gives the stale TTL.
  Packet late = decode(render(*entry, query("www.example.com."), 1000));
  EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(late.get()), 0)), 0u);
  Packet stale = decode(render(*entry, query("www.example.com."), 1000, true));
  EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(stale.get()), 0)), 30u);
}

TEST(RenderFromCache, QuestionCaseIsEchoedAndOwnersPointAtIt) {
  ResolverCache cache;
  auto entry = store(cache, positive({cname("www.example.com.", 300, "Edge.Example.NET."),
                                      a("edge.example.net.", 300)}));
  ASSERT_NE(entry, nullptr);
  const wire::ParsedQuery q = query("wWw.ExAmPle.COM.");
  const auto bytes = render(*entry, q, 0);
  const std::string asked = name("wWw.ExAmPle.COM.");
  ASSERT_GT(bytes.size(), 12 + asked.size());
  EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 12 + asked.size()), asked);
  EXPECT_EQ(u16At(bytes, 12 + asked.size() + 4), 0xc00c);  // first owner compressed

  Packet pkt = decode(bytes);
  ASSERT_TRUE(pkt);
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
  EXPECT_EQ(text(ldns_rr_owner(question)), "wWw.ExAmPle.COM.");
  ASSERT_EQ(ldns_pkt_ancount(pkt.get()), 2);
  const ldns_rr* first = ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), 0);
  const ldns_rr* second = ldns_rr_list_rr(ldns_pkt_answer(pkt.get()), 1);
  EXPECT_EQ(ldns_rr_get_type(first), LDNS_RR_TYPE_CNAME);
  EXPECT_EQ(text(ldns_rr_rdf(first, 0)), "Edge.Example.NET.");  // rdata case as received
  EXPECT_EQ(text(ldns_rr_owner(second)), "edge.example.net.");
  EXPECT_EQ(ldns_rr_get_type(second), LDNS_RR_TYPE_A);
}

TEST(RenderFromCache, NegativeAnswerCarriesSoaWithNegativeTtl) {
  ResolverCache cache;
  auto entry = store(cache, negative(rcode::NXDOMAIN, {soa("example.com.", 3600, 600)}),
                     "nope.example.com.");
  ASSERT_NE(entry, nullptr);
  Packet pkt = decode(render(*entry, query("nope.example.com."), 50));
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_ancount(pkt.get()), 0);
  ASSERT_EQ(ldns_pkt_nscount(pkt.get()), 1);
  const ldns_rr* rr = ldns_rr_list_rr(ldns_pkt_authority(pkt.get()), 0);
  EXPECT_EQ(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
  EXPECT_EQ(text(ldns_rr_owner(rr)), "example.com.");
  EXPECT_EQ(ldns_rr_ttl(rr), 550u);
  EXPECT_EQ(text(ldns_rr_rdf(rr, 6)), "600");  // MINIMUM kept as received
}

TEST(RenderFromCache, EdnsClientsGetAnOptWithDoEchoed) {
  ResolverCache cache;
  auto entry = store(cache, positive({a("www.example.com.", 300)}));
  ASSERT_NE(entry, nullptr);
  const auto bytes = render(*entry, query("www.example.com.", true, true), 0);
  EXPECT_EQ(u16At(bytes, 10), 1);
  Packet pkt = decode(bytes);
  ASSERT_TRUE(pkt);
  EXPECT_TRUE(ldns_pkt_edns(pkt.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(pkt.get()), wire::kAdvertisedUdpPayload);
  EXPECT_EQ(ldns_pkt_edns_version(pkt.get()), 0);
  EXPECT_TRUE(ldns_pkt_edns_do(pkt.get()));

  Packet without_do = decode(render(*entry, query("www.example.com.", true, false), 0));
  EXPECT_TRUE(ldns_pkt_edns(without_do.get()));
  EXPECT_FALSE(ldns_pkt_edns_do(without_do.get()));
}

TEST(RenderFromCache, TooBigForTheLimitIsTruncatedWithoutRecords) {
  ResolverCache cache;
  std::vector<Record> answer;
  for (int i = 0; i < 40; ++i)
    answer.push_back(a("www.example.com.", 300, static_cast<uint8_t>(i)));
  auto entry = store(cache, positive(answer));  // 40 * 16 octets: more than 512
  ASSERT_NE(entry, nullptr);
  const std::size_t question_end = 12 + name("www.example.com.").size() + 4;

  const auto plain = render(*entry, query("www.example.com."), 0, false, wire::kMinUdpPayload);
  EXPECT_EQ(plain.size(), question_end);
  Packet pkt = decode(plain);
  ASSERT_TRUE(pkt);
  EXPECT_TRUE(ldns_pkt_tc(pkt.get()));
  EXPECT_EQ(ldns_pkt_ancount(pkt.get()), 0);
  EXPECT_EQ(ldns_pkt_qdcount(pkt.get()), 1);

  const auto edns = render(*entry, query("www.example.com.", true), 0, false, 512);
  EXPECT_EQ(edns.size(), question_end + wire::kEdnsOptSize);
  EXPECT_EQ(u16At(edns, 10), 1);
  Packet with_opt = decode(edns);
  ASSERT_TRUE(with_opt);
  EXPECT_TRUE(ldns_pkt_tc(with_opt.get()));
  EXPECT_TRUE(ldns_pkt_edns(with_opt.get()));

  // The same entry fits a 1232-octet EDNS buffer.
  Packet whole = decode(render(*entry, query("www.example.com.", true), 0, false, 1232));
  EXPECT_FALSE(ldns_pkt_tc(whole.get()));
  EXPECT_EQ(ldns_pkt_ancount(whole.get()), 40);

  // The output span bounds the size as well as the limit does.
  std::vector<std::uint8_t> small(300);
  const std::size_t size =
      renderFromCache(*entry, query("www.example.com."), 0, false, 30, small, 4096);
  EXPECT_EQ(size, question_end);
  EXPECT_TRUE(small[2] & 0x02);  // TC
  // Not even the question fits: nothing to send.
  std::vector<std::uint8_t> tiny(20);
  EXPECT_EQ(renderFromCache(*entry, query("www.example.com."), 0, false, 30, tiny, 4096), 0u);
}

TEST(RenderFromCache, ServfailEntryRendersItsRcode) {
  ResolverCache cache;
  cache.insert(kLan, name("broken.example.com."), type::A, servfail(), kT0);
  auto entry = cache.lookup(kLan, name("broken.example.com."), type::A, kT0, false).entry;
  ASSERT_NE(entry, nullptr);
  Packet pkt = decode(render(*entry, query("broken.example.com."), 0));
  ASSERT_TRUE(pkt);
  EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(ldns_pkt_ancount(pkt.get()), 0);
}

}  // namespace
}  // namespace horizon::resolver
