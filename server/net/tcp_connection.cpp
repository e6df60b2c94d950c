// The life of a client connection: the PROXY header (from a trusted proxy) and the handshake
// (TLS), then read, answer every whole query, write, until EOF, the idle timeout, an error or
// eviction. The DoH request handling is in https_exchange.cpp, the PROXY header in
// proxy_header.cpp.
#include "tcp_connection.hpp"

#include <boost/asio/write.hpp>
#include <cstring>

#include "horizon/query/answer_engine.hpp"
#include "tls_credentials.hpp"
#include "worker.hpp"

namespace horizon::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Tcp = asio::ip::tcp;

// A client that pipelines queries but never reads could make us buffer without bound; past this
// much unsent output we stop reading from it until the socket drains.
constexpr std::size_t kMaxPendingOutput = 256 * 1024;
// A client must finish its TLS handshake this soon (or within the idle timeout, if shorter):
// one that stops half-way holds a connection slot only this long, unless a newcomer evicts it.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// How long a closing TLS connection waits for the client's close_notify.
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(2);
// One read of a DoH connection: a TLS record's worth of plaintext.
constexpr std::size_t kDohReadSize = 16 * 1024;

// Errors a client's departure produces, which are not worth a log line.
bool routineDisconnect(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

TcpConnection::TcpConnection(Worker& worker, Tcp::socket socket, StreamService service,
                             std::shared_ptr<asio::ssl::context> tls)
    : worker_(worker),
      socket_(std::move(socket)),
      tls_context_(service == StreamService::kDns ? nullptr : std::move(tls)),
      service_(service),
      transport_(service == StreamService::kDns   ? stats::Transport::kTcp
                 : service == StreamService::kDot ? stats::Transport::kTls
                                                  : stats::Transport::kHttps),
      timer_(socket_.get_executor()) {
  if (tls_context_) tls_.emplace(socket_, *tls_context_);
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::start(Position position) {
  position_ = position;
  error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  if (ec) {
    close();
    return;
  }
  std::memcpy(&peer_, peer.data(), peer.size());
  client_ = ip::ClientAddress::fromSockaddr(peer.data());
  // dnstap names horizond's side of the exchange too (response_address and port, as for UDP);
  // an accepted socket has a concrete address even on a wildcard listener. One getsockname per
  // connection, and only when it is wanted.
  if (worker_.dnstap != nullptr) {
    const auto local = socket_.local_endpoint(ec);
    if (!ec) {
      std::memcpy(&local_, local.data(), local.size());
      local_address_ = reinterpret_cast<const sockaddr*>(&local_);
    }
  }
  socket_.set_option(Tcp::no_delay(true), ec);  // answers are small; do not wait to coalesce
  if (tls_) {
    deadline_ = std::chrono::steady_clock::now() +
                std::min<std::chrono::milliseconds>(idleTimeout(), kHandshakeTimeout);
    armTimer();
    trusted_peer_ = worker_.isTrustedProxy(client_);
    if (trusted_peer_) {
      readProxyHeader();
    } else {
      startHandshake();
    }
    return;
  }
  deadline_ = std::chrono::steady_clock::now() + idleTimeout();
  armTimer();
  readMore();
}

void TcpConnection::startHandshake() {
  tls_->async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const error_code& ec) { self->onHandshake(ec); });
}

void TcpConnection::onHandshake(const error_code& ec) {
  if (closed_) return;
  if (ec) {
    // Scanners, clients that do not trust our certificate and plain DNS sent to the TLS port
    // all end here; counted, and logged at debug level only.
    worker_.tls_handshake_failures.add();
    spdlog::debug("worker {}: TLS handshake: {}", worker_.index, ec.message());
    close();
    return;
  }
  worker_.tls_handshakes.add();
  deadline_ = std::chrono::steady_clock::now() + idleTimeout();
  if (service_ == StreamService::kDoh) {
    // HTTP/2 when ALPN chose "h2", HTTP/1.1 otherwise (RFC 8484 5.2 recommends HTTP/2).
    doh_ =
        std::make_unique<doh::Session>(doh::protocolFromAlpn(negotiatedAlpn(tls_->native_handle())),
                                       static_cast<doh::Handler&>(*this));
    raw_.resize(kDohReadSize);
    drainSession();  // HTTP/2 opens with the server's SETTINGS
    startWrite();
  }
  readMore();
}

