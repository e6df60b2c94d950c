// IP addresses as horizon uses them: client addresses for view selection, address literals in
// zone data, and the classification of addresses that must never be published or resolved into.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;
struct sockaddr_storage;

namespace horizon::ip {

/// A client address; IPv4-mapped IPv6 addresses are stored as IPv4 so one prefix table serves both.
struct ClientAddress {
  bool is_v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; 4 used for IPv4

  /// Converts a socket address (AF_INET or AF_INET6); unknown families give 0.0.0.0.
  static ClientAddress fromSockaddr(const sockaddr* sa);
  /// Parses "192.0.2.1" or "2001:db8::1"; nullopt when not an address.
  static std::optional<ClientAddress> fromString(std::string_view text);
  /// Writes this address and `port` as an AF_INET or AF_INET6 socket address into `out`.
  void toSockaddr(std::uint16_t port, sockaddr_storage& out) const;
};

/// Parses an IPv4 or IPv6 literal into 4 or 16 bytes; nullopt when it is not one.
std::optional<std::string> parseAddress(std::string_view text);

/// True for addresses that must not be published by accident: RFC 1918, CGNAT 100.64/10,
/// loopback, link-local, unspecified, IPv6 ULA fc00::/7, ::1, fe80::/10. `bytes` is 4 or 16 long.
bool isPrivateAddress(const std::uint8_t* bytes, bool is_v6);

}  // namespace horizon::ip
