// Private to the network module: the one way a transport answers a question that recursion must
// answer (outside our zones, from a view that may recurse). Every transport calls it the same
// way; only how the late answer reaches the client differs, and that is the transport's callback.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>

#include "horizon/ip/address.hpp"
#include "horizon/query/answer_engine.hpp"
#include "horizon/resolver/cache.hpp"
#include "horizon/resolver/resolver.hpp"
#include "horizon/stats/query_counters.hpp"
#include "horizon/wire/constants.hpp"

namespace horizon::net {

/// Answers recursive questions for the transports of one worker. Fresh cached answers are
/// rendered on the calling thread through that thread's CacheFront (no lock, no allocation);
/// anything else is resolved on the worker's io_context thread, which owns the Resolver, and the
/// answer is handed to the transport's callback there. Questions waiting for a resolution are
/// bounded per worker and per client address: past either cap a new one is answered SERVFAIL at
/// once and counted. (Unbound's requestlist, full and with no old query it may replace, drops the
/// new one; SERVFAIL spares the client its retries.)
class RecursiveAnswerer {
 public:
  /// Receives a resolved answer on the io thread, with where it came from and the question it
  /// answers; the bytes are valid during the call only.
  using Deliver =
      std::function<void(std::span<const std::uint8_t>, stats::Source, const wire::ParsedQuery&)>;

  /// An answerer whose resolutions run on `io` with a Resolver of its own.
  RecursiveAnswerer(boost::asio::io_context& io,
                    std::shared_ptr<const resolver::ResolverConfig> config,
                    std::shared_ptr<resolver::ResolverCache> cache,
                    std::shared_ptr<resolver::ServerSelection> selection);
  ~RecursiveAnswerer();
  RecursiveAnswerer(const RecursiveAnswerer&) = delete;
  RecursiveAnswerer& operator=(const RecursiveAnswerer&) = delete;

  /// From any thread, with that thread's own `front`: renders a fresh cached answer into `out`
  /// and returns its size, with `source` kCache; refuses a question without RD that the cache
  /// cannot answer (`source` kRefused); otherwise returns 0 after calling `make_deliver` once for
  /// the callable (convertible to Deliver) that gets the answer when the resolution on the io
  /// thread ends (or SERVFAIL at once when `client` or the worker has too many questions
  /// waiting).
  template <typename MakeDeliver>
  std::size_t answer(resolver::CacheFront& front, const query::RecursionRequest& request,
                     const ip::ClientAddress& client, std::span<std::uint8_t> out,
                     MakeDeliver&& make_deliver, stats::Source& source) {
    const auto now = resolver::Clock::now();
    const std::string_view qname(reinterpret_cast<const char*>(request.query.qname_lower),
                                 request.query.qname_len);
    bool prefetch = false;
    if (const resolver::CacheEntry* entry =
            front.lookupFresh(request.policy, qname, request.query.qtype, now, prefetch)) {
      if (prefetch) refreshLater(request.policy, qname, request.query.qtype);
      source = stats::Source::kCache;
      return resolver::renderFromCache(*entry, request.query, elapsedSeconds(*entry, now), false, 0,
                                       out, request.limit, request.options.view());
    }
    // RD=0 asks for what the server already knows: the cache answers it, and the resolver is
    // not started for it (the peers answer REFUSED too), so such queries cannot make it work.
    if (!(request.query.flags & wire::kFlagRD)) {
      source = stats::Source::kRefused;
      return query::refuseWithoutRecursion(request, out);
    }
    resolveLater(request, clientKey(client), Deliver(make_deliver()));
    return 0;
  }

  /// At most `per_worker` questions wait for recursion on this worker, and `per_client` from one
  /// client address (an IPv6 client by its /64). Set before the worker starts.
  void setInFlightLimits(std::size_t per_worker, std::size_t per_client) {
    max_waiting_ = per_worker;
    max_waiting_per_client_ = per_client;
  }
  /// Questions answered SERVFAIL because the worker's or one client's cap was reached (any
  /// thread).
  std::uint64_t refusedForWorker() const { return refused_worker_.get(); }
  std::uint64_t refusedForClient() const { return refused_client_.get(); }

  /// The cache front of the io thread's own transports (TCP). Only that thread may use it.
  resolver::CacheFront& ioThreadFront() { return io_front_; }
  /// The cache the fronts read.
  const resolver::ResolverCache& cache() const { return *cache_; }
  /// Resolutions in flight on this worker (io thread only).
  std::size_t inFlight() const { return resolver_.inFlight(); }
  /// Shows the resolver's upstream messages to `tap` (set before the worker starts).
  void setUpstreamTap(resolver::UpstreamTap* tap) { resolver_.setUpstreamTap(tap); }
  /// The resolver's counters (any thread).
  const resolver::ResolverStats& resolverStats() const { return resolver_.stats(); }

 private:
  static std::uint32_t elapsedSeconds(const resolver::CacheEntry& entry,
                                      resolver::Clock::time_point now);
  void refreshLater(std::uint32_t policy, std::string_view qname, std::uint16_t qtype);
  // An IPv4 address, or an IPv6 address's /64 (one host usually has the whole /64), tagged so
  // the two families never share a key.
  struct ClientKey {
    std::uint64_t prefix = 0;
    bool v6 = false;
    bool operator==(const ClientKey&) const = default;
  };
  struct ClientKeyHash {
    std::size_t operator()(const ClientKey& k) const {
      return std::hash<std::uint64_t>()(k.prefix) ^ static_cast<std::size_t>(k.v6);
    }
  };
  class WaitingSlot;
  static ClientKey clientKey(const ip::ClientAddress& client);
  void resolveLater(const query::RecursionRequest& request, ClientKey client, Deliver deliver);
  void resolveHere(const query::RecursionRequest& request, ClientKey client, Deliver deliver);
  void answerServfail(const query::RecursionRequest& request, const Deliver& deliver);

  boost::asio::io_context& io_;
  std::shared_ptr<resolver::ResolverCache> cache_;
  // Before resolver_: its pending callbacks hold WaitingSlots that give their place back here
  // when the resolver drops them.
  std::size_t max_waiting_ = SIZE_MAX;
  std::size_t max_waiting_per_client_ = SIZE_MAX;
  std::size_t waiting_ = 0;                                                      // io thread
  std::unordered_map<ClientKey, std::size_t, ClientKeyHash> waiting_by_client_;  // io thread
  stats::Counter refused_worker_;
  stats::Counter refused_client_;
  resolver::Resolver resolver_;
  resolver::CacheFront io_front_;
  std::unique_ptr<std::uint8_t[]> resolved_response_;  // io thread: rendering of late answers
};

}  // namespace horizon::net
