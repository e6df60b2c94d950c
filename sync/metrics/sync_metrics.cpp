// The numbers come from the typed report only (changeCounts, the final plan, the client's
// ApiStats), never from printed text, so the metrics and the log cannot disagree.
#include "horizon/sync/sync_metrics.hpp"

#include <algorithm>

namespace horizon::sync {
namespace {

using prometheus::MetricType;

double seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

std::uint64_t countNotes(const Plan& plan, std::initializer_list<PlanNote::Kind> kinds) {
  return static_cast<std::uint64_t>(
      std::count_if(plan.notes.begin(), plan.notes.end(), [&](const PlanNote& note) {
        return std::find(kinds.begin(), kinds.end(), note.kind) != kinds.end();
      }));
}

void gauge(metrics::Families& families, const char* name, const char* help, double value) {
  metrics::addSample(metrics::addFamily(families, name, help, MetricType::Gauge), {}, value);
}

}  // namespace

void SyncMetrics::recordRun(const SyncReport& report,
                            std::chrono::system_clock::time_point finished) {
  const bool success = report.exitStatus() == kSyncExitOk;
  const ChangeCounts changes = report.changeCounts();
  std::lock_guard lock(mutex_);
  Values& v = values_;
  (success ? v.runs_success : v.runs_failure)++;
  v.last_run_timestamp = seconds(finished);
  v.last_run_success = success;
  if (success) v.last_success_timestamp = v.last_run_timestamp;
  if (report.apply) {
    v.creates += changes.creates;
    v.updates += changes.updates;
    v.deletes += changes.deletes;
  }
  if (const auto& run = report.cloudflare.reconcile) {
    // After an apply, `final` is the plan against the listing after the last write: the drift
    // that is left. A read-only record in the way is as much a conflict as an unowned one, and
    // so is a record not ours left contradicting the public view.
    v.pending_changes = run->final.changes.size();
    v.conflicts = countNotes(run->final, {PlanNote::Kind::kConflict, PlanNote::Kind::kReadOnly}) +
                  run->final.contradictingLeft();
    v.refused_records = countNotes(run->final, {PlanNote::Kind::kRefused});
  }
  for (const auto& [status, count] : report.cloudflare.api.errors) v.api_errors[status] += count;
  v.rate_limit_waits += report.cloudflare.api.rate_limit_waits;
  v.rate_limit_wait_seconds +=
      std::chrono::duration<double>(report.cloudflare.api.rate_limit_wait).count();
}

bool SyncMetrics::anyRunFinished() const {
  std::lock_guard lock(mutex_);
  return values_.runs_success + values_.runs_failure > 0;
}

void SyncMetrics::appendFamilies(metrics::Families& families) const {
  Values v;
  {
    std::lock_guard lock(mutex_);
    v = values_;
  }
  auto& runs = metrics::addFamily(families, "horizon_sync_runs_total",
                                  "Apply runs finished, by result (success: everything in place).",
                                  MetricType::Counter);
  metrics::addSample(runs, {{"result", "success"}}, static_cast<double>(v.runs_success));
  metrics::addSample(runs, {{"result", "failure"}}, static_cast<double>(v.runs_failure));
  gauge(families, "horizon_sync_last_run_timestamp_seconds",
        "When the last run finished, in seconds since the epoch (0: none yet).",
        v.last_run_timestamp);
  gauge(families, "horizon_sync_last_run_success", "1 when the last run succeeded, else 0.",
        v.last_run_success ? 1 : 0);
  gauge(families, "horizon_sync_last_success_timestamp_seconds",
        "When the last successful run finished, in seconds since the epoch (0: none yet).",
        v.last_success_timestamp);
  auto& applied =
      metrics::addFamily(families, "horizon_sync_changes_applied_total",
                         "Cloudflare records written successfully, by kind.", MetricType::Counter);
  metrics::addSample(applied, {{"kind", "create"}}, static_cast<double>(v.creates));
  metrics::addSample(applied, {{"kind", "update"}}, static_cast<double>(v.updates));
  metrics::addSample(applied, {{"kind", "delete"}}, static_cast<double>(v.deletes));
  gauge(families, "horizon_sync_pending_changes",
        "Changes the last plan wanted that are not applied (drift).",
        static_cast<double>(v.pending_changes));
  auto& errors = metrics::addFamily(families, "horizon_sync_api_errors_total",
                                    "Cloudflare API exchanges that failed, by HTTP status "
                                    "(network: no answer), retries included.",
                                    MetricType::Counter);
  for (const auto& [status, count] : v.api_errors)
    metrics::addSample(errors, {{"status", status}}, static_cast<double>(count));
  metrics::addSample(metrics::addFamily(families, "horizon_sync_rate_limit_waits_total",
                                        "Waits the Cloudflare API's rate limiting asked for.",
                                        MetricType::Counter),
                     {}, static_cast<double>(v.rate_limit_waits));
  metrics::addSample(metrics::addFamily(families, "horizon_sync_rate_limit_wait_seconds_total",
                                        "Time spent waiting for the Cloudflare API's rate limit.",
                                        MetricType::Counter),
                     {}, v.rate_limit_wait_seconds);
  gauge(families, "horizon_sync_conflicts",
        "Records horizon does not own that are in the way (unowned or read-only) or contradict "
        "the public view, left as they are by the last run.",
        static_cast<double>(v.conflicts));
  gauge(families, "horizon_sync_refused_records",
        "Records of the public view the last run refused to publish.",
        static_cast<double>(v.refused_records));
}

}  // namespace horizon::sync
