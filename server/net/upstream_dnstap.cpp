// Upstream exchanges as dnstap messages.
#include "upstream_dnstap.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>

namespace horizon::net {
namespace {

sockaddr_storage toSockaddr(const resolver::Endpoint& server) {
  sockaddr_storage out{};
  if (server.address.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(server.port);
    const auto bytes = server.address.to_v4().to_bytes();
    std::memcpy(&in->sin_addr, bytes.data(), bytes.size());
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(server.port);
    const auto bytes = server.address.to_v6().to_bytes();
    std::memcpy(&in6->sin6_addr, bytes.data(), bytes.size());
  }
  return out;
}

// DOT for a TLS upstream (whose exchanges all report tcp), else as the exchange went.
dnstap::Transport transportOf(const resolver::Endpoint& server, bool tcp) {
  if (server.tls()) return dnstap::Transport::kTls;
  return tcp ? dnstap::Transport::kTcp : dnstap::Transport::kUdp;
}

timespec toTimespec(std::chrono::system_clock::time_point t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

}  // namespace

void UpstreamDnstap::query(const resolver::Endpoint& server, std::span<const std::uint8_t> message,
                           bool tcp, bool forwarding) {
  const sockaddr_storage to = toSockaddr(server);
  dnstap::Event event;
  event.type =
      forwarding ? dnstap::MessageType::kForwarderQuery : dnstap::MessageType::kResolverQuery;
  event.transport = transportOf(server, tcp);
  event.response_address = reinterpret_cast<const sockaddr*>(&to);
  event.message = message;
  event.query_time = toTimespec(std::chrono::system_clock::now());
  writer_.write(queue_, event);
}

void UpstreamDnstap::response(const resolver::Endpoint& server,
                              std::span<const std::uint8_t> message, bool tcp, bool forwarding,
                              std::chrono::system_clock::time_point sent) {
  const sockaddr_storage from = toSockaddr(server);
  dnstap::Event event;
  event.type =
      forwarding ? dnstap::MessageType::kForwarderResponse : dnstap::MessageType::kResolverResponse;
  event.transport = transportOf(server, tcp);
  event.response_address = reinterpret_cast<const sockaddr*>(&from);
  event.message = message;
  event.query_time = toTimespec(sent);
  event.response_time = toTimespec(std::chrono::system_clock::now());
  writer_.write(queue_, event);
}

}  // namespace horizon::net
