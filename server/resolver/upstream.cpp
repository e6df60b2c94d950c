// One query to one upstream server, and the RTT bookkeeping used to choose among servers.
//
// Spoofing defences (RFC 5452): UDP queries to a server leave from a few sockets connect()ed to
// it, each on a random ephemeral port picked by the kernel, so the kernel discards datagrams from
// any other address or port. Each query picks one of its server's sockets at random and a random
// id not already waiting on that socket; a socket is retired after kQueriesPerSocket queries and
// replaced by one on a new port, so a port seen once is soon worthless to an attacker. The ids
// come from getrandom(2) (not a seeded PRNG whose state an authoritative server we query could
// reconstruct from the ids it sees), and with 0x20 the letters of the name get random case
// (draft-vixie-dnsext-dns0x20), which the reply must echo exactly. Replies that do not match are
// ignored, not fatal: an attacker's packet must not end the wait for the real one.
//
// Sharing sockets bounds descriptors: a worker holds at most UpstreamClient::kMaxUdpSockets UDP
// sockets however many questions are in flight, instead of one per question for up to its
// timeout. Only a truncated answer's TCP retry opens a socket of its own.
//
// Queries to a TLS endpoint go only over its TLS connection (tls_upstream.cpp), without 0x20:
// the authenticated channel already keeps forgeries out, as TCP's handshake does for TCP.
//
// Lifetime: each exchange is a shared object owned by its pending handlers; the client only keeps
// weak references so its destructor can cancel them. After the client is gone no `done` runs:
// pending ones are dropped (destroyed uncalled). Destroy the client on its io_context's thread or
// after that thread has stopped.
#include "horizon/resolver/upstream.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cmath>
#include <random>
#include <unordered_map>
#include <utility>

#include "horizon/resolver/resolver_stats.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "tls_upstream.hpp"

namespace horizon::resolver {
namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Unpredictable bytes from the kernel, fetched in blocks so a query costs no system call.
// Thread-local: no lock, and no state shared between threads to reason about.
class RandomPool {
 public:
  std::uint8_t byte() {
    if (pos_ == sizeof(buf_)) refill();
    return buf_[pos_++];
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>((byte() << 8) | byte()); }

 private:
  void refill() {
    std::size_t got = 0;
    while (got < sizeof(buf_)) {
      ssize_t n = getrandom(buf_ + got, sizeof(buf_) - got, 0);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
      } else if (n < 0 && errno != EINTR) {
        // No getrandom (very old kernel): std::random_device reads the same kernel pool.
        std::random_device rd;
        for (; got < sizeof(buf_); ++got) buf_[got] = static_cast<std::uint8_t>(rd());
      }
    }
    pos_ = 0;
  }
  std::uint8_t buf_[256];
  std::size_t pos_ = sizeof(buf_);
};

RandomPool& randomPool() {
  thread_local RandomPool pool;
  return pool;
}

// Gives every letter of a wire-format name a random case (one random bit per letter).
std::string randomiseCase(const std::string& name) {
  std::string out = name;
  std::size_t i = 0;
  std::uint8_t bits = 0;
  int bits_left = 0;
  while (i < out.size() && out[i] != 0) {
    std::size_t len = static_cast<std::uint8_t>(out[i]);
    for (std::size_t j = i + 1; j <= i + len && j < out.size(); ++j) {
      char c = out[j];
      bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!letter) continue;
      if (bits_left == 0) {
        bits = randomPool().byte();
        bits_left = 8;
      }
      bool upper = bits & 1;
      bits >>= 1;
      --bits_left;
      out[j] = static_cast<char>(upper ? (c & ~0x20) : (c | 0x20));
    }
    i += 1 + len;
  }
  return out;
}

