// dnsctl, the real binary, on copies of the seed zone: edits that change only the lines they
// must (every comment kept), refusals that leave the file byte-identical, check's line numbers,
// query agreeing with the seed matrix for every view, list, import-hosts, the control socket (a
// small fake server speaking horizond's protocol) and the follow-up sync against the fake
// Cloudflare API with the Traefik file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <set>

#include "horizon/version.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kZoneId = "5e1f0c2b3a4d5e6f708192a3b4c5d6e7";
constexpr const char* kGateway = "192.168.1.220";
constexpr const char* kBifrost = "178.156.199.250";

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> commentLines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& line : splitLines(text))
    if (line.find('#') != std::string::npos) out.push_back(line.substr(line.find('#')));
  return out;
}

struct timespec mtimeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  return st.st_mtim;
}

class DnsctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
    zone_ = dir_.write("madhan.app.yaml", seed_);
  }

  // Runs dnsctl on the copy, with no Cloudflare or control socket reachable from the environment.
  CommandResult dnsctl(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {DNSCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    if (std::find(args.begin(), args.end(), "--zone") == args.end())
      argv.insert(argv.end(), {"--zone", zone_});
    env.emplace("CLOUDFLARE_API_TOKEN", "");
    env.emplace("CLOUDFLARE_API_URL", "http://127.0.0.1:9/client/v4");  // never the real API
    env.emplace("HORIZON_CONTROL_SOCKET", "");
    for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      env.emplace(proxy, "");
    return runCommand(argv, env);
  }

  Json queryJson(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"query"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--json");
    CommandResult r = dnsctl(argv);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    return Json::parse(r.out, nullptr, false);
  }

  TempDir dir_;
  std::string seed_, zone_;
};

