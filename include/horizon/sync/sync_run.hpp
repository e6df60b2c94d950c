// One horizon-sync run over both parts, Cloudflare first and then the Traefik file: the work
// behind `horizon-sync plan|apply`, `dnsctl plan|sync` and the sync after a dnsctl edit.
#pragma once

#include <functional>
#include <string>

#include "horizon/sync/cloudflare_client.hpp"
#include "horizon/sync/record_plan.hpp"
#include "horizon/sync/sync_report.hpp"
#include "horizon/sync/traefik_config.hpp"

namespace horizon::sync {

/// Everything one plan or apply run needs: the values of the sync options.
struct SyncSettings {
  std::string zone_file;
  std::string api_url;  // empty until finishSyncSettings: then $CLOUDFLARE_API_URL or the default
  std::string token_file;  // empty: the token comes from $CLOUDFLARE_API_TOKEN
  bool skip_cloudflare = false;
  PlanOptions plan;
  std::string traefik_out;      // empty: no Traefik file
  bool render_traefik = false;  // render Traefik's routes even without a file (to serve them)
  TraefikOptions traefik;
  int deadline_seconds = 120;
  int page_size = 100;
  int batch_size = 200;
  std::function<void(const RetryEvent&)> on_retry;  // told of each wait for the API; may be empty
  bool verbose = false;  // the printed plan lists records not ours unrelated to the public view
};

/// Fills what depends on the environment and the zone file: the API URL when none was given,
/// and the zone file's name for the Traefik file's header.
void finishSyncSettings(SyncSettings& settings);

/// Plans (apply=false) or applies: loads the zone, brings Cloudflare to its public view unless
/// skipped, then renders Traefik's routes when a file or render_traefik asks for them (the file
/// written only when applying, and only when it changes; the JSON form kept in the report).
/// Never throws for failures of a part; they are in the report.
SyncReport runSync(const SyncSettings& settings, bool apply);

}  // namespace horizon::sync