// For a truncated UDP reply that is cut short inside a record (allowed by RFC 2181 9), decodes
// only the header and the question: enough to match it and decide to retry over TCP.
std::optional<Message> decodeHeaderAndQuestion(std::span<const std::uint8_t> msg) {
  if (msg.size() < wire::kHeaderSize || wire::readU16(&msg[4]) != 1) return std::nullopt;
  std::size_t p = wire::kHeaderSize;
  // The first name of a message cannot usefully be compressed: walk plain labels only.
  while (p < msg.size() && msg[p] != 0) {
    if (msg[p] > wire::kMaxLabelLength) return std::nullopt;
    p += 1 + msg[p];
  }
  if (p + 1 + 4 > msg.size()) return std::nullopt;
  std::vector<std::uint8_t> copy(msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(p + 5));
  for (std::size_t i = 6; i < wire::kHeaderSize; ++i) copy[i] = 0;  // AN, NS, AR counts
  return decodeMessage(copy);
}

}  // namespace

std::string Endpoint::toString() const {
  std::string out = address.is_v6() ? "[" + address.to_string() + "]:" + std::to_string(port)
                                    : address.to_string() + ":" + std::to_string(port);
  if (tls()) out = "tls://" + out + "#" + tls_auth_name;
  return out;
}

class Exchange;

namespace {
constexpr std::size_t kSocketsPerServer = 4;      // a query picks one of these at random
constexpr unsigned kQueriesPerSocket = 100;       // then the socket takes no more, for a new port
constexpr std::size_t kPooledBufferSize = 65535;  // any datagram, whatever was advertised
}  // namespace

// One connected UDP socket that exchanges with one server share; replies go to the exchange
// waiting under their id.
struct PooledSocket {
  PooledSocket(asio::io_context& io, const Endpoint& to) : socket(io), server(to) {}
  asio::ip::udp::socket socket;
  Endpoint server;
  std::unordered_map<std::uint16_t, std::weak_ptr<Exchange>> waiting;  // by query id
  unsigned queries = 0;
  bool retired = false;  // takes no new query
  std::vector<std::uint8_t> buffer;
};

// What exchanges share with their client (Impl is private to UpstreamClient, so it lives here).
// The socket pool is used from the io thread only.
struct ClientShared : std::enable_shared_from_this<ClientShared> {
  ClientShared(asio::io_context& context, UpstreamTable* counters,
               std::shared_ptr<TlsClientContext> trust)
      : io(context), table(counters), tls(context, std::move(trust)) {}
  asio::io_context& io;
  UpstreamTable* table;  // may be null
  TlsUpstreams tls;      // the TLS connections, io thread only
  UpstreamTap* tap = nullptr;
  std::atomic<bool> alive{true};
  std::mutex mutex;  // guards the registry below
  std::uint64_t next_key = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<Exchange>> in_flight;
  std::vector<std::shared_ptr<PooledSocket>> sockets;  // every open pooled socket

  // A socket to `server` for one more query (opened when the server has fewer than
  // kSocketsPerServer and there is room); null with `ec` set when none can be had.
  std::shared_ptr<PooledSocket> acquireSocket(const Endpoint& server,
                                              boost::system::error_code& ec);
  // An id that no exchange is waiting under on `s`.
  static std::uint16_t freshId(const PooledSocket& s);
  // Closes `s` once nothing waits on it.
  void released(const std::shared_ptr<PooledSocket>& s);
  void closeSocket(const std::shared_ptr<PooledSocket>& s);
  void closeAllSockets();

 private:
  std::shared_ptr<PooledSocket> openSocket(const Endpoint& server, boost::system::error_code& ec);
  void receive(const std::shared_ptr<PooledSocket>& s);
  void onDatagram(const std::shared_ptr<PooledSocket>& s, std::size_t n);
  void failSocket(const std::shared_ptr<PooledSocket>& s);
};

struct UpstreamClient::Impl : ClientShared {
  using ClientShared::ClientShared;
};

// One exchange: UDP (with the 0x20 fallback), then TCP if truncated, under one deadline. All of
// its handlers run on its own strand, so a multi-threaded io_context is fine.
class Exchange : public std::enable_shared_from_this<Exchange>, public TlsWaiter {
 public:
  Exchange(std::shared_ptr<ClientShared> client, const Endpoint& server, const std::string& qname,
           std::uint16_t qtype, const ExchangeOptions& options,
           std::function<void(ExchangeResult)> done)
      : client_(std::move(client)),
        strand_(asio::make_strand(client_->io)),
        tcp_(strand_),
        timer_(strand_),
        server_(server),
        qname_(wire::lowercaseName(qname)),
        qtype_(qtype),
        options_(options),
        done_(std::move(done)) {}

