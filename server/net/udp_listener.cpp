// The UDP receive loop: wait for a batch, answer it, send the answers in one call.
#include "udp_listener.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "cpu_steering.hpp"
#include "horizon/ip/address.hpp"
#include "worker.hpp"

namespace horizon::net {
namespace {

constexpr std::size_t kBufferSize = query::kMaxResponseSize;  // the largest UDP payload: 65535
// After an unexpected receive error, pause so a persistent one cannot spin a core.
constexpr auto kErrorPause = std::chrono::milliseconds(10);

// The rate limiter's clock: milliseconds, wrapping. The coarse clock is read without a system
// call and its few milliseconds of resolution are plenty for rates per second.
std::uint32_t monotonicMs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.tv_sec) * 1000 +
                                    static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000);
}

}  // namespace

UdpListener::UdpListener(Worker& worker, UdpSocket socket, bool wildcard)
    : worker_(worker),
      socket_(std::move(socket)),
      wildcard_(wildcard),
      reader_(worker.snapshots.addReader()),
      front_(worker.recursion->cache()),
      // This listener is the worker's next: it takes the dnstap queue after its predecessors'.
      observer_(worker.config, worker.dnstap,
                worker.dnstap_queue + 1 + static_cast<unsigned>(worker.udp.size())),
      limiter_(worker.config.rate_limit ? std::make_unique<ResponseLimiter>(std::random_device{}())
                                        : nullptr),
      requests_(new std::uint8_t[kBatch * kBufferSize]),
      responses_(new std::uint8_t[kBatch * kBufferSize]) {
  socklen_t local_len = sizeof local_;
  if (!wildcard_ &&
      ::getsockname(socket_.fd(), reinterpret_cast<sockaddr*>(&local_), &local_len) == 0)
    local_address_ = reinterpret_cast<const sockaddr*>(&local_);
  // The receive descriptors never change between batches; only the lengths are reset.
  for (std::size_t i = 0; i < kBatch; ++i) {
    in_iov_[i] = {requests_.get() + i * kBufferSize, kBufferSize};
    msghdr& h = in_msgs_[i].msg_hdr;
    h.msg_name = &peers_[i];
    h.msg_iov = &in_iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = wildcard_ ? in_control_[i].bytes : nullptr;
  }
}

UdpListener::~UdpListener() {
  requestStop();
  join();
}

void UdpListener::start() {
  thread_ = std::thread([this] {
    char name[16];  // the kernel's limit; shows in top and perf
    std::snprintf(name, sizeof name, "horizon-udp%u", worker_.index);
    pthread_setname_np(pthread_self(), name);
    if (worker_.cpu >= 0 && !pinThreadToCpu(worker_.cpu))
      errors_.warn("worker {}: cannot pin the UDP thread to CPU {}", worker_.index, worker_.cpu);
    run();
  });
}

void UdpListener::requestStop() {
  if (stopping_.exchange(true)) return;
  // Wakes a recvmmsg blocked on this socket: on Linux it then returns 0. On an unconnected UDP
  // socket shutdown() reports ENOTCONN but still marks the socket and wakes its waiters.
  ::shutdown(socket_.fd(), SHUT_RD);
}

void UdpListener::join() {
  if (thread_.joinable()) thread_.join();
}

void UdpListener::run() {
  while (!stopping_.load(std::memory_order_acquire)) {
    try {
      receiveAndAnswer();
    } catch (const std::exception& e) {
      errors_.warn("worker {}: UDP batch failed: {}", worker_.index, e.what());
    } catch (...) {
      errors_.warn("worker {}: UDP batch failed with a non-standard exception", worker_.index);
    }
  }
}

// A miss is answered later by the io thread, with sendmsg on this socket: the reply keeps the
// client's address and, on a wildcard socket, the address the query was sent to.
std::size_t UdpListener::answerRecursive(const query::RecursionRequest& request,
                                         std::span<std::uint8_t> out, const msghdr& in,
                                         const query::AnswerSummary& summary,
                                         SteadyClock::time_point started, stats::Source& source) {
  const auto client = ip::ClientAddress::fromSockaddr(static_cast<const sockaddr*>(in.msg_name));
  return worker_.recursion->answer(
      front_, request, client, out,
      [&] {
        auto source = std::make_shared<ControlBuffer>();
        msghdr probe{};
        if (wildcard_) setReplySource(in, probe, *source);
        return [fd = socket_.fd(), peer = *static_cast<const sockaddr_storage*>(in.msg_name),
                peer_len = in.msg_namelen, source, control_len = probe.msg_controllen,
                summary = query::AnswerSummary(summary), started, local = local_address_,
                &w = worker_](std::span<const std::uint8_t> bytes, stats::Source from,
                              const wire::ParsedQuery& query) mutable {
          iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
          msghdr h{};
          h.msg_name = const_cast<sockaddr_storage*>(&peer);
          h.msg_namelen = peer_len;
          h.msg_iov = &iov;
          h.msg_iovlen = 1;
          h.msg_control = control_len ? source->bytes : nullptr;
          h.msg_controllen = control_len;
          if (::sendmsg(fd, &h, MSG_DONTWAIT) < 0)
            w.errors.warn("worker {}: send after resolution: {}", w.index, std::strerror(errno));
          summary.source = from;
          // `local` points into the listener, which outlives the io thread like the socket `fd`.
          w.observer.answered(reinterpret_cast<const sockaddr*>(&peer), stats::Transport::kUdp, {},
                              &query, bytes, summary, started, local);
        };
      },
      source);
}

