// horizon-sync's plan/apply run, moved out of its main() so dnsctl runs the very same code.
#include "horizon/sync/sync_command.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/sync/plan_printer.hpp"
#include "horizon/sync/reconciler.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::sync {

const char* const kSyncOptionsHelp =
    R"(  --api-url URL         API base URL (default $CLOUDFLARE_API_URL, else
                        https://api.cloudflare.com/client/v4)
  --token-file FILE     read the API token from FILE (default: $CLOUDFLARE_API_TOKEN);
                        the token needs Zone:DNS:Edit, and Zone:Zone:Read unless the zone
                        file sets cloudflare.zone-id
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
  --deadline SECONDS    give up on the API after this long per run, retries included
                        (default 120)
  --page-size N         records asked per listing page (default 100)
  --batch-size N        operations per batch call, 1 to 200 (default 200)
)";

bool ArgumentCursor::advance() {
  if (++index_ >= argc_) return false;
  name_ = argv_[index_];
  inline_value_.clear();
  has_inline_ = false;
  if (auto eq = name_.find('='); name_.rfind("--", 0) == 0 && eq != std::string::npos) {
    inline_value_ = name_.substr(eq + 1);
    name_.resize(eq);
    has_inline_ = true;
  }
  return true;
}

std::string ArgumentCursor::value() {
  if (has_inline_) return inline_value_;
  if (index_ + 1 >= argc_) throw UsageError(name_ + " needs a value");
  return argv_[++index_];
}

int parseIntOption(const std::string& flag, const std::string& text, int min, int max) {
  try {
    std::size_t used = 0;
    int value = std::stoi(text, &used);
    if (used == text.size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " must be an integer from " + std::to_string(min) + " to " +
                   std::to_string(max) + ", not '" + text + "'");
}

bool parseSyncOption(SyncArgs& args, const std::string& name,
                     const std::function<std::string()>& value, bool has_inline) {
  auto flag = [&](bool& target) {
    if (has_inline) throw UsageError(name + " takes no value");
    target = true;
  };
  if (name == "--api-url") {
    args.api_url = value();
  } else if (name == "--token-file") {
    args.token_file = value();
  } else if (name == "--token") {
    throw UsageError(
        "--token is not accepted: a token on the command line is visible to every "
        "user in the process list; use --token-file or CLOUDFLARE_API_TOKEN");
  } else if (name == "--adopt") {
    flag(args.plan.adopt);
  } else if (name == "--force") {
    flag(args.plan.force);
  } else if (name == "--no-cloudflare") {
    flag(args.skip_cloudflare);
  } else if (name == "--max-change-percent") {
    args.plan.max_change_percent = parseIntOption(name, value(), 0, 100);
  } else if (name == "--traefik-out") {
    args.traefik_out = value();
  } else if (name == "--traefik-entrypoint") {
    args.traefik.entry_point = value();
  } else if (name == "--traefik-cert-resolver") {
    args.traefik.cert_resolver = value();
  } else if (name == "--traefik-middleware") {
    args.traefik.middleware_name = value();
  } else if (name == "--forward-auth-address") {
    args.traefik.forward_auth_address = value();
  } else if (name == "--traefik-backend-view") {
    args.traefik.backend_view = value();
  } else if (name == "--traefik-backend-port") {
    args.traefik.backend_port = parseIntOption(name, value(), 1, 65535);
  } else if (name == "--deadline") {
    args.deadline_seconds = parseIntOption(name, value(), 1, 86400);
  } else if (name == "--page-size") {
    args.page_size = parseIntOption(name, value(), 1, 5000);
  } else if (name == "--batch-size") {
    args.batch_size = parseIntOption(name, value(), 1, 200);
  } else {
    return false;
  }
  return true;
}

void finishSyncArgs(SyncArgs& args) {
  if (args.api_url.empty()) {
    const char* env = std::getenv("CLOUDFLARE_API_URL");
    args.api_url = env && *env ? env : kDefaultApiUrl;
  }
  args.traefik.source_name = args.zone_file;
}

namespace {

std::string resultJson(const OperationResult& r) {
  static const char* kinds[] = {"delete", "patch", "post"};
  nlohmann::json j = {{"operation", kinds[static_cast<int>(r.kind)]},
                      {"record", r.name},
                      {"id", r.record_id},
                      {"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  return j.dump();
}

}  // namespace

SyncOutcome runSync(const SyncArgs& args, bool apply, std::ostream& out, std::ostream& err,
                    const std::string& program) {
  SyncOutcome outcome;
  zone::LoadResult loaded = zone::loadZoneFile(args.zone_file);
  if (!loaded.ok()) {
    err << loaded.report();
    outcome.status = kSyncExitError;
    outcome.zone_ok = false;
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
      // Counts for callers that report in one line (dnsctl): what was planned, or what was
      // written successfully when applying.
      if (apply) {
        for (const auto& r : report.results) {
          if (!r.ok) continue;
          if (r.kind == OperationResult::Kind::kPost) ++outcome.creates;
          if (r.kind == OperationResult::Kind::kPatch) ++outcome.updates;
          if (r.kind == OperationResult::Kind::kDelete) ++outcome.deletes;
        }
      } else {
        for (const auto& c : report.initial.changes) {
          if (c.action == PlannedChange::Action::kCreate) ++outcome.creates;
          if (c.action == PlannedChange::Action::kUpdate ||
              c.action == PlannedChange::Action::kAdopt)
            ++outcome.updates;
          if (c.action == PlannedChange::Action::kDelete) ++outcome.deletes;
        }
      }
      bool done = apply ? report.complete() : report.initial.inSync();
      if (!done) outcome.status = kSyncExitPending;
      outcome.cloudflare_state = done ? "in sync" : (apply ? "left undone" : "changes pending");
      summary.push_back(
          apply ? (report.complete() ? "cloudflare in sync (" : "cloudflare left undone (") +
                      std::to_string(report.writes_ok) + " writes)"
                : (done ? "cloudflare in sync" : "cloudflare changes pending"));
    } catch (const std::exception& e) {
      // ApiError messages are built without the token; nothing else here could carry it.
      err << program << ": " << e.what() << "\n";
      outcome.status = kSyncExitError;
      outcome.cloudflare_state = std::string("failed: ") + e.what();
      summary.push_back(std::string("cloudflare failed: ") + e.what());
    }
  }

  if (!args.traefik_out.empty()) {
    TraefikRender render = renderTraefikConfig(zone, args.traefik);
    std::string state;
    if (!render.errors.empty()) {
      for (const auto& e : render.errors) err << program << ": traefik: " << e << "\n";
      outcome.status = kSyncExitError;
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
        if (differs && outcome.status == kSyncExitOk) outcome.status = kSyncExitPending;
      } else {
        try {
          state = writeFileIfChanged(args.traefik_out, render.yaml) ? "written" : "unchanged";
        } catch (const std::exception& e) {
          err << program << ": " << e.what() << "\n";
          outcome.status = kSyncExitError;
          state = "not written";
        }
      }
    }
    if (args.json)
      json_out["traefik"] = {{"file", args.traefik_out}, {"state", state}};
    else
      out << "Traefik " << args.traefik_out << ": " << state << "\n";
    outcome.traefik_state = state;
    summary.push_back("traefik " + state);
  }
  if (args.json) out << json_out.dump(2) << "\n";
  for (std::size_t i = 0; i < summary.size(); ++i) outcome.summary += (i ? "; " : "") + summary[i];
  return outcome;
}

}  // namespace horizon::sync
