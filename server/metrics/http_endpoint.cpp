// The endpoint's thread, listener and connection budget. Everything after start() runs on the
// endpoint's own io_context and thread; serve() (before start()), start(), stop() and
// shuttingDown() are the only entries from other threads, besides the documents' slots. stop()
// closes everything on that thread and lets run() return by itself, so no handler (and no
// connection) outlives the join.
#include "horizon/metrics/http_endpoint.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "horizon/net/spare_descriptor.hpp"
#include "http_connection.hpp"
#include "http_routes.hpp"

namespace horizon::metrics {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using Tcp = asio::ip::tcp;

constexpr int kListenBacklog = 64;
// Out of descriptors or memory: retrying at once would spin; give the system a moment.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string describeAddress(const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

// The whole response as bytes, for the one non-blocking write a refused connection gets.
std::string serialize(const HttpResponse& response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

}  // namespace

class HttpEndpoint::Impl {
 public:
  Impl(EndpointOptions options, std::function<Families()> collect, std::function<bool()> ready)
      : options_(std::move(options)),
        limits_{options_.request_timeout, options_.max_header_bytes},
        routes_{std::move(collect), std::move(ready), &shutting_down_, {}} {}

  ~Impl() { stop(); }

  void start() {
    std::lock_guard lock(lifecycle_);
    if (started_) throw std::logic_error("metrics: the endpoint was already started");
    const std::string where = describeAddress(options_.address, options_.port);
    error_code ec;
    const auto address = asio::ip::make_address(options_.address, ec);
    if (ec) throw std::runtime_error("metrics: cannot listen on " + where + ": " + ec.message());
    const Tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec && address.is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.set_option(Tcp::acceptor::reuse_address(true), ec);  // restart in TIME_WAIT
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(kListenBacklog, ec);
    if (!ec) port_ = acceptor_.local_endpoint(ec).port();
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      throw std::runtime_error("metrics: cannot listen on " + where + ": " + ec.message());
    }
    accept();
    // Signals stay with the threads that wait for them (horizond's main thread, the watch loop):
    // the endpoint thread starts with every signal blocked.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    try {
      thread_ = std::thread([this] { run(); });
    } catch (...) {
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      throw;
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    started_ = true;
  }

  // The routes are read by the endpoint's thread without a lock, so they are fixed before it
  // starts; the slots' contents are what changes while serving.
  void serve(std::string path, std::shared_ptr<DocumentSlot> slot) {
    std::lock_guard lock(lifecycle_);
    if (started_) throw std::logic_error("metrics: documents are added before the endpoint starts");
    if (!path.starts_with('/') || path.find('?') != std::string::npos || path == "/metrics" ||
        path == "/health" || path == "/ready")
      throw std::invalid_argument("metrics: cannot serve a document at \"" + path + "\"");
    if (slot == nullptr) throw std::invalid_argument("metrics: no slot for " + path);
    routes_.documents.insert_or_assign(std::move(path), std::move(slot));
  }

  void stop() {
    std::lock_guard lock(lifecycle_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    asio::post(io_, [this] { closeAll(); });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  void shuttingDown() { shutting_down_ = true; }

 private:
  void run() {
    for (;;) {
      try {
        io_.run();
        return;  // out of work: stop() closed everything
      } catch (const std::exception&) {
        // A handler threw (allocation failure); the others are still pending: go on serving.
      }
    }
  }

  void accept() {
    acceptor_.async_accept(
        io_, [this](const error_code& ec, Tcp::socket socket) { onAccept(ec, std::move(socket)); });
  }

  void onAccept(const error_code& ec, Tcp::socket socket) {
    if (closing_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      if (ec == asio::error::connection_aborted) {
        accept();  // that client gave up; the next one may be waiting
        return;
      }
      // Out of descriptors: the spare's slot goes to the waiting client, once, before pausing;
      // a scrape is how the operator sees what took the others.
      if (net::SpareDescriptor::exhausted(ec.value()) && spare_.release()) {
        accept();
        return;
      }
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([this](const error_code& wait_ec) {
        if (!wait_ec && !closing_) accept();
      });
      return;
    }
    spare_.refill();
    if (connections_.size() >= options_.max_connections) {
      refuse(std::move(socket));
    } else {
      auto connection =
          std::make_shared<HttpConnection>(std::move(socket), routes_, limits_, connections_);
      connection->start();
    }
    accept();
  }

  // Over the budget: the client hears why in one non-blocking write (a few hundred bytes into an
  // empty send buffer), and the descriptor is gone before the next accept. So the endpoint holds
  // at most max_connections + 1 descriptors (the listener), and one more only within this call.
  void refuse(Tcp::socket socket) {
    static const std::string kBusy = serialize(refusal(
        http::status::service_unavailable, "too many connections to the metrics endpoint\n"));
    error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(kBusy), ignored);
    socket.shutdown(Tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  void closeAll() {
    closing_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    // close() does not remove a connection from the list (its destructor does, later).
    for (HttpConnection* connection : connections_) connection->close();
  }

  // What connections refer to is declared before io_, so it outlives any handler io_ holds.
  EndpointOptions options_;
  ConnectionLimits limits_;
  std::atomic<bool> shutting_down_{false};
  Routes routes_;
  HttpConnection::List connections_;  // endpoint thread only
  bool closing_ = false;              // endpoint thread only
  asio::io_context io_{1};
  Tcp::acceptor acceptor_{io_};
  asio::steady_timer retry_timer_{io_};
  net::SpareDescriptor spare_;  // endpoint thread only, once started
  std::atomic<std::uint16_t> port_{0};
  std::mutex lifecycle_;
  bool started_ = false, stopped_ = false;
  std::thread thread_;
};

HttpEndpoint::HttpEndpoint(EndpointOptions options, std::function<Families()> collect,
                           std::function<bool()> ready)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(collect), std::move(ready))) {}

HttpEndpoint::~HttpEndpoint() = default;

void HttpEndpoint::start() {
  impl_->start();
}

void HttpEndpoint::serve(std::string path, std::shared_ptr<DocumentSlot> slot) {
  impl_->serve(std::move(path), std::move(slot));
}

void HttpEndpoint::stop() {
  impl_->stop();
}

std::uint16_t HttpEndpoint::port() const {
  return impl_->port();
}

void HttpEndpoint::shuttingDown() {
  impl_->shuttingDown();
}

}  // namespace horizon::metrics