bool UdpListener::withinRate(const query::Snapshot& snapshot, const ip::ClientAddress& client,
                             const query::AnswerSummary& summary, std::uint8_t* response,
                             std::size_t& size, std::uint32_t now_ms) {
  const query::CompiledView* view =
      summary.answering_view ? summary.answering_view : snapshot.anyViewOf(client);
  if (view == nullptr || !view->rate_limit.enabled) return true;
  // A valid server cookie proves the client's address (RFC 7873 5.2.5), as TCP does: its answers
  // cannot be reflected at a victim, so they are not limited.
  if (summary.cookie_valid) return true;
  switch (limiter_->decide(client, view->rate_limit, view->rate_limit_scope,
                           std::span<const std::uint8_t>(response, size), now_ms)) {
    case LimitAction::kSend:
      return true;
    case LimitAction::kSlip:
      size = ResponseLimiter::truncate(std::span(response, size));
      observer_.rateLimited(view->label, stats::LimitedAction::kSlipped);
      return true;
    case LimitAction::kDrop:
      observer_.rateLimited(view->label, stats::LimitedAction::kDropped);
      return false;
  }
  return true;
}

// Waits for at least one datagram, receives up to one batch, answers it and sends the answers.
// Returns the number received.
int UdpListener::receiveAndAnswer() {
  const int fd = socket_.fd();
  for (std::size_t i = 0; i < kBatch; ++i) {
    msghdr& h = in_msgs_[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_controllen = wildcard_ ? kControlSize : 0;
    h.msg_flags = 0;
  }
  // Blocks until the first datagram, then takes what else is queued without waiting.
  const int received = recvmmsg(fd, in_msgs_.data(), kBatch, MSG_WAITFORONE, nullptr);
  if (received <= 0) {
    // 0: stop() shut the socket down. EAGAIN: the receive timeout, so the caller checks the stop
    // flag. EINTR: a signal. Anything else is unexpected.
    if (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      errors_.warn("worker {}: recvmmsg: {}", worker_.index, std::strerror(errno));
      std::this_thread::sleep_for(kErrorPause);
    }
    return 0;
  }

  // The snapshot is held for this batch only: the guard ends the read section before the
  // thread blocks again, so a thread waiting for datagrams never holds one.
  const query::SnapshotHolder::ReadGuard guard(worker_.snapshots, reader_);
  const query::Snapshot& snapshot = guard.snapshot();
  // One clock reading per batch: a query's time includes its wait behind the ones before it.
  const SteadyClock::time_point arrived =
      observer_.timed() ? SteadyClock::now() : SteadyClock::time_point{};
  const std::uint32_t now_ms = limiter_ ? monotonicMs() : 0;
  std::size_t out = 0;
  for (int i = 0; i < received; ++i) {
    // An empty datagram is no query (and a socket being shut down may report one): not even
    // worth a drop count or a dnstap message.
    if (in_msgs_[i].msg_len == 0) continue;
    const msghdr& in = in_msgs_[i].msg_hdr;
    const auto* peer = reinterpret_cast<const sockaddr*>(&peers_[i]);
    std::uint8_t* response = responses_.get() + out * kBufferSize;
    const auto request =
        std::span<const std::uint8_t>(requests_.get() + i * kBufferSize, in_msgs_[i].msg_len);
    observer_.arrived(peer, local_address_, stats::Transport::kUdp, request);
    query::RecursionRequest recursion;
    query::AnswerSummary summary;
    const ip::ClientAddress client = ip::ClientAddress::fromSockaddr(peer);
    std::size_t size =
        query::answerQuery(snapshot, client, request, std::span(response, kBufferSize),
                           query::Transport::kUdp, &recursion, &summary, &worker_.protocol);
    if (summary.answered)
      observer_.request(summary, stats::Transport::kUdp, peer->sa_family == AF_INET6);
    const wire::ParsedQuery* parsed = nullptr;
    if (recursion.needed) {
      size = answerRecursive(recursion, std::span(response, kBufferSize), in, summary, arrived,
                             summary.source);
      if (size == 0) continue;  // the io thread answers, and observes, when it is resolved
      parsed = &recursion.query;
    }
    if (size == 0) {
      observer_.dropped();
      continue;
    }
    if (limiter_ && !withinRate(snapshot, client, summary, response, size, now_ms)) continue;
    observer_.answered(peer, stats::Transport::kUdp, request, parsed,
                       std::span<const std::uint8_t>(response, size), summary, arrived,
                       local_address_);
    out_iov_[out] = {response, size};
    msghdr& h = out_msgs_[out].msg_hdr;
    h.msg_name = &peers_[i];
    h.msg_namelen = in.msg_namelen;
    h.msg_iov = &out_iov_[out];
    h.msg_iovlen = 1;
    h.msg_control = nullptr;
    h.msg_controllen = 0;
    h.msg_flags = 0;
    if (wildcard_) setReplySource(in, h, out_control_[out]);
    ++out;
  }

  std::size_t sent = 0;
  while (sent < out) {
    const int n =
        sendmmsg(fd, out_msgs_.data() + sent, static_cast<unsigned>(out - sent), MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The send buffer is full. UDP answers are best effort; clients retry.
      errors_.warn("worker {}: UDP send buffer full, dropped {} answers", worker_.index,
                   out - sent);
      break;
    } else {
      // This datagram cannot be sent (e.g. an unroutable source); skip it, send the rest.
      errors_.warn("worker {}: sendmmsg: {}", worker_.index, std::strerror(errno));
      ++sent;
    }
  }
  return received;
}

}  // namespace horizon::net
