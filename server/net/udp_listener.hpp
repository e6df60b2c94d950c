// Private to the network module: DNS over UDP. One listener per listen address and worker, each
// with a thread of its own that blocks in recvmmsg and answers in sendmmsg batches. No epoll: at
// moderate rates a wake-up carries one or two datagrams, and a reactor's epoll_wait and re-arm
// were half of the system calls per wake-up. Nothing on this path locks, throws or allocates
// after warm-up: recursive answers come from the thread's own CacheFront on a hit, and a miss is
// handed to the worker's io thread, which sends the answer itself with sendmsg on the same socket
// (the kernel serialises sends on a socket).
#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "horizon/query/answer_engine.hpp"
#include "horizon/query/snapshot_holder.hpp"
#include "horizon/resolver/cache.hpp"
#include "log_limiter.hpp"
#include "query_observer.hpp"
#include "response_limiter.hpp"
#include "udp_socket.hpp"

namespace horizon::net {

struct Worker;

/// One UDP socket of one worker and the thread that serves it. The thread owns the batch
/// buffers, its snapshot reader slot, its cache front and its log limiter; it shares nothing
/// with the worker's io thread but the socket and the misses it posts there.
class UdpListener {
 public:
  /// Datagrams per recvmmsg.
  static constexpr std::size_t kBatch = 32;

  /// A listener on `socket`; `wildcard` when it is bound to 0.0.0.0 or [::], so each reply must
  /// name its source address.
  UdpListener(Worker& worker, UdpSocket socket, bool wildcard);
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  /// The socket's descriptor (for socket options on its SO_REUSEPORT group).
  int fd() const { return socket_.fd(); }
  /// This thread's counters (nullptr when the metrics are off).
  const stats::QueryCounters* counters() const { return observer_.counters(); }
  /// Starts the thread (pinned to the worker's CPU when it has one).
  void start();
  /// From any thread: wakes the thread and makes it end soon after.
  void requestStop();
  /// Waits for the thread to end.
  void join();

 private:
  void run();
  int receiveAndAnswer();
  // False when rate limiting drops the answer in `response` (`size` bytes) to `client`; may
  // shorten it to its truncated form.
  bool withinRate(const query::Snapshot& snapshot, const ip::ClientAddress& client,
                  const query::AnswerSummary& summary, std::uint8_t* response, std::size_t& size,
                  std::uint32_t now_ms);
  std::size_t answerRecursive(const query::RecursionRequest& request, std::span<std::uint8_t> out,
                              const msghdr& in, const query::AnswerSummary& summary,
                              SteadyClock::time_point started, stats::Source& source);

  Worker& worker_;
  UdpSocket socket_;
  bool wildcard_;
  query::SnapshotHolder::Reader& reader_;
  resolver::CacheFront front_;
  LogLimiter errors_;
  QueryObserver observer_;
  std::unique_ptr<ResponseLimiter> limiter_;  // nullptr: rate limiting is off
  sockaddr_storage local_{};                  // the bound address, for dnstap
  const sockaddr* local_address_ = nullptr;   // &local_, or nullptr on a wildcard socket
  std::atomic<bool> stopping_{false};

  // Batch state, allocated once. Buffers are not zero-filled: every byte read was written.
  std::unique_ptr<std::uint8_t[]> requests_;
  std::unique_ptr<std::uint8_t[]> responses_;
  std::array<mmsghdr, kBatch> in_msgs_{};
  std::array<mmsghdr, kBatch> out_msgs_{};
  std::array<iovec, kBatch> in_iov_{};
  std::array<iovec, kBatch> out_iov_{};
  std::array<sockaddr_storage, kBatch> peers_{};
  std::array<ControlBuffer, kBatch> in_control_{};
  std::array<ControlBuffer, kBatch> out_control_{};
  std::thread thread_;
};

}  // namespace horizon::net
