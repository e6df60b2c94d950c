// The seed network's migration, in the order the operator runs it (deploy/migration.md shows
// this test's output): the fake Cloudflare holds today's records (the private wildcard, the
// public A records the old Go tool made without a marker, mail records, a www CNAME and a record
// made in the dashboard); the /etc/hosts override is imported; plan names the wildcard as
// contradicting and private; one apply with --replace '*' and --adopt NAME converges and a
// second writes nothing, the records not ours unrelated to the public view untouched; backing
// out is re-creating the record by hand, which horizon-sync then leaves alone. Traefik's routes
// from horizon-sync and dnsctl are the same bytes, and the HTTP provider's JSON is the same
// document; both pass Traefik v3's schema.
//
// With HORIZON_MIGRATION_TRANSCRIPT=FILE set, each command and its output is appended to FILE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "http_probe.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kZoneId = "5e1f0c2b3a4d5e6f708192a3b4c5d6e7";
constexpr const char* kBifrost = "178.156.199.250";
constexpr const char* kMarker = "managed-by: horizon";
const std::string kChecker = HORIZON_SOURCE_DIR "/tests/system/support/check_traefik_schema.py";
const std::string kSchemaV3 = HORIZON_TEST_DATA "/traefik/traefik-v3-file-provider.json";

Json record(const std::string& type, const std::string& name, const std::string& content,
            const std::string& comment = "") {
  Json r = {{"type", type}, {"name", name}, {"content", content}, {"ttl", 1}};
  if (type == "A" || type == "CNAME") r["proxied"] = false;
  if (!comment.empty()) r["comment"] = comment;
  return r;
}

// Cloudflare as the seed's operator has it before horizon: the wildcard that publishes the LAN
// gateway, the old tool's records (one with a note), mail, www, and a dashboard-made record.
Json todaysRecords() {
  Json mx = record("MX", "madhan.app", "mx.example.org");
  mx["priority"] = 10;
  mx["ttl"] = 3600;
  return Json::array({
      record("A", "*.madhan.app", "192.168.1.220"),
      record("A", "auth.madhan.app", kBifrost),
      record("A", "netbird.madhan.app", kBifrost),
      record("A", "proxy.madhan.app", kBifrost),
      record("A", "grafana.madhan.app", kBifrost, "public through Bifrost"),
      mx,
      record("TXT", "default._domainkey.madhan.app", "v=DKIM1; k=rsa; p=MIIBIjANBgkqh"),
      record("CNAME", "www.madhan.app", "madhan.app"),
      record("CNAME", "status.madhan.app", "status.example.net", "made in the dashboard"),
  });
}

class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_path_ = dir_.path() + "/madhan.app.yaml";
    writeText(zone_path_, slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml"));
    token_file_ = dir_.path() + "/token";
    writeText(token_file_, std::string(FakeCloudflare::kToken) + "\n");
    fake_.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                    {"records", {{kZoneId, todaysRecords()}}},
                    {"max_per_page", 3}});
    if (const char* path = std::getenv("HORIZON_MIGRATION_TRANSCRIPT")) transcript_ = path;
  }

  void TearDown() override {
    for (const Json& request : fake_.requests())
      EXPECT_TRUE(request["schema_errors"].empty())
          << request["method"] << " " << request["path"] << ": " << request["schema_errors"];
  }

  // The environment of every command: the API is the fake's, proxies are off, so nothing can
  // leave loopback whatever the machine's environment says.
  std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env = {{"CLOUDFLARE_API_URL", fake_.apiUrl()},
                                              {"CLOUDFLARE_API_TOKEN", ""}};
    for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      env.emplace(proxy, "");
    return env;
  }

  // Runs a program of the project as the walkthrough shows it ("horizon-sync plan ..."), with
  // the zone and token options the walkthrough leaves to the environment.
  CommandResult run(const std::string& program, const std::vector<std::string>& args,
                    const std::string& shown) {
    // The command, then the options the walkthrough leaves out, then what it shows.
    std::vector<std::string> argv = {program, args.front(), "--zone", zone_path_};
    if (program == HORIZON_SYNC_PATH) argv.insert(argv.end(), {"--token-file", token_file_});
    argv.insert(argv.end(), args.begin() + 1, args.end());
    CommandResult result = runCommand(argv, environment());
    if (!transcript_.empty()) {
      std::ofstream out(transcript_, std::ios::app);
      out << "$ " << shown << "\n"
          << result.out << result.err << "(exit " << result.exit_code << ")\n\n";
    }
    return result;
  }

  CommandResult sync(const std::vector<std::string>& args, const std::string& shown) {
    return run(HORIZON_SYNC_PATH, args, shown);
  }

  Json records() { return fake_.records(kZoneId); }

  int writes() {
    int n = 0;
    for (const Json& r : fake_.requests())
      if (r["method"] != "GET") ++n;
    return n;
  }

  CommandResult checkSchema(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {HORIZON_PYTHON, kChecker};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return runCommand(argv, {});
  }

  TempDir dir_;
  FakeCloudflare fake_;
  std::string zone_path_, token_file_, transcript_;
};

