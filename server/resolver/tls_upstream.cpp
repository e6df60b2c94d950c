// DNS over TLS to upstream servers: the trust store, and one pipelined connection per server.
//
// Authentication follows RFC 8310's strict profile: the chain must verify against the trust store
// and the certificate must name the configured authentication name (SNI carries it too), or carry
// it as an IP address when the name is an address. Anything short of that fails the connection,
// and its exchanges fail as network errors: the caller fails over to another upstream, and a
// TLS endpoint is never asked in plain DNS.
//
// A connection lives while it is used: opened by the first query, reused by the ones after it
// (RFC 7858 3.4), closed kIdleTimeout after its last answer, or kHandshakeTimeout after opening
// when its handshake has not finished by then (which fails the queries waiting for it). Queries
// sent before the handshake completes wait in the write queue. Ids come from a per-connection
// counter: the channel is encrypted, so unpredictable ids add nothing, and a counter does not hand
// an id out again soon, so a late answer to a forgotten query cannot pass for another's.
#include "tls_upstream.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "horizon/wire/message.hpp"

namespace horizon::resolver {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

class TlsClientContext {
 public:
  TlsClientContext() : ssl(asio::ssl::context::tls_client) {}
  asio::ssl::context ssl;
};

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(10);
constexpr auto kHandshakeTimeout = std::chrono::seconds(5);
constexpr auto kLogInterval = std::chrono::seconds(60);  // per server, over all workers

// One line per server and kLogInterval saying why its TLS failed: the reason an operator needs,
// without a line per query when a server's certificate is wrong.
void logFailure(const Endpoint& server, const std::string& why) {
  static std::mutex mutex;
  static std::map<std::string, SteadyClock::time_point> last;
  const std::string key = server.toString();
  const auto now = SteadyClock::now();
  {
    std::lock_guard lock(mutex);
    auto it = last.find(key);
    if (it != last.end() && now - it->second < kLogInterval) return;
    if (last.size() >= 1024) last.clear();  // bounded whatever the configuration
    last[key] = now;
  }
  spdlog::warn("upstream {}: {}", key, why);
}

bool isAddress(const std::string& text) {
  boost::system::error_code ec;
  asio::ip::make_address(text, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<TlsClientContext> makeTlsClientContext(const std::string& ca_file,
                                                       std::string* error) {
  auto context = std::make_shared<TlsClientContext>();
  SSL_CTX* native = context->ssl.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);  // RFC 8310 / RFC 7525
  context->ssl.set_verify_mode(asio::ssl::verify_peer);
  if (!ca_file.empty() && !std::ifstream(ca_file)) {
    *error = "cannot read '" + ca_file + "'";
    return nullptr;
  }
  boost::system::error_code ec;
  if (ca_file.empty()) {
    context->ssl.set_default_verify_paths(ec);
  } else {
    context->ssl.load_verify_file(ca_file, ec);
  }
  if (ec) {
    *error = ca_file.empty() ? "the system's trust store: " + ec.message()
                             : "'" + ca_file + "' holds no usable PEM certificate: " + ec.message();
    return nullptr;
  }
  return context;
}

// One TLS connection to one server and the queries waiting on it.
class TlsConnection : public std::enable_shared_from_this<TlsConnection> {
 public:
  TlsConnection(asio::io_context& io, TlsClientContext& context, const Endpoint& server)
      : stream_(io, context.ssl), timer_(io), server_(server) {}

  const Endpoint& server() const { return server_; }
  bool closed() const { return closed_; }
  bool idle() const { return waiting_.empty(); }

  void open() {
    SSL* ssl = stream_.native_handle();
    const std::string& name = server_.tls_auth_name;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (isAddress(name)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, name.c_str());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    }
    stream_.set_verify_mode(asio::ssl::verify_peer);
    armTimer(kHandshakeTimeout);
    stream_.lowest_layer().async_connect(
        asio::ip::tcp::endpoint(server_.address, server_.port),
        [self = shared_from_this()](const boost::system::error_code& ec) {
          if (self->closed_) return;
          if (ec) return self->fail("connect: " + ec.message());
          boost::system::error_code ignored;
          self->stream_.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
          self->stream_.async_handshake(asio::ssl::stream_base::client,
                                        [self](const boost::system::error_code& e) {
                                          if (self->closed_) return;
                                          if (e) return self->fail(self->handshakeError(e));
                                          self->ready_ = true;
                                          self->armTimer(kIdleTimeout);
                                          self->readLength();
                                          self->flush();
                                        });
        });
  }

  // Queues `query` under a fresh id (written into it); false when the queue is full.
  bool send(std::vector<std::uint8_t>& query, std::weak_ptr<TlsWaiter> waiter) {
    if (closed_ || waiting_.size() >= TlsUpstreams::kMaxWaiting || query.size() < 2 ||
        query.size() > 65535)
      return false;
    std::uint16_t id = next_id_++;
    while (waiting_.count(id)) id = next_id_++;
    wire::writeU16(query.data(), id);
    waiting_.emplace(id, std::move(waiter));
    std::vector<std::uint8_t> frame(2 + query.size());
    wire::writeU16(frame.data(), static_cast<std::uint16_t>(query.size()));
    std::copy(query.begin(), query.end(), frame.begin() + 2);
    queue_.push_back({id, std::move(frame)});
    flush();
    return true;
  }

  // The handshake of an opening connection goes on after its first queries gave up: on a slow
  // path it may take longer than one query's timeout, and the next query can use it.
  void forget(std::uint16_t id) {
    waiting_.erase(id);
    std::erase_if(queue_, [id](const Queued& q) { return q.id == id; });
  }

  // Closes without telling the waiters (they are finished or going away).
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().close(ignored);
    waiting_.clear();
    queue_.clear();
  }

