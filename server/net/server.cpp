// The network front end. Design (see design.md, "Architecture"):
// - One worker thread per core, each with its own io_context and, per listen address, its own
//   SO_REUSEPORT UDP socket and TCP acceptor, so the kernel spreads load across workers and no
//   state is shared between them.
// - UDP: each of a worker's UDP sockets has a thread of its own that blocks in recvmmsg
//   (MSG_WAITFORONE) and answers with sendmmsg, in batches over buffers that thread owns. No
//   epoll: at moderate rates a wake-up carries one or two datagrams, and a reactor's epoll_wait
//   and per-wake re-arm (epoll_ctl) were half of the syscalls per wake-up. Nothing on this path
//   locks, throws or allocates after warm-up (tests/system/allocation_test.cpp checks); recursive
//   answers come from a per-thread CacheFront, lock-free on a hit. A cache miss is handed to the
//   worker's io_context thread, which owns the Resolver and sends the answer itself with sendmsg
//   on the same socket (the kernel serialises sends on a socket). stop() wakes the thread with
//   shutdown(SHUT_RD); a receive timeout is the fallback.
// - The worker's io_context thread runs TCP and the resolver's upstream I/O.
// - TCP (RFC 7766): pipelined queries per connection answered in order, an idle timeout, and a
//   connection cap per worker where a new connection evicts the longest-idle one. TCP may
//   allocate; it carries little traffic for an authoritative server.
#include "horizon/net/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <list>
#include <stdexcept>
#include <thread>
#include <utility>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>

#include "horizon/query/answer_engine.hpp"
#include "horizon/resolver/cache.hpp"
#include "horizon/resolver/resolver.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::net {

using query::SnapshotHolder;
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Udp = asio::ip::udp;
using Tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::size_t kUdpBatch = 32;                            // datagrams per recvmmsg
constexpr std::size_t kUdpBufferSize = query::kMaxResponseSize;  // largest UDP payload: 65535
// A UDP thread blocked in recvmmsg is woken by stop() through shutdown(SHUT_RD); this receive
// timeout only bounds how long a missed wake-up could delay the stop (an idle thread wakes this
// often, which costs nothing measurable).
constexpr timeval kUdpReceiveTimeout{1, 0};
// After an unexpected receive error, pause so a persistent one cannot spin a core.
constexpr auto kUdpErrorPause = std::chrono::milliseconds(10);
constexpr int kPortAttempts = 16;  // port 0: tries to find a port free for UDP and TCP
constexpr int kListenBacklog = 1024;
constexpr std::size_t kTcpReadChunk = 4096;
constexpr std::size_t kTcpMaxMessage = 2 + 65535;  // length prefix plus the largest message
// A client that pipelines queries but never reads could make us buffer without bound; past this
// much unsent output we stop reading from it until the socket drains.
constexpr std::size_t kTcpMaxPendingOutput = 256 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr unsigned kErrorLogsPerSecond = 10;

// Room for either an IPv4 or an IPv6 packet-info control message.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(in6_pktinfo));
struct alignas(cmsghdr) ControlBuffer {
  unsigned char bytes[kControlSize];
};

// On a socket bound to 0.0.0.0 or [::], makes `reply` leave from the address that `query` was
// sent to, not whatever the routing table prefers, or the client's connected socket would
// discard the answer. `control` must outlive the send.
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

std::string endpointText(const asio::ip::address& address, std::uint16_t port) {
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

// Lets through a few error messages per second per worker and counts the rest, so a flood of
// bad packets cannot turn into a flood of log lines.
class RateLimiter {
 public:
  bool allow() {
    const auto now = Clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
      if (suppressed_ > 0) spdlog::warn("{} similar errors suppressed", suppressed_);
      window_start_ = now;
      in_window_ = 0;
      suppressed_ = 0;
    }
    if (in_window_ < kErrorLogsPerSecond) {
      ++in_window_;
      return true;
    }
    ++suppressed_;
    return false;
  }

 private:
  Clock::time_point window_start_{};
  unsigned in_window_ = 0;
  unsigned long suppressed_ = 0;
};

