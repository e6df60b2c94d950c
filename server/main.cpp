// horizond: parse the command line, load and compile the zones, serve them until SIGTERM/SIGINT.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "horizon/net/server.hpp"
#include "horizon/net/server_config.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using horizon::net::ServerConfig;

constexpr const char* kVersion = "horizond 0.1.0";
constexpr int kExitUsage = 2;  // bad command line, as getopt-style tools do
constexpr int kExitFailure = 1;

std::string prefixText(const horizon::zone::Prefix& prefix) {
  char text[INET6_ADDRSTRLEN] = "?";
  inet_ntop(prefix.is_v6 ? AF_INET6 : AF_INET, prefix.address.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(prefix.length);
}

std::string listenText(const horizon::net::ListenAddress& listen, std::uint16_t port) {
  const bool v6 = listen.host.find(':') != std::string::npos;
  return (v6 ? "[" + listen.host + "]" : listen.host) + ":" + std::to_string(port);
}

// "zone madhan.app. serial 1: view lan [192.168.1.0/24 127.0.0.0/8] 9 records; view ..."
std::string zoneSummary(const horizon::zone::Zone& zone,
                        const horizon::query::CompiledZone* compiled) {
  std::string line = "zone " + zone.origin_text + " serial " + std::to_string(zone.serial) +
                     " from " + zone.source_file + ":";
  for (const auto& view : zone.views) {
    line += " view " + view.name + " [";
    for (std::size_t i = 0; i < view.prefixes.size(); ++i) {
      line += (i ? " " : "") + prefixText(view.prefixes[i]);
    }
    line += "]";
    if (compiled != nullptr) {
      for (const auto& compiled_view : compiled->views) {
        if (compiled_view.name == view.name) {
          line += " " + std::to_string(compiled_view.record_count) + " records";
        }
      }
    }
    line += ";";
  }
  if (!line.empty() && line.back() == ';') line.pop_back();
  return line;
}

void setUpLogging(const std::string& level) {
  // stderr: stdout may be a pipe nobody reads, and systemd collects both anyway.
  auto logger = spdlog::stderr_color_mt("horizond");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

// Loads every zone file, printing every diagnostic; nullopt when any file has errors.
std::optional<std::vector<horizon::zone::Zone>> loadZones(const ServerConfig& config) {
  std::vector<horizon::zone::Zone> zones;
  bool ok = true;
  std::set<std::string> origins;
  for (const auto& path : config.zone_files) {
    auto result = horizon::zone::loadZoneFile(path);
    for (const auto& diagnostic : result.diagnostics) {
      if (diagnostic.severity == horizon::zone::Diagnostic::Severity::kWarning) {
        spdlog::warn("{}", diagnostic.toString());
      } else {
        spdlog::error("{}", diagnostic.toString());
      }
    }
    if (!result.ok()) {
      spdlog::error("cannot load zone file {}", path);
      ok = false;
      continue;
    }
    if (!origins.insert(result.zone->origin).second) {
      spdlog::error("{}: zone {} is already loaded from another file", path,
                    result.zone->origin_text);
      ok = false;
      continue;
    }
    zones.push_back(std::move(*result.zone));
  }
  if (!ok) return std::nullopt;
  return zones;
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

    auto zones = loadZones(config);
    if (!zones) return kExitFailure;
    std::shared_ptr<const horizon::query::Snapshot> snapshot;
    try {
      snapshot = horizon::query::compileSnapshot(*zones);
    } catch (const std::exception& e) {
      spdlog::error("cannot compile the zones: {}", e.what());
      return kExitFailure;
    }
    for (const auto& zone : *zones) {
      const horizon::query::CompiledZone* compiled = nullptr;
      for (const auto& candidate : snapshot->zones) {
        if (candidate.origin == zone.origin) compiled = &candidate;
      }
      spdlog::info("{}", zoneSummary(zone, compiled));
    }

    auto holder = std::make_shared<horizon::net::SnapshotHolder>(snapshot);
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
    server.start();
    spdlog::info("listening on {} (UDP and TCP) with {} worker thread{}{}", listening,
                 config.workers, config.workers == 1 ? "" : "s",
                 config.query_log ? ", query log on" : "");

    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int signal) {
          if (ec) return;
          if (signal == SIGHUP) {
            spdlog::warn("SIGHUP: reload is not supported yet; still serving the loaded zones");
            signals.async_wait(on_signal);
            return;
          }
          spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
          control.stop();
        };
    signals.async_wait(on_signal);
    control.run();

    server.stop();
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("fatal: {}", e.what());
    return kExitFailure;
  }
}
