// horizon-sync: mirrors a zone's public view to Cloudflare and renders Traefik's public routes.
//   plan   dry run: prints what would change, writes nothing
//   apply  makes the changes, then checks them against a fresh listing
//   watch  applies at start, whenever the zone file changes, and every --interval minutes
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/sync/reconciler.hpp"
#include "horizon/sync/record_plan.hpp"
#include "horizon/sync/traefik_config.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using namespace horizon;
using namespace horizon::sync;

// Exit codes, documented in the README and in --help.
constexpr int kExitInSync = 0;
constexpr int kExitError = 1;
constexpr int kExitPending = 2;  // plan: changes pending; apply: something left undone
constexpr int kExitUsage = 64;   // EX_USAGE: a bad command line

struct Args {
  std::string command;
  std::string zone_file;
  std::string api_url;
  std::string token_file;
  bool json = false;
  bool skip_cloudflare = false;
  PlanOptions plan;
  std::string traefik_out;
  TraefikOptions traefik;
  std::chrono::seconds interval{600};
  int deadline_seconds = 120;
  int page_size = 100;
  int batch_size = 200;
};

const char* kUsage = R"(usage: horizon-sync plan|apply|watch --zone FILE [options]

Mirrors the zone's public view to Cloudflare (records marked with the comment
"managed-by: horizon"; nothing else is ever changed or deleted) and renders Traefik's
routes for public.services.

commands:
  plan                  print what would change; write nothing
  apply                 make the changes, then check them against a fresh listing
  watch                 apply now, whenever the zone file changes, and every --interval

options:
  --zone FILE           the zone file (required)
  --api-url URL         API base URL (default $CLOUDFLARE_API_URL, else
                        https://api.cloudflare.com/client/v4)
  --token-file FILE     read the API token from FILE (default: $CLOUDFLARE_API_TOKEN);
                        the token needs Zone:DNS:Edit, and Zone:Zone:Read unless the zone
                        file sets cloudflare.zone-id
  --json                print the plan and the results as JSON
  --adopt               take over records that are not ours but hold desired names
  --force               allow changing or deleting more than --max-change-percent
  --max-change-percent N  safety threshold, of owned records, once 10 or more are
                        owned (default 30)
  --no-cloudflare       only render the Traefik file
  --traefik-out FILE    write Traefik's dynamic configuration for public.services here
                        (atomically, and only when its content changes)
  --traefik-entrypoint NAME       (default websecure)
  --traefik-cert-resolver NAME    (default letsencrypt)
  --traefik-middleware NAME       (default authentik)
  --forward-auth-address URL      (default http://authentik-server:9000/outpost.goauthentik.io/auth/nginx)
  --traefik-backend-view VIEW     view whose answer is the backend address (default lan)
  --traefik-backend-port PORT     (default 80)
  --interval TIME       watch: reconcile at least this often: 30s, 10m, 1h; a bare
                        number is minutes (default 10m)
  --deadline SECONDS    give up on the API after this long per run, retries included
                        (default 120)
  --page-size N         records asked per listing page (default 100)
  --batch-size N        operations per batch call, 1 to 200 (default 200)
  --help                print this text

exit status: 0 in sync (plan) or everything in place (apply); 2 changes pending (plan)
or something left undone (apply), each item reported; 1 error; 64 bad command line.
)";

[[noreturn]] void usageError(const std::string& message) {
  std::cerr << "horizon-sync: " << message << "\n(horizon-sync --help shows the options)\n";
  std::exit(kExitUsage);
}

int parseInt(const std::string& flag, const std::string& text, int min, int max) {
  try {
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  usageError(flag + " must be an integer from " + std::to_string(min) + " to " +
             std::to_string(max) + ", not '" + text + "'");
}

// "10m", "30s", "1h"; a bare number is minutes, as the interval is usually said.
std::chrono::seconds parseDuration(const std::string& flag, const std::string& text) {
  std::string digits = text;
  long unit = 60;
  if (!text.empty() && std::string("smh").find(text.back()) != std::string::npos) {
    unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
    digits.pop_back();
  }
  const long value = parseInt(flag, digits, 1, 604800);
  if (value * unit > 604800)
    usageError(flag + " must be at most a week, not '" + text + "'");
  return std::chrono::seconds(value * unit);
}

Args parseArgs(int argc, char** argv) {
  Args args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= argc) usageError(arg + " needs a value");
      return argv[++i];
    };
    auto flag = [&](bool& target) {
      if (has_inline) usageError(arg + " takes no value");
      target = true;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(kExitInSync);
    } else if (arg == "--zone") {
      args.zone_file = next();
    } else if (arg == "--api-url") {
      args.api_url = next();
    } else if (arg == "--token-file") {
      args.token_file = next();
    } else if (arg == "--token") {
      usageError(
          "--token is not accepted: a token on the command line is visible to every "
          "user in the process list; use --token-file or CLOUDFLARE_API_TOKEN");
    } else if (arg == "--json") {
      flag(args.json);
    } else if (arg == "--adopt") {
      flag(args.plan.adopt);
    } else if (arg == "--force") {
      flag(args.plan.force);
    } else if (arg == "--no-cloudflare") {
      flag(args.skip_cloudflare);
    } else if (arg == "--max-change-percent") {
      args.plan.max_change_percent = parseInt(arg, next(), 0, 100);
    } else if (arg == "--traefik-out") {
      args.traefik_out = next();
    } else if (arg == "--traefik-entrypoint") {
      args.traefik.entry_point = next();
    } else if (arg == "--traefik-cert-resolver") {
      args.traefik.cert_resolver = next();
    } else if (arg == "--traefik-middleware") {
      args.traefik.middleware_name = next();
    } else if (arg == "--forward-auth-address") {
      args.traefik.forward_auth_address = next();
    } else if (arg == "--traefik-backend-view") {
      args.traefik.backend_view = next();
    } else if (arg == "--traefik-backend-port") {
      args.traefik.backend_port = parseInt(arg, next(), 1, 65535);
    } else if (arg == "--interval") {
      args.interval = parseDuration(arg, next());
    } else if (arg == "--deadline") {
      args.deadline_seconds = parseInt(arg, next(), 1, 86400);
    } else if (arg == "--page-size") {
      args.page_size = parseInt(arg, next(), 1, 5000);
    } else if (arg == "--batch-size") {
      args.batch_size = parseInt(arg, next(), 1, 200);
    } else if (arg.rfind("-", 0) == 0) {
      usageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 1) usageError("expected one command: plan, apply or watch");
  args.command = positional[0];
  if (args.command != "plan" && args.command != "apply" && args.command != "watch")
    usageError("unknown command '" + args.command + "' (commands: plan, apply, watch)");
  if (args.zone_file.empty()) usageError("--zone FILE is required");
  if (args.skip_cloudflare && args.traefik_out.empty())
    usageError("--no-cloudflare leaves nothing to do without --traefik-out");
  if (args.api_url.empty()) {
    const char* env = std::getenv("CLOUDFLARE_API_URL");
    args.api_url = env && *env ? env : kDefaultApiUrl;
  }
  args.traefik.source_name = args.zone_file;
  return args;
}