// One query-log line. Only called when query logging is on; it is off the allocation-free path.
void logQuery(const query::Snapshot& snapshot, const sockaddr* peer,
              std::span<const std::uint8_t> request, std::span<const std::uint8_t> response,
              const char* transport) {
  char client_text[INET6_ADDRSTRLEN] = "?";
  if (peer->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(peer)->sin_addr, client_text,
              sizeof client_text);
  } else if (peer->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr, client_text,
              sizeof client_text);
  }
  wire::ParsedQuery parsed;
  const auto status = wire::parseQuery(request, parsed);
  char qname[wire::kMaxNameTextSize] = "-";
  std::string qtype = "-";
  const char* view = "-";
  if (status == wire::ParseStatus::kOk && parsed.has_question) {
    wire::nameToText(parsed.qname, parsed.qname_len, qname, sizeof qname);
    qtype = wire::typeToName(parsed.qtype);
    if (const auto* zone = snapshot.findZone(parsed.qname_lower, parsed.qname_len)) {
      if (const auto* selected = zone->selectView(ip::ClientAddress::fromSockaddr(peer))) {
        view = selected->name.c_str();
      }
    }
  }
  std::string rcode = "-";
  if (response.size() >= wire::kHeaderSize) {
    unsigned code = response[3] & 0x0f;
    // The upper rcode bits live in the OPT record; the engine uses them only for BADVERS.
    if (code == 0 && status == wire::ParseStatus::kOk && parsed.has_edns &&
        parsed.edns_version > 0) {
      code = wire::rcode::BADVERS;
    }
    rcode = wire::rcodeToName(static_cast<std::uint16_t>(code));
  } else {
    rcode = "DROPPED";
  }
  spdlog::info("query {} client={} qname={} qtype={} rcode={} view={}", transport, client_text,
               qname, qtype, rcode, view);
}

struct Worker;

