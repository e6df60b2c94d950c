// horizon-sync: mirrors a zone's public view to Cloudflare and renders Traefik's public routes.
//   plan   dry run: prints what would change, writes nothing
//   apply  makes the changes, then checks them against a fresh listing
//   watch  applies at start, whenever the zone file changes, and every --interval minutes
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "horizon/sync/sync_command.hpp"
#include "horizon/sync/sync_report_printer.hpp"
#include "horizon/sync/sync_watch.hpp"

namespace {

using namespace horizon;
using namespace horizon::sync;

// Exit codes, documented in the README and in --help (shared with dnsctl's plan/sync).
constexpr int kExitInSync = kSyncExitOk;
constexpr int kExitUsage = kSyncExitUsage;

struct Args {
  std::string command;
  SyncSettings sync;
  bool json = false;
  std::chrono::seconds interval{600};
};

const std::string kUsage =
    std::string(R"(usage: horizon-sync plan|apply|watch --zone FILE [options]

Mirrors the zone's public view to Cloudflare (records marked with the comment
"managed-by: horizon"; nothing else is ever changed or deleted) and renders Traefik's
routes for public.services.

commands:
  plan                  print what would change; write nothing
  apply                 make the changes, then check them against a fresh listing
  watch                 apply now, whenever the zone file changes, and every --interval

options:
  --zone FILE           the zone file (required)
  --json                print the plan and the results as JSON
)") +
    kSyncOptionsHelp +
    R"(  --interval TIME       watch: reconcile at least this often: 30s, 10m, 1h; a bare
                        number is minutes (default 10m)
  --help                print this text

exit status: 0 in sync (plan) or everything in place (apply); 2 changes pending (plan)
or something left undone (apply), each item reported; 1 error; 64 bad command line.
)";

[[noreturn]] void usageError(const std::string& message) {
  std::cerr << "horizon-sync: " << message << "\n(horizon-sync --help shows the options)\n";
  std::exit(kExitUsage);
}

// "10m", "30s", "1h"; a bare number is minutes, as the interval is usually said.
std::chrono::seconds parseDuration(const std::string& flag, const std::string& text) {
  std::string digits = text;
  long unit = 60;
  if (!text.empty() && std::string("smh").find(text.back()) != std::string::npos) {
    unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
    digits.pop_back();
  }
  const long value = parseIntOption(flag, digits, 1, 604800);
  if (value * unit > 604800) throw UsageError(flag + " must be at most a week, not '" + text + "'");
  return std::chrono::seconds(value * unit);
}

Args parseArgs(int argc, char** argv) {
  Args args;
  std::vector<std::string> positional;
  ArgumentCursor cursor(argc, argv);
  while (cursor.advance()) {
    const std::string arg = cursor.name();
    const bool has_inline = cursor.hasInlineValue();
    auto next = [&]() -> std::string { return cursor.value(); };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(kExitInSync);
    } else if (arg == "--zone") {
      args.sync.zone_file = next();
    } else if (arg == "--json") {
      if (has_inline) throw UsageError(arg + " takes no value");
      args.json = true;
    } else if (arg == "--interval") {
      args.interval = parseDuration(arg, next());
    } else if (parseSyncOption(args.sync, arg, next, has_inline)) {
      continue;
    } else if (arg.rfind("-", 0) == 0) {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 1) throw UsageError("expected one command: plan, apply or watch");
  args.command = positional[0];
  if (args.command != "plan" && args.command != "apply" && args.command != "watch")
    throw UsageError("unknown command '" + args.command + "' (commands: plan, apply, watch)");
  if (args.sync.zone_file.empty()) throw UsageError("--zone FILE is required");
  if (args.sync.skip_cloudflare && args.sync.traefik_out.empty())
    throw UsageError("--no-cloudflare leaves nothing to do without --traefik-out");
  finishSyncSettings(args.sync);
  return args;
}

std::atomic<bool> g_stop{false};
extern "C" void onSignal(int) {
  g_stop = true;
}

int watch(const Args& args) {
  auto logger = spdlog::stderr_color_mt("horizon-sync");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  spdlog::info("watching {} (and reconciling every {} s)", args.sync.zone_file,
               args.interval.count());
  WatchEvents events;
  events.on_change = [&] { spdlog::info("{} changed", args.sync.zone_file); };
  events.on_run = [](const SyncReport& report) {
    writeSyncErrors(report, "horizon-sync", std::cerr);
    std::ostringstream text;
    writeSyncText(report, text);
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);) spdlog::info("{}", line);
    if (report.exitStatus() == kSyncExitOk)
      spdlog::info("reconciled: {}", summarizeSyncReport(report));
    else
      spdlog::warn("reconcile incomplete: {}", summarizeSyncReport(report));
  };
  watchZone(args.sync, args.interval, g_stop, events);
  spdlog::info("stopping");
  return kExitInSync;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parseArgs(argc, argv);
  } catch (const UsageError& e) {
    usageError(e.what());
  }
  if (args.command == "watch") return watch(args);
  SyncReport report = runSync(args.sync, args.command == "apply");
  writeSyncErrors(report, "horizon-sync", std::cerr);
  if (args.json) {
    if (report.zone_loaded) std::cout << syncReportJson(report).dump(2) << "\n";
  } else {
    writeSyncText(report, std::cout);
  }
  return report.exitStatus();
}