// The lines of `text` that contain `word`.
std::vector<std::string> linesWith(const std::string& text, const std::string& word) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find(word) != std::string::npos) out.push_back(line);
  return out;
}

const Json* find(const Json& records, const std::string& type, const std::string& name) {
  for (const Json& r : records)
    if (r["type"] == type && r["name"] == name) return &r;
  return nullptr;
}

TEST_F(MigrationTest, TheSeedNetworkMovesToHorizonInOneStep) {
  const Json before = records();
  const std::string zone_before = slurp(zone_path_);

  // 1. The LAN machines' /etc/hosts override: the LAN and VPN views already answer it.
  const std::string hosts = dir_.write("hosts", "192.168.1.220 grafana.madhan.app\n");
  CommandResult imported =
      run(DNSCTL_PATH, {"import-hosts", "--view", "lan", "--view", "vpn", hosts},
          "dnsctl import-hosts --view lan --view vpn hosts");
  ASSERT_EQ(imported.exit_code, 0) << imported.all();
  EXPECT_THAT(imported.out, HasSubstr("covered  lan  192.168.1.220  grafana.madhan.app"));
  EXPECT_THAT(imported.out, HasSubstr("covered  vpn  192.168.1.220  grafana.madhan.app"));
  EXPECT_EQ(slurp(zone_path_), zone_before) << "nothing to add: the wildcard covers it";

  // 2. The plan names the wildcard, says it is private and how to retire it; writes nothing.
  CommandResult plan = sync({"plan"}, "horizon-sync plan");
  EXPECT_EQ(plan.exit_code, 2) << plan.all();
  EXPECT_THAT(plan.out, HasSubstr("contradicting the public view, not ours (1):"));
  const auto private_lines = linesWith(plan.out, "private");
  ASSERT_EQ(private_lines.size(), 1u) << plan.out;
  EXPECT_THAT(private_lines[0], HasSubstr("*.madhan.app A 192.168.1.220"));
  EXPECT_THAT(private_lines[0], HasSubstr("--replace '*'"));
  EXPECT_THAT(plan.out, HasSubstr("+ create  *.proxy.madhan.app A 178.156.199.250"));
  for (const char* name : {"mx.example.org", "DKIM1", "www.madhan.app", "status.madhan.app"})
    EXPECT_THAT(plan.out, Not(HasSubstr(name))) << "unrelated records only with --verbose";
  EXPECT_THAT(plan.out, HasSubstr("unrelated to the public view, not ours, left alone (4)"));
  EXPECT_EQ(writes(), 0);

  CommandResult verbose = sync({"plan", "--verbose"}, "horizon-sync plan --verbose");
  EXPECT_EQ(verbose.exit_code, 2) << verbose.all();
  EXPECT_THAT(verbose.out, HasSubstr("status.madhan.app CNAME status.example.net"));
  EXPECT_EQ(linesWith(verbose.out, "private").size(), 1u) << verbose.out;

  // 3. One apply retires the wildcard and adopts the old tool's records by name.
  const std::string traefik_file = dir_.path() + "/public-services.yml";
  const std::vector<std::string> migrate = {
      "apply",   "--replace", "*",       "--adopt", "grafana",       "--adopt",   "auth",
      "--adopt", "netbird",   "--adopt", "proxy",   "--traefik-out", traefik_file};
  fake_.clearRequests();
  CommandResult applied =
      sync(migrate,
           "horizon-sync apply --replace '*' --adopt grafana --adopt auth --adopt netbird "
           "--adopt proxy --traefik-out public-services.yml");
  ASSERT_EQ(applied.exit_code, 0) << applied.all();
  EXPECT_THAT(applied.out, HasSubstr("- delete  *.madhan.app A 192.168.1.220"));
  const Json after = records();
  EXPECT_EQ(find(after, "A", "*.madhan.app"), nullptr) << "the private wildcard is gone";
  for (const char* name : {"auth", "netbird", "proxy", "grafana"}) {
    const std::string full = std::string(name) + ".madhan.app";
    const Json* now = find(after, "A", full);
    ASSERT_NE(now, nullptr) << full;
    EXPECT_EQ((*now)["id"], (*find(before, "A", full))["id"]) << full << " adopted in place";
    EXPECT_EQ((*now)["content"], kBifrost);
    EXPECT_THAT((*now)["comment"].get<std::string>(), ::testing::StartsWith(kMarker));
  }
  EXPECT_EQ((*find(after, "A", "grafana.madhan.app"))["comment"],
            std::string(kMarker) + "; public through Bifrost");
  ASSERT_NE(find(after, "A", "*.proxy.madhan.app"), nullptr);
  // Records unrelated to the public view keep their ids and contents.
  for (const auto& [type, name] :
       std::vector<std::pair<std::string, std::string>>{{"MX", "madhan.app"},
                                                        {"TXT", "default._domainkey.madhan.app"},
                                                        {"CNAME", "www.madhan.app"},
                                                        {"CNAME", "status.madhan.app"}}) {
    const Json* now = find(after, type, name);
    ASSERT_NE(now, nullptr) << name;
    EXPECT_EQ(*now, *find(before, type, name)) << name;
  }

  // 4. Checked: a second run writes nothing and the plan is clean.
  fake_.clearRequests();
  CommandResult again =
      sync(migrate,
           "horizon-sync apply --replace '*' --adopt grafana --adopt auth --adopt netbird "
           "--adopt proxy --traefik-out public-services.yml");
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(writes(), 0) << again.all();
  CommandResult clean = sync({"plan"}, "horizon-sync plan");
  EXPECT_EQ(clean.exit_code, 0) << clean.all();
  EXPECT_THAT(clean.out, HasSubstr("in sync"));
  EXPECT_EQ(records().size(), after.size());

  // 5. Backing out is re-creating the record by hand; without --replace it stays.
  Json restored = records();
  restored.push_back(record("A", "*.madhan.app", "192.168.1.220"));
  fake_.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                  {"records", {{kZoneId, restored}}},
                  {"max_per_page", 3}});
  CommandResult kept = sync({"apply"}, "horizon-sync apply");
  EXPECT_EQ(kept.exit_code, 2) << kept.all();
  EXPECT_NE(find(records(), "A", "*.madhan.app"), nullptr) << "left alone without --replace";
  EXPECT_THAT(kept.out, HasSubstr("private address")) << kept.out;
  EXPECT_THAT(kept.out, HasSubstr("left alone (--replace '*' deletes it)")) << kept.out;

  // 6. Traefik: dnsctl renders the same bytes from the same zone file.
  const std::string dnsctl_file = dir_.path() + "/dnsctl-services.yml";
  CommandResult rendered =
      run(DNSCTL_PATH, {"sync", "--no-cloudflare", "--traefik-out", dnsctl_file},
          "dnsctl sync --no-cloudflare --traefik-out dnsctl-services.yml");
  ASSERT_EQ(rendered.exit_code, 0) << rendered.all();
  EXPECT_EQ(slurp(dnsctl_file), slurp(traefik_file));
  EXPECT_THAT(slurp(traefik_file), HasSubstr("/outpost.goauthentik.io/auth/nginx"));

  // The HTTP provider's JSON from watch is the same document as the file, and both are valid.
  const std::uint16_t port = findFreePort();
  std::vector<std::string> argv = {HORIZON_SYNC_PATH,
                                   "watch",
                                   "--zone",
                                   zone_path_,
                                   "--no-cloudflare",
                                   "--traefik-http",
                                   "127.0.0.1:" + std::to_string(port)};
  const std::string log_path = dir_.path() + "/watch.log";
  ChildProcess watch(argv, log_path);
  std::optional<HttpReply> served;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    served = httpRequest(port, "GET", "/traefik", std::chrono::seconds(2));
    if (served && served->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(served && served->status == 200) << slurp(log_path);
  EXPECT_EQ(served->header("content-type"), "application/json");
  const std::string etag = served->header("etag");
  ASSERT_FALSE(etag.empty());
  HttpProbe probe(port);
  ASSERT_TRUE(probe.send("GET /traefik HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: " + etag +
                         "\r\n\r\n"));
  auto unchanged = probe.read(std::chrono::seconds(5), false);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_TRUE(unchanged->body.empty());
  EXPECT_EQ(watch.stop(), 0) << slurp(log_path);
  EXPECT_THAT(
      slurp(log_path),
      HasSubstr("Traefik's routes at http://127.0.0.1:" + std::to_string(port) + "/traefik"));

  const std::string json_file = dir_.write("traefik.json", served->body);
  CommandResult valid = checkSchema({traefik_file, kSchemaV3});
  EXPECT_EQ(valid.exit_code, 0) << valid.all();
  valid = checkSchema({json_file, kSchemaV3});
  EXPECT_EQ(valid.exit_code, 0) << valid.all();
  CommandResult same = checkSchema({"--same-as", traefik_file, json_file, kSchemaV3});
  EXPECT_EQ(same.exit_code, 0) << same.all();
  // The comparison can fail: a document with one router less is not the same.
  Json fewer = Json::parse(served->body);
  fewer["http"]["routers"].erase("grafana-outpost");
  CommandResult differs =
      checkSchema({"--same-as", traefik_file, dir_.write("fewer.json", fewer.dump()), kSchemaV3});
  EXPECT_EQ(differs.exit_code, 1) << differs.all();
  EXPECT_THAT(differs.out, HasSubstr("differs"));
}