// A UDP socket descriptor, opened with plain syscalls rather than as an Asio socket: Asio would
// register it with the io_context's epoll set, whose thread would then wake for every datagram.
class UdpSocket {
 public:
  explicit UdpSocket(int fd) : fd_(fd) {}
  UdpSocket(UdpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UdpSocket& operator=(UdpSocket&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// One UDP socket of one worker and the thread that serves it. The thread owns the batch buffers,
// its snapshot reader slot, its cache front and its error rate limiter; it shares nothing with
// the worker's io_context thread except the socket (sends from both are safe) and the posts it
// makes to that io_context for cache misses.
class UdpListener {
 public:
  UdpListener(Worker& worker, UdpSocket socket, bool wildcard);
  ~UdpListener();
  void start();
  void requestStop();  // any thread; the thread ends soon after
  void join();

 private:
  void run();
  int receiveAndAnswer();
  std::size_t answerRecursive(const query::RecursionRequest& request, std::span<std::uint8_t> out,
                              const msghdr& in);
  template <typename... Args>
  void logError(spdlog::format_string_t<Args...> format, Args&&... args) {
    if (errors_.allow()) spdlog::warn(format, std::forward<Args>(args)...);
  }

  Worker& worker_;
  UdpSocket socket_;
  bool wildcard_;  // bound to 0.0.0.0 or [::], so each reply must name its source address
  SnapshotHolder::Reader& reader_;
  resolver::CacheFront front_;
  RateLimiter errors_;
  std::atomic<bool> stopping_{false};

  // Batch state, allocated once. Buffers are not zero-filled: every byte read was written.
  std::unique_ptr<std::uint8_t[]> requests_;
  std::unique_ptr<std::uint8_t[]> responses_;
  std::array<mmsghdr, kUdpBatch> in_msgs_{};
  std::array<mmsghdr, kUdpBatch> out_msgs_{};
  std::array<iovec, kUdpBatch> in_iov_{};
  std::array<iovec, kUdpBatch> out_iov_{};
  std::array<sockaddr_storage, kUdpBatch> peers_{};
  std::array<ControlBuffer, kUdpBatch> in_control_{};
  std::array<ControlBuffer, kUdpBatch> out_control_{};
  std::thread thread_;
};

class TcpConnection;

// Accepts TCP connections for one listen address of one worker.
class TcpListener {
 public:
  TcpListener(Worker& worker, Tcp::acceptor acceptor)
      : worker_(worker), acceptor_(std::move(acceptor)), retry_timer_(acceptor_.get_executor()) {}
  void start() { accept(); }

 private:
  void accept();
  void onAccept(const error_code& ec, Tcp::socket socket);

  Worker& worker_;
  Tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
};

// Everything one worker thread owns. Only that thread touches it once started.
struct Worker {
  Worker(unsigned index_in, const ServerConfig& config_in, SnapshotHolder& snapshots_in,
         std::size_t max_connections_in)
      : index(index_in),
        config(config_in),
        snapshots(snapshots_in),
        reader(snapshots_in.addReader()),
        max_connections(max_connections_in),
        tcp_response(new std::uint8_t[query::kMaxResponseSize]),
        resolved_response(new std::uint8_t[query::kMaxResponseSize]) {}
  ~Worker();

  // Answers a question outside our zones, on this worker's io_context thread (TCP): at once
  // from a fresh cache entry (returns the size), else starts a resolution and hands its answer
  // to the callable that `make_deliver` returns (returns 0). make_deliver runs only on a miss.
  template <typename MakeDeliver>
  std::size_t answerRecursive(const query::RecursionRequest& request, std::span<std::uint8_t> out,
                              MakeDeliver&& make_deliver) {
    const auto now = resolver::Clock::now();
    const std::string_view qname(reinterpret_cast<const char*>(request.query.qname_lower),
                                 request.query.qname_len);
    const auto hit = cache->lookup(request.policy, qname, request.query.qtype, now, false);
    if (hit.state == resolver::CacheLookup::State::kFresh) {
      if (hit.prefetch) resolver->refresh(request.policy, std::string(qname), request.query.qtype);
      return resolver::renderFromCache(*hit.entry, request.query, elapsedSeconds(*hit.entry, now),
                                       false, 0, out, request.limit);
    }
    startResolution(request, make_deliver());
    return 0;
  }

  // Resolves `request` and hands the rendered answer to `deliver`. On the io_context thread
  // only: the Resolver and resolved_response belong to it.
  template <typename Deliver>
  void startResolution(const query::RecursionRequest& request, Deliver deliver) {
    const std::string qname(reinterpret_cast<const char*>(request.query.qname_lower),
                            request.query.qname_len);
    auto query = std::make_shared<wire::ParsedQuery>(request.query);
    resolver->resolve(request.policy, qname, request.query.qtype,
                      [this, query, limit = request.limit, deliver = std::move(deliver)](
                          std::shared_ptr<const resolver::CacheEntry> entry, bool stale) {
                        const std::size_t size = resolver::renderFromCache(
                            *entry, *query,
                            stale ? 0 : elapsedSeconds(*entry, resolver::Clock::now()), stale,
                            cache->limits().stale_answer_ttl,
                            std::span(resolved_response.get(), query::kMaxResponseSize), limit);
                        if (size > 0)
                          deliver(std::span<const std::uint8_t>(resolved_response.get(), size));
                      });
  }

  static std::uint32_t elapsedSeconds(const resolver::CacheEntry& entry,
                                      resolver::Clock::time_point now) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - entry.stored).count();
    return age > 0 ? static_cast<std::uint32_t>(age) : 0;
  }

  void run();
  template <typename... Args>
  void logError(spdlog::format_string_t<Args...> format, Args&&... args) {
    if (errors.allow()) spdlog::warn(format, std::forward<Args>(args)...);
  }

  // The io_context goes first so it is destroyed last, after the sockets that use it. Reactor
  // I/O locking is off: each Asio socket is only ever used from this worker's io thread (see
  // start()). The scheduler still locks, so the UDP threads may post to it.
  asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  // The UDP threads post cache misses here at any time; run() must not return for lack of work.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  unsigned index;
  const ServerConfig& config;
  SnapshotHolder& snapshots;
  SnapshotHolder::Reader& reader;  // the io thread's quiescent-state slot; see SnapshotHolder
  std::size_t max_connections;

  std::unique_ptr<std::uint8_t[]> tcp_response;
  std::unique_ptr<std::uint8_t[]> resolved_response;  // answers delivered after a resolution

  // Recursion: the cache is shared by all workers; the resolver runs on this worker's io thread.
  std::shared_ptr<resolver::ResolverCache> cache;
  std::unique_ptr<resolver::Resolver> resolver;

  std::vector<std::unique_ptr<UdpListener>> udp;
  std::vector<std::unique_ptr<TcpListener>> tcp;
  // Open connections, least recently active first: the front is the one to evict.
  std::list<std::shared_ptr<TcpConnection>> connections;
  RateLimiter errors;  // the io thread's; each UDP thread has its own
  std::thread thread;
};

// One TCP client connection (RFC 7766): length-prefixed queries, pipelined, answered in order.
class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(Worker& worker, Tcp::socket socket)
      : worker_(worker), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start(std::list<std::shared_ptr<TcpConnection>>::iterator position) {
    position_ = position;
    error_code ec;
    const auto peer = socket_.remote_endpoint(ec);
    if (ec) {
      close();
      return;
    }
    std::memcpy(&peer_, peer.data(), peer.size());
    client_ = ip::ClientAddress::fromSockaddr(peer.data());
    socket_.set_option(Tcp::no_delay(true), ec);  // answers are small; do not wait to coalesce
    in_.resize(kTcpReadChunk);
    deadline_ = Clock::now() + idleTimeout();
    armTimer();
    readMore();
  }