// What one run did, for the exit status and the watch log.
struct RunOutcome {
  int status = kExitInSync;
  std::string summary;
};

std::string resultJson(const OperationResult& r) {
  static const char* kinds[] = {"delete", "patch", "post"};
  nlohmann::json j = {{"operation", kinds[static_cast<int>(r.kind)]},
                      {"record", r.name},
                      {"id", r.record_id},
                      {"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  return j.dump();
}

// One plan or apply: Cloudflare first, then the Traefik file. Prints to `out`.
RunOutcome runOnce(const Args& args, bool apply, std::ostream& out) {
  RunOutcome outcome;
  zone::LoadResult loaded = zone::loadZoneFile(args.zone_file);
  if (!loaded.ok()) {
    std::cerr << loaded.report();
    outcome.status = kExitError;
    outcome.summary = "the zone file has errors; nothing was changed";
    return outcome;
  }
  const zone::Zone& zone = *loaded.zone;
  nlohmann::json json_out = nlohmann::json::object();
  std::vector<std::string> summary;

  if (!args.skip_cloudflare) {
    try {
      DesiredState desired = desiredState(zone);
      ClientOptions options;
      options.api_url = args.api_url;
      options.token = readApiToken(args.token_file);
      options.deadline = std::chrono::seconds(args.deadline_seconds);
      options.page_size = args.page_size;
      options.batch_size = args.batch_size;
      auto transport = makeCurlTransport();
      CloudflareClient client(options, *transport);
      ReconcileReport report = reconcile(client, desired, args.plan, /*dry_run=*/!apply);
      if (args.json) {
        json_out["zone_id"] = report.zone_id;
        json_out["plan"] = nlohmann::json::parse(renderPlanJson(report.initial));
        if (apply) {
          nlohmann::json results = nlohmann::json::array();
          for (const auto& r : report.results)
            results.push_back(nlohmann::json::parse(resultJson(r)));
          json_out["results"] = results;
          json_out["final"] = nlohmann::json::parse(renderPlanJson(report.final));
          json_out["complete"] = report.complete();
        }
        json_out["requests"] = client.requestCount();
      } else {
        out << renderPlanText(report.initial);
        if (apply) {
          for (const auto& r : report.results)
            if (!r.ok) out << "  failed: " << r.name << ": " << r.error << "\n";
          out << "applied " << report.writes_ok << " write(s), " << report.writes_failed
              << " failed, in " << report.rounds << " round(s); " << client.requestCount()
              << " API request(s)\n";
          if (!report.complete()) {
            out << "left undone:\n" << renderPlanText(report.final);
          } else {
            out << "Cloudflare is in sync\n";
          }
        }
      }
      bool done = apply ? report.complete() : report.initial.inSync();
      if (!done) outcome.status = kExitPending;
      summary.push_back(
          apply ? (report.complete() ? "cloudflare in sync (" : "cloudflare left undone (") +
                      std::to_string(report.writes_ok) + " writes)"
                : (done ? "cloudflare in sync" : "cloudflare changes pending"));
    } catch (const std::exception& e) {
      // ApiError messages are built without the token; nothing else here could carry it.
      std::cerr << "horizon-sync: " << e.what() << "\n";
      outcome.status = kExitError;
      summary.push_back(std::string("cloudflare failed: ") + e.what());
    }
  }

  if (!args.traefik_out.empty()) {
    TraefikRender render = renderTraefikConfig(zone, args.traefik);
    std::string state;
    if (!render.errors.empty()) {
      for (const auto& e : render.errors) std::cerr << "horizon-sync: traefik: " << e << "\n";
      outcome.status = kExitError;
      state = "not rendered";
    } else {
      std::string current;
      if (std::ifstream in{args.traefik_out, std::ios::binary}) {
        std::ostringstream buffer;
        buffer << in.rdbuf();
        current = buffer.str();
      }
      bool differs = current != render.yaml;
      if (!apply) {
        state = differs ? "would change" : "unchanged";
        if (differs && outcome.status == kExitInSync) outcome.status = kExitPending;
      } else {
        try {
          state = writeFileIfChanged(args.traefik_out, render.yaml) ? "written" : "unchanged";
        } catch (const std::exception& e) {
          std::cerr << "horizon-sync: " << e.what() << "\n";
          outcome.status = kExitError;
          state = "not written";
        }
      }
    }
    if (args.json)
      json_out["traefik"] = {{"file", args.traefik_out}, {"state", state}};
    else
      out << "Traefik " << args.traefik_out << ": " << state << "\n";
    summary.push_back("traefik " + state);
  }
  if (args.json) out << json_out.dump(2) << "\n";
  for (std::size_t i = 0; i < summary.size(); ++i) outcome.summary += (i ? "; " : "") + summary[i];
  return outcome;
}

std::atomic<bool> g_stop{false};
extern "C" void onSignal(int) {
  g_stop = true;
}

// What identifies the file's content without reading it: a rename or a symlink swap changes the
// inode, an in-place rewrite the size or mtime.
std::string fingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  std::ostringstream out;
  out << st.st_dev << ':' << st.st_ino << ':' << st.st_size << ':' << st.st_mtim.tv_sec << '.'
      << st.st_mtim.tv_nsec;
  return out.str();
}

int watch(const Args& args) {
  auto logger = spdlog::stderr_color_mt("horizon-sync");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  const auto interval = args.interval;
  spdlog::info("watching {} (and reconciling every {} s)", args.zone_file, interval.count());
  std::string seen = fingerprint(args.zone_file);
  auto due = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::string now_seen = fingerprint(args.zone_file);
    if (now_seen != seen) {
      // Let a writer that is still busy finish before reading (editors write in steps).
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (fingerprint(args.zone_file) != now_seen) continue;
      seen = now_seen;
      spdlog::info("{} changed", args.zone_file);
      due = std::chrono::steady_clock::now();
    }
    if (std::chrono::steady_clock::now() >= due) {
      std::ostringstream out;
      RunOutcome outcome = runOnce(args, /*apply=*/true, out);
      std::istringstream lines(out.str());
      for (std::string line; std::getline(lines, line);) spdlog::info("{}", line);
      if (outcome.status == kExitInSync)
        spdlog::info("reconciled: {}", outcome.summary);
      else
        spdlog::warn("reconcile incomplete: {}", outcome.summary);
      due = std::chrono::steady_clock::now() + interval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  spdlog::info("stopping");
  return kExitInSync;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parseArgs(argc, argv);
  if (args.command == "watch") return watch(args);
  return runOnce(args, args.command == "apply", std::cout).status;
}