  std::uint64_t key = 0;

  void start() {
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->finished_) return;
      // Undecodable datagrams from the server's own address and port, and nothing better.
      self->finish(self->saw_garbage_ ? ExchangeResult::Status::kMalformed
                                      : ExchangeResult::Status::kTimeout);
    });
    if (server_.tls()) return startTls();
    startUdp(options_.use_0x20);
  }

  // Ends the exchange without calling `done` (the client is being destroyed).
  void cancel() {
    if (finished_) return;
    finished_ = true;
    closeAll();
    done_ = nullptr;
  }

  // Runs `f` on this exchange's strand.
  template <typename F>
  void dispatch(F&& f) {
    asio::dispatch(strand_, std::forward<F>(f));
  }

  // A datagram under this exchange's id on its pooled socket (io thread).
  void onPooledDatagram(std::span<const std::uint8_t> bytes) {
    if (finished_) return;
    buffer_.assign(bytes.begin(), bytes.end());
    onDatagram(bytes.size());
  }

  // Undecodable bytes from the server under an id nobody waits for: a broken server.
  void sawGarbage() { saw_garbage_ = true; }

  // An answer under this exchange's id on its TLS connection (io thread). Over an authenticated
  // channel a message that does not decode is a broken server; one for another question is a late
  // answer to an earlier holder of the id, and ignored.
  void onTlsMessage(std::span<const std::uint8_t> bytes) override {
    if (finished_) return;
    std::optional<Message> msg = decodeMessage(bytes);
    if (!msg) return finish(ExchangeResult::Status::kMalformed);
    if (match(*msg) != Match::kYes) return;
    tapResponse(bytes, true);
    result_.rtt =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - sent_at_);
    result_.response = std::move(msg);
    finish(ExchangeResult::Status::kOk);
  }

  // The TLS connection failed (refused, handshake, certificate, or broken later). A connection
  // that worked may just have been closed by the server as idle while this query was on its way
  // (RFC 7766 6.2.3 lets servers close idle connections): asked once more on a fresh one, within
  // the same deadline. Any other failure is the server's, and the resolver fails over.
  void onTlsFailure(bool established) override {
    if (finished_) return;
    tls_.reset();  // already closed
    if (established && !tls_retried_) {
      tls_retried_ = true;
      return startTls();
    }
    finish(ExchangeResult::Status::kNetworkError);
  }

  // The pooled socket reported an error (connection refused: the server's host said the port is
  // closed, by ICMP).
  void onSocketError() {
    if (finished_) return;
    socket_.reset();  // already out of the pool
    finish(ExchangeResult::Status::kNetworkError);
  }

 private:
  enum class Match { kNo, kYes, kCaseDiffers };

  void startUdp(bool use_0x20) {
    ++generation_;  // handlers of an earlier attempt become no-ops
    releaseSocket();
    boost::system::error_code ec;
    socket_ = client_->acquireSocket(server_, ec);
    if (!socket_) return finish(ExchangeResult::Status::kNetworkError);

    exact_case_ = use_0x20;
    sent_qname_ = use_0x20 ? randomiseCase(qname_) : qname_;
    id_ = ClientShared::freshId(*socket_);
    socket_->waiting[id_] = weak_from_this();
    query_ = encodeQuery(id_, sent_qname_, qtype_,
                         options_.recursion_desired ? wire::kFlagRD : std::uint16_t{0},
                         options_.edns_udp_size, options_.dnssec_ok);
    // What we advertised: a larger answer, without TC, is asked again over TCP (onDatagram).
    advertised_ = std::max<std::size_t>(options_.edns_udp_size, wire::kMinUdpPayload);
    sent_at_ = SteadyClock::now();
    tapQuery(false);
    // The socket outlives this attempt, so the send owns its bytes.
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(query_);
    socket_->socket.async_send(asio::buffer(*bytes),
                               [self = shared_from_this(), gen = generation_, bytes](
                                   const boost::system::error_code& error, std::size_t) {
                                 if (error == asio::error::operation_aborted) return;
                                 if (self->finished_ || gen != self->generation_) return;
                                 if (error) self->finish(ExchangeResult::Status::kNetworkError);
                               });
  }

  // RFC 7858: the query on the server's shared TLS connection. The RTT counts from here, so the
  // first query's includes the handshake: a conservative first estimate.
  void startTls() {
    result_.used_tcp = true;
    exact_case_ = false;
    sent_qname_ = qname_;
    query_ = encodeQuery(0, sent_qname_, qtype_,
                         options_.recursion_desired ? wire::kFlagRD : std::uint16_t{0},
                         options_.edns_udp_size, options_.dnssec_ok);
    sent_at_ = SteadyClock::now();
    tls_ = client_->tls.send(server_, query_, weak_from_this());
    if (!tls_) return finish(ExchangeResult::Status::kNetworkError);
    id_ = wire::readU16(query_.data());
    tapQuery(true);
  }

  // Leaves the pooled socket of the current attempt: its id no longer routes here.
  void releaseSocket() {
    if (!socket_) return;
    socket_->waiting.erase(id_);
    auto socket = std::move(socket_);
    socket_.reset();
    client_->released(socket);
  }

  void onDatagram(std::size_t n) {
    std::span<const std::uint8_t> bytes(buffer_.data(), n);
    // An answer bigger than we advertised, without TC, is treated like a truncated one and asked
    // again over TCP: a server that ignores the size we offered is not trusted with a UDP answer
    // (and a receive buffer of that size would have cut it).
    const bool oversize = n > advertised_;
    std::optional<Message> msg = oversize ? std::nullopt : decodeMessage(bytes);
    if (!msg) {
      std::optional<Message> head = decodeHeaderAndQuestion(bytes);
      if (head && (head->truncated() || oversize) && match(*head) == Match::kYes) {
        tapResponse(bytes, false);
        result_.rtt =
            std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - sent_at_);
        return startTcp();
      }
      saw_garbage_ = true;
      return;  // keep waiting
    }
    switch (match(*msg)) {
      case Match::kNo:
        return;  // someone else's packet, or a forgery: keep waiting
      case Match::kCaseDiffers:
        // Everything matched but the case: the server does not echo the name as sent. Ask once
        // more with the name as given (a fresh socket and id), trading 0x20 for an answer.
        result_.case_mismatch_fallback = true;
        return startUdp(false);
      case Match::kYes:
        break;
    }
    tapResponse(bytes, false);
    result_.rtt =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - sent_at_);
    if (msg->truncated()) return startTcp();
    result_.response = std::move(msg);
    finish(ExchangeResult::Status::kOk);
  }

  Match match(const Message& msg) const {
    if (!(msg.flags & wire::kFlagQR) || msg.id != id_) return Match::kNo;
    if (((msg.flags >> 11) & 0xF) != wire::kOpcodeQuery) return Match::kNo;
    if (msg.qtype != qtype_ || msg.qclass != wire::kClassIN) return Match::kNo;
    if (msg.qname == sent_qname_) return Match::kYes;
    if (msg.qname.size() != qname_.size() || wire::lowercaseName(msg.qname) != qname_) {
      return Match::kNo;
    }
    return exact_case_ ? Match::kCaseDiffers : Match::kYes;
  }

  // RFC 7766: the same query over TCP with a two-octet length prefix, within what is left of the
  // deadline. TCP's handshake already defeats off-path forgery, so the name is compared without
  // regard to case here.
  void startTcp() {
    ++generation_;
    releaseSocket();
    result_.used_tcp = true;
    exact_case_ = false;
    frame_.resize(2 + query_.size());
    wire::writeU16(frame_.data(), static_cast<std::uint16_t>(query_.size()));
    std::copy(query_.begin(), query_.end(), frame_.begin() + 2);
    tapQuery(true);
    tcp_.async_connect(asio::ip::tcp::endpoint(server_.address, server_.port),
                       [self = shared_from_this()](const boost::system::error_code& error) {
                         if (self->finished_) return;
                         if (error) return self->finish(ExchangeResult::Status::kNetworkError);
                         asio::async_write(
                             self->tcp_, asio::buffer(self->frame_),
                             [self](const boost::system::error_code& e, std::size_t) {
                               if (self->finished_) return;
                               if (e) return self->finish(ExchangeResult::Status::kNetworkError);
                               self->readTcpLength();
                             });
                       });
  }

  void readTcpLength() {
    asio::async_read(tcp_, asio::buffer(length_),
                     [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                       if (self->finished_) return;
                       if (e) return self->finish(ExchangeResult::Status::kNetworkError);
                       std::size_t len = wire::readU16(self->length_);
                       if (len < wire::kHeaderSize) {
                         return self->finish(ExchangeResult::Status::kMalformed);
                       }
                       self->buffer_.resize(len);
                       self->readTcpBody();
                     });
  }

  void readTcpBody() {
    asio::async_read(tcp_, asio::buffer(buffer_),
                     [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                       if (self->finished_) return;
                       if (e) return self->finish(ExchangeResult::Status::kNetworkError);
                       std::optional<Message> msg = decodeMessage(self->buffer_);
                       // One query on this connection: any other reply is a broken server.
                       if (!msg || self->match(*msg) != Match::kYes) {
                         return self->finish(ExchangeResult::Status::kMalformed);
                       }
                       self->tapResponse(self->buffer_, true);
                       self->result_.response = std::move(msg);
                       self->finish(ExchangeResult::Status::kOk);
                     });
  }

  void closeAll() {
    boost::system::error_code ignored;
    releaseSocket();
    if (tls_) {
      forgetTlsQuery(*tls_, id_);
      tls_.reset();
    }
    tcp_.close(ignored);
    timer_.cancel();
  }

  void finish(ExchangeResult::Status status) {
    if (finished_) return;
    finished_ = true;
    closeAll();
    {
      std::lock_guard lock(client_->mutex);
      client_->in_flight.erase(key);
    }
    result_.status = status;
    if (status != ExchangeResult::Status::kOk) result_.response.reset();
    if (client_->table) count(client_->table->of(server_));
    auto done = std::move(done_);
    done_ = nullptr;
    if (client_->alive.load(std::memory_order_acquire) && done) done(std::move(result_));
  }

  void tapQuery(bool tcp) {
    if (!client_->tap) return;
    sent_wall_ = std::chrono::system_clock::now();
    client_->tap->query(server_, query_, tcp, options_.recursion_desired);
  }
  void tapResponse(std::span<const std::uint8_t> bytes, bool tcp) {
    if (client_->tap)
      client_->tap->response(server_, bytes, tcp, options_.recursion_desired, sent_wall_);
  }

  void count(UpstreamCounters& c) const {
    c.queries.add();
    switch (result_.status) {
      case ExchangeResult::Status::kOk:
        c.rtt.observe(static_cast<std::uint64_t>(result_.rtt.count()), kRttBoundsUs);
        break;
      case ExchangeResult::Status::kTimeout:
        c.timeouts.add();
        break;
      case ExchangeResult::Status::kNetworkError:
        c.network_errors.add();
        break;
      case ExchangeResult::Status::kMalformed:
        c.malformed.add();
        break;
    }
  }

  std::shared_ptr<ClientShared> client_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::shared_ptr<PooledSocket> socket_;  // the current UDP attempt's
  std::shared_ptr<TlsConnection> tls_;    // for a TLS server: the connection the query went on
  asio::ip::tcp::socket tcp_;
  asio::steady_timer timer_;
  Endpoint server_;
  std::string qname_;  // lowercase
  std::uint16_t qtype_;
  ExchangeOptions options_;
  std::function<void(ExchangeResult)> done_;

  std::string sent_qname_;  // with the 0x20 case of the current attempt
  bool exact_case_ = false;
  std::uint16_t id_ = 0;
  std::vector<std::uint8_t> query_;
  std::vector<std::uint8_t> buffer_;
  std::size_t advertised_ = 0;  // the EDNS payload size the UDP query offered
  std::vector<std::uint8_t> frame_;
  std::uint8_t length_[2] = {0, 0};
  unsigned generation_ = 0;
  SteadyClock::time_point sent_at_{};
  std::chrono::system_clock::time_point sent_wall_{};  // for the tap only
  bool finished_ = false;
  bool saw_garbage_ = false;
  bool tls_retried_ = false;  // asked again after an established TLS connection broke
  ExchangeResult result_;
};

