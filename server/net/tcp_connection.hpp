// Private to the network module: one DNS-over-TCP client connection (RFC 7766), in clear or
// inside TLS (DNS over TLS, RFC 7858): length-prefixed queries, pipelined, answered as they come
// (recursive answers may overtake earlier ones, as RFC 7766 6.2.1.1 allows), an idle timeout, and
// a bound on unsent output. Both kinds share one connection list and so one cap. Runs on its
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

#include "horizon/ip/address.hpp"
#include "horizon/stats/query_counters.hpp"
#include "stream_framer.hpp"

namespace horizon::net {

struct Worker;

/// A connection owned by its worker's connection list (least recently active first).
class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  using Position = std::list<std::shared_ptr<TcpConnection>>::iterator;

  /// A connection over an accepted `socket`, not yet reading; with `tls`, a DNS-over-TLS
  /// connection whose handshake uses that context.
  TcpConnection(Worker& worker, boost::asio::ip::tcp::socket socket,
                std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  /// Starts the handshake (TLS) or reading; `position` is its place in the worker's list.
  void start(Position position);
  /// Closes at once, dropping unsent answers (eviction, idle timeout, errors, shutdown).
  void close();

 private:
  std::chrono::milliseconds idleTimeout() const;
  void onHandshake(const boost::system::error_code& ec);
  void armTimer();
  void onTimer(const boost::system::error_code& ec);
  void readMore();
  void onRead(const boost::system::error_code& ec, std::size_t n);
  void processInput();
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
  stats::Transport transport_;
  boost::asio::steady_timer timer_;
  Position position_;
  sockaddr_storage peer_{};
  sockaddr_storage local_{};                 // the address the client connected to, for dnstap
  const sockaddr* local_address_ = nullptr;  // &local_ once known (only with dnstap on)
  ip::ClientAddress client_;
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
