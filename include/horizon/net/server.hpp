// The network front end of horizond: per worker thread, an Asio io_context with its own
// SO_REUSEPORT UDP socket per listen address (recvmmsg/sendmmsg batches) and TCP acceptors.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "horizon/net/server_config.hpp"
#include "horizon/query/compiled_zone.hpp"

namespace horizon::net {

/// Holds the current snapshot for lock-free readers. publish() swaps in a new one; an old one
/// is released only after every worker has moved on (each worker reports a quiescent point).
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const query::Snapshot> initial);
  /// The snapshot to answer from; valid until the calling worker's next quiescent point.
  const query::Snapshot* current() const { return current_.load(std::memory_order_acquire); }
  /// Makes `next` current. Control plane only.
  void publish(std::shared_ptr<const query::Snapshot> next);

 private:
  std::atomic<const query::Snapshot*> current_;
  std::vector<std::shared_ptr<const query::Snapshot>> keep_alive_;  // guarded by publish callers
};

/// Runs the listeners until stop() is called (from any thread, e.g. a signal handler's strand).
class Server {
 public:
  Server(ServerConfig config, std::shared_ptr<SnapshotHolder> snapshots);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listen address (UDP and TCP) for every worker; throws std::runtime_error with a
  /// message naming the address when a bind fails.
  void bind();
  /// Starts the worker threads and returns at once.
  void start();
  /// Asks every worker to stop and waits for them.
  void stop();
  /// The ports actually bound (useful when a listen address said port 0), in listen order.
  std::vector<std::uint16_t> boundPorts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace horizon::net