std::shared_ptr<PooledSocket> ClientShared::acquireSocket(const Endpoint& server,
                                                          boost::system::error_code& ec) {
  std::array<PooledSocket*, kSocketsPerServer> mine{};
  std::size_t n = 0;
  for (const auto& s : sockets)
    if (!s->retired && s->server == server && n < mine.size()) mine[n++] = s.get();
  if (n < kSocketsPerServer) {
    if (sockets.size() >= UpstreamClient::kMaxUdpSockets) {
      // Full: make room by closing a socket of another server that nobody waits on.
      for (const auto& s : sockets)
        if (s->waiting.empty() && !(s->server == server)) {
          closeSocket(std::shared_ptr<PooledSocket>(s));
          break;
        }
    }
    if (sockets.size() < UpstreamClient::kMaxUdpSockets) {
      if (auto fresh = openSocket(server, ec)) mine[n++] = fresh.get();
    }
  }
  if (n == 0) {
    if (!ec) ec = asio::error::no_descriptors;  // every pooled socket is busy with others
    return nullptr;
  }
  PooledSocket* chosen = mine[randomPool().u16() % n];
  // Retire only while a replacement can be opened, so the pool never exceeds its cap.
  if (++chosen->queries >= kQueriesPerSocket && sockets.size() < UpstreamClient::kMaxUdpSockets)
    chosen->retired = true;
  for (const auto& s : sockets)
    if (s.get() == chosen) return s;
  return nullptr;  // not reached
}