  // Closes at once, dropping unsent answers (eviction, idle timeout, errors, shutdown).
  void close() {
    if (closed_) return;
    closed_ = true;
    const auto self = shared_from_this();  // the list's reference may be the last one
    error_code ec;
    socket_.close(ec);
    timer_.cancel();
    worker_.connections.erase(position_);  // may drop the list's reference; handlers hold others
  }

 private:
  std::chrono::milliseconds idleTimeout() const {
    return std::chrono::milliseconds(worker_.config.tcp_idle_timeout_ms);
  }

  void armTimer() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->onTimer(ec); });
  }

  void onTimer(const error_code& ec) {
    if (closed_ || ec == asio::error::operation_aborted) return;
    // The deadline moves forward with every complete query instead of re-arming the timer each
    // time; when the timer fires early we simply wait for the remaining time.
    if (Clock::now() >= deadline_) {
      close();
    } else {
      armTimer();
    }
  }

  void readMore() {
    if (closed_ || closing_) return;
    if (pending_.size() > kTcpMaxPendingOutput) {
      reading_ = false;  // resumed by onWrite once the client has read some answers
      return;
    }
    if (in_len_ == in_.size()) in_.resize(std::min(in_.size() * 2, kTcpMaxMessage));
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(const error_code& ec, std::size_t n) {
    reading_ = false;
    if (closed_) return;
    if (ec) {
      // EOF is how clients normally finish; still deliver the answers already queued.
      if (ec == asio::error::eof) {
        closeAfterFlush();
      } else {
        if (ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
          worker_.logError("worker {}: TCP read: {}", worker_.index, ec.message());
        }
        close();
      }
      return;
    }
    in_len_ += n;
    try {
      processInput();
    } catch (const std::exception& e) {
      worker_.logError("worker {}: TCP query failed: {}", worker_.index, e.what());
      close();
      return;
    }
    startWrite();
    readMore();
  }

  void processInput() {
    // One read section per batch of input: the snapshot is not kept past this call (answers
    // resolved later come from the cache, which lives outside the snapshot).
    const SnapshotHolder::ReadGuard guard(worker_.snapshots, worker_.reader);
    std::size_t pos = 0;
    while (!closing_ && in_len_ - pos >= 2) {
      const std::size_t len = wire::readU16(in_.data() + pos);
      if (len < wire::kHeaderSize) {
        closeAfterFlush();  // no DNS message is this short; the stream cannot be trusted
        break;
      }
      if (in_len_ - pos - 2 < len) break;  // incomplete: wait for more bytes
      query::RecursionRequest recursion;
      std::size_t size =
          query::answerQuery(guard.snapshot(), client_, std::span(in_.data() + pos + 2, len),
                             std::span(worker_.tcp_response.get(), query::kMaxResponseSize),
                             query::Transport::kTcp, &recursion);
      if (recursion.needed) {
        size = worker_.answerRecursive(
            recursion, std::span(worker_.tcp_response.get(), query::kMaxResponseSize), [this] {
              ++outstanding_;
              return [self = shared_from_this()](std::span<const std::uint8_t> bytes) {
                --self->outstanding_;
                self->queueAnswer(bytes);  // RFC 7766 6.2.1.1: answers may leave out of order
              };
            });
        if (size == 0) {
          pos += 2 + len;
          touch();
          ++queries_;
          continue;
        }
      }
      if (worker_.config.query_log) {
        logQuery(guard.snapshot(), reinterpret_cast<const sockaddr*>(&peer_),
                 std::span(in_.data() + pos + 2, len), std::span(worker_.tcp_response.get(), size),
                 "tcp");
      }
      pos += 2 + len;
      if (size == 0) {
        closeAfterFlush();  // not a query we answer (e.g. QR=1): nothing sensible can follow
        break;
      }
      appendAnswer(std::span<const std::uint8_t>(worker_.tcp_response.get(), size));
      touch();
      ++queries_;
      const unsigned limit = worker_.config.max_tcp_queries_per_connection;
      if (limit != 0 && queries_ >= limit) {
        closeAfterFlush();
        break;
      }
    }
    if (pos > 0) {
      std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
      in_len_ -= pos;
    }
    // Make room for the whole next message at once when its length is known.
    if (in_len_ >= 2) {
      const std::size_t need = 2 + wire::readU16(in_.data());
      if (need > in_.size()) in_.resize(need);
    }
  }

  void appendAnswer(std::span<const std::uint8_t> bytes) {
    const std::uint8_t prefix[2] = {static_cast<std::uint8_t>(bytes.size() >> 8),
                                    static_cast<std::uint8_t>(bytes.size())};
    pending_.insert(pending_.end(), prefix, prefix + 2);
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }

  // An answer that arrives after its resolution: queue it and write, unless the client is gone.
  void queueAnswer(std::span<const std::uint8_t> bytes) {
    if (closed_) return;
    appendAnswer(bytes);
    startWrite();
    if (closing_) closeAfterFlush();
  }

  // A complete query counts as activity: push the idle deadline and move to the LRU tail.
  void touch() {
    deadline_ = Clock::now() + idleTimeout();
    worker_.connections.splice(worker_.connections.end(), worker_.connections, position_);
  }

  void startWrite() {
    if (closed_ || writing_ || pending_.empty()) return;
    writing_ = true;
    writing_buffer_.swap(pending_);
    pending_.clear();
    asio::async_write(
        socket_, asio::buffer(writing_buffer_),
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->onWrite(ec); });
  }

  void onWrite(const error_code& ec) {
    writing_ = false;
    writing_buffer_.clear();
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted && ec != asio::error::broken_pipe &&
          ec != asio::error::connection_reset) {
        worker_.logError("worker {}: TCP write: {}", worker_.index, ec.message());
      }
      close();
      return;
    }
    if (!pending_.empty()) {
      startWrite();
    } else if (closing_ && outstanding_ == 0) {
      finishClose();
      return;
    }
    if (!reading_) readMore();
  }

  // Stops reading; the connection closes once every queued answer is written.
  void closeAfterFlush() {
    closing_ = true;
    if (!writing_ && pending_.empty() && outstanding_ == 0) finishClose();
  }

  void finishClose() {
    error_code ec;
    socket_.shutdown(Tcp::socket::shutdown_send, ec);  // FIN after the last answer, not RST
    close();
  }

  Worker& worker_;
  Tcp::socket socket_;
  asio::steady_timer timer_;
  std::list<std::shared_ptr<TcpConnection>>::iterator position_;
  sockaddr_storage peer_{};
  ip::ClientAddress client_;
  Clock::time_point deadline_;
  std::vector<std::uint8_t> in_;
  std::size_t in_len_ = 0;
  std::vector<std::uint8_t> pending_;         // answers not yet handed to the socket
  std::vector<std::uint8_t> writing_buffer_;  // answers being written
  unsigned queries_ = 0;
  unsigned outstanding_ = 0;  // questions still being resolved
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

