// One DNS-over-HTTPS connection (RFC 8484) without sockets: the connection feeds the decrypted
// bytes it reads to receive(), writes what pendingOutput() holds, and answers the DNS queries the
// Handler is given, in any order and whenever they are ready. HTTP/2 goes through nghttp2's
// server session; HTTP/1.1 is parsed here (keep-alive, answers written in request order).
//
// The connection's loop:
//   if (!session.readPaused()) read; if (!session.receive(bytes)) stop reading;
//   write session.pendingOutput(), then session.consumed(bytes written);
//   close once session.wantsClose() and pendingOutput() is empty.
// answer() may be called from inside onQuery (an authoritative answer) or later (a recursive
// one). HTTP/1.1 requests that arrived while the session was paused are handed to onQuery from
// inside answer() or consumed(), once there is room. Not thread-safe: one thread owns a Session,
// and the handler must not destroy it from inside a callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "horizon/ip/address.hpp"

namespace horizon::doh {

/// The HTTP version a connection speaks.
enum class Protocol : std::uint8_t { kHttp11, kHttp2 };

/// The protocol for the ALPN identifier TLS negotiated: "h2" is HTTP/2; anything else, or none
/// (an empty string), is HTTP/1.1.
Protocol protocolFromAlpn(std::string_view alpn);

/// Names one query for the whole life of a Session (never reused).
using RequestId = std::uint64_t;

/// The client addresses the request's headers claim; believe them only from a trusted proxy.
struct ForwardedFor {
  std::optional<ip::ClientAddress> forwarded;        // Forwarded: for= of the last element
  std::optional<ip::ClientAddress> x_forwarded_for;  // X-Forwarded-For: its last address

  /// Forwarded when present (the standard one), else X-Forwarded-For.
  std::optional<ip::ClientAddress> client() const {
    return forwarded ? forwarded : x_forwarded_for;
  }
};

/// What the Session asks of its connection.
class Handler {
 public:
  virtual ~Handler() = default;
  /// A well-formed DoH request carried `dns_message` (at least a DNS header long; the bytes are
  /// only valid during the call). Answer it with Session::answer(id, ...).
  virtual void onQuery(RequestId id, std::span<const std::uint8_t> dns_message,
                       const ForwardedFor& hints) = 0;
  /// The client gave up on `id` (its HTTP/2 stream was reset or closed): an answer is no longer
  /// wanted, though giving one anyway is harmless.
  virtual void onCancel(RequestId /*id*/) {}
};

/// Bounds on what one connection may make the server hold.
struct Limits {
  std::uint32_t max_concurrent_streams = 100;    // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS
  std::size_t max_pending_queries = 100;         // handed to onQuery and not answered yet
  std::size_t max_buffered_output = 256 * 1024;  // readPaused() beyond this much unwritten
  std::size_t max_header_bytes = 16 * 1024;      // a request's header block; 431 beyond
  std::size_t max_uri_bytes = 8192;              // the request target; 414 beyond
  std::size_t max_body_bytes = 65535;            // a POST body, a DNS message's limit; 413 beyond
};

/// What a Session did, for metrics.
struct Counters {
  std::uint64_t queries = 0;   // requests handed to onQuery
  std::uint64_t answered = 0;  // 200 responses queued
  std::uint64_t rejected = 0;  // requests answered with an HTTP error status (4xx, 5xx)
  std::uint64_t refused = 0;   // HTTP/2 only: streams reset with REFUSED_STREAM (either cap)
};

/// One HTTP version's implementation (server/doh/engine.hpp), private to the library.
class Engine;

/// One client connection's HTTP side.
class Session {
 public:
  /// A session for `protocol`; HTTP/2 queues the server's SETTINGS at once.
  Session(Protocol protocol, Handler& handler, const Limits& limits = {});
  /// Drops the unanswered queries without onCancel: the connection knows it is closing.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Takes bytes read from the client. False: read no more (a fatal protocol error, a request
  /// after which HTTP/1.1 closes, or the HTTP/2 session ended); keep writing until wantsClose().
  bool receive(std::span<const std::uint8_t> bytes);
  /// Sends the DNS response to query `id` as a 200 with max-age from its TTLs. Unknown ids, ids
  /// already answered and ids whose stream was reset are ignored.
  void answer(RequestId id, std::span<const std::uint8_t> dns_response);

  /// Bytes to write to the client; valid until the next call on the Session.
  std::span<const std::uint8_t> pendingOutput();
  /// Drops the first `n` bytes of pendingOutput(), which were written; may resume requests held
  /// while paused.
  void consumed(std::size_t n);

  /// True while the client should not be read: unwritten output is at its bound, or (HTTP/1.1,
  /// where extra queries cannot be refused) unanswered queries are. It clears as output is
  /// consumed and queries are answered.
  bool readPaused() const;
  /// True when nothing more will be written after pendingOutput(): close once it is written.
  bool wantsClose() const;
  /// Queries handed to onQuery and neither answered nor cancelled.
  std::size_t pendingQueries() const;
  /// Totals since the Session began.
  const Counters& counters() const;

 private:
  std::unique_ptr<Engine> engine_;
};

}  // namespace horizon::doh
