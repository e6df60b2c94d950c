// Address literals, client socket addresses and the private-address classification.
#include "horizon/ip/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "ip_ranges.hpp"

namespace horizon::ip {

ClientAddress ClientAddress::fromSockaddr(const sockaddr* sa) {
  ClientAddress out;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    std::memcpy(out.bytes.data(), &in->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&in6->sin6_addr);
    // A v4-mapped address is the IPv4 client it stands for, so IPv4 prefixes match it.
    if (detail::isV4Mapped(b)) {
      std::memcpy(out.bytes.data(), b + 12, 4);
    } else {
      out.is_v6 = true;
      std::memcpy(out.bytes.data(), b, 16);
    }
  }
  return out;
}

void ClientAddress::toSockaddr(std::uint16_t port, sockaddr_storage& out) const {
  out = {};
  if (is_v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, bytes.data(), 16);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, bytes.data(), 4);
  }
}

std::optional<ClientAddress> ClientAddress::fromString(std::string_view text) {
  const auto bytes = parseAddress(text);
  if (!bytes) return std::nullopt;
  if (bytes->size() == 4) {
    ClientAddress out;
    std::memcpy(out.bytes.data(), bytes->data(), 4);
    return out;
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  std::memcpy(&sa.sin6_addr, bytes->data(), 16);
  return fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
}

std::optional<std::string> parseAddress(std::string_view text) {
  // inet_pton wants a NUL-terminated string; longer text cannot be an address anyway.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char out[16];
  if (inet_pton(AF_INET, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 4);
  if (inet_pton(AF_INET6, buf, out) == 1) return std::string(reinterpret_cast<char*>(out), 16);
  return std::nullopt;
}

bool isPrivateAddress(const std::uint8_t* bytes, bool is_v6) {
  if (is_v6) {
    // An IPv4-mapped address reaches the IPv4 host, so judge it as that host.
    if (detail::isV4Mapped(bytes)) return isPrivateAddress(bytes + 12, false);
    for (const detail::Range& range : detail::kPrivateV6)
      if (detail::samePrefix(bytes, range.bytes, range.length)) return true;
    return false;
  }
  for (const detail::Range& range : detail::kPrivateV4)
    if (detail::samePrefix(bytes, range.bytes, range.length)) return true;
  return false;
}

}  // namespace horizon::ip
