// horizon-sync: mirrors a zone's public view to Cloudflare and renders Traefik's public routes.
//   plan   dry run: prints what would change, writes nothing
//   apply  makes the changes, then checks them against a fresh listing
//   watch  applies at start, whenever the zone file changes, and every --interval; with
//          --metrics, serves Prometheus metrics and /health on a thread of its own; with
//          --traefik-http, serves Traefik's routes as JSON for its HTTP provider
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "horizon/metrics/http_endpoint.hpp"
#include "horizon/metrics/process_metrics.hpp"
#include "horizon/sync/retry_event_printer.hpp"
#include "horizon/sync/sync_metrics.hpp"
#include "horizon/sync/sync_report_printer.hpp"
#include "horizon/sync/sync_watch.hpp"

namespace {

using namespace horizon::sync;

const char* const kDescription =
    "Mirrors the zone's public view to Cloudflare (records marked with the comment\n"
    "\"managed-by: horizon\"; nothing else is ever changed or deleted) and renders Traefik's\n"
    "routes for public.services. Options may come before or after the command.\n";

const char* const kExitStatus =
    "exit status: 0 in sync (plan) or everything in place (apply); 2 changes pending (plan)\n"
    "or something left undone (apply), each item reported, a record not ours contradicting\n"
    "the public view included (--replace NAME retires it); 1 error; 64 bad command line.";

struct Args {
  SyncSettings sync;
  bool json = false;
  std::chrono::seconds::rep interval_seconds = 600;
  std::string metrics;       // watch: ADDR:PORT of the metrics endpoint; empty: none
  std::string traefik_http;  // watch: ADDR:PORT serving GET /traefik; empty: none
};

// "10m", "30s", "1h"; a bare number is minutes, as the interval is usually said. Rewrites the
// value to seconds for CLI11 to store.
CLI::Validator checkDuration() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string digits = text;
        long unit = 60;
        if (!text.empty() && std::string("smh").find(text.back()) != std::string::npos) {
          unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
          digits.pop_back();
        }
        std::string problem = checkIntegerIn(1, 604800)(digits);
        if (!problem.empty() || std::stol(digits) * unit > 604800)
          return "must be a time from 1s to a week (30s, 10m, 1h), not '" + text + "'";
        text = std::to_string(std::stol(digits) * unit);
        return {};
      },
      "");
}

// ADDR:PORT, [IPV6]:PORT or PORT, checked as the endpoint will read it.
CLI::Validator checkMetricsAddress() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string error;
        return horizon::metrics::parseMetricsAddress(text, &error) ? std::string() : error;
      },
      "");
}

// The options of every command, on the program too so they may come before the command.
void addOptions(CLI::App& app, Args& args) {
  app.add_option("--zone", args.sync.zone_file, "the zone file (required)")->type_name("FILE");
  app.add_flag("--json", args.json, "print the plan and the results as JSON");
  addSyncOptions(app, args.sync, nullptr, "Options");
  app.add_option("--interval", args.interval_seconds,
                 "watch: reconcile at least this often: 30s, 10m, 1h; a bare number is minutes "
                 "(default 10m)")
      ->type_name("TIME")
      ->transform(checkDuration());
  app.add_option("--metrics", args.metrics,
                 "watch: serve Prometheus metrics at http://ADDR:PORT/metrics, with /health and "
                 "/ready (ready once a run finished); e.g. 127.0.0.1:9154, a bare PORT is on "
                 "127.0.0.1 (default: off)")
      ->type_name("ADDR:PORT")
      ->check(checkMetricsAddress());
  app.add_option("--traefik-http", args.traefik_http,
                 "watch: serve Traefik's routes for public.services as JSON at "
                 "http://ADDR:PORT/traefik, for Traefik's HTTP provider (providers.http), with "
                 "/health and /ready; the same address as --metrics serves both (default: off)")
      ->type_name("ADDR:PORT")
      ->check(checkMetricsAddress());
}

std::atomic<bool> g_stop{false};
extern "C" void onSignal(int) {
  g_stop = true;
}

std::string describe(const horizon::metrics::EndpointOptions& options, std::uint16_t port) {
  const bool v6 = options.address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + options.address + "]" : options.address) + ":" +
         std::to_string(port);
}

horizon::metrics::EndpointOptions endpointOptions(const std::string& flag,
                                                  const std::string& address) {
  std::string error;
  auto options = horizon::metrics::parseMetricsAddress(address, &error);
  if (!options) throw std::runtime_error(flag + ": " + error);  // CLI11 checked it already
  return *options;
}