Worker::~Worker() {
  // Close connections while the io_context is alive; their pending handlers die with it.
  while (!connections.empty()) connections.front()->close();
  tcp.clear();
  udp.clear();  // joins the UDP threads if stop() did not
}

void Worker::run() {
  // Handlers catch their own exceptions; this loop is the last line of defence so that one
  // unexpected throw cannot end the worker, let alone the process.
  for (;;) {
    try {
      io.run();
      return;  // run() returns only after stop()
    } catch (const std::exception& e) {
      spdlog::error("worker {}: unexpected exception: {}; continuing", index, e.what());
    } catch (...) {
      spdlog::error("worker {}: unexpected non-standard exception; continuing", index);
    }
  }
}

UdpListener::UdpListener(Worker& worker, UdpSocket socket, bool wildcard)
    : worker_(worker),
      socket_(std::move(socket)),
      wildcard_(wildcard),
      reader_(worker.snapshots.addReader()),
      front_(*worker.cache),
      requests_(new std::uint8_t[kUdpBatch * kUdpBufferSize]),
      responses_(new std::uint8_t[kUdpBatch * kUdpBufferSize]) {
  // The receive descriptors never change between batches; only the lengths are reset.
  for (std::size_t i = 0; i < kUdpBatch; ++i) {
    in_iov_[i] = {requests_.get() + i * kUdpBufferSize, kUdpBufferSize};
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
      logError("worker {}: UDP batch failed: {}", worker_.index, e.what());
    } catch (...) {
      logError("worker {}: UDP batch failed with a non-standard exception", worker_.index);
    }
  }
}

