// How many file descriptors horizond may use, and how they are
// shared out, so that no kind of client can take the descriptors another part needs (the control
// socket, reloads, metrics, logs, dnstap).
#pragma once

#include <cstddef>
#include <cstdint>

namespace horizon::net {

/// The soft RLIMIT_NOFILE before and after raiseDescriptorLimit(), and the hard limit.
struct DescriptorLimit {
  std::uint64_t soft_before = 0;
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
  int error = 0;  // errno of a failed getrlimit/setrlimit; the limits then are what was read
};

/// Raises the soft RLIMIT_NOFILE to the hard limit (capped at what the kernel's nr_open allows)
/// and says what it is now. Never throws.
DescriptorLimit raiseDescriptorLimit();

/// The soft RLIMIT_NOFILE in force now.
std::uint64_t currentDescriptorLimit();

/// How the descriptors under `limit` are shared out over all workers.
struct DescriptorBudget {
  std::uint64_t limit = 0;               // the soft RLIMIT_NOFILE planned for
  std::size_t reserve = 0;               // kept for everything but client TCP and resolutions
  std::size_t tcp_connections = 0;       // client TCP connections, over all workers
  std::size_t in_flight = 0;             // client questions waiting for recursion, all workers
  std::size_t in_flight_per_client = 0;  // of one worker's share, for one client address
  bool tcp_clamped = false;              // the configured TCP cap was more than the budget allows
  bool starved = false;  // the limit is below what even one connection per worker needs
};

/// Client questions waiting for recursion on one worker at most, however large the limit
/// (Unbound's num-queries-per-thread is of the same order).
inline constexpr std::size_t kMaxInFlightPerWorker = 2048;

/// Shares `limit` out for `workers` workers listening on `listen_addresses` addresses, with at
/// most `configured_tcp` TCP connections: a reserve first, then half of the rest for client TCP
/// connections (the configured cap when lower) and the rest for resolutions in flight, each of
/// which may hold one upstream TCP connection.
DescriptorBudget planDescriptors(std::uint64_t limit, unsigned workers,
                                 std::size_t listen_addresses, std::size_t configured_tcp);

}  // namespace horizon::net
