// UDP socket set-up and the reply's source address.
#include "udp_socket.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace horizon::net {
namespace {

// A thread blocked in recvmmsg is woken by shutdown(SHUT_RD) when the server stops; this receive
// timeout only bounds how long a missed wake-up could delay the stop (an idle thread wakes this
// often, which costs nothing measurable).
constexpr timeval kReceiveTimeout{1, 0};

}  // namespace

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

UdpSocket openUdpSocket(const boost::asio::ip::udp::endpoint& endpoint, bool wildcard,
                        boost::system::error_code& ec) {
  const bool v6 = endpoint.address().is_v6();
  UdpSocket socket(::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  const int fd = socket.fd();
  const int on = 1;
  // Blocking: the socket's thread waits in recvmmsg; sends say MSG_DONTWAIT themselves.
  const bool ok =
      fd >= 0 &&
      // v6-only so that "::" and "0.0.0.0" can be listened on side by side.
      (!v6 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0) &&
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0 &&
      (!wildcard || setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                               v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, &on, sizeof on) == 0) &&
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kReceiveTimeout, sizeof kReceiveTimeout) == 0 &&
      ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0;
  if (!ok) {
    ec = boost::system::error_code(errno, boost::system::system_category());
    return UdpSocket(-1);
  }
  return socket;
}

std::uint16_t boundPort(const UdpSocket& socket, boost::system::error_code& ec) {
  sockaddr_storage local{};
  socklen_t size = sizeof local;
  if (getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&local), &size) != 0) {
    ec = boost::system::error_code(errno, boost::system::system_category());
    return 0;
  }
  return local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(local).sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port);
}

void setReplySource(const msghdr& query, msghdr& reply, ControlBuffer& control) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&query); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&query), c)) {
    const bool v4 = c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO;
    const bool v6 = c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO;
    if (!v4 && !v6) continue;
    const std::size_t size = v4 ? sizeof(in_pktinfo) : sizeof(in6_pktinfo);
    reply.msg_control = control.bytes;
    reply.msg_controllen = CMSG_SPACE(size);
    cmsghdr* o = CMSG_FIRSTHDR(&reply);
    o->cmsg_level = c->cmsg_level;
    o->cmsg_type = c->cmsg_type;
    o->cmsg_len = CMSG_LEN(size);
    if (v4) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      info.ipi_spec_dst = info.ipi_addr;  // the source to use: where the query went
      info.ipi_ifindex = 0;
      std::memcpy(CMSG_DATA(o), &info, sizeof info);
    } else {
      std::memcpy(CMSG_DATA(o), CMSG_DATA(c), size);
    }
    return;
  }
}

}  // namespace horizon::net
