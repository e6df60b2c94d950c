// The probe and the claim of port_probe.hpp, with plain syscalls: the probe's sockets live for
// one bind, the claim's for the process.
#include "port_probe.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

namespace horizon::net {
namespace {

// Empty when a socket of `type` could bind address:port on its own, else the system's reason.
std::string probe(const boost::asio::ip::address& address, std::uint16_t port, int type) {
  const bool v6 = address.is_v6();
  sockaddr_storage storage{};
  socklen_t size = 0;
  if (v6) {
    auto& sa = reinterpret_cast<sockaddr_in6&>(storage);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    const auto bytes = address.to_v6().to_bytes();
    std::memcpy(&sa.sin6_addr, bytes.data(), bytes.size());
    sa.sin6_scope_id = address.to_v6().scope_id();
    size = sizeof sa;
  } else {
    auto& sa = reinterpret_cast<sockaddr_in&>(storage);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    const auto bytes = address.to_v4().to_bytes();
    std::memcpy(&sa.sin_addr, bytes.data(), bytes.size());
    size = sizeof sa;
  }
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int on = 1;
  // As the real sockets: v6-only, so "::" and "0.0.0.0" may be served side by side. For TCP,
  // SO_REUSEADDR so that connections of a previous run in TIME_WAIT do not count (a listening
  // socket still does).
  bool ok = !v6 || ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0;
  if (ok && type == SOCK_STREAM)
    ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0;
  if (ok) ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), size) == 0;
  const int saved = errno;
  ::close(fd);
  return ok ? std::string() : std::string(std::strerror(saved));
}

}  // namespace

std::string probeListenAddress(const boost::asio::ip::address& address, std::uint16_t port,
                               std::string* protocol) {
  if (port == 0) return {};
  for (const auto& [type, name] : {std::pair{SOCK_DGRAM, "UDP"}, std::pair{SOCK_STREAM, "TCP"}}) {
    if (std::string why = probe(address, port, type); !why.empty()) {
      *protocol = name;
      return why;
    }
  }
  return {};
}

int claimListenAddress(const boost::asio::ip::address& address, std::uint16_t port,
                       std::string* why) {
  if (port == 0) return -2;
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = std::strerror(errno);
    return -1;
  }
  // An abstract name (a leading NUL): nothing on disk to clean up after a crash, and the claim
  // goes away with the process however it ends.
  const std::string name = "horizond " + address.to_string() + " port " + std::to_string(port);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::size_t length = std::min(name.size(), sizeof sa.sun_path - 1);
  std::memcpy(sa.sun_path + 1, name.data(), length);
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), size) != 0) {
    *why = errno == EADDRINUSE ? "another horizond already serves this address and port, or is "
                                 "starting on it"
                               : std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace horizon::net
