// What `horizon-sync watch --metrics` exports: the horizon_sync_* families of the metric
// contract, folded from each run's typed report (totals since start, and the last run's gauges).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "horizon/metrics/exposition.hpp"
#include "horizon/sync/sync_report.hpp"

namespace horizon::sync {

/// The watch loop's numbers. Thread-safe: the loop records runs on its thread while the metrics
/// endpoint reads them on its own.
class SyncMetrics {
 public:
  /// Folds in one apply run that ended at `finished`. A run succeeds when everything is in place
  /// (exit status 0); the gauges of the plan keep their last known values when the run could
  /// not plan (zone file errors, Cloudflare unreachable).
  void recordRun(const SyncReport& report,
                 std::chrono::system_clock::time_point finished = std::chrono::system_clock::now());
  /// True once a run has been recorded: the watch is ready.
  bool anyRunFinished() const;
  /// Appends the horizon_sync_* families.
  void appendFamilies(metrics::Families& families) const;

 private:
  struct Values {
    std::uint64_t runs_success = 0, runs_failure = 0;
    double last_run_timestamp = 0, last_success_timestamp = 0;  // seconds since the epoch
    bool last_run_success = false;
    std::uint64_t creates = 0, updates = 0, deletes = 0;
    std::uint64_t pending_changes = 0, conflicts = 0, refused_records = 0;
    std::map<std::string, std::uint64_t> api_errors;  // by status
    std::uint64_t rate_limit_waits = 0;
    double rate_limit_wait_seconds = 0;
  };

  mutable std::mutex mutex_;
  Values values_;
};

}  // namespace horizon::sync
