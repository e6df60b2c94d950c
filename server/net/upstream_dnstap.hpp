// Private to the network module: the resolver's upstream messages as dnstap RESOLVER_* (iteration)
// or FORWARDER_* (forwarding) messages, written on the worker's io thread to its own queue.
#pragma once

#include "horizon/dnstap/dnstap_writer.hpp"
#include "horizon/resolver/upstream.hpp"

namespace horizon::net {

/// One worker's tap on its resolver's upstream exchanges.
class UpstreamDnstap : public resolver::UpstreamTap {
 public:
  /// Writes to `writer`'s queue `queue` (the worker's io thread's).
  UpstreamDnstap(dnstap::Writer& writer, unsigned queue) : writer_(writer), queue_(queue) {}

  void query(const resolver::Endpoint& server, std::span<const std::uint8_t> message, bool tcp,
             bool forwarding) override;
  void response(const resolver::Endpoint& server, std::span<const std::uint8_t> message, bool tcp,
                bool forwarding, std::chrono::system_clock::time_point sent) override;

 private:
  dnstap::Writer& writer_;
  unsigned queue_;
};

}  // namespace horizon::net
