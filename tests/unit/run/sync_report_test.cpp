// horizon-sync's typed report (sync/run): the exit status and counts derived from its parts, the
// text and JSON printers fed hand-made reports, and a Traefik-only run in a temporary directory
// (no Cloudflare, no sockets).
#include "horizon/sync/sync_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "horizon/sync/sync_report_printer.hpp"
#include "horizon/sync/sync_run.hpp"

namespace horizon::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

CloudflareRecord aRecord(const std::string& name, const std::string& content,
                         const std::string& id = "") {
  CloudflareRecord r;
  r.id = id;
  r.type = "A";
  r.name = name;
  r.content = content;
  r.comment = kOwnerMarker;
  return r;
}

// A plan that creates jellyfin and updates grafana's address.
Plan pendingPlan() {
  Plan plan;
  plan.zone_name = "madhan.app";
  plan.owned = 1;
  plan.unchanged = 3;
  plan.changes.push_back({PlannedChange::Action::kCreate,
                          std::nullopt,
                          aRecord("jellyfin.madhan.app", "178.156.199.250"),
                          {}});
  plan.changes.push_back({PlannedChange::Action::kUpdate,
                          aRecord("grafana.madhan.app", "203.0.113.66", "id-grafana"),
                          aRecord("grafana.madhan.app", "178.156.199.250", "id-grafana"),
                          {"content"}});
  return plan;
}

Plan syncedPlan() {
  Plan plan;
  plan.zone_name = "madhan.app";
  plan.owned = 5;
  plan.unchanged = 5;
  return plan;
}

SyncReport planReport() {
  SyncReport report;
  report.zone_loaded = true;
  ReconcileReport run;
  run.zone_id = "zone-1";
  run.initial = pendingPlan();
  run.final = run.initial;
  report.cloudflare.state = CloudflareOutcome::State::kChangesPending;
  report.cloudflare.reconcile = run;
  report.cloudflare.requests = 3;
  return report;
}

// An apply that created jellyfin but failed to update grafana.
SyncReport applyReport(bool complete) {
  SyncReport report = planReport();
  report.apply = true;
  ReconcileReport& run = *report.cloudflare.reconcile;
  OperationResult created{
      OperationResult::Kind::kPost, "id-jellyfin", "jellyfin.madhan.app A", true, "", {}, false};
  OperationResult failed{OperationResult::Kind::kPatch,
                         "id-grafana",
                         "grafana.madhan.app A",
                         false,
                         "record is locked (81000)",
                         {81000},
                         false};
  run.results = {created, failed};
  run.writes_ok = 1;
  run.writes_failed = 1;
  run.rounds = 1;
  run.final = complete ? syncedPlan() : pendingPlan();
  report.cloudflare.state =
      complete ? CloudflareOutcome::State::kInSync : CloudflareOutcome::State::kLeftUndone;
  report.cloudflare.requests = 6;
  return report;
}

std::string syncText(const SyncReport& report) {
  std::ostringstream out;
  writeSyncText(report, out);
  return out.str();
}

std::string syncErrors(const SyncReport& report) {
  std::ostringstream err;
  writeSyncErrors(report, "horizon-sync", err);
  return err.str();
}

TEST(SyncReportTest, TheExitStatusIsTheWorstOfTheParts) {
  SyncReport report;
  EXPECT_EQ(report.exitStatus(), kSyncExitError) << "a zone that did not load is an error";
  report.zone_loaded = true;
  EXPECT_EQ(report.exitStatus(), kSyncExitOk) << "nothing asked, nothing to do";
  report.cloudflare.state = CloudflareOutcome::State::kInSync;
  report.traefik.state = TraefikOutcome::State::kWouldChange;
  EXPECT_EQ(report.exitStatus(), kSyncExitPending);
  report.cloudflare.state = CloudflareOutcome::State::kFailed;
  EXPECT_EQ(report.exitStatus(), kSyncExitError);
  report.cloudflare.state = CloudflareOutcome::State::kLeftUndone;
  report.traefik.state = TraefikOutcome::State::kNotWritten;
  EXPECT_EQ(report.exitStatus(), kSyncExitError);
  report.traefik.state = TraefikOutcome::State::kWritten;
  EXPECT_EQ(report.exitStatus(), kSyncExitPending);
}

