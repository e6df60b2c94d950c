// The apply loop. Writes are never retried blindly: after a write whose outcome is unknown or
// that failed on stale data, the zone is listed again and planned again, so a record is never
// created twice and an id that went away is never written to.
#include "horizon/sync/reconciler.hpp"

#include <algorithm>
#include <thread>

namespace horizon::sync {
namespace {

// Failures a fresh listing can fix: stale ids (81044), records that appeared meanwhile (81057,
// 81058), and writes whose outcome is unknown (5xx or a dropped connection).
bool worthAnotherRound(const OperationResult& result) {
  if (result.ok) return false;
  if (result.outcome_unknown) return true;
  return std::any_of(result.codes.begin(), result.codes.end(),
                     [](int code) { return code == 81044 || code == 81057 || code == 81058; });
}

}  // namespace

ReconcileReport reconcile(CloudflareClient& client, const DesiredState& desired,
                          const PlanOptions& options, bool dry_run, int max_rounds) {
  ReconcileReport report;
  report.zone_id = desired.zone_id.empty() ? client.findZoneId(desired.zone_name) : desired.zone_id;
  Plan plan = makePlan(desired, client.listRecords(report.zone_id), options);
  report.initial = plan;
  while (!dry_run && report.rounds < max_rounds) {
    RecordChanges writes = plan.writes();
    if (writes.size() == 0) break;
    ++report.rounds;
    std::vector<OperationResult> results = client.apply(report.zone_id, writes);
    bool again = false;
    for (OperationResult& result : results) {
      (result.ok ? report.writes_ok : report.writes_failed)++;
      again |= worthAnotherRound(result);
      report.results.push_back(std::move(result));
    }
    // The listing after the writes is also the check that they took effect.
    plan = makePlan(desired, client.listRecords(report.zone_id), options);
    if (!again) break;
    // Give a struggling API a moment before the next round; the client's deadline bounds it all.
    std::this_thread::sleep_for(std::chrono::milliseconds(250) * report.rounds);
  }
  report.final = plan;
  return report;
}

}  // namespace horizon::sync
