// dnstap output: the DNS messages horizond receives and sends, as dnstap records
// (https://dnstap.info) in a Frame Streams stream, to a collector's unix socket or to a file. The
// DNS threads only hand records to a queue of their own; one background thread writes them, and
// when it falls behind (a slow or absent collector) records are dropped and counted rather than
// waited for.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>

struct sockaddr;

namespace horizon::dnstap {

/// The dnstap message types horizond writes: its side of each exchange.
enum class MessageType {
  kClientQuery,
  kClientResponse,
  kResolverQuery,
  kResolverResponse,
  kForwarderQuery,
  kForwarderResponse
};

/// The transport a message travelled on (dnstap's SocketProtocol UDP, TCP, DOT, DOH).
enum class Transport { kUdp, kTcp, kTls, kHttps };

/// One DNS message seen by horizond. Pointers are borrowed for the call only. Addresses are
/// AF_INET or AF_INET6 and of one family (an address of another family than the first given is
/// left out of the record); a zero time is left out as unknown.
struct Event {
  MessageType type = MessageType::kClientQuery;
  Transport transport = Transport::kUdp;
  /// The initiator: the client (CLIENT_*), horizond's own socket or null (RESOLVER_*/FORWARDER_*).
  const sockaddr* query_address = nullptr;
  /// The responder: horizond's listening address or null (CLIENT_*), the upstream server
  /// (RESOLVER_*/FORWARDER_*).
  const sockaddr* response_address = nullptr;
  /// The DNS message, wire format.
  std::span<const std::uint8_t> message;
  /// When the query was received (CLIENT_*) or sent (RESOLVER_*/FORWARDER_*).
  timespec query_time{};
  /// When the response was sent or received: *_RESPONSE only.
  timespec response_time{};
};

/// A dnstap output: one background writer thread, fed by one input queue per DNS thread.
class Writer {
 public:
  /// Opens `destination` ("unix:PATH" or "file:PATH") with `queues` input queues (one per thread
  /// that writes; queue i used by one thread only); nullptr and *error when it cannot. A file is
  /// created (truncated) here; a unix socket need not be listened on yet: the writer connects
  /// when the collector is there, and drops (counting) until then. Not for a DNS thread: it tries
  /// the collector once, which takes up to a second when one accepts but does not answer.
  static std::unique_ptr<Writer> open(const std::string& destination, unsigned queues,
                                      std::string identity, std::string version,
                                      std::string* error);
  /// Flushes what is queued and closes (waits at most a few seconds for a stalled collector).
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Never blocks and never throws: false when the message was dropped (queue full, no collector
  /// connected, or not encodable). Only queue `queue`'s thread calls it with that queue; a queue
  /// out of range is a caller's error: false, and not counted.
  bool write(unsigned queue, const Event& event);
  /// Messages accepted (handed to the writer thread), over all queues.
  std::uint64_t written() const;
  /// Messages dropped, over all queues.
  std::uint64_t dropped() const;

 private:
  struct Impl;
  explicit Writer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Parses "unix:PATH" / "file:PATH" (for config validation); false and *error otherwise.
bool validDestination(const std::string& destination, std::string* error);

}  // namespace horizon::dnstap
