// A worker's lifetime: its buffers, its io loop, and the order things are torn down in.
#include "worker.hpp"

#include <spdlog/spdlog.h>

#include "tcp_connection.hpp"
#include "tcp_listener.hpp"
#include "udp_listener.hpp"

namespace horizon::net {

Worker::Worker(unsigned index_in, const config::ServerConfig& config_in,
               query::SnapshotHolder& snapshots_in, std::size_t max_connections_in, int cpu_in,
               dnstap::Writer* dnstap_in, unsigned dnstap_queue_in)
    : index(index_in),
      config(config_in),
      snapshots(snapshots_in),
      reader(snapshots_in.addReader()),
      max_connections(max_connections_in),
      cpu(cpu_in),
      dnstap(dnstap_in),
      dnstap_queue(dnstap_queue_in),
      tcp_response(new std::uint8_t[query::kMaxResponseSize]),
      observer(config_in, dnstap_in, dnstap_queue_in) {}

Worker::~Worker() {
  // Close connections while the io_context is alive; their pending handlers die with it.
  while (!connections.empty()) connections.front()->close();
  tcp.clear();
  udp.clear();  // joins the UDP threads if stop() did not
}

void Worker::run() {
  for (;;) {
    try {
      io.run();
      return;  // run() returns only after stop()
    } catch (const std::exception& e) {
      spdlog::error("worker {}: unexpected exception: {}; continuing", index, e.what());
    } catch (...) {
      spdlog::error("worker {}: unexpected non-standard exception; continuing", index);
    }
  }
}

}  // namespace horizon::net
