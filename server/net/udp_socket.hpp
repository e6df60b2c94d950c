// Private to the network module: UDP sockets opened with plain syscalls, and the control
// messages that make a reply leave from the address its query was sent to.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace horizon::net {

/// An owned UDP socket descriptor. Plain syscalls rather than an Asio socket: Asio would register
/// it with the io_context's epoll set, whose thread would then wake for every datagram.
class UdpSocket {
 public:
  /// Takes ownership of `fd` (negative: no socket).
  explicit UdpSocket(int fd) : fd_(fd) {}
  UdpSocket(UdpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();
  /// The descriptor, negative when there is none.
  int fd() const { return fd_; }

 private:
  int fd_;
};

/// Opens a blocking UDP socket bound to `endpoint` with SO_REUSEPORT (one per worker), v6-only
/// for IPv6, and packet info on `wildcard` addresses (0.0.0.0, [::]). On failure the socket's
/// fd() is negative and `ec` says why.
UdpSocket openUdpSocket(const boost::asio::ip::udp::endpoint& endpoint, bool wildcard,
                        boost::system::error_code& ec);

/// The port `socket` is bound to; 0 and `ec` set on failure.
std::uint16_t boundPort(const UdpSocket& socket, boost::system::error_code& ec);

/// Room for either an IPv4 or an IPv6 packet-info control message.
inline constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));

/// A control-message buffer aligned as the kernel wants it.
struct alignas(cmsghdr) ControlBuffer {
  unsigned char bytes[kControlSize];
};

/// On a socket bound to 0.0.0.0 or [::], makes `reply` leave from the address that `query` was
/// sent to, not whatever the routing table prefers, or the client's connected socket would
/// discard the answer. `control` must outlive the send.
void setReplySource(const msghdr& query, msghdr& reply, ControlBuffer& control);

}  // namespace horizon::net