 private:
  struct Queued {
    std::uint16_t id;
    std::vector<std::uint8_t> frame;
  };

  std::string handshakeError(const boost::system::error_code& ec) {
    const long verify = SSL_get_verify_result(stream_.native_handle());
    if (verify != X509_V_OK)
      return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    return "TLS handshake failed: " + ec.message();
  }

  // The connection is broken: every waiting exchange fails now, so its resolution fails over.
  void fail(const std::string& why) {
    if (closed_) return;
    // An established connection the server closes while nothing waits is no failure: servers
    // close idle connections too (RFC 7766 6.2.3).
    if (ready_ && waiting_.empty()) return close();
    logFailure(server_, why);
    std::vector<std::shared_ptr<TlsWaiter>> waiters;
    for (auto& [id, weak] : waiting_)
      if (auto w = weak.lock()) waiters.push_back(std::move(w));
    close();
    for (auto& w : waiters) w->onTlsFailure(ready_);
  }

  void armTimer(SteadyClock::duration after) {
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed_) return;
      if (!self->ready_) return self->fail("TLS handshake timed out");
      const auto idle_for = SteadyClock::now() - self->last_answer_;
      if (!self->waiting_.empty()) return self->armTimer(kIdleTimeout);
      if (idle_for >= kIdleTimeout) return self->close();
      self->armTimer(kIdleTimeout - idle_for);
    });
  }

  // Writes everything queued in one go; one write at a time.
  void flush() {
    if (!ready_ || closed_ || writing_ || queue_.empty()) return;
    writing_ = true;
    out_.clear();
    for (auto& q : queue_) out_.insert(out_.end(), q.frame.begin(), q.frame.end());
    queue_.clear();
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          self->writing_ = false;
          if (self->closed_) return;
          if (ec) return self->fail("write: " + ec.message());
          self->flush();
        });
  }

  void readLength() {
    asio::async_read(stream_, asio::buffer(length_),
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->fail("read: " + ec.message());
                       self->in_.resize(wire::readU16(self->length_));
                       self->readBody();
                     });
  }

  void readBody() {
    asio::async_read(stream_, asio::buffer(in_),
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->fail("read: " + ec.message());
                       self->deliver();
                       if (!self->closed_) self->readLength();
                     });
  }

  // Hands the message to whoever waits under its id; answers to forgotten queries are dropped.
  void deliver() {
    last_answer_ = SteadyClock::now();
    if (in_.size() < 2) return;
    auto it = waiting_.find(wire::readU16(in_.data()));
    if (it == waiting_.end()) return;
    auto waiter = it->second.lock();
    if (!waiter) {
      waiting_.erase(it);
      return;
    }
    // The waiter forgets its id once satisfied; a copy keeps the bytes safe from the next read.
    const std::vector<std::uint8_t> message = in_;
    waiter->onTlsMessage(message);
  }

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  asio::steady_timer timer_;
  Endpoint server_;
  bool ready_ = false;
  bool closed_ = false;
  bool writing_ = false;
  std::uint16_t next_id_ = 1;
  std::unordered_map<std::uint16_t, std::weak_ptr<TlsWaiter>> waiting_;
  std::deque<Queued> queue_;  // not yet written
  std::vector<std::uint8_t> out_;
  std::uint8_t length_[2] = {0, 0};
  std::vector<std::uint8_t> in_;
  SteadyClock::time_point last_answer_ = SteadyClock::now();
};

TlsUpstreams::TlsUpstreams(asio::io_context& io, std::shared_ptr<TlsClientContext> context)
    : io_(io), context_(std::move(context)) {}

TlsUpstreams::~TlsUpstreams() {
  closeAll();
}

std::shared_ptr<TlsConnection> TlsUpstreams::send(const Endpoint& server,
                                                  std::vector<std::uint8_t>& query,
                                                  std::weak_ptr<TlsWaiter> waiter) {
  if (!context_) {
    logFailure(server, "no TLS trust store configured");
    return nullptr;
  }
  std::erase_if(connections_, [](const auto& c) { return c->closed(); });
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [&](const auto& c) { return c->server() == server; });
  std::shared_ptr<TlsConnection> connection;
  if (it != connections_.end()) {
    connection = *it;
  } else {
    if (connections_.size() >= UpstreamClient::kMaxTlsConnections) {
      // Full: make room by closing a connection nobody waits on.
      auto idle = std::find_if(connections_.begin(), connections_.end(),
                               [](const auto& c) { return c->idle(); });
      if (idle == connections_.end()) return nullptr;
      (*idle)->close();
      connections_.erase(idle);
    }
    connection = std::make_shared<TlsConnection>(io_, *context_, server);
    connections_.push_back(connection);
    connection->open();
  }
  if (!connection->send(query, std::move(waiter))) return nullptr;
  return connection;
}

void TlsUpstreams::closeAll() {
  for (auto& c : connections_) c->close();
  connections_.clear();
}

void forgetTlsQuery(TlsConnection& connection, std::uint16_t id) {
  connection.forget(id);
}

}  // namespace horizon::resolver