std::uint16_t ClientShared::freshId(const PooledSocket& s) {
  std::uint16_t id = randomPool().u16();
  for (int attempt = 0; attempt < 64 && s.waiting.count(id); ++attempt) id = randomPool().u16();
  return id;
}

std::shared_ptr<PooledSocket> ClientShared::openSocket(const Endpoint& server,
                                                       boost::system::error_code& ec) {
  auto s = std::make_shared<PooledSocket>(io, server);
  asio::ip::udp::endpoint remote(server.address, server.port);
  s->socket.open(remote.protocol(), ec);
  // Port 0: the kernel picks a random ephemeral port (Linux randomises UDP port selection).
  if (!ec) s->socket.bind(asio::ip::udp::endpoint(remote.protocol(), 0), ec);
  if (!ec) s->socket.connect(remote, ec);  // the kernel now drops datagrams from anyone else
  if (ec) return nullptr;
  s->buffer.resize(kPooledBufferSize);
  sockets.push_back(s);
  receive(s);
  return s;
}

void ClientShared::receive(const std::shared_ptr<PooledSocket>& s) {
  s->socket.async_receive(
      asio::buffer(s->buffer),
      [weak = weak_from_this(), s](const boost::system::error_code& error, std::size_t n) {
        if (error == asio::error::operation_aborted) return;
        auto client = weak.lock();
        if (!client || !s->socket.is_open()) return;
        if (error) return client->failSocket(s);
        client->onDatagram(s, n);
        if (s->socket.is_open()) client->receive(s);
      });
}

