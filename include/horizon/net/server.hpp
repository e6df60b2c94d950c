// The network front end of horizond: per worker thread, an Asio io_context with its own
// SO_REUSEPORT UDP socket per listen address (recvmmsg/sendmmsg batches) and TCP acceptors.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "horizon/config/server_config.hpp"
#include "horizon/net/descriptor_budget.hpp"
#include "horizon/query/snapshot_holder.hpp"
#include "horizon/resolver/resolver_stats.hpp"
#include "horizon/stats/query_counters.hpp"

namespace horizon::net {

/// One upstream address's exchanges, summed over the workers.
struct UpstreamTotals {
  std::string label;  // "ADDR:PORT", or "other" for addresses past the cap
  std::uint64_t queries = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t network_errors = 0;
  std::uint64_t malformed = 0;
  stats::HistogramTotals<resolver::kRttBoundsUs.size()> rtt;
};

/// Everything the workers count, summed at one moment (for the metrics endpoint).
struct ServerStatistics {
  stats::QueryTotals queries;
  std::vector<UpstreamTotals> upstreams;  // at most UpstreamTable::kMaxUpstreams + 1
  std::uint64_t prefetches = 0;
  std::uint64_t stale_answers = 0;
  std::array<std::uint64_t, 3> validations{};  // insecure, secure, bogus
  std::uint64_t signature_checks = 0;
  std::uint64_t signature_limit_hits = 0;
  std::uint64_t nsec3_limit_hits = 0;
  std::uint64_t cache_evictions = 0;
  std::size_t cache_entries = 0;
  std::size_t cache_bytes = 0;
  std::size_t cache_max_bytes = 0;
  std::size_t resolutions_in_flight = 0;
  std::size_t tcp_open = 0;
  std::uint64_t tcp_accepted = 0;
  std::uint64_t tcp_evicted = 0;
  std::uint64_t tls_handshakes = 0;              // DoT and DoH handshakes completed
  std::uint64_t tls_handshake_failures = 0;      // failed, or abandoned before the deadline
  std::int64_t tls_certificate_expiry = 0;       // notAfter of the served certificate; 0: no TLS
  std::uint64_t resolutions_refused_worker = 0;  // the worker's in-flight cap was reached
  std::uint64_t resolutions_refused_client = 0;  // the client address's in-flight cap was reached
  std::uint64_t dnstap_written = 0;              // handed to the collector's queue
  std::uint64_t dnstap_dropped = 0;              // dropped: collector slow or absent
};

/// Runs the listeners until stop() is called (from any thread, e.g. a signal handler's strand).
class Server {
 public:
  /// A server for `config` answering from `snapshots`; nothing is bound until bind().
  Server(config::ServerConfig config, std::shared_ptr<query::SnapshotHolder> snapshots);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listen address (UDP and TCP) for every worker; throws std::runtime_error with a
  /// message naming the address when a bind fails.
  void bind();
  /// Starts the worker threads and returns at once.
  void start();
  /// Asks every worker to stop and waits for them.
  void stop();
  /// The ports actually bound (useful when a listen address said port 0), in listen order.
  std::vector<std::uint16_t> boundPorts() const;
  /// Worker threads in use (after bind()).
  unsigned workerCount() const;
  /// How the descriptor limit was shared out by bind() (zeros before).
  DescriptorBudget descriptorBudget() const;
  /// Adds up every worker's counters into `out` (which is large: keep it on the heap). From any
  /// thread, at any time; empty before bind() and after stop().
  void statistics(ServerStatistics& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace horizon::net
