// Private to the network module: everything one worker owns. A worker is one io_context thread
// (TCP, and the resolver's upstream I/O) plus one UDP thread per listen address; only its own
// threads touch it once started. Transports are files of their own (udp_listener, tcp_listener,
// tcp_connection) that hold a Worker& and answer through the same two calls: query::answerQuery
// for our zones and the worker's RecursiveAnswerer for everything recursion answers.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <thread>
#include <utility>
#include <vector>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "horizon/config/server_config.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/query/answer_engine.hpp"
#include "horizon/query/snapshot_holder.hpp"
#include "log_limiter.hpp"
#include "query_observer.hpp"
#include "recursive_answerer.hpp"

namespace horizon::net {

class UdpListener;
class TcpListener;
class TcpConnection;

/// One worker: its io_context, its transports, and what they share.
struct Worker {
  /// A worker numbered `index`, answering from `snapshots`, with `max_connections` TCP
  /// connections at most, and pinned (its UDP threads) to `cpu` unless that is negative. With
  /// `dnstap`, its io thread writes to queue `dnstap_queue` and its UDP threads to the queues
  /// that follow, one each.
  Worker(unsigned index, const config::ServerConfig& config, query::SnapshotHolder& snapshots,
         std::size_t max_connections, int cpu, dnstap::Writer* dnstap, unsigned dnstap_queue);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// True when `peer` lies in a --trusted-proxy prefix: its PROXY header or its DoH requests'
  /// forwarding headers name the client.
  bool isTrustedProxy(const ip::ClientAddress& peer) const {
    for (const auto& prefix : trusted_proxies)
      if (prefix.is_v6 == peer.is_v6 && ip::prefixContains(prefix, peer)) return true;
    return false;
  }

  /// Runs the io_context until it is stopped; an exception escaping a handler is logged and the
  /// loop goes on, so one unexpected throw cannot end the worker.
  void run();

  // The io_context goes first so it is destroyed last, after the sockets that use it. Reactor
  // I/O locking is off: each Asio socket is only ever used from this worker's io thread (see
  // Server::start). The scheduler still locks, so the UDP threads may post to it.
  boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  // The UDP threads post cache misses here at any time; run() must not return for lack of work.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running{
      io.get_executor()};
  const unsigned index;
  const config::ServerConfig& config;
  query::SnapshotHolder& snapshots;
  query::SnapshotHolder::Reader& reader;  // the io thread's quiescent-state slot
  const std::size_t max_connections;
  int cpu;  // the CPU the UDP threads are pinned to; -1: none (set before start)
  dnstap::Writer* const dnstap;  // nullptr: no dnstap
  const unsigned dnstap_queue;   // the io thread's queue; UDP listener k uses dnstap_queue + 1 + k

  std::unique_ptr<std::uint8_t[]> tcp_response;  // the io thread's answer buffer
  std::unique_ptr<RecursiveAnswerer> recursion;  // set by Server::bind before start
  query::ProtocolOptions protocol;               // NSID, cookies and TSIG keys; set by Server::bind
  std::unique_ptr<resolver::UpstreamTap> upstream_tap;  // dnstap of the resolver's exchanges
  std::vector<ip::Prefix> trusted_proxies;              // set by Server::bind

  std::vector<std::unique_ptr<UdpListener>> udp;
  std::vector<std::unique_ptr<TcpListener>> tcp;
  // Open connections, least recently active first: the front is the one to evict.
  std::list<std::shared_ptr<TcpConnection>> connections;
  LogLimiter errors;       // the io thread's; each UDP thread has its own
  QueryObserver observer;  // the io thread's (TCP, late recursive answers); each UDP thread's own
  stats::Counter tcp_accepted;            // io thread
  stats::Counter tcp_evicted;             // io thread: closed to make room for a new one
  stats::Counter tls_handshakes;          // io thread: completed TLS handshakes
  stats::Counter tls_handshake_failures;  // io thread: failed or abandoned ones
  std::atomic<std::size_t> tcp_open{0};   // mirrors connections.size() for the scrape
  std::thread thread;
};

}  // namespace horizon::net
