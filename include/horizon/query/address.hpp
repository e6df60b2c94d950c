// Client addresses as the answer engine sees them, and prefix matching for view selection.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "horizon/zone/zone.hpp"

struct sockaddr;

namespace horizon::query {

/// A client address; IPv4-mapped IPv6 addresses are stored as IPv4 so one prefix table serves both.
struct ClientAddress {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; 4 used for IPv4

  /// Converts a socket address (AF_INET or AF_INET6); unknown families give 0.0.0.0.
  static ClientAddress fromSockaddr(const sockaddr* sa);
  /// Parses "192.0.2.1" or "2001:db8::1"; nullopt when not an address.
  static std::optional<ClientAddress> fromString(std::string_view text);
};

/// True when `addr` lies inside `prefix` (families must match).
bool prefixContains(const zone::Prefix& prefix, const ClientAddress& addr);

}  // namespace horizon::query
