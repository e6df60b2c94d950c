// The PROXY protocol version 2 header a trusted load balancer (Traefik's TCP routers, HAProxy)
// sends before the TLS bytes of a connection it passes on: the client's address, which then
// picks the view. Read only from peers in --trusted-proxy, and only when the first byte is the
// header's (0x0D; a TLS record starts with 0x16), so the proxy's own direct connections work too.
#include <arpa/inet.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/read.hpp>
#include <cstring>

#include "horizon/doh/proxy_protocol.hpp"
#include "tcp_connection.hpp"
#include "worker.hpp"

namespace horizon::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Tcp = asio::ip::tcp;

constexpr std::uint8_t kProxySignatureFirst = 0x0D;
constexpr std::size_t kProxyFixedPart = 16;  // signature, version/command, family, length

}  // namespace

void TcpConnection::readProxyHeader() {
  // Wait for the first bytes without taking them: if they are not a PROXY header, they belong
  // to the TLS handshake.
  socket_.async_wait(Tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      self->close();
      return;
    }
    std::uint8_t first = 0;
    const ssize_t n = ::recv(self->socket_.native_handle(), &first, 1, MSG_PEEK);
    if (n <= 0) {
      self->close();
      return;
    }
    if (first != kProxySignatureFirst) {
      self->startHandshake();
      return;
    }
    self->raw_.resize(kProxyFixedPart);
    asio::async_read(
        self->socket_, asio::buffer(self->raw_),
        [self](const error_code& read_ec, std::size_t got) { self->onProxyHeader(read_ec, got); });
  });
}

void TcpConnection::onProxyHeader(const error_code& ec, std::size_t) {
  if (closed_) return;
  if (ec) {
    close();
    return;
  }
  const auto header = doh::parseProxyV2(raw_);
  if (header.status == doh::ProxyStatus::kIncomplete && raw_.size() == kProxyFixedPart) {
    // The fixed part gives the length of the rest; read exactly that much.
    const std::size_t total = kProxyFixedPart + ((std::size_t{raw_[14]} << 8) | raw_[15]);
    if (total <= doh::kMaxProxyHeaderLength) {
      raw_.resize(total);
      asio::async_read(socket_,
                       asio::buffer(raw_.data() + kProxyFixedPart, total - kProxyFixedPart),
                       [self = shared_from_this()](const error_code& read_ec, std::size_t got) {
                         self->onProxyHeader(read_ec, got);
                       });
      return;
    }
  }
  if (header.status != doh::ProxyStatus::kOk) {
    worker_.tls_handshake_failures.add();
    spdlog::debug("worker {}: a bad PROXY protocol header from a trusted proxy", worker_.index);
    close();
    return;
  }
  // LOCAL (the proxy's health check) and unusual families keep the proxy's own address.
  if (header.source) {
    client_ = *header.source;
    client_.toSockaddr(header.source_port, peer_);
    // What the proxy reported is the client now; its HTTP headers are not believed on top.
    trusted_peer_ = false;
  }
  raw_.clear();
  startHandshake();
}

}  // namespace horizon::net
