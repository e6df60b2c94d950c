// Talking to upstream servers: one query, one validated response, over UDP with TCP fallback, or
// over DNS over TLS (RFC 7858) to servers configured so. Random ids and source ports, 0x20 case
// randomisation, and acceptance only of answers whose id, source address/port and question match
// (RFC 5452).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "horizon/resolver/upstream_message.hpp"

namespace horizon::resolver {

class UpstreamTable;

/// An upstream server address, and for DNS over TLS the name its certificate must carry.
struct Endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 53;
  std::string tls_auth_name{};  // non-empty: DNS over TLS only, never plain DNS (RFC 8310)
  bool operator==(const Endpoint&) const = default;
  /// True when queries to this server go over TLS.
  bool tls() const { return !tls_auth_name.empty(); }
  /// "192.0.2.1:53", "[2001:db8::1]:53", or "tls://192.0.2.1:853#dns.example" for TLS.
  std::string toString() const;
};

/// The trust store that upstream TLS certificates are verified against (shared by all workers).
class TlsClientContext;

/// A client context trusting the PEM certificates in `ca_file`, or OpenSSL's default store
/// when empty; TLS 1.2 at least. nullptr and *error when the file gives no usable certificate.
std::shared_ptr<TlsClientContext> makeTlsClientContext(const std::string& ca_file,
                                                       std::string* error);

/// How one exchange went.
struct ExchangeResult {
  enum class Status { kOk, kTimeout, kNetworkError, kMalformed } status = Status::kTimeout;
  std::optional<Message> response;  // set for kOk: id, question and source already matched
  std::chrono::microseconds rtt{0};
  bool used_tcp = false;                // TCP, or TLS over TCP
  bool case_mismatch_fallback = false;  // the server did not preserve 0x20 case; retried without
};

/// Options of one exchange.
struct ExchangeOptions {
  bool recursion_desired = false;  // RD: set when forwarding to a recursive resolver
  bool use_0x20 = true;
  std::uint16_t edns_udp_size = 1232;
  bool dnssec_ok = false;  // DO: ask for RRSIGs and denial proofs (validation is on)
  std::chrono::milliseconds timeout{1500};
};

/// Sees every message exchanged with upstream servers (for dnstap). Called on the thread that
/// runs the exchanges; it must not block. `forwarding` is set for queries sent with RD to a
/// forwarder, clear for iteration.
class UpstreamTap {
 public:
  virtual ~UpstreamTap() = default;
  /// A query was sent to `server`.
  virtual void query(const Endpoint& server, std::span<const std::uint8_t> message, bool tcp,
                     bool forwarding) = 0;
  /// `server` answered a query sent at `sent` (wall clock).
  virtual void response(const Endpoint& server, std::span<const std::uint8_t> message, bool tcp,
                        bool forwarding, std::chrono::system_clock::time_point sent) = 0;
};

/// Sends queries from `io`, which one thread runs (it runs the callbacks too). UDP queries to a
/// server share a few connected sockets, each on its own random port and replaced after a number
/// of queries, chosen at random per query; a truncated answer is retried over TCP; answers that
/// do not match are ignored (not fatal) while waiting for the real one until the timeout.
/// Queries to a TLS server share one persistent connection to it, pipelined.
class UpstreamClient {
 public:
  /// UDP sockets open at once at most, over all servers: what a worker's descriptor budget keeps.
  static constexpr std::size_t kMaxUdpSockets = 32;
  /// TLS connections open at once at most, over all servers (one per server).
  static constexpr std::size_t kMaxTlsConnections = 8;

  /// A client on `io`; each finished exchange is counted in `counters` when given (the caller
  /// keeps it alive, and only `io`'s one thread may run the exchanges then). `tls` verifies TLS
  /// servers; without it an exchange with one fails as a network error.
  explicit UpstreamClient(boost::asio::io_context& io, UpstreamTable* counters = nullptr,
                          std::shared_ptr<TlsClientContext> tls = nullptr);
  ~UpstreamClient();

  /// From now on every message goes past `tap` too (nullptr: none); set it before exchanges start.
  void setTap(UpstreamTap* tap);
  /// Sends (qname, qtype) to `server`; `done` is called exactly once.
  void exchange(const Endpoint& server, const std::string& qname_lower, std::uint16_t qtype,
                const ExchangeOptions& options, std::function<void(ExchangeResult)> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Per-server smoothed RTT and failure state, to pick the fastest server of an NS set
/// (Unbound's infra cache idea: unknown servers get a low initial estimate so they are tried).
class ServerSelection {
 public:
  /// Records a reply's RTT or a timeout for `server`.
  void recordRtt(const Endpoint& server, std::chrono::microseconds rtt);
  void recordTimeout(const Endpoint& server);
  /// The server to try next among `candidates` (non-empty), skipping those in `tried` when
  /// others remain. Thread-safe.
  std::size_t pick(const std::vector<Endpoint>& candidates, const std::vector<Endpoint>& tried);
  /// Timeout to use for `server`: from its smoothed RTT, clamped to [min, max].
  std::chrono::milliseconds timeoutFor(const Endpoint& server) const;

 private:
  struct State {
    double srtt_us = 0;
    double rttvar_us = 0;
    int timeouts = 0;
    bool known = false;                               // has at least one RTT sample
    std::chrono::steady_clock::time_point updated{};  // forgotten kHostTtl after this
  };
  mutable std::mutex mutex_;
  // Keyed by address octets + port; at most kMaxServers entries (see upstream.cpp).
  std::unordered_map<std::string, State> states_;
};

/// Parses a named.root-format hints file ("." NS name / name A addr / name AAAA addr) into root
/// server addresses; nullopt and *error on bad content. builtinRootHints() is IANA's list.
std::optional<std::vector<Endpoint>> parseRootHints(const std::string& text, std::string* error);
std::vector<Endpoint> builtinRootHints();

}  // namespace horizon::resolver
