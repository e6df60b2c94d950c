// The network front end of horizond: per worker thread, an Asio io_context with its own
// SO_REUSEPORT UDP socket per listen address (recvmmsg/sendmmsg batches) and TCP acceptors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "horizon/config/server_config.hpp"
#include "horizon/query/snapshot_holder.hpp"

namespace horizon::net {

/// Runs the listeners until stop() is called (from any thread, e.g. a signal handler's strand).
class Server {
 public:
  /// A server for `config` answering from `snapshots`; nothing is bound until bind().
  Server(config::ServerConfig config, std::shared_ptr<query::SnapshotHolder> snapshots);
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
  /// Worker threads in use (after bind()).
  unsigned workerCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace horizon::net
