// horizond: parse the command line, load and compile the zones, serve them until SIGTERM/SIGINT.
// The main thread runs the control io_context: signals, the zone watcher, the control socket and
// snapshot reclamation; the workers only answer queries.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
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

#include "horizon/ctl/control_server.hpp"
#include "horizon/ctl/zone_reloader.hpp"
#include "horizon/ctl/zone_watcher.hpp"
#include "horizon/net/server.hpp"
#include "horizon/net/server_config.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using horizon::net::ServerConfig;

constexpr const char* kVersion = "horizond 0.1.0";
constexpr int kExitUsage = 2;  // bad command line, as getopt-style tools do
constexpr int kExitFailure = 1;
// Retired snapshots are freed once every worker has moved on; checking this often bounds how long
// an old snapshot outlives a reload when publish() itself could not free it yet.
constexpr auto kReclaimInterval = std::chrono::seconds(1);

std::string listenText(const horizon::net::ListenAddress& listen, std::uint16_t port) {
  const bool v6 = listen.host.find(':') != std::string::npos;
  return (v6 ? "[" + listen.host + "]" : listen.host) + ":" + std::to_string(port);
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
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      std::printf("%s\n", kVersion);
      return 0;
    }
  }
  std::string error;
  bool help = false;
  auto parsed = horizon::net::parseCommandLine(argc, argv, &error, &help);
  if (help) {
    std::fputs(horizon::net::usageText().c_str(), stdout);
    return 0;
  }
  if (!parsed) {
    std::fprintf(stderr, "horizond: %s\n\n%s", error.c_str(), horizon::net::usageText().c_str());
    return kExitUsage;
  }
  ServerConfig config = std::move(*parsed);
  if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());

  try {
    setUpLogging(config.log_level);

    // Signals are claimed before any thread starts so that every thread inherits the handling
    // and an early SIGTERM still leads to a clean stop rather than the default action.
    boost::asio::io_context control;
    boost::asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);

    horizon::ctl::ZoneReloader reloader(config.zone_files);
    // The watcher takes its baseline of the zone files before the first load reads them, so a
    // write that lands while the server is still starting is seen as a change (by an event or,
    // before the watches exist, by the poll) instead of becoming the baseline unloaded.
    horizon::ctl::ZoneWatcher::Options watch_options;
    watch_options.poll_interval = std::chrono::milliseconds(config.zone_poll_interval_ms);
    auto watcher = std::make_unique<horizon::ctl::ZoneWatcher>(
        control, [&] { return reloader.watchedFiles(); },
        [&] {
          spdlog::info("zone file changed: reloading");
          reloader.reload(horizon::ctl::ReloadTrigger::kFileChange);
        },
        watch_options);
    watcher->refresh();
    if (!reloader.reload(horizon::ctl::ReloadTrigger::kStartup).ok) return kExitFailure;
    auto holder = std::make_shared<horizon::query::SnapshotHolder>(reloader.snapshot());
    reloader.attach(holder);
    horizon::net::Server server(config, holder);
    try {
      server.bind();
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return kExitFailure;
    }
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
          control, config.control_socket, reloader, kVersion, after_reload);
      try {
        control_server->open();
      } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitFailure;
      }
    }
    server.start();
    spdlog::info("listening on {} (UDP and TCP) with {} worker thread{}{}", listening,
                 config.workers, config.workers == 1 ? "" : "s",
                 config.query_log ? ", query log on" : "");
    if (control_server) spdlog::info("control socket on {}", config.control_socket);

    watcher->start();

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

    watcher->stop();
    if (control_server) control_server->close();
    server.stop();
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    return kExitFailure;
  }
}
