// Private to the resolver: DNS over TLS to upstream servers (RFC 7858). Each UpstreamClient (one
// per worker) keeps at most one connection per TLS server, opened on demand and shared by every
// exchange with that server: queries are pipelined on it and answers matched by id whatever their
// order (RFC 7766 6.2.1.1). Everything here runs on the client's one io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "horizon/resolver/upstream.hpp"

namespace horizon::resolver {

/// An exchange waiting for its answer on a TLS connection.
class TlsWaiter {
 public:
  virtual ~TlsWaiter() = default;
  /// A message arrived under the waiter's id (its question is for the waiter to check).
  virtual void onTlsMessage(std::span<const std::uint8_t> message) = 0;
  /// The connection failed before the answer came: in its handshake or verification, or, when
  /// `established`, later (the server closed it, perhaps as idle while the query was on its way).
  virtual void onTlsFailure(bool established) = 0;
};

class TlsConnection;

/// The TLS connections of one UpstreamClient, at most UpstreamClient::kMaxTlsConnections.
class TlsUpstreams {
 public:
  /// Queries waiting on one connection at most; more fail at once (bounded memory).
  static constexpr std::size_t kMaxWaiting = 512;

  /// Connections from `io`, verified with `context` (null: every exchange fails).
  TlsUpstreams(boost::asio::io_context& io, std::shared_ptr<TlsClientContext> context);
  ~TlsUpstreams();
  TlsUpstreams(const TlsUpstreams&) = delete;
  TlsUpstreams& operator=(const TlsUpstreams&) = delete;

  /// Sends `query` to `server` (a TLS endpoint) on its connection, opened when there is none,
  /// after setting its id to one no other waiter there has; the reply goes to `waiter`. Null when
  /// the query cannot be sent (no trust store, connections or queue full).
  std::shared_ptr<TlsConnection> send(const Endpoint& server, std::vector<std::uint8_t>& query,
                                      std::weak_ptr<TlsWaiter> waiter);
  /// Closes every connection without telling their waiters (the client is going away).
  void closeAll();

 private:
  boost::asio::io_context& io_;
  std::shared_ptr<TlsClientContext> context_;
  std::vector<std::shared_ptr<TlsConnection>> connections_;  // open or opening
};

/// Forgets the query sent under `id` on `connection`: its answer, if it comes, is dropped.
void forgetTlsQuery(TlsConnection& connection, std::uint16_t id);

}  // namespace horizon::resolver
