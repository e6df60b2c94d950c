// Private to the network module: whether another process already serves an address and port.
// horizond's own sockets share each listen address with SO_REUSEPORT (one per worker), and the
// kernel would let a second horizond (or any program of the same user) join that group silently
// and take a share of the queries; a bind without SO_REUSEPORT, made first, tells.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

namespace horizon::net {

/// Binds a UDP and a TCP socket to address:port without SO_REUSEPORT and closes them again.
/// Returns an empty string when both binds succeed, else why not ("Address already in use")
/// with `*protocol` set to the one that failed ("UDP" or "TCP"). A port of 0 is always free.
std::string probeListenAddress(const boost::asio::ip::address& address, std::uint16_t port,
                               std::string* protocol);

}  // namespace horizon::net
