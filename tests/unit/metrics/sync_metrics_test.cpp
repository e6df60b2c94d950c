// horizon-sync watch's metrics (sync/metrics): hand-made run reports folded into the
// horizon_sync_* families, with the names and labels of the metric contract.
#include "horizon/sync/sync_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace horizon::sync {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A finished apply run: `ok` writes of each kind succeeded, `drift` changes are left, plus
// notes; the API's failures as given.
SyncReport applyRun(int creates, int updates, int deletes, int drift = 0,
                    std::vector<PlanNote::Kind> notes = {}, ApiStats api = {}) {
  SyncReport report;
  report.apply = true;
  report.zone_loaded = true;
  ReconcileReport run;
  auto add = [&](OperationResult::Kind kind, int n, bool ok) {
    for (int i = 0; i < n; ++i) {
      OperationResult result{};
      result.kind = kind;
      result.name = "x.madhan.app A";
      result.ok = ok;
      run.results.push_back(result);
    }
  };
  add(OperationResult::Kind::kPost, creates, true);
  add(OperationResult::Kind::kPatch, updates, true);
  add(OperationResult::Kind::kDelete, deletes, true);
  add(OperationResult::Kind::kPost, 1, false);  // failed writes are not applied changes
  for (int i = 0; i < drift; ++i) run.final.changes.push_back({});
  for (auto kind : notes) {
    PlanNote note;
    note.kind = kind;
    run.final.notes.push_back(note);
  }
  const bool complete = run.final.inSync();
  report.cloudflare.state =
      complete ? CloudflareOutcome::State::kInSync : CloudflareOutcome::State::kLeftUndone;
  report.cloudflare.reconcile = std::move(run);
  report.cloudflare.api = std::move(api);
  return report;
}

// name{labels} -> value, from the rendered text.
std::map<std::string, std::string> samples(const SyncMetrics& metrics) {
  metrics::Families families;
  metrics.appendFamilies(families);
  std::map<std::string, std::string> out;
  std::istringstream lines(metrics::render(families));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(SyncMetricsTest, BeforeTheFirstRunEveryFamilyIsThereAndNotReady) {
  SyncMetrics metrics;
  EXPECT_FALSE(metrics.anyRunFinished());
  metrics::Families families;
  metrics.appendFamilies(families);
  std::vector<std::string> names;
  for (const auto& family : families) names.push_back(family.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "horizon_sync_runs_total", "horizon_sync_last_run_timestamp_seconds",
                "horizon_sync_last_run_success", "horizon_sync_last_success_timestamp_seconds",
                "horizon_sync_changes_applied_total", "horizon_sync_pending_changes",
                "horizon_sync_api_errors_total", "horizon_sync_rate_limit_waits_total",
                "horizon_sync_rate_limit_wait_seconds_total", "horizon_sync_conflicts",
                "horizon_sync_refused_records"}));
  const auto s = samples(metrics);
  EXPECT_EQ(s.at("horizon_sync_runs_total{result=\"success\"}"), "0");
  EXPECT_EQ(s.at("horizon_sync_runs_total{result=\"failure\"}"), "0");
  EXPECT_EQ(s.at("horizon_sync_changes_applied_total{kind=\"create\"}"), "0");
  EXPECT_EQ(s.at("horizon_sync_last_success_timestamp_seconds"), "0");
}

TEST(SyncMetricsTest, RunsAddUpAndTheLastRunSetsTheGauges) {
  SyncMetrics metrics;
  const auto t1 = std::chrono::system_clock::time_point(1712000000s);
  const auto t2 = t1 + 600s;
  ApiStats api;
  api.errors = {{"429", 2}, {"network", 1}};
  api.rate_limit_waits = 2;
  api.rate_limit_wait = 3500ms;
  metrics.recordRun(applyRun(5, 1, 0, 0, {}, api), t1);
  EXPECT_TRUE(metrics.anyRunFinished());
  metrics.recordRun(applyRun(1, 0, 2, 3,
                             {PlanNote::Kind::kConflict, PlanNote::Kind::kReadOnly,
                              PlanNote::Kind::kRefused, PlanNote::Kind::kAdoptable},
                             api),
                    t2);
  const auto s = samples(metrics);
  EXPECT_EQ(s.at("horizon_sync_runs_total{result=\"success\"}"), "1");
  EXPECT_EQ(s.at("horizon_sync_runs_total{result=\"failure\"}"), "1");
  EXPECT_EQ(s.at("horizon_sync_last_run_timestamp_seconds"), "1712000600");
  EXPECT_EQ(s.at("horizon_sync_last_run_success"), "0");
  EXPECT_EQ(s.at("horizon_sync_last_success_timestamp_seconds"), "1712000000");
  EXPECT_EQ(s.at("horizon_sync_changes_applied_total{kind=\"create\"}"), "6");
  EXPECT_EQ(s.at("horizon_sync_changes_applied_total{kind=\"update\"}"), "1");
  EXPECT_EQ(s.at("horizon_sync_changes_applied_total{kind=\"delete\"}"), "2");
  EXPECT_EQ(s.at("horizon_sync_pending_changes"), "3");
  EXPECT_EQ(s.at("horizon_sync_conflicts"), "2");
  EXPECT_EQ(s.at("horizon_sync_refused_records"), "1");
  EXPECT_EQ(s.at("horizon_sync_api_errors_total{status=\"429\"}"), "4");
  EXPECT_EQ(s.at("horizon_sync_api_errors_total{status=\"network\"}"), "2");
  EXPECT_EQ(s.at("horizon_sync_rate_limit_waits_total"), "4");
  EXPECT_EQ(s.at("horizon_sync_rate_limit_wait_seconds_total"), "7");
}

TEST(SyncMetricsTest, ARunThatCouldNotPlanKeepsTheLastPlansGauges) {
  SyncMetrics metrics;
  metrics.recordRun(applyRun(0, 0, 0, 2, {PlanNote::Kind::kConflict}));
  SyncReport failed;
  failed.apply = true;
  failed.zone_loaded = true;
  failed.cloudflare.state = CloudflareOutcome::State::kFailed;
  failed.cloudflare.error = "gave up";
  failed.cloudflare.api.errors = {{"503", 7}};
  metrics.recordRun(failed);
  SyncReport broken_zone;  // zone file errors: nothing attempted
  broken_zone.apply = true;
  metrics.recordRun(broken_zone);
  const auto s = samples(metrics);
  EXPECT_EQ(s.at("horizon_sync_runs_total{result=\"failure\"}"), "3");
  EXPECT_EQ(s.at("horizon_sync_pending_changes"), "2");
  EXPECT_EQ(s.at("horizon_sync_conflicts"), "1");
  EXPECT_EQ(s.at("horizon_sync_api_errors_total{status=\"503\"}"), "7");
}

TEST(SyncMetricsTest, ScrapesWhileRunsAreRecordedSeeWholeRuns) {
  SyncMetrics metrics;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done) {
      const auto s = samples(metrics);
      // Both counters of one run move together: 2 creates per run, never half a run.
      const long runs = std::stol(s.at("horizon_sync_runs_total{result=\"success\"}"));
      EXPECT_EQ(std::stol(s.at("horizon_sync_changes_applied_total{kind=\"create\"}")), 2 * runs);
    }
  });
  for (int i = 0; i < 200; ++i) metrics.recordRun(applyRun(2, 0, 0));
  done = true;
  scraper.join();
  EXPECT_EQ(samples(metrics).at("horizon_sync_runs_total{result=\"success\"}"), "200");
}

}  // namespace
}  // namespace horizon::sync
