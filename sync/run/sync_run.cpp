// The plan/apply run. Each part's failure is recorded in the report and the run goes on to the
// next part, so a Cloudflare outage does not keep the Traefik file from following the zone.
#include "horizon/sync/sync_run.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::sync {
namespace {

CloudflareOutcome runCloudflare(const SyncSettings& settings, const zone::Zone& zone, bool apply) {
  CloudflareOutcome outcome;
  // Outside the try: what the API did before a failure (a 403, 429s until the deadline) is
  // what the metrics most need to show.
  std::unique_ptr<HttpTransport> transport;
  std::optional<CloudflareClient> client;
  try {
    DesiredState desired = desiredState(zone);
    ClientOptions options;
    options.api_url = settings.api_url;
    options.token = readApiToken(settings.token_file);
    options.deadline = std::chrono::seconds(settings.deadline_seconds);
    options.page_size = settings.page_size;
    options.batch_size = settings.batch_size;
    options.on_retry = settings.on_retry;
    transport = makeCurlTransport();
    client.emplace(options, *transport);
    ReconcileReport report = reconcile(*client, desired, settings.plan, /*dry_run=*/!apply);
    const bool done = apply ? report.complete() : report.initial.inSync();
    outcome.state = done    ? CloudflareOutcome::State::kInSync
                    : apply ? CloudflareOutcome::State::kLeftUndone
                            : CloudflareOutcome::State::kChangesPending;
    outcome.reconcile = std::move(report);
  } catch (const std::exception& e) {
    // ApiError messages are built without the token; nothing else here could carry it.
    outcome.state = CloudflareOutcome::State::kFailed;
    outcome.error = e.what();
  }
  if (client) {
    outcome.requests = client->requestCount();
    outcome.api = client->apiStats();
  }
  return outcome;
}

std::string readIfPresent(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) return {};
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TraefikOutcome runTraefik(const SyncSettings& settings, const zone::Zone& zone, bool apply) {
  TraefikOutcome outcome;
  outcome.file = settings.traefik_out;
  TraefikRender render = renderTraefikConfig(zone, settings.traefik);
  if (!render.errors.empty()) {
    outcome.state = TraefikOutcome::State::kNotRendered;
    outcome.errors = std::move(render.errors);
    return outcome;
  }
  outcome.json = std::move(render.json);
  if (settings.traefik_out.empty()) return outcome;  // rendered to be served, no file
  if (!apply) {
    const bool differs = readIfPresent(settings.traefik_out) != render.yaml;
    outcome.state =
        differs ? TraefikOutcome::State::kWouldChange : TraefikOutcome::State::kUnchanged;
    return outcome;
  }
  try {
    outcome.state = writeFileIfChanged(settings.traefik_out, render.yaml)
                        ? TraefikOutcome::State::kWritten
                        : TraefikOutcome::State::kUnchanged;
  } catch (const std::exception& e) {
    outcome.state = TraefikOutcome::State::kNotWritten;
    outcome.errors = {e.what()};
  }
  return outcome;
}

}  // namespace

void finishSyncSettings(SyncSettings& settings) {
  if (settings.api_url.empty()) {
    const char* env = std::getenv("CLOUDFLARE_API_URL");
    settings.api_url = env && *env ? env : kDefaultApiUrl;
  }
  // The file's name only: dnsctl and horizon-sync given the same file by different paths must
  // write the same bytes, or each would rewrite the other's output.
  settings.traefik.source_name = std::filesystem::path(settings.zone_file).filename().string();
}

SyncReport runSync(const SyncSettings& settings, bool apply) {
  SyncReport report;
  report.apply = apply;
  zone::LoadResult loaded = zone::loadZoneFile(settings.zone_file);
  if (!loaded.ok()) {
    report.zone_errors = loaded.report();
    return report;
  }
  report.zone_loaded = true;
  if (!settings.skip_cloudflare) report.cloudflare = runCloudflare(settings, *loaded.zone, apply);
  if (!settings.traefik_out.empty() || settings.render_traefik)
    report.traefik = runTraefik(settings, *loaded.zone, apply);
  return report;
}

}  // namespace horizon::sync