TEST(SyncReportTest, CountsArePlannedChangesOrSuccessfulWrites) {
  ChangeCounts planned = planReport().changeCounts();
  EXPECT_EQ(planned.creates, 1u);
  EXPECT_EQ(planned.updates, 1u);
  EXPECT_EQ(planned.deletes, 0u);
  ChangeCounts written = applyReport(false).changeCounts();
  EXPECT_EQ(written.creates, 1u);
  EXPECT_EQ(written.updates, 0u) << "the failed patch is not counted";
  EXPECT_EQ(SyncReport{}.changeCounts().creates, 0u);
}

TEST(SyncReportTest, StateTexts) {
  CloudflareOutcome failed;
  failed.state = CloudflareOutcome::State::kFailed;
  failed.error = "cannot read the API token";
  EXPECT_EQ(describeCloudflareState(failed), "failed: cannot read the API token");
  EXPECT_EQ(describeCloudflareState(CloudflareOutcome{}), "skipped");
  EXPECT_EQ(describeTraefikState(TraefikOutcome::State::kWouldChange), "would change");
  EXPECT_EQ(describeTraefikState(TraefikOutcome::State::kNotRequested), "");
}

TEST(SyncReportPrinterTest, PlanTextIsThePlanThenTheTraefikLine) {
  SyncReport report = planReport();
  report.traefik.state = TraefikOutcome::State::kWouldChange;
  report.traefik.file = "/srv/traefik/public.yml";
  const std::string text = syncText(report);
  EXPECT_THAT(text, StartsWith("Cloudflare zone madhan.app: 1 to create, 1 to update, 0 to delete"
                               " (3 unchanged, 1 owned, 0 not ours)\n"));
  EXPECT_THAT(text, HasSubstr("  + create  jellyfin.madhan.app A 178.156.199.250 (ttl auto)\n"));
  EXPECT_THAT(text, HasSubstr("  ~ update  grafana.madhan.app A  [id id-grafana]  content: "
                              "203.0.113.66 -> 178.156.199.250\n"));
  EXPECT_THAT(text, HasSubstr("Traefik /srv/traefik/public.yml: would change\n"));
  EXPECT_THAT(text, Not(HasSubstr("applied")));
}

TEST(SyncReportPrinterTest, ApplyTextSaysWhatFailedAndWhatIsLeftUndone) {
  const std::string undone = syncText(applyReport(false));
  EXPECT_THAT(undone, HasSubstr("  failed: grafana.madhan.app A: record is locked (81000)\n"));
  EXPECT_THAT(undone, HasSubstr("applied 1 write(s), 1 failed, in 1 round(s); 6 API request(s)\n"));
  EXPECT_THAT(undone, HasSubstr("left undone:\nCloudflare zone madhan.app: 1 to create"));
  EXPECT_THAT(undone, Not(HasSubstr("Traefik")));
  EXPECT_THAT(syncText(applyReport(true)), HasSubstr("\nCloudflare is in sync\n"));
}

TEST(SyncReportPrinterTest, CloudflareTextCanBeIndentedLineByLine) {
  std::ostringstream out;
  writeCloudflareText(applyReport(false), out, "  ");
  std::istringstream lines(out.str());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) EXPECT_THAT(line, StartsWith("  "));
  EXPECT_GT(count, 6);
}