void ClientShared::onDatagram(const std::shared_ptr<PooledSocket>& s, std::size_t n) {
  const std::span<const std::uint8_t> bytes(s->buffer.data(), n);
  if (n >= 2) {
    auto it = s->waiting.find(wire::readU16(bytes.data()));
    if (it != s->waiting.end()) {
      if (auto exchange = it->second.lock()) return exchange->onPooledDatagram(bytes);
    }
  }
  // Only the server can reach a connected socket: bytes that are no message at all under an id
  // nobody waits for mean a broken server, which every exchange waiting here should report.
  if (!decodeMessage(bytes)) {
    for (auto& [id, weak] : s->waiting)
      if (auto exchange = weak.lock()) exchange->sawGarbage();
  }
}

void ClientShared::failSocket(const std::shared_ptr<PooledSocket>& s) {
  std::vector<std::shared_ptr<Exchange>> waiting;
  for (auto& [id, weak] : s->waiting)
    if (auto exchange = weak.lock()) waiting.push_back(std::move(exchange));
  s->waiting.clear();
  closeSocket(s);
  for (auto& exchange : waiting) exchange->onSocketError();
}

void ClientShared::released(const std::shared_ptr<PooledSocket>& s) {
  // Nothing waiting: closed, so an idle client holds no descriptor (and no pending receive) and
  // the next query gets a fresh port anyway.
  if (s->waiting.empty()) closeSocket(s);
}