void TcpConnection::close() {
  if (closed_) return;
  closed_ = true;
  const auto self = shared_from_this();  // the list's reference may be the last one
  error_code ec;
  socket_.close(ec);
  timer_.cancel();
  worker_.connections.erase(position_);  // may drop the list's reference; handlers hold others
  worker_.tcp_open.store(worker_.connections.size(), std::memory_order_relaxed);
}

std::chrono::milliseconds TcpConnection::idleTimeout() const {
  return std::chrono::milliseconds(worker_.config.tcp_idle_timeout_ms);
}

void TcpConnection::armTimer() {
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->onTimer(ec); });
}

void TcpConnection::onTimer(const error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted) return;
  // The deadline moves forward with every complete query instead of re-arming the timer each
  // time; when the timer fires early we simply wait for the remaining time.
  if (std::chrono::steady_clock::now() >= deadline_) {
    close();
  } else {
    armTimer();
  }
}

void TcpConnection::readMore() {
  if (closed_ || closing_) return;
  const auto buffer = doh_ ? std::span<std::uint8_t>(raw_) : framer_.readBuffer();
  if (pending_.size() > kMaxPendingOutput || buffer.empty() || (doh_ && doh_->readPaused())) {
    reading_ = false;  // resumed by onWrite once the client has read some answers
    return;
  }
  reading_ = true;
  withStream([&](auto& stream) {
    stream.async_read_some(
        asio::buffer(buffer.data(), buffer.size()),
        [self = shared_from_this()](const error_code& ec, std::size_t n) { self->onRead(ec, n); });
  });
}

void TcpConnection::onRead(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    // EOF is how clients normally finish (a TLS client may skip its close_notify); still
    // deliver the answers already queued.
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      closeAfterFlush();
    } else {
      if (!routineDisconnect(ec)) {
        worker_.errors.warn("worker {}: {} read: {}", worker_.index, tls_ ? "TLS" : "TCP",
                            ec.message());
      }
      close();
    }
    return;
  }
  try {
    processInput(n);
  } catch (const std::exception& e) {
    worker_.errors.warn("worker {}: {} query failed: {}", worker_.index, tls_ ? "TLS" : "TCP",
                        e.what());
    close();
    return;
  }
  startWrite();
  readMore();
}

void TcpConnection::processInput(std::size_t n) {
  if (doh_) {
    const bool more = doh_->receive(std::span<const std::uint8_t>(raw_.data(), n));
    drainSession();
    if (!more) closeAfterFlush();
    return;
  }
  framer_.commit(n);
  // One read section per batch of input: the snapshot is not kept past this call (answers
  // resolved later come from the cache, which lives outside the snapshot).
  const query::SnapshotHolder::ReadGuard guard(worker_.snapshots, worker_.reader);
  processFrames(guard.snapshot());
}

void TcpConnection::processFrames(const query::Snapshot& snapshot) {
  std::span<const std::uint8_t> request;
  while (!closing_) {
    const auto found = framer_.next(request);
    if (found == StreamFramer::Next::kNeedMore) break;
    if (found == StreamFramer::Next::kBad) {
      closeAfterFlush();  // the stream cannot be trusted past a length no message can have
      break;
    }
    if (!answerMessage(snapshot, request, client_, reinterpret_cast<const sockaddr*>(&peer_),
                       std::nullopt)) {
      closeAfterFlush();  // not a query we answer (e.g. QR=1): nothing sensible can follow
      break;
    }
    const unsigned limit = worker_.config.max_tcp_queries_per_connection;
    if (limit != 0 && queries_ >= limit) {
      closeAfterFlush();
      break;
    }
  }
  framer_.compact();
}

