// dnsctl's edit transaction (sync/edit): on a copy of the seed zone in a temporary directory,
// with the follow-ups (the server's reload, the sync) replaced by a recorder, so no socket and
// no API is involved. A written edit is followed by a reload and a sync; a refused or no-op
// edit leaves the file untouched and contacts neither.
#include "horizon/edit/edit_transaction.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "horizon/edit/hosts_import.hpp"
#include "horizon/edit/service_edit.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::edit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string diagnosticsText(const FileEdit& edit) {
  std::string text;
  for (const auto& d : edit.diagnostics) text += d.toString() + "\n";
  return text;
}

// Records what the transaction asked of its follow-ups and answers as told.
class RecordingFollowUps : public EditFollowUps {
 public:
  std::map<std::string, std::uint32_t> serialsBefore() override {
    calls.push_back("serials");
    return {{"madhan.app.", 111}};
  }
  ServerReload reload() override {
    calls.push_back("reload");
    return reload_answer;
  }
  SyncFollowUp sync() override {
    calls.push_back("sync");
    return sync_answer;
  }

  std::vector<std::string> calls;
  ServerReload reload_answer{ServerReload::State::kReloaded, {{"madhan.app.", 222}}, {}};
  SyncFollowUp sync_answer;
};

class EditTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/horizon-edit-XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    seed_ = slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
    zone_ = dir_ + "/madhan.app.yaml";
    writeFile(zone_, seed_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ServiceEditReport expose(const std::string& name) {
    return editPublicService(zone_, name, ServiceAction::kExpose, follow_ups_);
  }
  ServiceEditReport unexpose(const std::string& name) {
    return editPublicService(zone_, name, ServiceAction::kUnexpose, follow_ups_);
  }

  std::string dir_, seed_, zone_;
  RecordingFollowUps follow_ups_;
};

TEST_F(EditTransactionTest, AWrittenEditIsFollowedByAReloadThenASync) {
  ServiceEditReport r = expose("Jellyfin.madhan.app.");
  EXPECT_EQ(r.name, "jellyfin");
  ASSERT_EQ(r.edit.file.status, FileEdit::Status::kWritten) << r.edit.file.message;
  EXPECT_THAT(slurp(zone_), HasSubstr("  services: [grafana, jellyfin]\n"));
  EXPECT_THAT(r.edit.file.diff, ElementsAre(HasSubstr("@@"), "-  services: [grafana]",
                                            "+  services: [grafana, jellyfin]"));
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials", "reload", "sync"));
  EXPECT_EQ(r.edit.serials_before.at("madhan.app."), 111u);
  ASSERT_TRUE(r.edit.server);
  EXPECT_EQ(r.edit.server->serials.at("madhan.app."), 222u);
  ASSERT_TRUE(r.edit.sync);
  EXPECT_EQ(r.edit.exitStatus(), kEditExitOk);
  // The written file loads, and the loader sees the new service.
  zone::LoadResult loaded = zone::loadZoneFile(zone_);
  ASSERT_TRUE(loaded.ok()) << loaded.report();
  EXPECT_THAT(loaded.zone->public_services, ElementsAre("grafana", "jellyfin"));
}

TEST_F(EditTransactionTest, AFailedFollowUpFailsTheEditButTheSyncStillRuns) {
  follow_ups_.reload_answer = {ServerReload::State::kUnreachable, {}, "connection refused"};
  ServiceEditReport r = expose("jellyfin");
  EXPECT_EQ(r.edit.file.status, FileEdit::Status::kWritten);
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials", "reload", "sync"));
  EXPECT_EQ(r.edit.exitStatus(), kEditExitFailed);

  follow_ups_ = {};
  sync::SyncReport failed_sync;
  failed_sync.zone_loaded = true;
  failed_sync.cloudflare.state = sync::CloudflareOutcome::State::kFailed;
  follow_ups_.sync_answer.report = failed_sync;
  EXPECT_EQ(unexpose("jellyfin").edit.exitStatus(), kEditExitFailed);
}

