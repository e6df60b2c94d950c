// horizond: parse the command line, load and compile the zones, serve them until SIGTERM/SIGINT.
// The main thread runs the control io_context: signals, the zone watcher, the control socket and
// snapshot reclamation; the workers only answer queries.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "horizon/config/command_line.hpp"
#include "horizon/ctl/control_server.hpp"
#include "horizon/ctl/metrics_collector.hpp"
#include "horizon/ctl/zone_reloader.hpp"
#include "horizon/ctl/zone_watcher.hpp"
#include "horizon/metrics/http_endpoint.hpp"
#include "horizon/net/descriptor_budget.hpp"
#include "horizon/net/server.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/version.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using horizon::config::ServerConfig;

constexpr int kExitUsage = 64;  // EX_USAGE: a bad command line or config file
constexpr int kExitFailure = 1;
// Retired snapshots are freed once every worker has moved on; checking this often bounds how long
// an old snapshot outlives a reload when publish() itself could not free it yet.
constexpr auto kReclaimInterval = std::chrono::seconds(1);

// Says how many descriptors there are and how they are shared out, and warns when the operator's
// TCP cap had to be lowered or the limit is too small to serve well.
void logDescriptorBudget(const horizon::net::DescriptorLimit& limit,
                         const horizon::net::DescriptorBudget& budget, const ServerConfig& config) {
  spdlog::info(
      "descriptors: limit {} (soft was {}, hard {}); TCP connections {}, resolutions in flight "
      "{} ({} per client address per worker), reserve {}",
      budget.limit, limit.soft_before, limit.hard, budget.tcp_connections, budget.in_flight,
      budget.in_flight_per_client, budget.reserve);
  if (limit.error != 0)
    spdlog::warn("descriptors: could not raise the soft limit: {}", std::strerror(limit.error));
  if (budget.starved)
    spdlog::warn(
        "descriptors: the limit {} leaves almost nothing past the reserve of {}; raise "
        "the hard RLIMIT_NOFILE (ulimit -Hn, LimitNOFILE=)",
        budget.limit, budget.reserve);
  if (budget.tcp_clamped && config.max_tcp_connections != ServerConfig{}.max_tcp_connections)
    spdlog::warn("max-tcp-connections {} is more than the descriptor limit allows; using {}",
                 config.max_tcp_connections, budget.tcp_connections);
}

std::string listenText(const horizon::config::ListenAddress& listen, std::uint16_t port) {
  const bool v6 = listen.host.find(':') != std::string::npos;
  return (v6 ? "[" + listen.host + "]" : listen.host) + ":" + std::to_string(port);
}

// Runs the control loop until a reload succeeds (the watcher's, which stops the loop, or one
// asked for by SIGHUP) or SIGTERM or SIGINT arrives. False for the latter.
bool waitForZones(boost::asio::io_context& control, boost::asio::signal_set& signals,
                  horizon::ctl::ZoneReloader& reloader) {
  bool stop_requested = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          spdlog::info("SIGHUP: reloading");
          if (!reloader.reload(horizon::ctl::ReloadTrigger::kSignal).ok) {
            signals.async_wait(on_signal);
            return;
          }
        } else {
          stop_requested = true;
        }
        control.stop();
      };
  signals.async_wait(on_signal);
  control.run();
  signals.cancel();
  control.restart();
  return !stop_requested;
}

// Starts the metrics endpoint on `address` (ADDR:PORT, already checked by the command line).
std::unique_ptr<horizon::metrics::HttpEndpoint> startMetrics(
    const std::string& address, std::function<horizon::metrics::Families()> collect,
    std::function<bool()> ready) {
  std::string why;
  const auto options = horizon::metrics::parseMetricsAddress(address, &why);
  if (!options) throw std::runtime_error("metrics: " + why);
  auto endpoint = std::make_unique<horizon::metrics::HttpEndpoint>(*options, std::move(collect),
                                                                   std::move(ready));
  endpoint->start();
  spdlog::info("metrics on http://{}/metrics (and /health, /ready)",
               listenText({options->address, endpoint->port()}, endpoint->port()));
  return endpoint;
}

