// The descriptor budget: what is reserved, and how the rest is split between client TCP
// connections and resolutions in flight.
#include "horizon/net/descriptor_budget.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "horizon/resolver/upstream.hpp"

namespace horizon::net {
namespace {

// The process itself: stdio, the log, the control socket and a few of its sessions, the zone
// files a reload opens, inotify, the metrics listener and its connections (32 at most), the
// dnstap socket, the main and metrics event loops, and spare descriptors of the accept loops.
constexpr std::size_t kProcessReserve = 96;
// One worker: its event loop (epoll, eventfd, timerfd), its upstream UDP socket pool and its
// connections to TLS upstreams.
constexpr std::size_t kPerWorkerReserve =
    4 + resolver::UpstreamClient::kMaxUdpSockets + resolver::UpstreamClient::kMaxTlsConnections;
// One listen address in one worker: its UDP socket, its TCP acceptor and that one's spare.
constexpr std::size_t kPerListenReserve = 3;

// The kernel refuses a limit above fs.nr_open even to root; RLIM_INFINITY as the hard limit
// would otherwise make setrlimit fail.
std::uint64_t kernelMaximum() {
  std::ifstream in("/proc/sys/fs/nr_open");
  std::uint64_t n = 0;
  if (in >> n && n > 0) return n;
  return 1u << 20;  // the kernel's default nr_open
}

}  // namespace

std::uint64_t currentDescriptorLimit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 1024;
  return r.rlim_cur;
}

DescriptorLimit raiseDescriptorLimit() {
  DescriptorLimit out;
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) {
    out.error = errno;
    return out;
  }
  out.soft_before = out.soft = r.rlim_cur;
  out.hard = r.rlim_max;
  std::uint64_t target = r.rlim_max;
  if (r.rlim_max == RLIM_INFINITY) target = kernelMaximum();
  if (target <= r.rlim_cur) return out;
  rlimit raised = r;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    out.error = errno;
    return out;
  }
  out.soft = target;
  return out;
}

DescriptorBudget planDescriptors(std::uint64_t limit, unsigned workers,
                                 std::size_t listen_addresses, std::size_t configured_tcp) {
  DescriptorBudget b;
  b.limit = limit;
  const std::size_t w = std::max(1u, workers);
  b.reserve = kProcessReserve + w * (kPerWorkerReserve + listen_addresses * kPerListenReserve);
  // Whatever the limit, each worker keeps one TCP connection and one resolution.
  const std::size_t minimum = 2 * w;
  std::size_t available = 0;
  if (limit > b.reserve + minimum) {
    available = static_cast<std::size_t>(std::min<std::uint64_t>(limit - b.reserve, SIZE_MAX));
  } else {
    b.starved = true;
    available = minimum;
  }
  const std::size_t tcp_share = std::max(w, available / 2);
  b.tcp_connections = std::max(w, std::min(configured_tcp, tcp_share));
  b.tcp_clamped = configured_tcp > tcp_share;
  const std::size_t rest = available > b.tcp_connections ? available - b.tcp_connections : w;
  b.in_flight = std::clamp(rest, w, kMaxInFlightPerWorker * w);
  // One client address may take a quarter of its worker's share, so a single device (or one
  // spoofed address) cannot keep everyone else's questions out.
  b.in_flight_per_client = std::max<std::size_t>(1, b.in_flight / w / 4);
  return b;
}

}  // namespace horizon::net
