// Recursion for names outside our zones: iteration from root hints or forwarding, with a shared
// cache, coalescing of identical questions, and hard limits so no zone can make it loop.
//
// One Resolver lives on each worker's io_context; all of them share one ResolverCache and one
// ServerSelection. A resolution is a tree of upstream exchanges charged to one Budget.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "horizon/dnssec/trust_anchor.hpp"
#include "horizon/resolver/cache.hpp"
#include "horizon/resolver/resolver_stats.hpp"
#include "horizon/resolver/upstream.hpp"

namespace horizon::resolver {

/// Conditional forwarding: names at or below `domain` go to `servers` (with RD set).
struct ForwardZone {
  std::string domain;  // lowercase wire format
  std::vector<Endpoint> servers;
};

/// How to resolve, and the limits of one resolution.
struct ResolverConfig {
  std::vector<Endpoint> root_hints;          // iterate mode: where to start
  std::vector<Endpoint> forwarders;          // non-empty: forward everything not matched below
  std::vector<ForwardZone> forward_zones;    // conditional forwarding, longest match wins
  std::vector<std::string> rebinding_allow;  // lowercase wire domains allowed private addresses
  std::shared_ptr<TlsClientContext> tls;     // verifies TLS upstreams; set when any is configured
  bool qname_minimisation = true;            // RFC 9156, relaxed: falls back on NXDOMAIN/errors
  bool serve_stale = true;                   // RFC 8767
  bool prefetch = true;
  std::chrono::milliseconds resolution_timeout{3000};  // then stale data or SERVFAIL
  int max_queries = 64;      // upstream exchanges per client question, sub-resolutions included
  int max_depth = 5;         // nested resolutions (name server addresses, CNAME targets)
  int max_referrals = 24;    // delegations followed for one name
  int max_cname_chain = 12;  // CNAMEs followed across zones
  int max_ns_fanout = 4;     // glueless name server names resolved per delegation
  // DNSSEC validation (RFC 4033-4035): on when trust anchors are set.
  std::shared_ptr<const dnssec::TrustAnchors> trust_anchors;
  std::uint32_t bogus_ttl = 60;              // how long a bogus answer is kept before refetching
  std::uint32_t clock_skew = 300;            // seconds allowed around signature validity
  int max_signature_checks = 32;             // per validated answer (KeyTrap bound)
  std::uint16_t max_nsec3_iterations = 150;  // above: insecure (RFC 9276 3.2)
};

/// Resolves questions for one worker. Not thread-safe: use it from its io_context's thread.
class Resolver {
 public:
  /// Where an answer came from: a fresh cache entry, a resolution, or an expired entry served
  /// because resolution failed (RFC 8767).
  enum class Origin { kCache, kResolved, kStale };
  using Callback = std::function<void(std::shared_ptr<const CacheEntry>, Origin origin)>;

  Resolver(boost::asio::io_context& io, std::shared_ptr<const ResolverConfig> config,
           std::shared_ptr<ResolverCache> cache, std::shared_ptr<ServerSelection> selection);
  ~Resolver();

  /// Answers (qname, qtype) under `policy`: from the cache when fresh, else by resolving;
  /// `done` gets the entry (SERVFAIL entry on failure; a stale one if serve-stale applies).
  void resolve(std::uint32_t policy, const std::string& qname_lower, std::uint16_t qtype,
               Callback done);

  /// Refreshes an entry in the background (prefetch): the answer only updates the cache.
  void refresh(std::uint32_t policy, const std::string& qname_lower, std::uint16_t qtype);

  /// Resolutions currently in flight (for status and tests; io thread only).
  std::size_t inFlight() const;
  /// Shows every upstream message to `tap` (nullptr: none); set it before resolutions start.
  void setUpstreamTap(UpstreamTap* tap);
  /// This resolver's counters (readable from any thread).
  const ResolverStats& stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// True when the address (4 or 16 bytes) is one that rebinding protection strips from answers:
/// RFC 1918, CGNAT, loopback, link-local, unspecified, ULA.
bool isRebindingAddress(const std::string& address_bytes);

}  // namespace horizon::resolver