TEST_F(EditTransactionTest, APublishedNameIsANoOpThatContactsNobody) {
  struct stat before {};
  ASSERT_EQ(stat(zone_.c_str(), &before), 0);
  for (const char* name : {"grafana", "GRAFANA.madhan.app", "grafana.madhan.app."}) {
    ServiceEditReport r = expose(name);
    EXPECT_EQ(r.edit.file.status, FileEdit::Status::kUnchanged) << name;
    EXPECT_THAT(r.edit.file.message,
                HasSubstr("grafana is already published (in public.services)"));
    EXPECT_EQ(r.edit.exitStatus(), kEditExitOk);
    EXPECT_FALSE(r.edit.server);
    EXPECT_FALSE(r.edit.sync);
  }
  ServiceEditReport own = expose("auth");
  EXPECT_EQ(own.edit.file.status, FileEdit::Status::kUnchanged);
  EXPECT_THAT(own.edit.file.message, HasSubstr("by its own record in the public view (line 18)"));
  ServiceEditReport not_listed = unexpose("jellyfin");
  EXPECT_EQ(not_listed.edit.file.status, FileEdit::Status::kUnchanged);
  EXPECT_THAT(not_listed.edit.file.message, HasSubstr("not in public.services"));

  for (const std::string& call : follow_ups_.calls) EXPECT_EQ(call, "serials");
  EXPECT_EQ(slurp(zone_), seed_);
  struct stat after {};
  ASSERT_EQ(stat(zone_.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "a no-op must not replace the file";
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
}

TEST_F(EditTransactionTest, NamesOutsideTheZoneWildcardsAndTheApexAreRefused) {
  for (const char* name : {"x.example.org.", "x.example.org", "*", "*.proxy", "@", "madhan.app",
                           "madhan.app.", "bad..name", "in valid", "under_score!"}) {
    ServiceEditReport r = expose(name);
    EXPECT_EQ(r.edit.file.status, FileEdit::Status::kRefused) << name;
    EXPECT_FALSE(r.edit.file.message.empty()) << name;
    EXPECT_EQ(r.name, name) << "not resolved: reported as typed";
    EXPECT_EQ(r.edit.exitStatus(), kEditExitRefused) << name;
  }
  // auth is published by a record of its own, not dnsctl's to remove.
  ServiceEditReport auth = unexpose("auth");
  EXPECT_EQ(auth.edit.file.status, FileEdit::Status::kRefused);
  EXPECT_THAT(auth.edit.file.message, HasSubstr("edit that record by hand"));
  for (const std::string& call : follow_ups_.calls) EXPECT_EQ(call, "serials");
  EXPECT_EQ(slurp(zone_), seed_);
}

// A service gets a certificate for its name, so expose takes only names a certificate can hold;
// unexpose still removes such a name when someone listed it by hand.
TEST_F(EditTransactionTest, ExposeRefusesNamesThatCannotBeCertificateHostNames) {
  for (const char* name : {"under_score", "_dmarc", "a_b.lab", "-lead", "trail-.lab"}) {
    ServiceEditReport r = expose(name);
    EXPECT_EQ(r.edit.file.status, FileEdit::Status::kRefused) << name;
    EXPECT_THAT(r.edit.file.message, HasSubstr("cannot be published")) << name;
    EXPECT_EQ(r.edit.exitStatus(), kEditExitRefused) << name;
  }
  EXPECT_THAT(expose("under_score").edit.file.message,
              HasSubstr("label 'under_score' holds '_': a host name has only letters, digits and "
                        "'-'"));
  EXPECT_EQ(slurp(zone_), seed_);
  EXPECT_EQ(certificateNameProblem("jellyfin", "madhan.app."), "");
  EXPECT_EQ(certificateNameProblem("a-b.c1", "madhan.app."), "");
  EXPECT_THAT(certificateNameProblem(std::string(60, 'a') + "." + std::string(60, 'b') + "." +
                                         std::string(60, 'c') + "." + std::string(60, 'd'),
                                     "madhan.app."),
              HasSubstr("longer than the 253 characters"));

  std::string listed = seed_;
  listed.replace(listed.find("services: [grafana]"), 19, "services: [grafana, under_score]");
  writeFile(zone_, listed);
  ServiceEditReport removed = unexpose("under_score");
  EXPECT_EQ(removed.edit.file.status, FileEdit::Status::kWritten) << removed.edit.file.message;
  EXPECT_EQ(slurp(zone_), seed_);
}

TEST_F(EditTransactionTest, AFileWithErrorsIsNotEditedAndItsErrorsAreReported) {
  std::string broken = seed_;
  broken.replace(broken.find("services: [grafana]"), 19, "services: [grafana]\n  via: bifrost");
  writeFile(zone_, broken);
  ServiceEditReport r = expose("jellyfin");
  EXPECT_EQ(r.edit.file.status, FileEdit::Status::kRefused);
  EXPECT_THAT(r.edit.file.message, HasSubstr("has errors already"));
  EXPECT_THAT(diagnosticsText(r.edit.file), HasSubstr("duplicate key"));
  EXPECT_EQ(slurp(zone_), broken);
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials"));
}

TEST_F(EditTransactionTest, AnEditTheLoaderRejectsOrThatMissesItsPurposeIsNotWritten) {
  auto unloadable = [](const std::string& text, const zone::Zone&) {
    return TextEdit{TextEdit::Status::kChanged, text + "extra: 1\n", {}};
  };
  auto fine = [](const zone::Zone&) { return std::string(); };
  EditReport r = runEditTransaction(zone_, unloadable, fine, follow_ups_);
  EXPECT_EQ(r.file.status, FileEdit::Status::kRefused);
  EXPECT_THAT(r.file.message, HasSubstr("would not load"));
  EXPECT_THAT(diagnosticsText(r.file), HasSubstr("unknown key 'extra'"));

  auto harmless = [](const std::string& text, const zone::Zone&) {
    return TextEdit{TextEdit::Status::kChanged, text + "# a comment\n", {}};
  };
  auto disagree = [](const zone::Zone&) { return std::string("jellyfin is not listed"); };
  r = runEditTransaction(zone_, harmless, disagree, follow_ups_);
  EXPECT_EQ(r.file.status, FileEdit::Status::kRefused);
  EXPECT_THAT(r.file.message,
              HasSubstr("did not have the intended effect (jellyfin is not listed)"));
  EXPECT_EQ(r.exitStatus(), kEditExitRefused);
  EXPECT_EQ(slurp(zone_), seed_);
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials", "serials"));
}

TEST_F(EditTransactionTest, ChangeAndCheckOfPublicServicesArePure) {
  zone::LoadResult loaded = zone::loadZoneText(seed_, "seed.yaml", HORIZON_SOURCE_DIR "/zones");
  ASSERT_TRUE(loaded.ok());
  std::string name;
  TextEdit e = changePublicService(seed_, *loaded.zone, "photos", ServiceAction::kExpose, &name);
  EXPECT_EQ(e.status, TextEdit::Status::kChanged);
  EXPECT_EQ(name, "photos");
  EXPECT_EQ(checkPublicService(*loaded.zone, "photos", ServiceAction::kExpose),
            "photos is not listed");
  EXPECT_EQ(checkPublicService(*loaded.zone, "grafana", ServiceAction::kExpose), "");
  EXPECT_EQ(checkPublicService(*loaded.zone, "grafana", ServiceAction::kUnexpose),
            "grafana is still listed");
  name.clear();
  e = changePublicService(seed_, *loaded.zone, "*.proxy", ServiceAction::kExpose, &name);
  EXPECT_EQ(e.status, TextEdit::Status::kRefused);
  EXPECT_EQ(name, "");
}

TEST_F(EditTransactionTest, ImportHostsAddsWhatIsMissingAndDryRunWritesNothing) {
  const std::vector<HostsEntry> entries = {{1, "192.168.1.220", "grafana.madhan.app"},
                                           {2, "192.168.1.10", "nas.madhan.app"},
                                           {3, "10.0.0.1", "other.example.org"}};
  HostsImportReport dry = importHosts(zone_, entries, {"lan"}, /*dry_run=*/true, follow_ups_);
  EXPECT_EQ(dry.edit.file.status, FileEdit::Status::kUnchanged);
  ASSERT_EQ(dry.decisions.size(), 3u);
  EXPECT_EQ(dry.decisions[1].kind, HostsDecision::Kind::kAdd);
  EXPECT_EQ(slurp(zone_), seed_);
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials"));

  HostsImportReport real = importHosts(zone_, entries, {"lan"}, /*dry_run=*/false, follow_ups_);
  ASSERT_EQ(real.edit.file.status, FileEdit::Status::kWritten) << real.edit.file.message;
  EXPECT_EQ(real.decisions[0].kind, HostsDecision::Kind::kCovered);
  EXPECT_EQ(real.decisions[2].kind, HostsDecision::Kind::kSkipped);
  EXPECT_THAT(slurp(zone_), HasSubstr("\n  nas:       {lan: 192.168.1.10}\n"));
  EXPECT_THAT(follow_ups_.calls, ElementsAre("serials", "serials", "reload", "sync"));
  EXPECT_EQ(real.exitStatus(), kEditExitOk);

  HostsImportReport no_view = importHosts(zone_, entries, {"nosuch"}, false, follow_ups_);
  EXPECT_EQ(no_view.edit.file.status, FileEdit::Status::kRefused);
  EXPECT_EQ(no_view.edit.file.message, "no view named 'nosuch'");
  EXPECT_EQ(no_view.exitStatus(), kEditExitRefused);
}

// Several views: decisions per entry and view, one entry per name holding every view, and a view
// the wildcard already answered keeps its answer through that entry.
TEST_F(EditTransactionTest, ImportHostsIntoSeveralViewsWritesOneEntryPerName) {
  const std::vector<HostsEntry> entries = {{1, "192.168.1.10", "nas.madhan.app"},
                                           {2, "192.168.1.220", "printer.madhan.app"}};
  HostsImportReport r = importHosts(zone_, entries, {"lan", "vpn"}, false, follow_ups_);
  ASSERT_EQ(r.edit.file.status, FileEdit::Status::kWritten) << r.edit.file.message;
  ASSERT_EQ(r.decisions.size(), 4u);
  EXPECT_EQ(r.decisions[0].view, "lan");
  EXPECT_EQ(r.decisions[0].kind, HostsDecision::Kind::kAdd);
  EXPECT_EQ(r.decisions[1].view, "vpn");
  EXPECT_EQ(r.decisions[1].kind, HostsDecision::Kind::kAdd);
  EXPECT_EQ(r.decisions[2].kind, HostsDecision::Kind::kCovered);  // the wildcard, in both
  EXPECT_EQ(r.decisions[3].kind, HostsDecision::Kind::kCovered);
  const std::string text = slurp(zone_);
  EXPECT_THAT(text, HasSubstr("\n  nas:       {lan: 192.168.1.10, vpn: 192.168.1.10}\n"));
  EXPECT_EQ(text.find("printer"), std::string::npos);
  EXPECT_EQ(r.exitStatus(), kEditExitOk);

  // Covered in lan by the new entry of nas, missing in vpn: vpn is added, and lan keeps its
  // answer because the entry names it too.
  writeFile(zone_, seed_);
  const std::vector<HostsEntry> gateway = {{1, "192.168.1.220", "media.madhan.app"}};
  std::string edited = seed_;
  const std::string both = R"("*":       {lan: gateway, vpn: gateway})";
  edited.replace(edited.find(both), both.size(), R"("*":       {lan: gateway})");
  writeFile(zone_, edited);
  HostsImportReport mixed = importHosts(zone_, gateway, {"vpn", "lan"}, false, follow_ups_);
  ASSERT_EQ(mixed.edit.file.status, FileEdit::Status::kWritten) << mixed.edit.file.message;
  EXPECT_EQ(mixed.decisions[0].kind, HostsDecision::Kind::kAdd);
  EXPECT_EQ(mixed.decisions[1].kind, HostsDecision::Kind::kCovered);
  EXPECT_THAT(slurp(zone_), HasSubstr("media:     {vpn: 192.168.1.220, lan: 192.168.1.220}"));

  HostsImportReport missing = importHosts(zone_, entries, {"lan", "nosuch"}, false, follow_ups_);
  EXPECT_EQ(missing.edit.file.status, FileEdit::Status::kRefused);
  EXPECT_EQ(missing.edit.file.message, "no view named 'nosuch'");
}

TEST_F(EditTransactionTest, ImportHostsConflictsAreLeftForAPersonAndSaySo) {
  const std::vector<HostsEntry> entries = {{1, "192.168.1.99", "auth.madhan.app"}};
  HostsImportReport r = importHosts(zone_, entries, {"lan"}, false, follow_ups_);
  EXPECT_TRUE(r.hasConflicts());
  EXPECT_EQ(r.edit.file.status, FileEdit::Status::kUnchanged);
  EXPECT_EQ(r.exitStatus(), kEditExitRefused);
  EXPECT_EQ(slurp(zone_), seed_);
}

}  // namespace
}  // namespace horizon::edit
