// dnsctl's report of an edit, after the file part: the server's reload and the sync, as lines
// of text (horizon-sync's own Cloudflare report indented under dnsctl's line) or as keys of the
// JSON report. The words are dnsctl's interface: scripts and the system tests read them.
#include "edit_report_printer.hpp"

#include <iostream>
#include <sstream>

#include "horizon/sync/sync_report_printer.hpp"

namespace horizon::edit {
namespace {

using Json = nlohmann::json;

// The server's part of a written edit: a line of text, or report["server"].
void printServerReload(bool json, const EditReport& e, Json& report, const TerminalStyle& style) {
  const ServerReload& server = *e.server;
  switch (server.state) {
    case ServerReload::State::kNotConfigured:
      report["server"] = {{"state", "not configured"}};
      if (!json) std::cout << "server: not configured (no --control or $HORIZON_CONTROL_SOCKET)\n";
      break;
    case ServerReload::State::kReloaded: {
      report["server"] = {{"state", "reloaded"}, {"serials", server.serials}};
      std::string serials;
      for (const auto& [origin, serial] : server.serials) {
        auto old = e.serials_before.find(origin);
        serials += (serials.empty() ? "" : ", ") + origin + " serial " +
                   (old != e.serials_before.end() ? std::to_string(old->second) + " -> " : "") +
                   std::to_string(serial);
      }
      if (!json) std::cout << "server: " << style.green("reloaded") << " (" << serials << ")\n";
      break;
    }
    case ServerReload::State::kFailed:
      report["server"] = {{"state", "reload failed"}, {"error", server.error}};
      if (!json)
        std::cout << "server: " << style.red("reload failed") << ": " << server.error
                  << " (it keeps serving the last good data)\n";
      break;
    case ServerReload::State::kUnreachable:
      report["server"] = {{"state", "not reachable"}, {"error", server.error}};
      if (!json)
        std::cout << "server: " << style.red("not reachable") << ": " << server.error << "\n";
      break;
  }
}

// Cloudflare's and Traefik's part of a written edit: lines of text (horizon-sync's own report of
// Cloudflare indented under dnsctl's line), or report["cloudflare"] and report["traefik"].
void printSyncFollowUp(bool json, const SyncFollowUp& follow_up, Json& report,
                       const TerminalStyle& style) {
  const char* kNoCloudflare =
      "cloudflare: not configured (no CLOUDFLARE_API_TOKEN or --token-file)";
  const char* kNoTraefik = "traefik: not configured (no --traefik-out)";
  if (!follow_up.report) {
    report["cloudflare"] = {{"state", "not configured"}};
    report["traefik"] = {{"state", "not configured"}};
    if (!json) std::cout << kNoCloudflare << "\n" << kNoTraefik << "\n";
    return;
  }
  const sync::SyncReport& run = *follow_up.report;
  const sync::ChangeCounts counts = run.changeCounts();
  const std::string cloudflare_state = sync::describeCloudflareState(run.cloudflare);
  const std::string traefik_state = sync::describeTraefikState(run.traefik.state);
  std::ostringstream errors;
  sync::writeSyncErrors(run, "dnsctl", errors);
  if (json) {
    Json cloudflare = {{"state", "not configured"}};
    if (follow_up.cloudflare_configured)
      cloudflare = {{"state", cloudflare_state},
                    {"created", counts.creates},
                    {"updated", counts.updates},
                    {"deleted", counts.deletes},
                    {"detail", sync::syncReportToJson(run)}};
    report["cloudflare"] = cloudflare;
    report["traefik"] = follow_up.traefik_configured
                            ? Json{{"state", traefik_state}, {"file", run.traefik.file}}
                            : Json{{"state", "not configured"}};
    if (!errors.str().empty()) report["errors"] = errors.str();
    return;
  }
  if (follow_up.cloudflare_configured) {
    const bool ok = run.cloudflare.state == sync::CloudflareOutcome::State::kInSync;
    std::cout << "cloudflare: "
              << (ok ? style.green(cloudflare_state) : style.red(cloudflare_state)) << ": created "
              << counts.creates << ", updated " << counts.updates << ", deleted " << counts.deletes
              << "\n";
    sync::writeCloudflareText(run, std::cout, "  ");
  } else {
    std::cout << kNoCloudflare << "\n";
  }
  if (follow_up.traefik_configured)
    std::cout << "traefik: " << traefik_state << " " << run.traefik.file << "\n";
  else
    std::cout << kNoTraefik << "\n";
  std::cerr << errors.str();
}

}  // namespace

void printDiff(const std::string& zone_file, const std::vector<std::string>& diff,
               const TerminalStyle& style) {
  std::cout << "file: " << zone_file << "\n";
  for (const auto& line : diff) {
    if (line.starts_with("-"))
      std::cout << "  " << style.red(line) << "\n";
    else if (line.starts_with("+"))
      std::cout << "  " << style.green(line) << "\n";
    else
      std::cout << "  " << style.dim(line) << "\n";
  }
}

void printDiagnostics(const FileEdit& file) {
  for (const auto& d : file.diagnostics) std::cerr << d.toString() << "\n";
}

void printFollowUps(const EditReport& edit, bool json, Json& report, const TerminalStyle& style) {
  printServerReload(json, edit, report, style);
  printSyncFollowUp(json, *edit.sync, report, style);
}

}  // namespace horizon::edit
