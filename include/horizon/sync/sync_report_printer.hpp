// The printed forms of a SyncReport: horizon-sync's text and JSON reports, its error lines, and
// the one-line summary of the watch log. dnsctl prints parts of the same report with these.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "horizon/sync/sync_report.hpp"

namespace horizon::sync {

/// Writes Cloudflare's part as text: the plan, and when applying the failed writes, the count
/// line and what was left undone. Nothing when the part was skipped or failed. Every line
/// starts with `indent`; `verbose` lists the records not ours that are unrelated to the public
/// view (otherwise counted).
void writeCloudflareText(const SyncReport& report, std::ostream& out, std::string_view indent = {},
                         bool verbose = false);

/// Writes horizon-sync's text report: Cloudflare's part, then "Traefik FILE: STATE" when a file
/// was asked for. Nothing when the zone did not load.
void writeSyncText(const SyncReport& report, std::ostream& out, bool verbose = false);

/// horizon-sync's --json report: zone_id, plan and requests, plus results, final and complete
/// when applying, and traefik when a file was asked for. Null when the zone did not load.
nlohmann::json syncReportToJson(const SyncReport& report);

/// Writes the run's errors, one per line: the loader's diagnostics as they are, the others as
/// "PROGRAM: message" ("PROGRAM: traefik: message" for a file that could not be rendered).
void writeSyncErrors(const SyncReport& report, std::string_view program, std::ostream& err);

/// The run's errors as a JSON array of {"part": "zone"|"cloudflare"|"traefik", "message"}, one
/// per loader diagnostic line or failed part; empty when nothing failed.
nlohmann::json syncErrorsToJson(const SyncReport& report);

/// Prints a run as horizon-sync does: the errors on `err`, then the text report on `out`
/// (`verbose`: see writeCloudflareText); with `json`, one JSON object on `out` instead (the
/// report, or {} when the zone did not load, with "errors" from syncErrorsToJson) and nothing
/// on `err`. Returns the run's exit status.
int printSyncRun(const SyncReport& report, bool json, std::string_view program, std::ostream& out,
                 std::ostream& err, bool verbose = false);

/// The run in one line for logs: "cloudflare in sync (3 writes); traefik written".
std::string summarizeSyncReport(const SyncReport& report);

}  // namespace horizon::sync
