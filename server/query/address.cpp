// Client addresses and prefix matching for view selection.
#include "horizon/query/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace horizon::query {
namespace {

constexpr std::uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

ClientAddress ClientAddress::fromSockaddr(const sockaddr* sa) {
  ClientAddress out;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    std::memcpy(out.bytes.data(), &in->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    const auto* b = reinterpret_cast<const std::uint8_t*>(&in6->sin6_addr);
    // A v4-mapped address is the IPv4 client it stands for, so IPv4 prefixes match it.
    if (std::memcmp(b, kV4MappedPrefix, 12) == 0) {
      std::memcpy(out.bytes.data(), b + 12, 4);
    } else {
      out.is_v6 = true;
      std::memcpy(out.bytes.data(), b, 16);
    }
  }
  return out;
}

std::optional<ClientAddress> ClientAddress::fromString(std::string_view text) {
  std::string s(text);
  ClientAddress out;
  std::uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    std::memcpy(out.bytes.data(), buf, 4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    std::memcpy(&sa.sin6_addr, buf, 16);
    return fromSockaddr(reinterpret_cast<const sockaddr*>(&sa));
  }
  return std::nullopt;
}

bool prefixContains(const zone::Prefix& prefix, const ClientAddress& addr) {
  if (prefix.is_v6 != addr.is_v6) return false;
  int full = prefix.length / 8, rest = prefix.length % 8;
  if (std::memcmp(prefix.address.data(), addr.bytes.data(), static_cast<std::size_t>(full)) != 0)
    return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
  return (prefix.address[full] & mask) == (addr.bytes[full] & mask);
}

}  // namespace horizon::query
