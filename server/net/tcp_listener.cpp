// Accepting TCP connections, and what to do when accept() fails.
#include "tcp_listener.hpp"

#include <sys/socket.h>

#include <chrono>

#include "tcp_connection.hpp"
#include "tls_credentials.hpp"
#include "worker.hpp"

namespace horizon::net {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr int kListenBacklog = 1024;
// Out of descriptors or memory: retrying at once would spin; give the system a moment.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

}  // namespace

TcpListener::TcpListener(Worker& worker, Tcp::acceptor acceptor, StreamService service,
                         std::shared_ptr<const TlsCredentials> tls)
    : worker_(worker),
      acceptor_(std::move(acceptor)),
      service_(service),
      tls_(std::move(tls)),
      retry_timer_(acceptor_.get_executor()) {}

void TcpListener::accept() {
  acceptor_.async_accept(worker_.io, [this](const error_code& ec, Tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void TcpListener::onAccept(const error_code& ec, Tcp::socket socket) {
  if (ec == asio::error::operation_aborted) return;
  if (ec) {
    if (SpareDescriptor::exhausted(ec.value())) {
      // Out of descriptors: turn the pending client away instead of leaving it in the backlog.
      spare_.shedOne(acceptor_.native_handle());
    }
    worker_.errors.warn("worker {}: TCP accept: {}", worker_.index, ec.message());
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](const error_code& wait_ec) {
      if (!wait_ec) accept();
    });
    return;
  }
  try {
    while (worker_.connections.size() >= worker_.max_connections) {
      worker_.connections.front()->close();
      worker_.tcp_evicted.add();
    }
    auto connection = std::make_shared<TcpConnection>(worker_, std::move(socket), service_,
                                                      tls_ ? tls_->current() : nullptr);
    worker_.connections.push_back(connection);
    worker_.tcp_accepted.add();
    worker_.tcp_open.store(worker_.connections.size(), std::memory_order_relaxed);
    connection->start(std::prev(worker_.connections.end()));
  } catch (const std::exception& e) {
    worker_.errors.warn("worker {}: TCP connection setup failed: {}", worker_.index, e.what());
  }
  accept();
}

std::optional<Tcp::acceptor> openTcpAcceptor(asio::io_context& io, const Tcp::endpoint& endpoint,
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

}  // namespace horizon::net