void ClientShared::closeSocket(const std::shared_ptr<PooledSocket>& s) {
  boost::system::error_code ignored;
  s->socket.close(ignored);
  std::erase(sockets, s);
}

void ClientShared::closeAllSockets() {
  boost::system::error_code ignored;
  for (auto& s : sockets) s->socket.close(ignored);
  sockets.clear();
}

UpstreamClient::UpstreamClient(asio::io_context& io, UpstreamTable* counters,
                               std::shared_ptr<TlsClientContext> tls)
    : impl_(std::make_shared<Impl>(io, counters, std::move(tls))) {}

UpstreamClient::~UpstreamClient() {
  impl_->alive.store(false, std::memory_order_release);
  std::vector<std::shared_ptr<Exchange>> live;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [key, weak] : impl_->in_flight) {
      if (auto ex = weak.lock()) live.push_back(std::move(ex));
    }
    impl_->in_flight.clear();
  }
  // Close their sockets now (or as soon as the io_context runs again) so they free their file
  // descriptors instead of waiting for their timeouts.
  for (auto& ex : live) ex->dispatch([ex] { ex->cancel(); });
  impl_->closeAllSockets();
  impl_->tls.closeAll();
}

void UpstreamClient::setTap(UpstreamTap* tap) {
  impl_->tap = tap;
}

void UpstreamClient::exchange(const Endpoint& server, const std::string& qname_lower,
                              std::uint16_t qtype, const ExchangeOptions& options,
                              std::function<void(ExchangeResult)> done) {
  auto ex = std::make_shared<Exchange>(impl_, server, qname_lower, qtype, options, std::move(done));
  {
    std::lock_guard lock(impl_->mutex);
    ex->key = impl_->next_key++;
    impl_->in_flight.emplace(ex->key, ex);
  }
  // Never calls `done` from inside exchange(): a fresh strand is not running, so this posts.
  ex->dispatch([ex] { ex->start(); });
}

// ---- ServerSelection ----------------------------------------------------------------------------
//
// RFC 6298 estimator per server. Unknown servers are ranked as if their RTT were kUnknownRtt, so a
// server that has not been measured is tried before one known to be slower (Unbound's infra cache
// does the same) and a fast known server keeps being preferred. Each consecutive timeout doubles
// both the ranking estimate and the timeout (RFC 6298 5.5 back-off); a reply resets the count.
// What we know about a server is forgotten kHostTtl after it was last updated, so a server that
// was down gets a fresh chance, and at most kMaxServers are remembered.

namespace {

constexpr double kUnknownRttUs = 50'000;       // 50 ms: ranks below any slow known server
constexpr double kUnknownTimeoutUs = 500'000;  // about Unbound's initial 376 ms RTO, rounded up
constexpr auto kMinTimeout =
    std::chrono::milliseconds(200);  // loopback/LAN servers: no hair trigger
constexpr auto kMaxTimeout = std::chrono::milliseconds(3000);
constexpr int kMaxBackoffShift = 10;
constexpr auto kHostTtl = std::chrono::minutes(15);  // Unbound's infra-host-ttl
constexpr std::size_t kMaxServers = 10000;
constexpr double kNearEqualFraction = 0.2;  // within 20% (or 1 ms) of the best counts as a tie
constexpr double kNearEqualFloorUs = 1000;

std::string keyOf(const Endpoint& e) {
  std::string key;
  if (e.address.is_v4()) {
    auto b = e.address.to_v4().to_bytes();
    key.assign(b.begin(), b.end());
  } else {
    auto v6 = e.address.to_v6();
    auto b = v6.to_bytes();
    key.assign(b.begin(), b.end());
    key += std::to_string(v6.scope_id());
  }
  key.push_back(static_cast<char>(e.port >> 8));
  key.push_back(static_cast<char>(e.port & 0xFF));
  // One address and port under two TLS names are two upstreams: a wrong name fails every time.
  key += e.tls_auth_name;
  return key;
}

double backoff(int timeouts) {
  return std::ldexp(1.0, std::min(timeouts, kMaxBackoffShift));
}

}  // namespace