// Answers a question outside our zones from this UDP thread: from the front of the cache when
// fresh there (returns the size; no lock, no allocation), else hands the question to the
// worker's io thread, which resolves it and sends the answer itself (returns 0).
std::size_t UdpListener::answerRecursive(const query::RecursionRequest& request,
                                         std::span<std::uint8_t> out, const msghdr& in) {
  Worker& w = worker_;
  const auto now = resolver::Clock::now();
  const std::string_view qname(reinterpret_cast<const char*>(request.query.qname_lower),
                               request.query.qname_len);
  bool prefetch = false;
  if (const resolver::CacheEntry* entry =
          front_.lookupFresh(request.policy, qname, request.query.qtype, now, prefetch)) {
    if (prefetch) {
      asio::post(w.io, [&w, policy = request.policy, name = std::string(qname),
                        qtype = request.query.qtype] { w.resolver->refresh(policy, name, qtype); });
    }
    return resolver::renderFromCache(*entry, request.query, Worker::elapsedSeconds(*entry, now),
                                     false, 0, out, request.limit);
  }
  // Keep what the reply needs: the client's address and, on a wildcard socket, the address the
  // query was sent to.
  auto source = std::make_shared<ControlBuffer>();
  msghdr probe{};
  if (wildcard_) setReplySource(in, probe, *source);
  auto deliver = [fd = socket_.fd(), peer = *static_cast<const sockaddr_storage*>(in.msg_name),
                  peer_len = in.msg_namelen, source, control_len = probe.msg_controllen,
                  &w](std::span<const std::uint8_t> bytes) {
    iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    msghdr h{};
    h.msg_name = const_cast<sockaddr_storage*>(&peer);
    h.msg_namelen = peer_len;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control_len ? source->bytes : nullptr;
    h.msg_controllen = control_len;
    if (::sendmsg(fd, &h, MSG_DONTWAIT) < 0)
      w.logError("worker {}: send after resolution: {}", w.index, std::strerror(errno));
  };
  asio::post(w.io, [&w, request, deliver = std::move(deliver)]() mutable {
    w.startResolution(request, std::move(deliver));
  });
  return 0;
}

// Waits for at least one datagram, receives up to one batch, answers it and sends the answers.
// Returns the number received.
int UdpListener::receiveAndAnswer() {
  Worker& w = worker_;
  const int fd = socket_.fd();
  for (std::size_t i = 0; i < kUdpBatch; ++i) {
    msghdr& h = in_msgs_[i].msg_hdr;
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_controllen = wildcard_ ? kControlSize : 0;
    h.msg_flags = 0;
  }
  // Blocks until the first datagram, then takes what else is queued without waiting.
  const int received = recvmmsg(fd, in_msgs_.data(), kUdpBatch, MSG_WAITFORONE, nullptr);
  if (received <= 0) {
    // 0: stop() shut the socket down. EAGAIN: the receive timeout, so the caller checks the stop
    // flag. EINTR: a signal. Anything else is unexpected.
    if (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      logError("worker {}: recvmmsg: {}", w.index, std::strerror(errno));
      std::this_thread::sleep_for(kUdpErrorPause);
    }
    return 0;
  }

  // The snapshot is held for this batch only: the guard ends the read section before the
  // thread blocks again, so a thread waiting for datagrams never holds one.
  const SnapshotHolder::ReadGuard guard(w.snapshots, reader_);
  const query::Snapshot& snapshot = guard.snapshot();
  std::size_t out = 0;
  for (int i = 0; i < received; ++i) {
    const msghdr& in = in_msgs_[i].msg_hdr;
    const auto* peer = reinterpret_cast<const sockaddr*>(&peers_[i]);
    std::uint8_t* response = responses_.get() + out * kUdpBufferSize;
    const auto request =
        std::span<const std::uint8_t>(requests_.get() + i * kUdpBufferSize, in_msgs_[i].msg_len);
    query::RecursionRequest recursion;
    std::size_t size =
        query::answerQuery(snapshot, ip::ClientAddress::fromSockaddr(peer), request,
                           std::span(response, kUdpBufferSize), query::Transport::kUdp, &recursion);
    if (recursion.needed)
      size = answerRecursive(recursion, std::span(response, kUdpBufferSize), in);
    if (w.config.query_log) {
      logQuery(snapshot, peer, request, std::span<const std::uint8_t>(response, size), "udp");
    }
    if (size == 0) continue;
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
      logError("worker {}: UDP send buffer full, dropped {} answers", w.index, out - sent);
      break;
    } else {
      // This datagram cannot be sent (e.g. an unroutable source); skip it, send the rest.
      logError("worker {}: sendmmsg: {}", w.index, std::strerror(errno));
      ++sent;
    }
  }
  return received;
}