// The endpoints of --metrics and --traefik-http (one endpoint when both name the same address):
// /metrics is built per scrape from the runs' numbers on the endpoint's thread; /traefik is the
// last routes that rendered. Throws std::runtime_error when one cannot listen.
class Endpoints {
 public:
  Endpoints(const Args& args, const SyncMetrics& sync_metrics,
            std::shared_ptr<horizon::metrics::DocumentSlot> routes) {
    namespace metrics = horizon::metrics;
    std::optional<metrics::EndpointOptions> metrics_at, traefik_at;
    if (!args.metrics.empty()) metrics_at = endpointOptions("--metrics", args.metrics);
    if (!args.traefik_http.empty())
      traefik_at = endpointOptions("--traefik-http", args.traefik_http);
    const bool shared = metrics_at && traefik_at && metrics_at->address == traefik_at->address &&
                        metrics_at->port == traefik_at->port;
    auto ready = [&sync_metrics] { return sync_metrics.anyRunFinished(); };
    if (metrics_at) {
      auto& endpoint = endpoints_.emplace_back(std::make_unique<metrics::HttpEndpoint>(
          *metrics_at,
          [&sync_metrics] {
            metrics::Families families;
            metrics::appendBuildInfo(families);
            sync_metrics.appendFamilies(families);
            metrics::appendProcessMetrics(families);
            return families;
          },
          ready));
      if (shared) endpoint->serve("/traefik", routes);
      endpoint->start();
      spdlog::info("metrics at {}/metrics", describe(*metrics_at, endpoint->port()));
    }
    if (traefik_at) {
      if (!shared) {
        // Without a collector: the mesh address Traefik polls need not show the metrics.
        auto& endpoint = endpoints_.emplace_back(std::make_unique<metrics::HttpEndpoint>(
            *traefik_at, std::function<metrics::Families()>(),
            [routes] { return routes->current() != nullptr; }));
        endpoint->serve("/traefik", routes);
        endpoint->start();
        traefik_port_ = endpoint->port();
      } else {
        traefik_port_ = endpoints_.front()->port();
      }
      spdlog::info("Traefik's routes at {}/traefik", describe(*traefik_at, traefik_port_));
    }
  }

  /// /ready answers 503 from now on, then every endpoint closes.
  void stop() {
    for (auto& endpoint : endpoints_) endpoint->shuttingDown();
    for (auto& endpoint : endpoints_) endpoint->stop();
  }

 private:
  std::vector<std::unique_ptr<horizon::metrics::HttpEndpoint>> endpoints_;
  std::uint16_t traefik_port_ = 0;
};

// What /traefik serves after a run: the routes it rendered. A run whose zone or routes did not
// render leaves the last good routes in place, so Traefik keeps serving while the file is fixed.
void publishRoutes(const SyncReport& report, horizon::metrics::DocumentSlot& routes) {
  if (report.traefik.json.empty()) {
    if (routes.current())
      spdlog::warn("Traefik's routes did not render; /traefik keeps the last ones that did");
    return;
  }
  routes.publish(horizon::metrics::makeDocument(report.traefik.json, "application/json"));
}

int watch(const Args& args) {
  auto logger = spdlog::stderr_color_mt("horizon-sync");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  SyncMetrics sync_metrics;  // outlives the endpoints that read it
  auto routes = std::make_shared<horizon::metrics::DocumentSlot>();
  std::optional<Endpoints> endpoints;
  try {
    endpoints.emplace(args, sync_metrics, routes);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kSyncExitError;
  }
  const std::chrono::seconds interval(args.interval_seconds);
  spdlog::info("watching {} (and reconciling every {} s)", args.sync.zone_file, interval.count());
  WatchEvents events;
  events.on_change = [&] { spdlog::info("{} changed", args.sync.zone_file); };
  events.on_run = [&sync_metrics, &routes, verbose = args.sync.verbose,
                   serve = !args.traefik_http.empty()](const SyncReport& report) {
    if (serve) publishRoutes(report, *routes);
    sync_metrics.recordRun(report);
    writeSyncErrors(report, "horizon-sync", std::cerr);
    std::ostringstream text;
    writeSyncText(report, text, verbose);
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);) spdlog::info("{}", line);
    if (report.exitStatus() == kSyncExitOk)
      spdlog::info("reconciled: {}", summarizeSyncReport(report));
    else
      spdlog::warn("reconcile incomplete: {}", summarizeSyncReport(report));
  };
  // The log says what a run waits for, as it says everything else.
  SyncSettings settings = args.sync;
  settings.render_traefik = !args.traefik_http.empty();
  settings.on_retry = [](const RetryEvent& event) { spdlog::warn("{}", retryEventText(event)); };
  watchZone(settings, interval, g_stop, events);
  spdlog::info("stopping");
  endpoints->stop();
  return kSyncExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(kDescription, "horizon-sync");
  setUpProgram(app);
  app.footer(kExitStatus);
  Args args;
  addOptions(app, args);
  const struct {
    const char* name;
    const char* help;
  } commands[] = {
      {"plan", "print what would change; write nothing"},
      {"apply", "make the changes, then check them against a fresh listing"},
      {"watch", "apply now, whenever the zone file changes, and every --interval"},
  };
  for (const auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.help)->group("Commands");
    sub->footer(kExitStatus);
    addOptions(*sub, args);
  }
  if (auto done = parseCommandLine(app, argc, argv)) return *done;

  const auto chosen = app.get_subcommands();
  if (chosen.empty()) return reportUsageError(app, "expected one command: plan, apply or watch");
  if (args.sync.zone_file.empty()) return reportUsageError(app, "--zone FILE is required");
  if (args.sync.skip_cloudflare && args.sync.traefik_out.empty() && args.traefik_http.empty())
    return reportUsageError(app,
                            "--no-cloudflare leaves nothing to do without --traefik-out or "
                            "--traefik-http");
  const std::string command = chosen.front()->get_name();
  if (!args.metrics.empty() && command != "watch")
    return reportUsageError(app, "--metrics is for watch: plan and apply end after one run");
  if (!args.traefik_http.empty() && command != "watch")
    return reportUsageError(app,
                            "--traefik-http is for watch: plan and apply end after one run "
                            "(--traefik-out writes the file)");
  finishSyncSettings(args.sync);

  if (command == "watch") return watch(args);
  args.sync.on_retry = retryEventWriter("horizon-sync", args.json, std::cerr);
  return printSyncRun(runSync(args.sync, command == "apply"), args.json, "horizon-sync", std::cout,
                      std::cerr, args.sync.verbose);
}