bool TcpConnection::answerMessage(const query::Snapshot& snapshot,
                                  std::span<const std::uint8_t> request,
                                  const ip::ClientAddress& client, const sockaddr* peer,
                                  std::optional<doh::RequestId> doh_id) {
  const std::span<std::uint8_t> out(worker_.tcp_response.get(), query::kMaxResponseSize);
  // Each query's time starts when its whole message is here.
  const auto arrived = worker_.observer.timed() ? SteadyClock::now() : SteadyClock::time_point{};
  worker_.observer.arrived(peer, local_address_, transport_, request);
  query::RecursionRequest recursion;
  query::AnswerSummary summary;
  std::size_t size = query::answerQuery(snapshot, client, request, out, query::Transport::kTcp,
                                        &recursion, &summary, &worker_.protocol);
  if (summary.answered) worker_.observer.request(summary, transport_, peer->sa_family == AF_INET6);
  const wire::ParsedQuery* parsed = nullptr;
  if (recursion.needed) {
    sockaddr_storage peer_copy{};
    std::memcpy(&peer_copy, peer,
                peer->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
    size = worker_.recursion->answer(
        worker_.recursion->ioThreadFront(), recursion, client, out,
        [this, summary, arrived, peer_copy, doh_id] {
          ++outstanding_;
          return [self = shared_from_this(), summary, arrived, peer_copy, doh_id](
                     std::span<const std::uint8_t> bytes, stats::Source from,
                     const wire::ParsedQuery& query) mutable {
            --self->outstanding_;
            summary.source = from;
            self->worker_.observer.answered(reinterpret_cast<const sockaddr*>(&peer_copy),
                                            self->transport_, {}, &query, bytes, summary, arrived,
                                            self->local_address_);
            // RFC 7766 6.2.1.1: answers may leave out of order.
            if (self->closed_) return;
            if (doh_id) {
              self->doh_->answer(*doh_id, bytes);
              self->drainSession();
              self->startWrite();
              if (self->closing_) {
                self->closeAfterFlush();  // this may have been the answer the close waited for
              } else if (!self->reading_) {
                self->readMore();  // a full query window may have paused it
              }
            } else {
              self->queueAnswer(bytes);
            }
          };
        },
        summary.source);
    if (size == 0) {
      touch();
      ++queries_;
      return true;
    }
    parsed = &recursion.query;
  }
  if (size == 0) {
    worker_.observer.dropped();
    return false;
  }
  worker_.observer.answered(peer, transport_, request, parsed, out.first(size), summary, arrived,
                            local_address_);
  if (doh_id) {
    doh_->answer(*doh_id, out.first(size));
  } else {
    appendAnswer(out.first(size));
  }
  touch();
  ++queries_;
  return true;
}

void TcpConnection::appendAnswer(std::span<const std::uint8_t> bytes) {
  const std::uint8_t prefix[2] = {static_cast<std::uint8_t>(bytes.size() >> 8),
                                  static_cast<std::uint8_t>(bytes.size())};
  pending_.insert(pending_.end(), prefix, prefix + 2);
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
}

// An answer that arrives after its resolution: queue it and write, unless the client is gone.
void TcpConnection::queueAnswer(std::span<const std::uint8_t> bytes) {
  if (closed_) return;
  appendAnswer(bytes);
  startWrite();
  if (closing_) closeAfterFlush();
}

// A complete query counts as activity: push the idle deadline and move to the LRU tail.
void TcpConnection::touch() {
  deadline_ = std::chrono::steady_clock::now() + idleTimeout();
  worker_.connections.splice(worker_.connections.end(), worker_.connections, position_);
}

void TcpConnection::startWrite() {
  if (closed_ || writing_ || pending_.empty()) return;
  writing_ = true;
  writing_buffer_.swap(pending_);
  pending_.clear();
  withStream([&](auto& stream) {
    asio::async_write(
        stream, asio::buffer(writing_buffer_),
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->onWrite(ec); });
  });
}

void TcpConnection::onWrite(const error_code& ec) {
  writing_ = false;
  writing_buffer_.clear();
  if (closed_) return;
  if (ec) {
    if (!routineDisconnect(ec)) {
      worker_.errors.warn("worker {}: {} write: {}", worker_.index, tls_ ? "TLS" : "TCP",
                          ec.message());
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
void TcpConnection::closeAfterFlush() {
  closing_ = true;
  if (!writing_ && pending_.empty() && outstanding_ == 0) finishClose();
}

void TcpConnection::finishClose() {
  if (tls_ && !shutting_down_) {
    // close_notify first (RFC 8446 6.1), so the client knows no answer was cut off; the timer
    // closes the socket if the client never answers it.
    shutting_down_ = true;
    deadline_ = std::chrono::steady_clock::now() + kTlsShutdownTimeout;
    tls_->async_shutdown([self = shared_from_this()](const error_code&) { self->close(); });
    return;
  }
  if (shutting_down_) return;
  error_code ec;
  socket_.shutdown(Tcp::socket::shutdown_send, ec);  // FIN after the last answer, not RST
  close();
}

}  // namespace horizon::net
