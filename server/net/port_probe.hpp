// Private to the network module: whether another process already serves an address and port.
// horizond's own sockets share each listen address with SO_REUSEPORT (one per worker), and the
// kernel would let a second horizond (or any program of the same user) join that group silently
// and take a share of the queries; a bind without SO_REUSEPORT, made first, tells, and a claim
// held for the process's life closes the window between two probes made at the same moment.
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

/// Claims address:port for this process within its network namespace: binds an abstract Unix
/// socket named after the address and port, which the kernel gives to one socket only, so two
/// horizonds started at the same moment (both probes pass) cannot both go on. Returns the
/// claim's descriptor, to keep open while the address is served; -1 with `*why` set when
/// another process holds the claim or it could not be made. Port 0 needs no claim (returns -2).
int claimListenAddress(const boost::asio::ip::address& address, std::uint16_t port,
                       std::string* why);

}  // namespace horizon::net