void setUpLogging(const std::string& level) {
  // stderr: stdout may be a pipe nobody reads, and systemd collects both anyway.
  auto logger = spdlog::stderr_color_mt("horizond");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace

int main(int argc, char** argv) {
  horizon::config::CommandLine command_line;
  try {
    command_line = horizon::config::parseCommandLine(argc, argv);
  } catch (const horizon::config::UsageError& e) {
    std::fprintf(stderr, "horizond: %s\nRun 'horizond --help' for the flags and config keys.\n",
                 e.what());
    return kExitUsage;
  }
  switch (command_line.action) {
    case horizon::config::CommandLine::Action::kHelp:
      std::fputs(horizon::config::usageText().c_str(), stdout);
      return 0;
    case horizon::config::CommandLine::Action::kVersion:
      std::printf("%s\n", horizon::kVersionString);
      return 0;
    case horizon::config::CommandLine::Action::kExampleConfig:
      std::fputs(horizon::config::exampleConfig().c_str(), stdout);
      return 0;
    case horizon::config::CommandLine::Action::kServe:
      break;
  }
  ServerConfig config = std::move(command_line.config);
  // Before anything opens a descriptor or starts a thread: the shell's soft limit (often 1024)
  // is no measure of what a server needs, and the hard limit is what the operator allows.
  const horizon::net::DescriptorLimit descriptor_limit = horizon::net::raiseDescriptorLimit();

  try {
    setUpLogging(config.log_level);

    // Signals are claimed before any thread starts so that every thread inherits the handling
    // and an early SIGTERM still leads to a clean stop rather than the default action.
    boost::asio::io_context control;
    boost::asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);

    horizon::ctl::ZoneReloader reloader(config.zone_files);
    // Readiness (/ready, horizon_ready): every zone loaded and every listener up, and not
    // stopping. The server is published for the metrics once it exists.
    std::atomic<bool> ready{false};
    std::atomic<const horizon::net::Server*> serving{nullptr};
    std::unique_ptr<horizon::metrics::HttpEndpoint> metrics_endpoint;
    if (!config.metrics.empty()) {
      try {
        metrics_endpoint = startMetrics(
            config.metrics,
            [&] {
              horizon::ctl::ExtraStatistics extra;
              extra.ready = ready.load();
              return horizon::ctl::collectServerMetrics(serving.load(), reloader, extra);
            },
            [&] { return ready.load(); });
      } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitFailure;
      }
    }

    // While waiting for a broken zone to be fixed (wait-for-zones), a successful reload ends
    // the wait.
    bool waiting_for_zones = false;
    bool watching = false;
    // The watcher takes its baseline of the zone files before the first load reads them, so a
    // write that lands while the server is still starting is seen as a change (by an event or,
    // before the watches exist, by the poll) instead of becoming the baseline unloaded.
    horizon::ctl::ZoneWatcher::Options watch_options;
    watch_options.poll_interval = std::chrono::milliseconds(config.zone_poll_interval_ms);
    auto watcher = std::make_unique<horizon::ctl::ZoneWatcher>(
        control, [&] { return reloader.watchedFiles(); },
        [&] {
          spdlog::info("zone file changed: reloading");
          const bool ok = reloader.reload(horizon::ctl::ReloadTrigger::kFileChange).ok;
          if (ok && waiting_for_zones) control.stop();
        },
        watch_options);
    watcher->refresh();
    if (!reloader.reload(horizon::ctl::ReloadTrigger::kStartup).ok) {
      if (!config.wait_for_zones) return kExitFailure;
      // Not ready until a reload succeeds; SIGTERM and SIGINT still stop at once.
      spdlog::warn("not ready: waiting for the zone files to be fixed");
      waiting_for_zones = true;
      watcher->start();
      watching = true;
      const bool stop_requested = !waitForZones(control, signals, reloader);
      waiting_for_zones = false;
      if (stop_requested) {
        spdlog::info("stopped before the zones loaded");
        return 0;
      }
    }
    auto holder = std::make_shared<horizon::query::SnapshotHolder>(reloader.snapshot());
    reloader.attach(holder);
    horizon::net::Server server(config, holder);
    try {
      server.bind();
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return kExitFailure;
    }
    logDescriptorBudget(descriptor_limit, server.descriptorBudget(), config);
    const auto ports = server.boundPorts();
    std::string listening;
    for (std::size_t i = 0; i < config.listen.size(); ++i) {
      listening += (i ? ", " : "") + listenText(config.listen[i], ports.at(i));
    }
    std::unique_ptr<horizon::ctl::ControlServer> control_server;
    auto after_reload = [&] {
      if (watcher) watcher->refresh();
    };
    if (!config.control_socket.empty()) {
      control_server = std::make_unique<horizon::ctl::ControlServer>(
          control, config.control_socket, reloader,
          std::string("horizond ") + horizon::kVersionNumber, after_reload);
      try {
        control_server->open();
      } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitFailure;
      }
    }
    server.start();
    serving.store(&server);
    ready.store(true);
    const unsigned workers = server.workerCount();
    spdlog::info("listening on {} (UDP and TCP) with {} worker thread{}{}", listening, workers,
                 workers == 1 ? "" : "s", config.query_log ? ", query log on" : "");
    if (control_server) spdlog::info("control socket on {}", config.control_socket);

    if (!watching) watcher->start();

    boost::asio::steady_timer reclaim_timer(control);
    std::function<void(const boost::system::error_code&)> on_reclaim =
        [&](const boost::system::error_code& ec) {
          if (ec) return;
          holder->reclaim();
          reclaim_timer.expires_after(kReclaimInterval);
          reclaim_timer.async_wait(on_reclaim);
        };
    reclaim_timer.expires_after(kReclaimInterval);
    reclaim_timer.async_wait(on_reclaim);

    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signal) {
          if (ec) return;
          if (signal == SIGHUP) {
            spdlog::info("SIGHUP: reloading");
            reloader.reload(horizon::ctl::ReloadTrigger::kSignal);
            after_reload();
            signals.async_wait(on_signal);
            return;
          }
          spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
          control.stop();
        };
    signals.async_wait(on_signal);
    control.run();

    ready.store(false);  // /ready answers 503 while stopping
    if (metrics_endpoint) metrics_endpoint->shuttingDown();
    watcher->stop();
    if (control_server) control_server->close();
    server.stop();
    serving.store(nullptr);
    if (metrics_endpoint) metrics_endpoint->stop();
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    return kExitFailure;
  }
}