// GET /traefik until `done(reply)` or 20 s; the last reply.
template <class Done>
std::optional<HttpReply> pollRoutes(std::uint16_t port, const Done& done) {
  std::optional<HttpReply> reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    reply = httpRequest(port, "GET", "/traefik", std::chrono::seconds(2));
    if (reply && done(*reply)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return reply;
}

TEST_F(MigrationTest, ServedRoutesFollowTheZoneFileAndSurviveABrokenEdit) {
  const std::uint16_t port = findFreePort();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  const std::string log_path = dir_.path() + "/watch.log";
  // One address for both: /metrics and /traefik on the same port.
  ChildProcess watch({HORIZON_SYNC_PATH, "watch", "--zone", zone_path_, "--no-cloudflare",
                      "--interval", "1h", "--traefik-http", address, "--metrics", address},
                     log_path);
  auto first = pollRoutes(port, [](const HttpReply& r) { return r.status == 200; });
  ASSERT_TRUE(first && first->status == 200) << slurp(log_path);
  EXPECT_THAT(first->body, Not(HasSubstr("jellyfin")));
  auto metrics = httpRequest(port, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->body, HasSubstr("horizon_sync_runs_total"));

  // An edit (renamed over, as editors and dnsctl write) gives a new document and tag.
  std::string zone = slurp(zone_path_);
  zone.replace(zone.find("services: [grafana]"), 19,
               "services: [grafana, jellyfin]\n  # jellyfin's apps sign in themselves");
  zone.replace(zone.find("    backend: {view: lan"), 0,
               "    services: {jellyfin: {auth: false, port: 8096}}\n");
  writeText(zone_path_ + ".new", zone);
  ASSERT_EQ(rename((zone_path_ + ".new").c_str(), zone_path_.c_str()), 0);
  auto second = pollRoutes(
      port, [](const HttpReply& r) { return r.body.find("jellyfin") != std::string::npos; });
  ASSERT_TRUE(second && second->status == 200) << slurp(log_path);
  EXPECT_NE(second->header("etag"), first->header("etag"));
  const Json routes = Json::parse(second->body);
  EXPECT_EQ(routes["http"]["services"]["jellyfin"]["loadBalancer"]["servers"][0]["url"],
            "http://192.168.1.220:8096");
  EXPECT_FALSE(routes["http"]["routers"]["jellyfin"].contains("middlewares"));
  EXPECT_FALSE(routes["http"]["routers"].contains("jellyfin-outpost"));
  EXPECT_TRUE(routes["http"]["routers"].contains("grafana-outpost"));

  // A broken edit keeps the last good routes served, and the log says why.
  writeText(zone_path_ + ".new", zone + "surprise: true\n");
  ASSERT_EQ(rename((zone_path_ + ".new").c_str(), zone_path_.c_str()), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline &&
         slurp(log_path).find("keeps the last ones") == std::string::npos)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto kept = httpRequest(port, "GET", "/traefik");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->status, 200);
  EXPECT_EQ(kept->body, second->body);
  EXPECT_EQ(kept->header("etag"), second->header("etag"));
  EXPECT_EQ(watch.stop(), 0);
  const std::string log = slurp(log_path);
  EXPECT_THAT(log, HasSubstr("surprise"));
  EXPECT_THAT(log, HasSubstr("/traefik keeps the last ones that did"));
}

TEST_F(MigrationTest, TraefikHttpIsOnlyForWatch) {
  CommandResult apply = sync({"apply", "--traefik-http", "127.0.0.1:9"}, "horizon-sync apply");
  EXPECT_EQ(apply.exit_code, 64) << apply.all();
  EXPECT_THAT(apply.err, HasSubstr("--traefik-http is for watch"));
  CommandResult bad = sync({"watch", "--traefik-http", "mesh:9155"}, "horizon-sync watch");
  EXPECT_EQ(bad.exit_code, 64) << bad.all();
}

}  // namespace
}  // namespace horizon::test