TEST(SyncReportPrinterTest, NothingIsPrintedForASkippedOrFailedPartOrABadZone) {
  SyncReport skipped;
  skipped.zone_loaded = true;
  EXPECT_EQ(syncText(skipped), "");
  EXPECT_EQ(syncReportToJson(skipped), nlohmann::json::object());
  SyncReport bad;
  bad.zone_errors = "zone.yaml:2:10: error: bad prefix\n";
  EXPECT_EQ(syncText(bad), "");
  EXPECT_TRUE(syncReportToJson(bad).is_null());
  EXPECT_EQ(syncErrors(bad), "zone.yaml:2:10: error: bad prefix\n");
}

TEST(SyncReportPrinterTest, JsonIsOneObjectWithTheErrorsAndNothingOnStderr) {
  SyncReport bad;
  bad.zone_errors = "zone.yaml:2:10: error: bad prefix\nzone.yaml:3:1: error: unknown key\n";
  std::ostringstream out, err;
  EXPECT_EQ(printSyncRun(bad, /*json=*/true, "horizon-sync", out, err), kSyncExitError);
  EXPECT_EQ(err.str(), "");
  const nlohmann::json zone = nlohmann::json::parse(out.str());
  ASSERT_EQ(zone["errors"].size(), 2u) << zone.dump();
  EXPECT_EQ(zone["errors"][0]["part"], "zone");
  EXPECT_EQ(zone["errors"][1]["message"], "zone.yaml:3:1: error: unknown key");

  SyncReport failed = planReport();
  failed.cloudflare.state = CloudflareOutcome::State::kFailed;
  failed.cloudflare.error = "GET /zones: gave up";
  failed.traefik.state = TraefikOutcome::State::kNotRendered;
  failed.traefik.errors = {"service 'x' has no address"};
  std::ostringstream out2, err2;
  printSyncRun(failed, /*json=*/true, "horizon-sync", out2, err2);
  EXPECT_EQ(err2.str(), "");
  const nlohmann::json both = nlohmann::json::parse(out2.str());
  EXPECT_EQ(both["errors"],
            nlohmann::json::parse(R"([{"part":"cloudflare","message":"GET /zones: gave up"},
      {"part":"traefik","message":"service 'x' has no address"}])"));
  EXPECT_EQ(both["zone_id"], "zone-1") << "the report is still there";

  std::ostringstream out3, err3;
  printSyncRun(planReport(), /*json=*/true, "horizon-sync", out3, err3);
  EXPECT_EQ(nlohmann::json::parse(out3.str())["errors"], nlohmann::json::array());
}

TEST(SyncReportPrinterTest, JsonHoldsThePlanAndForApplyTheResults) {
  nlohmann::json plan = syncReportToJson(planReport());
  EXPECT_EQ(plan["zone_id"], "zone-1");
  EXPECT_EQ(plan["requests"], 3);
  EXPECT_EQ(plan["plan"]["counts"]["create"], 1);
  EXPECT_EQ(plan["plan"]["in_sync"], false);
  EXPECT_FALSE(plan.contains("results"));
  EXPECT_FALSE(plan.contains("traefik"));

  SyncReport report = applyReport(true);
  report.traefik.state = TraefikOutcome::State::kWritten;
  report.traefik.file = "out.yml";
  nlohmann::json apply = syncReportToJson(report);
  ASSERT_EQ(apply["results"].size(), 2u);
  EXPECT_EQ(apply["results"][0], (nlohmann::json{{"operation", "post"},
                                                 {"record", "jellyfin.madhan.app A"},
                                                 {"id", "id-jellyfin"},
                                                 {"ok", true}}));
  EXPECT_EQ(apply["results"][1]["error"], "record is locked (81000)");
  EXPECT_EQ(apply["final"]["in_sync"], true);
  EXPECT_EQ(apply["complete"], true);
  EXPECT_EQ(apply["traefik"], (nlohmann::json{{"file", "out.yml"}, {"state", "written"}}));
}