void TcpListener::accept() {
  acceptor_.async_accept(worker_.io, [this](const error_code& ec, Tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void TcpListener::onAccept(const error_code& ec, Tcp::socket socket) {
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    worker_.logError("worker {}: TCP accept: {}", worker_.index, ec.message());
    // Out of descriptors or memory: retrying at once would spin; give the system a moment.
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec) accept();
    });
    return;
  }
  try {
    // At the cap the longest-idle connection makes room, so half-open or slow clients can
    // occupy slots only until someone new arrives.
    while (worker_.connections.size() >= worker_.max_connections) {
      worker_.connections.front()->close();
    }
    auto connection = std::make_shared<TcpConnection>(worker_, std::move(socket));
    worker_.connections.push_back(connection);
    connection->start(std::prev(worker_.connections.end()));
  } catch (const std::exception& e) {
    worker_.logError("worker {}: TCP connection setup failed: {}", worker_.index, e.what());
  }
  accept();
}

// Returns a socket whose fd() is negative on failure, with `ec` saying why.
UdpSocket openUdp(const Udp::endpoint& endpoint, bool wildcard, error_code& ec) {
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
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kUdpReceiveTimeout, sizeof kUdpReceiveTimeout) ==
          0 &&
      ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0;
  if (!ok) {
    ec = error_code(errno, boost::system::system_category());
    return UdpSocket(-1);
  }
  return socket;
}

std::uint16_t localPort(const UdpSocket& socket, error_code& ec) {
  sockaddr_storage local{};
  socklen_t size = sizeof local;
  if (getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&local), &size) != 0) {
    ec = error_code(errno, boost::system::system_category());
    return 0;
  }
  return local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(local).sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port);
}

std::optional<Tcp::acceptor> openTcp(asio::io_context& io, const Tcp::endpoint& endpoint,
                                     error_code& ec) {
  Tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return std::nullopt;
  if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);  // restart in TIME_WAIT
  if (!ec) acceptor.set_option(ReusePort(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(kListenBacklog, ec);
  if (ec) return std::nullopt;
  return acceptor;
}

}  // namespace

struct Server::Impl {
  ServerConfig config;
  std::shared_ptr<resolver::ResolverCache> cache;
  std::shared_ptr<resolver::ServerSelection> selection;
  std::shared_ptr<const resolver::ResolverConfig> resolver_config;
  std::shared_ptr<SnapshotHolder> snapshots;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::uint16_t> ports;
  bool bound = false;
  bool started = false;
  bool stopped = false;

  unsigned workerCount() const {
    if (config.workers != 0) return config.workers;
    return std::max(1u, std::thread::hardware_concurrency());
  }
};

Server::Server(ServerConfig config, std::shared_ptr<SnapshotHolder> snapshots)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->snapshots = std::move(snapshots);
}

Server::~Server() {
  stop();
}

