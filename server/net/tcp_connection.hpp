// Private to the network module: one client connection over TCP, in one of three services:
// DNS over TCP (RFC 7766), DNS over TLS (RFC 7858; the same framing inside TLS) and DNS over
// HTTPS (RFC 8484; HTTP/2 or HTTP/1.1 inside TLS, the HTTP side in horizon::doh::Session).
// Queries are pipelined and answered as they come (recursive answers may overtake earlier ones,
// as RFC 7766 6.2.1.1 allows), with an idle timeout and a bound on unsent output. All three
// share one connection list and so one cap. Behind a trusted reverse proxy (--trusted-proxy) an
// encrypted connection may start with a PROXY protocol v2 header, and a DoH request's
// Forwarded or X-Forwarded-For header names the client whose view answers. Runs on its
// worker's io thread only; TCP may allocate, it carries little traffic for an authoritative
// server.
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "horizon/doh/session.hpp"
#include "horizon/ip/address.hpp"
#include "horizon/stats/query_counters.hpp"
#include "stream_framer.hpp"

namespace horizon::query {
struct Snapshot;
}

namespace horizon::net {

struct Worker;

/// What a connection speaks.
enum class StreamService : std::uint8_t {
  kDns,  // DNS over TCP, in clear
  kDot,  // DNS over TLS
  kDoh,  // DNS over HTTPS
};

/// A connection owned by its worker's connection list (least recently active first).
class TcpConnection : public std::enable_shared_from_this<TcpConnection>, private doh::Handler {
 public:
  using Position = std::list<std::shared_ptr<TcpConnection>>::iterator;

  /// A connection over an accepted `socket`, not yet reading; `tls` (the handshake's context)
  /// is required for kDot and kDoh and ignored for kDns.
  TcpConnection(Worker& worker, boost::asio::ip::tcp::socket socket, StreamService service,
                std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~TcpConnection() override;
  /// Starts the handshake (TLS) or reading; `position` is its place in the worker's list.
  void start(Position position);
  /// Closes at once, dropping unsent answers (eviction, idle timeout, errors, shutdown).
  void close();

 private:
  std::chrono::milliseconds idleTimeout() const;
  void startHandshake();
  void onHandshake(const boost::system::error_code& ec);
  // PROXY protocol v2 (proxy_header.cpp): only from a trusted proxy, only before TLS.
  void readProxyHeader();
  void onProxyHeader(const boost::system::error_code& ec, std::size_t n);
  void armTimer();
  void onTimer(const boost::system::error_code& ec);
  void readMore();
  void onRead(const boost::system::error_code& ec, std::size_t n);
  void processInput(std::size_t n);
  void processFrames(const query::Snapshot& snapshot);
  // One DNS message from the client (either framing): answered into the worker's buffer now, or
  // later through resolution. `doh_id` names the DoH request; nullopt for a framed message.
  // False when the message must not be answered and the connection should end.
  bool answerMessage(const query::Snapshot& snapshot, std::span<const std::uint8_t> request,
                     const ip::ClientAddress& client, const sockaddr* peer,
                     std::optional<doh::RequestId> doh_id);
  // doh::Handler (https_exchange.cpp).
  void onQuery(doh::RequestId id, std::span<const std::uint8_t> dns_message,
               const doh::ForwardedFor& hints) override;
  // Moves what the DoH session has to say into pending_; closes after it when the session ends.
  void drainSession();
  void appendAnswer(std::span<const std::uint8_t> bytes);
  void queueAnswer(std::span<const std::uint8_t> bytes);
  void touch();
  void startWrite();
  void onWrite(const boost::system::error_code& ec);
  void closeAfterFlush();
  void finishClose();

  // Runs `f` on the stream the DNS messages travel: the TLS layer when there is one.
  template <class F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(socket_);
    }
  }

  Worker& worker_;
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // kept alive past a certificate reload
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  const StreamService service_;
  stats::Transport transport_;
  boost::asio::steady_timer timer_;
  Position position_;
  sockaddr_storage peer_{};
  sockaddr_storage local_{};                 // the address the client connected to, for dnstap
  const sockaddr* local_address_ = nullptr;  // &local_ once known (only with dnstap on)
  ip::ClientAddress client_;   // the view's client: the peer, or what a trusted proxy reported
  bool trusted_peer_ = false;  // the peer is a --trusted-proxy
  std::unique_ptr<doh::Session> doh_;  // DoH, once the handshake chose the protocol
  std::vector<std::uint8_t> raw_;      // DoH and the PROXY header: bytes as read
  std::chrono::steady_clock::time_point deadline_;
  StreamFramer framer_;
  std::vector<std::uint8_t> pending_;         // answers not yet handed to the socket
  std::vector<std::uint8_t> writing_buffer_;  // answers being written
  unsigned queries_ = 0;
  unsigned outstanding_ = 0;  // questions still being resolved
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool shutting_down_ = false;  // TLS close_notify sent, waiting for the client's
};

}  // namespace horizon::net
