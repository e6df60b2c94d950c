// Private to the network module: accepting TCP connections for one listen address of one
// worker, within the worker's share of the connection cap.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>

#include "horizon/net/spare_descriptor.hpp"

namespace horizon::net {

struct Worker;
class TlsCredentials;
enum class StreamService : std::uint8_t;

/// Accepts connections on its worker's io thread. At the cap, the longest-idle connection makes
/// room for the new one, so half-open or slow clients hold slots only until someone new arrives.
/// A failed accept() is retried after a pause, not at once; out of descriptors, the pending
/// connection is accepted into a spare descriptor and closed first.
class TcpListener {
 public:
  /// A listener on a bound, listening `acceptor` of `worker`'s io_context, for DNS over TCP;
  /// for DoT and DoH, `tls` gives each connection the credentials current when it is accepted.
  TcpListener(Worker& worker, boost::asio::ip::tcp::acceptor acceptor, StreamService service,
              std::shared_ptr<const TlsCredentials> tls = nullptr);
  /// Starts accepting; call on the worker's io thread.
  void start() { accept(); }

 private:
  void accept();
  void onAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  Worker& worker_;
  boost::asio::ip::tcp::acceptor acceptor_;
  StreamService service_;
  std::shared_ptr<const TlsCredentials> tls_;
  boost::asio::steady_timer retry_timer_;
  SpareDescriptor spare_;  // for shedding a connection when accept() finds no descriptor
};

/// Opens, binds (SO_REUSEADDR, SO_REUSEPORT, v6-only for IPv6) and listens on `endpoint` in
/// `io`; nullopt with `ec` set on failure.
std::optional<boost::asio::ip::tcp::acceptor> openTcpAcceptor(
    boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
    boost::system::error_code& ec);

}  // namespace horizon::net