void ServerSelection::recordRtt(const Endpoint& server, std::chrono::microseconds rtt) {
  double r = std::max<double>(static_cast<double>(rtt.count()), 1.0);
  auto now = SteadyClock::now();
  std::lock_guard lock(mutex_);
  if (states_.size() >= kMaxServers && !states_.count(keyOf(server))) {
    // Full: drop what has expired, or failing that an arbitrary entry.
    std::erase_if(states_, [&](const auto& kv) { return now - kv.second.updated > kHostTtl; });
    if (states_.size() >= kMaxServers) states_.erase(states_.begin());
  }
  State& s = states_[keyOf(server)];
  if (!s.known || now - s.updated > kHostTtl) {
    s.srtt_us = r;  // RFC 6298 2.2: first measurement
    s.rttvar_us = r / 2;
    s.known = true;
  } else {
    s.rttvar_us = 0.75 * s.rttvar_us + 0.25 * std::abs(s.srtt_us - r);  // RFC 6298 2.3
    s.srtt_us = 0.875 * s.srtt_us + 0.125 * r;
  }
  s.timeouts = 0;
  s.updated = now;
}

void ServerSelection::recordTimeout(const Endpoint& server) {
  auto now = SteadyClock::now();
  std::lock_guard lock(mutex_);
  if (states_.size() >= kMaxServers && !states_.count(keyOf(server))) {
    std::erase_if(states_, [&](const auto& kv) { return now - kv.second.updated > kHostTtl; });
    if (states_.size() >= kMaxServers) states_.erase(states_.begin());
  }
  State& s = states_[keyOf(server)];
  if (now - s.updated > kHostTtl) s = State{};
  ++s.timeouts;
  s.updated = now;
}

std::size_t ServerSelection::pick(const std::vector<Endpoint>& candidates,
                                  const std::vector<Endpoint>& tried) {
  std::vector<std::size_t> eligible;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (std::find(tried.begin(), tried.end(), candidates[i]) == tried.end()) eligible.push_back(i);
  }
  if (eligible.empty()) {
    for (std::size_t i = 0; i < candidates.size(); ++i) eligible.push_back(i);
  }
  if (eligible.empty()) return 0;

  auto now = SteadyClock::now();
  std::vector<double> score(eligible.size());
  {
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < eligible.size(); ++k) {
      auto it = states_.find(keyOf(candidates[eligible[k]]));
      if (it == states_.end() || now - it->second.updated > kHostTtl) {
        score[k] = kUnknownRttUs;
      } else {
        const State& s = it->second;
        score[k] = (s.known ? s.srtt_us : kUnknownRttUs) * backoff(s.timeouts);
      }
    }
  }
  double best = *std::min_element(score.begin(), score.end());
  double limit = best + std::max(best * kNearEqualFraction, kNearEqualFloorUs);
  // Spread load over servers that are about equally fast, so one does not take every query and
  // the others' estimates stay fresh.
  std::vector<std::size_t> ties;
  for (std::size_t k = 0; k < eligible.size(); ++k) {
    if (score[k] <= limit) ties.push_back(eligible[k]);
  }
  return ties[randomPool().u16() % ties.size()];
}

std::chrono::milliseconds ServerSelection::timeoutFor(const Endpoint& server) const {
  double us = kUnknownTimeoutUs;
  {
    std::lock_guard lock(mutex_);
    auto it = states_.find(keyOf(server));
    if (it != states_.end() && SteadyClock::now() - it->second.updated <= kHostTtl) {
      const State& s = it->second;
      // RFC 6298 2.3: RTO = SRTT + 4 * RTTVAR, doubled per consecutive timeout.
      double base = s.known ? s.srtt_us + 4 * s.rttvar_us : kUnknownTimeoutUs;
      us = base * backoff(s.timeouts);
    }
  }
  auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(us / 1000));
  return std::clamp<std::chrono::milliseconds>(ms, kMinTimeout, kMaxTimeout);
}

}  // namespace horizon::resolver