TEST_F(DnsctlTest, ExposeChangesOnlyTheServicesLineAndKeepsEveryComment) {
  CommandResult r = dnsctl({"expose", "jellyfin"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string edited = slurp(zone_);
  auto before = splitLines(seed_), after = splitLines(edited);
  ASSERT_EQ(before.size(), after.size());
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < before.size(); ++i)
    if (before[i] != after[i]) changed.push_back(i);
  ASSERT_EQ(changed.size(), 1u) << edited;
  EXPECT_EQ(before[changed[0]], "  services: [grafana]");
  EXPECT_EQ(after[changed[0]], "  services: [grafana, jellyfin]");
  EXPECT_EQ(commentLines(edited), commentLines(seed_));
  EXPECT_THAT(r.out, HasSubstr("-  services: [grafana]"));
  EXPECT_THAT(r.out, HasSubstr("+  services: [grafana, jellyfin]"));
  EXPECT_THAT(r.out, HasSubstr("server: not configured"));
  EXPECT_THAT(r.out, HasSubstr("cloudflare: not configured"));
  // The public view now answers jellyfin with the VPS; the LAN still gets the gateway.
  Json pub = queryJson({"jellyfin.madhan.app", "--view", "public"});
  ASSERT_EQ(pub["answer"].size(), 1u) << pub.dump();
  EXPECT_EQ(pub["answer"][0]["data"], kBifrost);
  EXPECT_EQ(queryJson({"jellyfin.madhan.app", "--view", "lan"})["answer"][0]["data"], kGateway);
}

TEST_F(DnsctlTest, AnEditAsRootKeepsTheFilesOwnerGroupAndMode) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to hand the file to another owner";
  // The server's file, readable by the server's user only (nobody:nogroup 0640).
  ASSERT_EQ(::chown(zone_.c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chmod(zone_.c_str(), 0640), 0);
  CommandResult r = dnsctl({"expose", "jellyfin"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(slurp(zone_), HasSubstr("services: [grafana, jellyfin]"));
  struct stat st {};
  ASSERT_EQ(::stat(zone_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(DnsctlTest, ExposeOfAPublishedNameIsANoOp) {
  const auto mtime = mtimeOf(zone_);
  for (const char* name : {"grafana", "GRAFANA.madhan.app", "grafana.madhan.app."}) {
    CommandResult r = dnsctl({"expose", name});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_THAT(r.out, HasSubstr("already published"));
  }
  EXPECT_EQ(slurp(zone_), seed_);
  const auto after = mtimeOf(zone_);
  EXPECT_EQ(mtime.tv_sec, after.tv_sec);
  EXPECT_EQ(mtime.tv_nsec, after.tv_nsec);
  // The second expose of a new name is a no-op too.
  ASSERT_EQ(dnsctl({"expose", "jellyfin"}).exit_code, 0);
  const std::string once = slurp(zone_);
  CommandResult again = dnsctl({"--json", "expose", "jellyfin.madhan.app"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(Json::parse(again.out)["file"]["changed"], false);
  EXPECT_EQ(slurp(zone_), once);
}

TEST_F(DnsctlTest, InvalidOrOutsideNamesAreRefusedAndTheFileIsUntouched) {
  for (const char* name :
       {"bad..name", "x.example.org.", "x.example.org", "www.google.com", "*", "*.proxy", "@",
        "madhan.app", "in valid", "under_score!", "under_score", "_dmarc", "trail-"}) {
    CommandResult r = dnsctl({"expose", name});
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.all();
    EXPECT_THAT(r.err, HasSubstr("refused")) << name;
    EXPECT_EQ(slurp(zone_), seed_) << name;
  }
  EXPECT_EQ(dnsctl({"expose"}).exit_code, 64);
  EXPECT_EQ(dnsctl({"frobnicate"}).exit_code, 64);
  EXPECT_EQ(slurp(zone_), seed_);
  EXPECT_THAT(dnsctl({"expose", "foo.example.org"}).err,
              HasSubstr("a full name outside the zone madhan.app ('org' is a top-level domain); "
                        "to mean foo.example.org.madhan.app, type it in full"));
  EXPECT_THAT(dnsctl({"expose", "under_score"}).err,
              HasSubstr("label 'under_score' holds '_': a host name has only letters, digits "
                        "and '-'"));
}

// The other side of the rule: dotted names that do not end in a top-level domain stay relative,
// and a name ending in one is the zone's when typed in full.
TEST_F(DnsctlTest, RelativeMultiLabelNamesStayInTheZone) {
  CommandResult r = dnsctl({"expose", "a.b"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  CommandResult dev = dnsctl({"expose", "api.dev.madhan.app"});
  ASSERT_EQ(dev.exit_code, 0) << dev.all();
  EXPECT_THAT(slurp(zone_), HasSubstr("  services: [grafana, a.b, api.dev]\n"));
  Json pub = queryJson({"a.b.madhan.app", "--view", "public"});
  ASSERT_EQ(pub["answer"].size(), 1u) << pub.dump();
  EXPECT_EQ(pub["answer"][0]["data"], kBifrost);
}

TEST_F(DnsctlTest, VersionHelpAndFlagsThatAreUnknownOrMalformed) {
  CommandResult version = runCommand({DNSCTL_PATH, "--version"}, {});
  EXPECT_EQ(version.exit_code, 0) << version.all();
  EXPECT_EQ(version.out, std::string(kVersionString) + "\n");

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--no-such-flag"}, {"list", "--no-such-flag"}, {"expose", "--no-such-flag"}}) {
    CommandResult r = dnsctl(args);
    EXPECT_EQ(r.exit_code, 64) << r.all();
    EXPECT_THAT(r.err, StartsWith("dnsctl: "));
    EXPECT_THAT(r.err, HasSubstr("--no-such-flag"));
  }
  CommandResult malformed = dnsctl({"sync", "--deadline", "abc"});
  EXPECT_EQ(malformed.exit_code, 64) << malformed.all();
  EXPECT_THAT(malformed.err, HasSubstr("--deadline"));
  // An option of another command is refused before the command as after it.
  EXPECT_EQ(dnsctl({"--dry-run", "list"}).exit_code, 64);
  EXPECT_EQ(dnsctl({"list", "--dry-run"}).exit_code, 64);

  CommandResult help = runCommand({DNSCTL_PATH, "expose", "--help"}, {});
  EXPECT_EQ(help.exit_code, 0) << help.all();
  EXPECT_THAT(help.out, HasSubstr("expose"));
  EXPECT_THAT(help.out, HasSubstr("--token-file"));
  EXPECT_EQ(slurp(zone_), seed_);
}

TEST_F(DnsctlTest, OptionsMayComeBeforeOrAfterTheCommandWithInlineValues) {
  CommandResult before = dnsctl({"--zone=" + zone_, "--view", "public", "query", "grafana"});
  EXPECT_EQ(before.exit_code, 0) << before.all();
  EXPECT_THAT(before.out, HasSubstr("view public"));
  CommandResult after = dnsctl({"query", "grafana", "--view=public", "--json"});
  EXPECT_EQ(after.exit_code, 0) << after.all();
  EXPECT_EQ(Json::parse(after.out)["view"], "public");
}

TEST_F(DnsctlTest, AnEditTheLoaderRejectsIsRefused) {
  // "auth" has its own public record: listing it as a service would make the file invalid.
  std::string text = seed_;
  text.replace(text.find("services: [grafana]"), 19, "services: [grafana]\n  via: bifrost");
  writeText(zone_, text);  // a duplicate key: the file is already invalid
  CommandResult r = dnsctl({"expose", "jellyfin"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_THAT(r.err, HasSubstr("duplicate key"));
  EXPECT_EQ(slurp(zone_), text);
}

TEST_F(DnsctlTest, UnexposeRemovesTheServiceAndPublicNoLongerAnswers) {
  CommandResult r = dnsctl({"unexpose", "grafana"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(slurp(zone_), HasSubstr("  services: []\n"));
  EXPECT_EQ(commentLines(slurp(zone_)), commentLines(seed_));
  EXPECT_EQ(queryJson({"grafana.madhan.app", "--view", "public"})["rcode"], "NXDOMAIN");
  EXPECT_EQ(queryJson({"grafana.madhan.app", "--view", "lan"})["answer"][0]["data"], kGateway);
  CommandResult again = dnsctl({"unexpose", "grafana"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_THAT(again.out, HasSubstr("not in public.services"));
  // auth is published by a record, not a service: not dnsctl's to remove.
  EXPECT_EQ(dnsctl({"unexpose", "auth"}).exit_code, 2);
}

TEST_F(DnsctlTest, CheckNamesTheLineOfEachError) {
  CommandResult ok = dnsctl({"check"});
  EXPECT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_THAT(ok.out, HasSubstr("; 0 warning(s)")) << "the seed acknowledges its wildcard warning";
  EXPECT_THAT(ok.out, HasSubstr("zone madhan.app. serial"));
  EXPECT_THAT(ok.out, HasSubstr("lan (7 records)"));

  std::string broken = seed_;
  broken.replace(broken.find("100.109.0.0/16"), 14, "100.109.0.1/16");
  broken += "extra: 1\n";
  const std::string bad = dir_.write("broken.yaml", broken);
  CommandResult r = dnsctl({"check", "--zone", bad});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_THAT(r.out, HasSubstr(bad + ":9:"));
  EXPECT_THAT(r.out, HasSubstr("did you mean 100.109.0.0/16"));
  const std::string extra_line = std::to_string(splitLines(seed_).size() + 1);
  EXPECT_THAT(r.out, HasSubstr(":" + extra_line + ":1: error: unknown key 'extra'"));
  Json j = Json::parse(dnsctl({"check", "--zone", bad, "--json"}).out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["errors"], 2);
}

// The seed matrix (tests/system/seed_matrix_test.cpp), from the file: first with --view on the
// shipped zone, then with --from and the loopback clients of seed_views.yaml.
// An acknowledged warning is not repeated; without the acknowledgement it is, and an unknown
// name in acknowledge is an error at its line and column.
TEST_F(DnsctlTest, CheckIsQuietAboutAnAcknowledgedWarning) {
  std::string unacknowledged = seed_;
  const std::string line = "acknowledge: [wildcard-search-domain]\n";
  unacknowledged.erase(unacknowledged.find(line), line.size());
  const std::string plain = dir_.write("plain.yaml", unacknowledged);
  CommandResult warned = dnsctl({"check", "--zone", plain});
  EXPECT_EQ(warned.exit_code, 0) << warned.all();
  EXPECT_THAT(warned.out, HasSubstr("warning: wildcards *.madhan.app."));
  EXPECT_THAT(warned.out, HasSubstr("; 1 warning(s)"));

  const std::string typo = dir_.write("typo.yaml", unacknowledged + "acknowledge: [wildcards]\n");
  CommandResult r = dnsctl({"check", "--zone", typo});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  const int at = static_cast<int>(splitLines(unacknowledged).size()) + 1;
  EXPECT_THAT(r.out, HasSubstr(typo + ":" + std::to_string(at) +
                               ":15: error: unknown warning 'wildcards' in acknowledge (known: "
                               "wildcard-search-domain)"));
}

TEST_F(DnsctlTest, QueryAgreesWithTheSeedMatrixInEveryView) {
  struct Row {
    const char* name;
    const char* lan;  // nullptr: NXDOMAIN
    const char* vpn;
    const char* pub;
  };
  const std::vector<Row> rows = {
      {"auth.madhan.app", kBifrost, kBifrost, kBifrost},
      {"netbird.madhan.app", kBifrost, kBifrost, kBifrost},
      {"proxy.madhan.app", kBifrost, kBifrost, kBifrost},
      {"x.proxy.madhan.app", kBifrost, kBifrost, kBifrost},
      {"Deep.X.PROXY.madhan.app", kBifrost, kBifrost, kBifrost},
      {"grafana.madhan.app", kGateway, kGateway, kBifrost},
      {"GraFana.MADHAN.app", kGateway, kGateway, kBifrost},
      {"sonarr.madhan.app", kGateway, kGateway, nullptr},
      {"jellyfin.madhan.app", kGateway, kGateway, nullptr},
  };
  const std::string views_file = HORIZON_TEST_DATA "/seed_views.yaml";
  for (bool from : {false, true}) {
    for (const auto& row : rows) {
      const std::pair<const char*, const char*> cells[] = {
          {"lan", row.lan}, {"vpn", row.vpn}, {"public", row.pub}};
      int index = 0;
      for (const auto& [view, expected] : cells) {
        ++index;
        SCOPED_TRACE(std::string(row.name) + " in " + view + (from ? " (--from)" : " (--view)"));
        std::vector<std::string> args = {row.name};
        if (from)
          args.insert(args.end(),
                      {"--from", "127.0.0." + std::to_string(index), "--zone", views_file});
        else
          args.insert(args.end(), {"--view", view});
        Json j = queryJson(args);
        EXPECT_EQ(j["view"], view);
        EXPECT_EQ(j["authoritative"], true);
        if (expected) {
          EXPECT_EQ(j["rcode"], "NOERROR") << j.dump();
          ASSERT_EQ(j["answer"].size(), 1u) << j.dump();
          EXPECT_EQ(j["answer"][0]["data"], expected);
          EXPECT_EQ(j["answer"][0]["type"], "A");
          EXPECT_EQ(j["answer"][0]["ttl"], 300);
          EXPECT_EQ(j["answer"][0]["name"], std::string(row.name) + ".");
          EXPECT_TRUE(j["authority"].empty());
        } else {
          EXPECT_EQ(j["rcode"], "NXDOMAIN") << j.dump();
          EXPECT_TRUE(j["answer"].empty());
          ASSERT_EQ(j["authority"].size(), 1u);
          EXPECT_EQ(j["authority"][0]["type"], "SOA");
        }
      }
    }
  }
  // grafana AAAA is NODATA everywhere; outside names and unknown clients are refused.
  for (const char* view : {"lan", "vpn", "public"}) {
    Json j = queryJson({"grafana.madhan.app", "AAAA", "--view", view});
    EXPECT_EQ(j["rcode"], "NOERROR");
    EXPECT_TRUE(j["answer"].empty());
    EXPECT_EQ(j["authority"][0]["type"], "SOA");
  }
  for (const char* client : {"127.0.0.1", "127.0.0.2", "127.0.0.3"})
    EXPECT_EQ(queryJson({"example.com", "--from", client, "--zone", views_file})["rcode"],
              "REFUSED");
  EXPECT_EQ(queryJson({"grafana.madhan.app", "--from", "127.0.0.4", "--zone", views_file})["rcode"],
            "REFUSED");
  // The text form reads like dig's answer section; the default client is 127.0.0.1 (lan).
  CommandResult text = dnsctl({"query", "grafana"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out, HasSubstr("view lan"));
  EXPECT_THAT(text.out, HasSubstr("grafana.madhan.app.\t300\tIN\tA\t192.168.1.220"));
  EXPECT_EQ(dnsctl({"query", "grafana", "--view", "nosuch"}).exit_code, 2);
}

TEST_F(DnsctlTest, ListShowsEveryNamePerViewAndWhatIsPublished) {
  CommandResult r = dnsctl({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, Not(HasSubstr("\033[")));  // not a terminal: no colour
  bool grafana = false;
  for (const auto& line : splitLines(r.out)) {
    if (line.rfind("grafana ", 0) != 0) continue;
    grafana = true;
    EXPECT_THAT(line, HasSubstr("192.168.1.220 (*)"));
    EXPECT_THAT(line, HasSubstr(kBifrost));
    EXPECT_THAT(line, HasSubstr("yes (service)"));
  }
  EXPECT_TRUE(grafana) << r.out;
  Json j = Json::parse(dnsctl({"list", "--json"}).out);
  std::map<std::string, Json> by_name;
  for (const auto& row : j) by_name[row["name"]] = row;
  ASSERT_TRUE(by_name.count("grafana"));
  EXPECT_EQ(by_name["grafana"]["published"], true);
  EXPECT_EQ(by_name["grafana"]["views"]["lan"]["wildcard"], true);
  EXPECT_EQ(by_name["*"]["published"], false);
  EXPECT_EQ(by_name["auth"]["views"]["public"]["answers"][0], kBifrost);
}

TEST_F(DnsctlTest, ImportHostsReportsCoveredAddsMissingAndSkipsOutside) {
  const std::string hosts =
      dir_.write("hosts",
                 "# overrides\n192.168.1.220 grafana.madhan.app\n192.168.1.10 nas.madhan.app\n"
                 "10.0.0.1 other.example.org\n");
  CommandResult dry = dnsctl({"import-hosts", hosts, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.all();
  EXPECT_EQ(slurp(zone_), seed_);
  CommandResult r = dnsctl({"import-hosts", hosts});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("already covered by *.madhan.app"));
  EXPECT_THAT(r.out, HasSubstr("added"));
  EXPECT_THAT(r.out, HasSubstr("outside the zone"));
  const std::string edited = slurp(zone_);
  EXPECT_THAT(edited, HasSubstr("\n  nas:       {lan: 192.168.1.10}\n"));
  EXPECT_EQ(splitLines(edited).size(), splitLines(seed_).size() + 1);
  EXPECT_EQ(commentLines(edited), commentLines(seed_));
  EXPECT_EQ(queryJson({"nas.madhan.app", "--view", "lan"})["answer"][0]["data"], "192.168.1.10");
  EXPECT_EQ(queryJson({"nas.madhan.app", "--view", "vpn"})["answer"][0]["data"], kGateway);
  // Again: everything is covered now, nothing is written.
  CommandResult again = dnsctl({"import-hosts", hosts, "--json"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(Json::parse(again.out)["file"]["changed"], false);
  EXPECT_EQ(slurp(zone_), edited);
}

TEST_F(DnsctlTest, ImportHostsTakesSeveralViews) {
  const std::string hosts = dir_.write("hosts", "192.168.1.10 nas.madhan.app\n");
  CommandResult dry = dnsctl({"import-hosts", hosts, "--view", "lan,vpn", "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.all();
  Json report = Json::parse(dry.out);
  EXPECT_EQ(report["views"], (Json{"lan", "vpn"}));
  ASSERT_EQ(report["entries"].size(), 2u);
  EXPECT_EQ(report["entries"][0]["view"], "lan");
  EXPECT_EQ(report["entries"][1]["view"], "vpn");
  EXPECT_EQ(report["entries"][1]["result"], "would add");

  CommandResult r = dnsctl({"import-hosts", hosts, "--view", "lan", "--view", "vpn"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(slurp(zone_), HasSubstr("\n  nas:       {lan: 192.168.1.10, vpn: 192.168.1.10}\n"));
  for (const char* view : {"lan", "vpn"})
    EXPECT_EQ(queryJson({"nas.madhan.app", "--view", view})["answer"][0]["data"], "192.168.1.10")
        << view;
  CommandResult twice = dnsctl({"import-hosts", hosts, "--view", "lan", "--view", "lan"});
  EXPECT_EQ(twice.exit_code, 64);
  EXPECT_THAT(twice.err, HasSubstr("--view lan is given twice"));
}

// A stand-in for horizond's control socket: answers each connection's one JSON line.
class FakeControl {
 public:
  explicit FakeControl(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 4) != 0)
      throw std::runtime_error("cannot listen on " + path);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeControl() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    unlink(path_.c_str());
  }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string line;
      char c;
      while (read(client, &c, 1) == 1 && c != '\n') line += c;
      Json request = Json::parse(line, nullptr, false);
      std::string command = request.is_object() ? request.value("command", "") : "";
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(command);
      }
      Json response;
      if (command == "reload") {
        response = {{"ok", true}, {"serials", {{"madhan.app.", 222}}}};
      } else if (command == "status") {
        response = {{"ok", true},
                    {"status",
                     {{"version", "test"},
                      {"uptime_seconds", 5},
                      {"zones",
                       {{{"origin", "madhan.app."},
                         {"serial", 111},
                         {"source_file", "zones/madhan.app.yaml"},
                         {"views", {{{"name", "lan"}, {"records", 7}, {"recursion", true}}}}}}},
                      {"last_reload", nullptr},
                      {"reloads", {{"ok", 1}, {"failed", 0}}}}}};
      } else {
        response = {{"ok", false}, {"error", "unknown command"}};
      }
      const std::string out = response.dump() + "\n";
      (void)!write(client, out.data(), out.size());
      close(client);
    }
  }
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

TEST_F(DnsctlTest, ControlSocketReloadAndStatus) {
  EXPECT_EQ(dnsctl({"status"}).exit_code, 64);  // no --control: a usage error that says so
  EXPECT_THAT(dnsctl({"reload"}).err, HasSubstr("--control"));
  const std::string socket_path = dir_.path() + "/control.sock";
  CommandResult unreachable = dnsctl({"status", "--control", socket_path});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("not reachable"));

  FakeControl control(socket_path);
  CommandResult status = dnsctl({"--control", socket_path, "status"});
  ASSERT_EQ(status.exit_code, 0) << status.all();
  EXPECT_THAT(status.out, HasSubstr("madhan.app."));
  EXPECT_THAT(status.out, HasSubstr("111"));
  EXPECT_EQ(Json::parse(dnsctl({"status", "--json", "--control", socket_path}).out)["ok"], true);
  CommandResult reload = dnsctl({"reload", "--control", socket_path});
  EXPECT_EQ(reload.exit_code, 0) << reload.all();
  EXPECT_THAT(reload.out, HasSubstr("222"));

  // After an edit the server is asked to reload, and the serials are reported.
  CommandResult expose = dnsctl({"expose", "jellyfin", "--control", socket_path});
  ASSERT_EQ(expose.exit_code, 0) << expose.all();
  EXPECT_THAT(expose.out, HasSubstr("server: reloaded (madhan.app. serial 111 -> 222)"));
  EXPECT_EQ(control.requests().back(), "reload");
}

class DnsctlSyncTest : public DnsctlTest {
 protected:
  void SetUp() override {
    DnsctlTest::SetUp();
    token_ = dir_.write("token", std::string(FakeCloudflare::kToken) + "\n");
    fake_.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                    {"records", {{kZoneId, Json::array()}}},
                    {"max_per_page", 2}});
  }
  std::map<std::string, std::string> aRecords() {
    std::map<std::string, std::string> out;
    for (const Json& r : fake_.records(kZoneId))
      if (r["type"] == "A") out[r["name"]] = r["content"];
    return out;
  }
  FakeCloudflare fake_;
  std::string token_;
};

TEST_F(DnsctlSyncTest, ExposeSyncsCloudflareAndRendersTraefik) {
  const std::string traefik = dir_.path() + "/public-services.yml";
  const std::vector<std::string> flags = {"--token-file", token_,          "--api-url",
                                          fake_.apiUrl(), "--traefik-out", traefik};
  std::vector<std::string> args = {"expose", "jellyfin"};
  args.insert(args.end(), flags.begin(), flags.end());
  CommandResult r = dnsctl(args);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, HasSubstr("cloudflare: in sync: created 6"));
  EXPECT_THAT(r.out, HasSubstr("traefik: written"));
  EXPECT_THAT(r.all(), Not(HasSubstr(FakeCloudflare::kToken)));
  auto records = aRecords();
  EXPECT_EQ(records["jellyfin.madhan.app"], kBifrost);
  EXPECT_EQ(records["grafana.madhan.app"], kBifrost);
  YAML::Node config = YAML::LoadFile(traefik);
  ASSERT_TRUE(config["http"]["routers"]["jellyfin"]) << slurp(traefik);
  EXPECT_EQ(config["http"]["routers"]["jellyfin"]["rule"].as<std::string>(),
            "Host(`jellyfin.madhan.app`)");

  // plan is in sync now; unexpose grafana reverses it for grafana.
  std::vector<std::string> plan = {"plan"};
  plan.insert(plan.end(), flags.begin(), flags.end());
  CommandResult planned = dnsctl(plan);
  EXPECT_EQ(planned.exit_code, 0) << planned.all();
  args = {"unexpose", "grafana"};
  args.insert(args.end(), flags.begin(), flags.end());
  CommandResult un = dnsctl(args);
  ASSERT_EQ(un.exit_code, 0) << un.all();
  EXPECT_THAT(un.out, HasSubstr("deleted 1"));
  records = aRecords();
  EXPECT_FALSE(records.count("grafana.madhan.app"));
  EXPECT_EQ(records["jellyfin.madhan.app"], kBifrost);
  config = YAML::LoadFile(traefik);
  EXPECT_FALSE(config["http"]["routers"]["grafana"]);
  EXPECT_TRUE(config["http"]["routers"]["jellyfin"]);

  // sync is horizon-sync apply: nothing left to do.
  std::vector<std::string> sync = {"sync", "--json"};
  sync.insert(sync.end(), flags.begin(), flags.end());
  CommandResult synced = dnsctl(sync);
  EXPECT_EQ(synced.exit_code, 0) << synced.all();
  EXPECT_EQ(Json::parse(synced.out)["complete"], true);
}

// dnsctl sync runs horizon-sync's apply, and says what it waits for the same way.
TEST_F(DnsctlSyncTest, SyncSaysWhatItWaitsFor) {
  fake_.addFaults({{{"method", "GET"}, {"status", 429}, {"retry_after", 1}, {"count", 1}}});
  CommandResult r = dnsctl({"sync", "--token-file", token_, "--api-url", fake_.apiUrl()});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.err, HasSubstr("dnsctl: rate limited, retrying in 1 s (attempt 2)\n"));
}

}  // namespace
}  // namespace horizon::test
