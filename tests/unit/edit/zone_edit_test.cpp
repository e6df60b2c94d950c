// dnsctl's text editor of zone files: only the lines that must change change, and every result
// still loads with the server's loader and means what was asked.
#include "horizon/edit/zone_edit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "horizon/edit/hosts_import.hpp"
#include "horizon/edit/zone_file_io.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::edit {
namespace {

using ::testing::HasSubstr;
using Status = TextEdit::Status;

std::string seed() {
  std::ifstream in(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The indexes of lines that differ, for edits that keep the line count.
std::vector<std::size_t> changedLines(const std::string& a, const std::string& b) {
  auto la = lines(a), lb = lines(b);
  EXPECT_EQ(la.size(), lb.size());
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < std::min(la.size(), lb.size()); ++i)
    if (la[i] != lb[i]) out.push_back(i);
  return out;
}

// The public services of `text` as the loader sees them; fails the test when it does not load.
std::vector<std::string> services(const std::string& text) {
  zone::LoadResult r = zone::loadZoneText(text, "test.yaml", HORIZON_SOURCE_DIR "/zones");
  EXPECT_TRUE(r.ok()) << r.report() << "\n" << text;
  return r.ok() ? r.zone->public_services : std::vector<std::string>{};
}

// The seed with its public section replaced by `public_section`.
std::string withPublic(const std::string& public_section) {
  std::string text = seed();
  return text.substr(0, text.find("public:                       #")) + public_section;
}

TEST(ZoneEditTest, FlowListKeepsEverythingButTheServicesLine) {
  const std::string original = seed();
  TextEdit e = addPublicService(original, "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged) << e.message;
  auto changed = changedLines(original, e.text);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(lines(e.text)[changed[0]], "  services: [grafana, jellyfin]");
  EXPECT_EQ(services(e.text), (std::vector<std::string>{"grafana", "jellyfin"}));
}

TEST(ZoneEditTest, TrailingCommentAndSpacingStay) {
  const std::string original =
      withPublic("public:\n  via: bifrost\n  services: [ grafana ]   # published\n\n# end\n");
  TextEdit e = addPublicService(original, "photos");
  ASSERT_EQ(e.status, Status::kChanged) << e.message;
  auto changed = changedLines(original, e.text);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(lines(e.text)[changed[0]], "  services: [ grafana, photos ]   # published");
  EXPECT_EQ(services(e.text), (std::vector<std::string>{"grafana", "photos"}));
}

TEST(ZoneEditTest, QuotedItemsAreKept) {
  const std::string original = withPublic("public:\n  via: bifrost\n  services: [\"grafana\"]\n");
  TextEdit e = addPublicService(original, "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged);
  EXPECT_EQ(lines(e.text).back(), "  services: [\"grafana\", jellyfin]");
}

TEST(ZoneEditTest, BlockListGetsALineWithTheSameIndentation) {
  const std::string original = withPublic(
      "public:\n  via: bifrost\n  services:\n    - grafana   # metrics\n    - photos\n\n"
      "# trailing comment\n");
  TextEdit e = addPublicService(original, "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged) << e.message;
  auto before = lines(original), after = lines(e.text);
  ASSERT_EQ(after.size(), before.size() + 1);
  auto at = std::find(after.begin(), after.end(), "    - jellyfin");
  ASSERT_NE(at, after.end()) << e.text;
  EXPECT_EQ(*(at - 1), "    - photos");
  after.erase(at);
  EXPECT_EQ(after, before);
  EXPECT_EQ(services(e.text), (std::vector<std::string>{"grafana", "photos", "jellyfin"}));
}

TEST(ZoneEditTest, EmptyListAndEmptyValue) {
  TextEdit e =
      addPublicService(withPublic("public:\n  via: bifrost\n  services: []  # none\n"), "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged);
  EXPECT_EQ(lines(e.text).back(), "  services: [jellyfin]  # none");
  EXPECT_EQ(services(e.text), std::vector<std::string>{"jellyfin"});

  e = addPublicService(withPublic("public:\n  via: bifrost\n  services:   # later\n"), "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged);
  EXPECT_EQ(lines(e.text).back(), "  services: [jellyfin]   # later");
}

TEST(ZoneEditTest, MissingServicesKeyIsAdded) {
  const std::string original =
      withPublic("public:   # the VPS\n  via: bifrost   # Traefik\n\n# done\n");
  TextEdit e = addPublicService(original, "jellyfin");
  ASSERT_EQ(e.status, Status::kChanged) << e.message;
  auto after = lines(e.text);
  auto at = std::find(after.begin(), after.end(), "  services: [jellyfin]");
  ASSERT_NE(at, after.end()) << e.text;
  EXPECT_EQ(*(at - 1), "  via: bifrost   # Traefik");
  after.erase(at);
  EXPECT_EQ(after, lines(original));
  EXPECT_EQ(services(e.text), std::vector<std::string>{"jellyfin"});
}

TEST(ZoneEditTest, AlreadyPresentIsANoOp) {
  const std::string original = seed();
  TextEdit e = addPublicService(original, "grafana");
  EXPECT_EQ(e.status, Status::kUnchanged);
  EXPECT_EQ(e.text, original);
  EXPECT_NE(e.message.find("already"), std::string::npos);
  EXPECT_EQ(removePublicService(original, "jellyfin").status, Status::kUnchanged);
}

TEST(ZoneEditTest, RemoveFromFlowAndBlockLists) {
  auto flow = [](const std::string& list) {
    return withPublic("public:\n  via: bifrost\n  services: " + list + "  # c\n");
  };
  EXPECT_EQ(lines(removePublicService(flow("[grafana]"), "grafana").text).back(),
            "  services: []  # c");
  EXPECT_EQ(lines(removePublicService(flow("[a, grafana, b]"), "grafana").text).back(),
            "  services: [a, b]  # c");
  EXPECT_EQ(lines(removePublicService(flow("[a, grafana]"), "grafana").text).back(),
            "  services: [a]  # c");
  EXPECT_EQ(lines(removePublicService(flow("[Grafana, a]"), "grafana").text).back(),
            "  services: [a]  # c");

  const std::string block =
      withPublic("public:\n  via: bifrost\n  services:\n    - grafana\n    - photos  # p\n");
  TextEdit e = removePublicService(block, "grafana");
  ASSERT_EQ(e.status, Status::kChanged);
  EXPECT_EQ(services(e.text), std::vector<std::string>{"photos"});
  EXPECT_EQ(lines(e.text).back(), "    - photos  # p");
  e = removePublicService(e.text, "photos");
  ASSERT_EQ(e.status, Status::kChanged);
  EXPECT_EQ(lines(e.text).back(), "  services: []");
  EXPECT_TRUE(services(e.text).empty());
}

TEST(ZoneEditTest, NamesAreNormalizedOrRefused) {
  std::string error;
  EXPECT_EQ(relativeName("jellyfin", "madhan.app.", &error), "jellyfin");
  EXPECT_EQ(relativeName("Jellyfin.Madhan.App", "madhan.app.", &error), "jellyfin");
  EXPECT_EQ(relativeName("jellyfin.madhan.app.", "madhan.app", &error), "jellyfin");
  EXPECT_EQ(relativeName("a.b_c", "madhan.app.", &error), "a.b_c");
  for (const char* bad :
       {"bad..name", "*", "*.x", "x.*", "@", "madhan.app", "madhan.app.", "x.example.org.", "a b",
        "", "ünï", ".x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    error.clear();
    EXPECT_FALSE(relativeName(bad, "madhan.app.", &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

// Typed without a trailing dot, a dotted name is relative unless its last label is a top-level
// domain: then it is a full name outside the zone, refused rather than read as x.org.madhan.app.
TEST(ZoneEditTest, FullNamesOutsideTheZoneAreToldFromRelativeOnes) {
  std::string error;
  for (const char* relative : {"grafana", "a.b", "x.proxy", "api.staging", "a.b.c", "s3.lab"})
    EXPECT_EQ(relativeName(relative, "madhan.app.", &error), std::string(relative)) << error;
  EXPECT_EQ(relativeName("grafana.madhan.app", "madhan.app.", &error), "grafana");
  EXPECT_EQ(relativeName("grafana.madhan.app.", "madhan.app.", &error), "grafana");
  // Ending in a TLD but typed in full: inside the zone.
  EXPECT_EQ(relativeName("api.dev.madhan.app", "madhan.app.", &error), "api.dev");
  for (const char* full : {"foo.example.org", "Foo.Example.ORG", "www.google.com", "nas.local",
                           "x.de", "x.io", "other.app", "x.xn--p1ai", "host.internal"}) {
    error.clear();
    EXPECT_FALSE(relativeName(full, "madhan.app.", &error)) << full;
    EXPECT_THAT(error, HasSubstr("a full name outside the zone madhan.app")) << full;
  }
  relativeName("foo.example.org", "madhan.app.", &error);
  EXPECT_EQ(error,
            "'foo.example.org': a full name outside the zone madhan.app ('org' is a top-level "
            "domain); to mean foo.example.org.madhan.app, type it in full");
  // A bad label is named as such, whatever the last label is.
  relativeName("bad..name", "madhan.app.", &error);
  EXPECT_THAT(error, HasSubstr("empty label"));
}

// A key the file already holds is read as the loader reads it: relative, TLD or not.
TEST(ZoneEditTest, RecordKeysInTheFileAreRelativeWhateverTheirLastLabel) {
  std::string text = seed();
  text.replace(text.find("  auth:"), 0, "  x.example.org: 192.168.1.5\n");
  TextEdit e = addViewRecord(text, "x.example.org", "lan", "192.168.1.10");
  EXPECT_EQ(e.status, Status::kRefused);
  EXPECT_THAT(e.message, HasSubstr("x.example.org already has an entry"));
}

TEST(ZoneEditTest, RecordIsAddedAlignedAndDuplicatesRefused) {
  const std::string original = seed();
  TextEdit e = addViewRecord(original, "nas", "lan", "192.168.1.10");
  ASSERT_EQ(e.status, Status::kChanged) << e.message;
  auto before = lines(original), after = lines(e.text);
  auto at = std::find(after.begin(), after.end(), "  nas:       {lan: 192.168.1.10}");
  ASSERT_NE(at, after.end()) << e.text;
  EXPECT_EQ((at - 1)->substr(0, 9), "  \"*.prox");
  after.erase(at);
  EXPECT_EQ(after, before);
  EXPECT_EQ(services(e.text), std::vector<std::string>{"grafana"});  // still loads

  EXPECT_EQ(addViewRecord(e.text, "nas", "lan", "192.168.1.11").status, Status::kRefused);
  EXPECT_EQ(addViewRecord(original, "auth", "lan", "192.168.1.11").status, Status::kRefused);
  TextEdit v6 = addViewRecord(original, "nas6", "lan", "fd00::10");
  ASSERT_EQ(v6.status, Status::kChanged);
  EXPECT_NE(v6.text.find("nas6:      {lan: \"fd00::10\"}"), std::string::npos) << v6.text;
  services(v6.text);
}

TEST(ZoneEditTest, DiffShowsOnlyTheChangedLines) {
  const std::string original = seed();
  TextEdit e = addPublicService(original, "jellyfin");
  EXPECT_EQ(lineDiff(original, e.text),
            (std::vector<std::string>{"@@ line 25 @@", "-  services: [grafana]",
                                      "+  services: [grafana, jellyfin]"}));
  EXPECT_TRUE(lineDiff(original, original).empty());
}

TEST(ZoneEditTest, HostsLinesAreCoveredAddedOrSkipped) {
  std::vector<std::string> problems;
  auto entries = parseHosts(
      "# overrides\n192.168.1.220 grafana.madhan.app\n\n192.168.1.10 nas.madhan.app nas  # NAS\n"
      "10.0.0.1 other.example.org\nnot-an-address foo\n178.156.199.250 auth.madhan.app\n"
      "192.168.1.99 auth.madhan.app\n",
      &problems);
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(problems.size(), 1u);
  EXPECT_EQ(entries[1].line, 4);
  zone::LoadResult loaded = zone::loadZoneText(seed(), "seed.yaml", ".");
  ASSERT_TRUE(loaded.ok());
  auto snapshot = query::compileSnapshot({*loaded.zone});
  auto decisions = planHostsImport(*loaded.zone, *snapshot, entries, "lan");
  ASSERT_EQ(decisions.size(), 6u);
  using Kind = HostsDecision::Kind;
  EXPECT_EQ(decisions[0].kind, Kind::kCovered);
  EXPECT_EQ(decisions[0].reason, "already covered by *.madhan.app");
  EXPECT_EQ(decisions[1].kind, Kind::kAdd);
  EXPECT_EQ(decisions[1].owner, "nas");
  EXPECT_EQ(decisions[2].kind, Kind::kSkipped);  // "nas": a short name is not in the zone
  EXPECT_EQ(decisions[3].kind, Kind::kSkipped);
  EXPECT_EQ(decisions[4].kind, Kind::kCovered);  // auth's own record
  EXPECT_EQ(decisions[5].kind, Kind::kConflict);
}

TEST(ZoneFileIoTest, ReplaceKeepsTheModeAndFollowsSymlinks) {
  char dir_template[] = "/tmp/horizon-edit-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/zone.yaml", link = dir + "/link.yaml";
  { std::ofstream(file) << "old\n"; }
  ASSERT_EQ(chmod(file.c_str(), 0640), 0);
  ASSERT_EQ(symlink("zone.yaml", link.c_str()), 0);
  {
    ZoneFileLock lock(link);
    replaceFileAtomically(link, "new\n");
  }
  struct stat st {};
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(readTextFile(file), "new\n");
  std::remove(link.c_str());
  std::remove(file.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace horizon::edit
