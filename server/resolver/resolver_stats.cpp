// The upstream table's slot lookup.
#include "horizon/resolver/resolver_stats.hpp"

namespace horizon::resolver {

UpstreamCounters& UpstreamTable::of(const Endpoint& server) {
  const std::size_t used = used_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < used; ++i)
    if (endpoints_[i] == server) return slots_[i];
  if (used == kMaxUpstreams) return slots_[kMaxUpstreams];
  endpoints_[used] = server;
  labels_[used] = server.toString();
  used_.store(used + 1, std::memory_order_release);
  return slots_[used];
}

}  // namespace horizon::resolver