TEST(SyncReportPrinterTest, ErrorsNameTheProgramAndThePart) {
  SyncReport report;
  report.zone_loaded = true;
  report.cloudflare.state = CloudflareOutcome::State::kFailed;
  report.cloudflare.error = "authentication failed";
  report.traefik.state = TraefikOutcome::State::kNotRendered;
  report.traefik.errors = {"service 'x' has no address"};
  EXPECT_EQ(syncErrors(report),
            "horizon-sync: authentication failed\nhorizon-sync: traefik: service 'x' has no "
            "address\n");
  report.traefik.state = TraefikOutcome::State::kNotWritten;
  report.traefik.errors = {"cannot write out.yml: Permission denied"};
  EXPECT_THAT(syncErrors(report), HasSubstr("\nhorizon-sync: cannot write out.yml"));
  EXPECT_EQ(summarizeSyncReport(report),
            "cloudflare failed: authentication failed; traefik not written");
}

TEST(SyncReportPrinterTest, SummaryIsOneLine) {
  EXPECT_EQ(summarizeSyncReport(applyReport(true)), "cloudflare in sync (1 writes)");
  EXPECT_EQ(summarizeSyncReport(applyReport(false)), "cloudflare left undone (1 writes)");
  EXPECT_EQ(summarizeSyncReport(planReport()), "cloudflare changes pending");
  EXPECT_EQ(summarizeSyncReport(SyncReport{}), "the zone file has errors; nothing was changed");
}

class SyncRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/horizon-sync-run-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    settings_.zone_file = HORIZON_SOURCE_DIR "/zones/madhan.app.yaml";
    settings_.skip_cloudflare = true;
    settings_.traefik_out = dir_ + "/public-services.yml";
    finishSyncSettings(settings_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  SyncSettings settings_;
};

TEST_F(SyncRunTest, ATraefikOnlyRunPlansWritesAndThenHasNothingToDo) {
  SyncReport plan = runSync(settings_, /*apply=*/false);
  ASSERT_TRUE(plan.zone_loaded);
  EXPECT_EQ(plan.cloudflare.state, CloudflareOutcome::State::kSkipped);
  EXPECT_EQ(plan.traefik.state, TraefikOutcome::State::kWouldChange);
  EXPECT_EQ(plan.exitStatus(), kSyncExitPending);
  EXPECT_FALSE(std::filesystem::exists(settings_.traefik_out)) << "a plan writes nothing";

  SyncReport apply = runSync(settings_, /*apply=*/true);
  EXPECT_EQ(apply.traefik.state, TraefikOutcome::State::kWritten);
  EXPECT_EQ(apply.traefik.file, settings_.traefik_out);
  EXPECT_EQ(apply.exitStatus(), kSyncExitOk);
  std::ifstream in(settings_.traefik_out);
  std::string first_line;
  std::getline(in, first_line);
  // The file's name alone: another program given another path to it writes the same bytes.
  EXPECT_THAT(first_line, HasSubstr("from madhan.app.yaml."));
  EXPECT_THAT(first_line, Not(HasSubstr("zones/")));
  EXPECT_FALSE(apply.traefik.json.empty());

  EXPECT_EQ(runSync(settings_, true).traefik.state, TraefikOutcome::State::kUnchanged);
  EXPECT_EQ(runSync(settings_, false).exitStatus(), kSyncExitOk);
}

TEST_F(SyncRunTest, AZoneWithErrorsStopsTheRunBeforeAnyPart) {
  const std::string bad = dir_ + "/bad.yaml";
  std::ofstream(bad) << "zone: madhan.app\nviews: {public: [0.0.0.0/33]}\n";
  settings_.zone_file = bad;
  SyncReport report = runSync(settings_, /*apply=*/true);
  EXPECT_FALSE(report.zone_loaded);
  EXPECT_THAT(report.zone_errors, HasSubstr("bad.yaml:2:"));
  EXPECT_EQ(report.traefik.state, TraefikOutcome::State::kNotRequested);
  EXPECT_FALSE(std::filesystem::exists(settings_.traefik_out));
  EXPECT_EQ(report.exitStatus(), kSyncExitError);
}

}  // namespace
}  // namespace horizon::sync
