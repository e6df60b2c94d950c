// What one worker's resolver counts: its upstream exchanges per server address, prefetches,
// stale answers and the resolutions in flight. Written on the worker's io thread only, read by
// a scrape from another thread (see stats/counters.hpp).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "horizon/resolver/upstream.hpp"
#include "horizon/stats/counters.hpp"

namespace horizon::resolver {

/// Upstream RTT buckets in microseconds (exposed in seconds): 0.5 ms to 2.5 s.
inline constexpr std::array<std::uint64_t, 12> kRttBoundsUs = {
    500,    1'000,   2'500,   5'000,   10'000,    25'000,
    50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000};

/// One upstream server's exchanges.
struct UpstreamCounters {
  stats::Counter queries;
  stats::Counter timeouts;
  stats::Counter network_errors;              // refused, unreachable, connection reset
  stats::Counter malformed;                   // nothing but undecodable replies
  stats::Histogram<kRttBoundsUs.size()> rtt;  // replies only
};

/// Counters per upstream address, for at most kMaxUpstreams addresses; later ones share the
/// "other" slot, so iterating from the root cannot grow the table without bound.
class UpstreamTable {
 public:
  static constexpr std::size_t kMaxUpstreams = 32;

  /// The counters of `server`, adding it if there is room (io thread only).
  UpstreamCounters& of(const Endpoint& server);
  /// Addresses with a slot of their own (any thread).
  std::size_t size() const { return used_.load(std::memory_order_acquire); }
  /// Slot `i` < size(): its "ADDR:PORT" label and counters (any thread).
  const std::string& label(std::size_t i) const { return labels_[i]; }
  const UpstreamCounters& counters(std::size_t i) const { return slots_[i]; }
  /// The shared slot of addresses past the cap.
  const UpstreamCounters& other() const { return slots_[kMaxUpstreams]; }

 private:
  // Endpoints and labels are written once, before used_ is raised past them.
  std::array<Endpoint, kMaxUpstreams> endpoints_{};
  std::array<std::string, kMaxUpstreams> labels_{};
  std::array<UpstreamCounters, kMaxUpstreams + 1> slots_{};
  std::atomic<std::size_t> used_{0};
};

/// One Resolver's statistics.
struct ResolverStats {
  UpstreamTable upstreams;
  stats::Counter prefetches;     // background refreshes started
  stats::Counter stale_answers;  // answers given from expired entries (RFC 8767)
  // DNSSEC: validated resolutions by outcome (insecure, secure, bogus: Security's order from 1),
  // signature verifications spent, and validations cut short by a work bound.
  std::array<stats::Counter, 3> validations;
  stats::Counter signature_checks;
  stats::Counter signature_limit_hits;    // the signature-check budget ran out
  stats::Counter nsec3_limit_hits;        // NSEC3 iterations above the limit: treated as insecure
  std::atomic<std::size_t> in_flight{0};  // resolutions waiting for upstreams, mirrored here
};

}  // namespace horizon::resolver
