// horizon-sync's report as people and scripts read it. The wording and the JSON keys are part of
// the programs' interface (the system tests and users' scripts read them), so they change only
// on purpose.
#include "horizon/sync/sync_report_printer.hpp"

#include <sstream>
#include <vector>

#include "horizon/sync/plan_printer.hpp"

namespace horizon::sync {
namespace {

nlohmann::json resultJson(const OperationResult& r) {
  static const char* kinds[] = {"delete", "patch", "post"};
  nlohmann::json j = {{"operation", kinds[static_cast<int>(r.kind)]},
                      {"record", r.name},
                      {"id", r.record_id},
                      {"ok", r.ok}};
  if (!r.ok) j["error"] = r.error;
  return j;
}

}  // namespace

void writeCloudflareText(const SyncReport& report, std::ostream& out, std::string_view indent,
                         bool verbose) {
  if (!report.cloudflare.reconcile) return;
  const ReconcileReport& run = *report.cloudflare.reconcile;
  writePlanText(run.initial, out, indent, verbose);
  if (!report.apply) return;
  for (const OperationResult& r : run.results)
    if (!r.ok) out << indent << "  failed: " << r.name << ": " << r.error << "\n";
  out << indent << "applied " << run.writes_ok << " write(s), " << run.writes_failed
      << " failed, in " << run.rounds << " round(s); " << report.cloudflare.requests
      << " API request(s)\n";
  if (run.complete()) {
    out << indent << "Cloudflare is in sync\n";
  } else {
    out << indent << "left undone:\n";
    writePlanText(run.final, out, indent, verbose);
  }
}

void writeSyncText(const SyncReport& report, std::ostream& out, bool verbose) {
  if (!report.zone_loaded) return;
  writeCloudflareText(report, out, {}, verbose);
  if (report.traefik.state != TraefikOutcome::State::kNotRequested)
    out << "Traefik " << (report.traefik.file.empty() ? "routes" : report.traefik.file) << ": "
        << describeTraefikState(report.traefik.state) << "\n";
}

nlohmann::json syncReportToJson(const SyncReport& report) {
  if (!report.zone_loaded) return nullptr;
  nlohmann::json out = nlohmann::json::object();
  if (const auto& run = report.cloudflare.reconcile) {
    out["zone_id"] = run->zone_id;
    out["plan"] = planToJson(run->initial);
    if (report.apply) {
      nlohmann::json results = nlohmann::json::array();
      for (const OperationResult& r : run->results) results.push_back(resultJson(r));
      out["results"] = std::move(results);
      out["final"] = planToJson(run->final);
      out["complete"] = run->complete();
    }
    out["requests"] = report.cloudflare.requests;
  }
  if (report.traefik.state != TraefikOutcome::State::kNotRequested)
    out["traefik"] = {{"file", report.traefik.file},
                      {"state", describeTraefikState(report.traefik.state)}};
  return out;
}

void writeSyncErrors(const SyncReport& report, std::string_view program, std::ostream& err) {
  if (!report.zone_loaded) {
    err << report.zone_errors;
    return;
  }
  if (report.cloudflare.state == CloudflareOutcome::State::kFailed)
    err << program << ": " << report.cloudflare.error << "\n";
  for (const std::string& e : report.traefik.errors) {
    if (report.traefik.state == TraefikOutcome::State::kNotRendered)
      err << program << ": traefik: " << e << "\n";
    else
      err << program << ": " << e << "\n";
  }
}

nlohmann::json syncErrorsToJson(const SyncReport& report) {
  nlohmann::json errors = nlohmann::json::array();
  auto add = [&errors](const char* part, const std::string& message) {
    errors.push_back({{"part", part}, {"message", message}});
  };
  if (!report.zone_loaded) {
    std::istringstream lines(report.zone_errors);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) add("zone", line);
    return errors;
  }
  if (report.cloudflare.state == CloudflareOutcome::State::kFailed)
    add("cloudflare", report.cloudflare.error);
  for (const std::string& e : report.traefik.errors) add("traefik", e);
  return errors;
}

int printSyncRun(const SyncReport& report, bool json, std::string_view program, std::ostream& out,
                 std::ostream& err, bool verbose) {
  if (!json) {
    writeSyncErrors(report, program, err);
    writeSyncText(report, out, verbose);
    return report.exitStatus();
  }
  // One object whatever happened, so that a script reads one document and finds the errors in it.
  nlohmann::json document =
      report.zone_loaded ? syncReportToJson(report) : nlohmann::json::object();
  document["errors"] = syncErrorsToJson(report);
  out << document.dump(2) << "\n";
  return report.exitStatus();
}

std::string summarizeSyncReport(const SyncReport& report) {
  if (!report.zone_loaded) return "the zone file has errors; nothing was changed";
  std::vector<std::string> parts;
  const CloudflareOutcome& cloudflare = report.cloudflare;
  if (cloudflare.state == CloudflareOutcome::State::kFailed) {
    parts.push_back("cloudflare failed: " + cloudflare.error);
  } else if (cloudflare.reconcile && report.apply) {
    parts.push_back(std::string(cloudflare.reconcile->complete() ? "cloudflare in sync ("
                                                                 : "cloudflare left undone (") +
                    std::to_string(cloudflare.reconcile->writes_ok) + " writes)");
  } else if (cloudflare.reconcile) {
    parts.push_back(cloudflare.state == CloudflareOutcome::State::kInSync
                        ? "cloudflare in sync"
                        : "cloudflare changes pending");
  }
  if (report.traefik.state != TraefikOutcome::State::kNotRequested)
    parts.push_back("traefik " + describeTraefikState(report.traefik.state));
  else if (!report.traefik.json.empty())
    parts.push_back("traefik routes rendered");  // to be served, without a file
  std::string summary;
  for (std::size_t i = 0; i < parts.size(); ++i) summary += (i ? "; " : "") + parts[i];
  return summary;
}

}  // namespace horizon::sync