void Server::bind() {
  Impl& s = *impl_;
  if (s.bound) throw std::logic_error("Server::bind called twice");
  const unsigned count = s.workerCount();
  // Split the connection cap over the workers, at least one each.
  for (unsigned i = 0; i < count; ++i) {
    std::size_t share =
        s.config.max_tcp_connections / count + (i < s.config.max_tcp_connections % count ? 1 : 0);
    s.workers.push_back(
        std::make_unique<Worker>(i, s.config, *s.snapshots, std::max<std::size_t>(1, share)));
  }
  std::string why;
  auto resolver_config = buildResolverConfig(s.config, &why);
  if (!resolver_config) throw std::runtime_error(why);
  s.resolver_config = std::make_shared<const resolver::ResolverConfig>(std::move(*resolver_config));
  resolver::CacheLimits limits;
  limits.max_entries = s.config.cache_max_entries;
  limits.max_bytes = s.config.cache_max_bytes;
  s.cache = std::make_shared<resolver::ResolverCache>(limits);
  s.selection = std::make_shared<resolver::ServerSelection>();
  for (auto& w : s.workers) {
    w->cache = s.cache;
    w->resolver =
        std::make_unique<resolver::Resolver>(w->io, s.resolver_config, s.cache, s.selection);
  }

  for (const auto& listen : s.config.listen) {
    error_code ec;
    const auto address = asio::ip::make_address(listen.host, ec);
    if (ec) throw std::runtime_error("listen address '" + listen.host + "' is not an IP address");
    const bool wildcard = address.is_unspecified();
    auto fail = [&](const char* proto, std::uint16_t port, const error_code& why) {
      return std::runtime_error(std::string("cannot listen on ") + proto + " " +
                                endpointText(address, port) + ": " + why.message());
    };

    std::uint16_t port = listen.port;
    Worker& first = *s.workers.front();
    UdpSocket udp(-1);
    std::optional<Tcp::acceptor> tcp;
    if (port == 0) {
      // Let the kernel pick a free UDP port, then claim the same port for TCP; another process
      // may hold it for TCP, so try again with a new port a few times.
      for (int attempt = 0; attempt < kPortAttempts && !tcp; ++attempt) {
        udp = openUdp(Udp::endpoint(address, 0), wildcard, ec);
        if (udp.fd() < 0) throw fail("UDP", 0, ec);
        port = localPort(udp, ec);
        if (ec) throw fail("UDP", 0, ec);
        tcp = openTcp(first.io, Tcp::endpoint(address, port), ec);
        if (!tcp) udp = UdpSocket(-1);
      }
      if (!tcp) throw fail("TCP", port, ec);
    } else {
      udp = openUdp(Udp::endpoint(address, port), wildcard, ec);
      if (udp.fd() < 0) throw fail("UDP", port, ec);
      tcp = openTcp(first.io, Tcp::endpoint(address, port), ec);
      if (!tcp) throw fail("TCP", port, ec);
    }
    first.udp.push_back(std::make_unique<UdpListener>(first, std::move(udp), wildcard));
    first.tcp.push_back(std::make_unique<TcpListener>(first, std::move(*tcp)));

    for (std::size_t i = 1; i < s.workers.size(); ++i) {
      Worker& w = *s.workers[i];
      auto more_udp = openUdp(Udp::endpoint(address, port), wildcard, ec);
      if (more_udp.fd() < 0) throw fail("UDP", port, ec);
      auto more_tcp = openTcp(w.io, Tcp::endpoint(address, port), ec);
      if (!more_tcp) throw fail("TCP", port, ec);
      w.udp.push_back(std::make_unique<UdpListener>(w, std::move(more_udp), wildcard));
      w.tcp.push_back(std::make_unique<TcpListener>(w, std::move(*more_tcp)));
    }
    s.ports.push_back(port);
  }
  s.bound = true;
}

void Server::start() {
  Impl& s = *impl_;
  if (!s.bound) throw std::logic_error("Server::start called before bind");
  if (s.started) return;
  s.started = true;
  for (auto& worker : s.workers) {
    Worker* w = worker.get();
    // The first operations are started on the worker's own thread, like every later one, so
    // each Asio socket is only ever touched by one thread (see the io_context's concurrency hint).
    asio::post(w->io, [w] {
      for (auto& listener : w->tcp) listener->start();
    });
    w->thread = std::thread([w] { w->run(); });
    for (auto& listener : w->udp) listener->start();
  }
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  for (auto& worker : s.workers) {
    for (auto& listener : worker->udp) listener->requestStop();
    worker->io.stop();
  }
  for (auto& worker : s.workers) {
    for (auto& listener : worker->udp) listener->join();
    if (worker->thread.joinable()) worker->thread.join();
  }
  // Closing the sockets now (rather than at destruction) frees the ports as stop() promises.
  s.workers.clear();
}

std::vector<std::uint16_t> Server::boundPorts() const {
  return impl_->ports;
}

}  // namespace horizon::net
