// What horizond counts per query, and the label values the counts are kept under. Every
// dimension is folded into a small fixed set (views beyond a cap, rare query types and rcodes go
// to "other"), so a thread's block has a fixed size, is allocated once, and no client can make
// the exposition grow.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "horizon/stats/counters.hpp"

namespace horizon::stats {

/// Where an answer came from.
enum class Source : std::uint8_t {
  kAuthoritative,  // our zones
  kCache,          // a fresh cache entry
  kRecursion,      // resolved for this question
  kStale,          // an expired entry served because resolution failed (RFC 8767)
  kRefused,        // REFUSED: no zone of ours and no recursion for this client, class, AXFR
  kError,          // FORMERR, NOTIMP, BADVERS: the question could not be answered
};
inline constexpr std::size_t kSources = 6;
/// "authoritative", "cache", "recursion", "stale", "refused", "error".
const char* sourceName(Source source);

/// The transport a query came over.
enum class Transport : std::uint8_t { kUdp, kTcp, kTls, kHttps };
inline constexpr std::size_t kTransports = 4;
/// "udp", "tcp", "tls", "https".
const char* transportName(Transport transport);

inline constexpr std::size_t kFamilies = 2;  // 0: ipv4, 1: ipv6
/// "ipv4" or "ipv6".
const char* familyName(std::size_t family);

/// Query types kept apart; everything else is "other" (the last index).
inline constexpr std::size_t kTypes = 16;
/// The label index of query type `qtype`.
std::size_t typeIndex(std::uint16_t qtype);
/// The label value of type index `index` ("A", ..., "other").
const char* typeLabel(std::size_t index);

/// Response codes kept apart; everything else is "other" (the last index).
inline constexpr std::size_t kRcodes = 8;
/// The label index of (extended) response code `rcode`.
std::size_t rcodeIndex(std::uint16_t rcode);
/// The label value of rcode index `index` ("NOERROR", ..., "other").
const char* rcodeLabel(std::size_t index);

/// View label ids: 0 is "none" (no view answered), the last is "other" (past the cap); see
/// view_labels.hpp for the names in between.
inline constexpr std::size_t kMaxViews = 32;
inline constexpr std::uint16_t kNoView = 0;
inline constexpr std::uint16_t kOtherView = kMaxViews - 1;

/// Request duration buckets, in nanoseconds (exposed in seconds): 50 us to 5 s.
inline constexpr std::array<std::uint64_t, 16> kDurationBoundsNs = {
    50'000,      100'000,      250'000,      500'000,     1'000'000,   2'500'000,
    5'000'000,   10'000'000,   25'000'000,   50'000'000,  100'000'000, 250'000'000,
    500'000'000, 1000'000'000, 2500'000'000, 5000'000'000};
/// Response size buckets, in bytes: the classic UDP limits and powers of two up to 64 KiB.
inline constexpr std::array<std::uint64_t, 12> kSizeBounds = {
    64, 128, 256, 512, 1024, 1232, 2048, 4096, 8192, 16384, 32768, 65535};

using DurationHistogram = Histogram<kDurationBoundsNs.size()>;
using SizeHistogram = Histogram<kSizeBounds.size()>;

/// What response rate limiting did with an answer over its view's rate.
enum class LimitedAction : std::uint8_t { kDropped, kSlipped };
inline constexpr std::size_t kLimitedActions = 2;
/// "dropped" or "slipped".
const char* limitedActionName(LimitedAction action);

/// One question as the counters see it when it arrives.
struct RequestKey {
  std::uint16_t view = kNoView;
  Transport transport = Transport::kUdp;
  bool ipv6 = false;
  std::uint16_t qtype = 0;
};

/// One answer as the counters see it when it is sent.
struct ResponseKey {
  std::uint16_t view = kNoView;
  Source source = Source::kError;
  Transport transport = Transport::kUdp;
  std::uint16_t rcode = 0;
  bool truncated = false;
  std::size_t size = 0;
  std::uint64_t duration_ns = 0;
};

/// One thread's query counters (~70 KiB, allocated once per thread). Only that thread records;
/// a scrape reads with QueryTotals::add.
struct QueryCounters {
  /// Counts a question that will be answered (or resolved) for `key`.
  void request(const RequestKey& key) noexcept {
    requests[key.view][static_cast<std::size_t>(key.transport)][key.ipv6 ? 1 : 0]
            [typeIndex(key.qtype)]
                .add();
  }
  /// Counts an answer sent.
  void response(const ResponseKey& key) noexcept {
    const auto source = static_cast<std::size_t>(key.source);
    responses[key.view][source][rcodeIndex(key.rcode)].add();
    duration[key.view][source].observe(key.duration_ns, kDurationBoundsNs);
    size[static_cast<std::size_t>(key.transport)].observe(key.size, kSizeBounds);
    if (key.truncated) truncated[key.view].add();
  }

  Counter requests[kMaxViews][kTransports][kFamilies][kTypes];
  Counter responses[kMaxViews][kSources][kRcodes];
  DurationHistogram duration[kMaxViews][kSources];
  SizeHistogram size[kTransports];
  Counter truncated[kMaxViews];
  Counter dropped;  // datagrams and messages that were not queries: nothing was sent
  Counter rate_limited[kMaxViews][kLimitedActions];  // answers over the rate, dropped or slipped
};

/// The sum of every thread's QueryCounters at one scrape.
struct QueryTotals {
  /// Adds one thread's counters.
  void add(const QueryCounters& c) noexcept;

  std::uint64_t requests[kMaxViews][kTransports][kFamilies][kTypes]{};
  std::uint64_t responses[kMaxViews][kSources][kRcodes]{};
  HistogramTotals<kDurationBoundsNs.size()> duration[kMaxViews][kSources]{};
  HistogramTotals<kSizeBounds.size()> size[kTransports]{};
  std::uint64_t truncated[kMaxViews]{};
  std::uint64_t dropped = 0;
  std::uint64_t rate_limited[kMaxViews][kLimitedActions]{};
};

}  // namespace horizon::stats
