// horizon-sync against the fake Cloudflare API (tests/system/fake_cloudflare): the real binary,
// real HTTP over loopback, a fake that pages by 2 and checks every request body against
// Cloudflare's OpenAPI extract. Covers create, idempotence, drift, deletes, ownership, adoption,
// records not ours that contradict the public view (--replace, --adopt NAME), the safety
// threshold, refused addresses, faults (429, 5xx, dropped connections), a cut-off run, the
// token's secrecy, the Traefik file and the watch daemon with its metrics endpoint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "horizon/version.hpp"
#include "http_probe.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kZoneId = "5e1f0c2b3a4d5e6f708192a3b4c5d6e7";
constexpr const char* kBifrost = "178.156.199.250";
constexpr const char* kMarker = "managed-by: horizon";

const std::set<std::string> kSeedNames = {"auth.madhan.app", "netbird.madhan.app",
                                          "proxy.madhan.app", "*.proxy.madhan.app",
                                          "grafana.madhan.app"};

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_path_ = dir_.path() + "/madhan.app.yaml";
    seed_ = slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
    writeText(zone_path_, seed_);
    token_file_ = dir_.path() + "/token";
    writeText(token_file_, std::string(FakeCloudflare::kToken) + "\n");
    resetFake({});
  }

  void TearDown() override {
    // Whatever the test did, every request horizon-sync sent must match the extract's schemas.
    for (const Json& request : fake_.requests()) {
      EXPECT_TRUE(request["schema_errors"].empty())
          << request["method"] << " " << request["path"] << ": " << request["schema_errors"];
    }
    // And the token never appears in anything horizon-sync printed.
    for (const std::string& output : outputs_)
      EXPECT_THAT(output, Not(HasSubstr(FakeCloudflare::kToken)));
  }

  void resetFake(const Json& records, int max_per_page = 2) {
    fake_.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                    {"records", {{kZoneId, records.is_null() ? Json::array() : records}}},
                    {"max_per_page", max_per_page}});
  }

  // Runs horizon-sync with the fake's URL and the token file; the environment points the API at
  // the fake as well, so nothing can reach the real Cloudflare even if a flag were dropped.
  CommandResult sync(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {HORIZON_SYNC_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    bool has_zone = false, has_token = false;
    for (const auto& a : args) {
      has_zone |= a == "--zone";
      has_token |= a == "--token-file";
    }
    if (!has_zone) argv.insert(argv.end(), {"--zone", zone_path_});
    if (!has_token && !env.count("CLOUDFLARE_API_TOKEN"))
      argv.insert(argv.end(), {"--token-file", token_file_});
    argv.insert(argv.end(), {"--api-url", fake_.apiUrl()});
    env.emplace("CLOUDFLARE_API_URL", fake_.apiUrl());
    env.emplace("CLOUDFLARE_API_TOKEN", "");
    for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      env.emplace(proxy, "");  // loopback only, whatever the machine's environment says
    CommandResult result = runCommand(argv, env);
    outputs_.push_back(result.all());
    return result;
  }

  Json records() { return fake_.records(kZoneId); }

  // name -> record, for records whose type is A.
  std::map<std::string, Json> aRecords() {
    std::map<std::string, Json> out;
    for (const Json& r : records())
      if (r["type"] == "A") out[r["name"].get<std::string>()] = r;
    return out;
  }

  int writes() {
    int n = 0;
    for (const Json& r : fake_.requests())
      if (r["method"] != "GET") ++n;
    return n;
  }

  static Json ownedA(const std::string& name, const std::string& content = kBifrost) {
    return {{"type", "A"}, {"name", name},     {"content", content},
            {"ttl", 1},    {"proxied", false}, {"comment", kMarker}};
  }

  void applySeed() {
    CommandResult r = sync({"apply"});
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }

  TempDir dir_;
  FakeCloudflare fake_;
  std::string zone_path_, seed_, token_file_;
  std::vector<std::string> outputs_;
};

TEST_F(SyncTest, CreatesFromEmptyThenASecondApplyWritesNothing) {
  CommandResult plan = sync({"plan"});
  EXPECT_EQ(plan.exit_code, 2) << plan.all();
  EXPECT_THAT(plan.out, HasSubstr("5 to create, 0 to update, 0 to delete"));
  EXPECT_THAT(plan.out, HasSubstr("+ create  grafana.madhan.app A 178.156.199.250"));
  EXPECT_EQ(writes(), 0) << "plan must not write";

  fake_.clearRequests();
  CommandResult apply = sync({"apply"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  auto have = aRecords();
  std::set<std::string> names;
  for (const auto& [name, r] : have) {
    names.insert(name);
    EXPECT_EQ(r["content"], kBifrost);
    EXPECT_EQ(r["comment"], kMarker);
    EXPECT_EQ(r["proxied"], false);
    EXPECT_EQ(r["ttl"], 1);
  }
  EXPECT_EQ(names, kSeedNames);
  EXPECT_EQ(records().size(), 5u);  // SOA, NS and the LAN-only wildcard are not published
  bool batched = false;
  for (const Json& r : fake_.requests())
    batched |= r["method"] == "POST" && r["path"].get<std::string>().ends_with("/batch");
  EXPECT_TRUE(batched) << "writes go through the batch endpoint";

  fake_.clearRequests();
  CommandResult again = sync({"apply"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(writes(), 0) << again.all();
  EXPECT_THAT(again.out, HasSubstr("in sync"));
  // Listing with a page size of 2 takes three pages for five records: every page was read.
  std::set<int> pages;
  for (const Json& r : fake_.requests())
    if (r["path"].get<std::string>().ends_with("/dns_records"))
      pages.insert(std::stoi(r["query"].value("page", "1")));
  EXPECT_EQ(pages, (std::set<int>{1, 2, 3}));

  CommandResult plan_again = sync({"plan", "--json"});
  EXPECT_EQ(plan_again.exit_code, 0) << plan_again.all();
  Json j = Json::parse(plan_again.out);
  EXPECT_EQ(j["plan"]["in_sync"], true);
  EXPECT_EQ(j["plan"]["counts"]["unchanged"], 5);
}

TEST_F(SyncTest, RateLimitsAndServerErrorsAreRetried) {
  fake_.addFaults(
      {{{"method", "GET"}, {"status", 429}, {"retry_after", 1}, {"count", 1}},
       {{"method", "GET"}, {"status", 503}, {"count", 2}},
       {{"path_contains", "/batch"}, {"status", 502}, {"count", 1}},
       {{"path_contains", "/batch"}, {"status", 429}, {"retry_after", 1}, {"count", 1}}});
  CommandResult apply = sync({"apply", "--batch-size", "2"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  EXPECT_EQ(aRecords().size(), 5u);
  EXPECT_EQ(records().size(), 5u) << "a batch with an unknown outcome must not create twice";

  // The request after each 429 came no sooner than its Retry-After said.
  Json log = fake_.requests();
  int rate_limited = 0;
  for (std::size_t i = 0; i + 1 < log.size(); ++i) {
    if (log[i]["status"] != 429) continue;
    ++rate_limited;
    EXPECT_GE(log[i + 1]["time"].get<double>() - log[i]["time"].get<double>(), 0.95);
  }
  EXPECT_EQ(rate_limited, 2);
}

// An apply that waits for the API says so on stderr as it waits (stderr is a pipe here, as in a
// log), and as JSON lines with --json; stdout keeps only the report.
TEST_F(SyncTest, WaitsForTheApiAreSaidOnStderr) {
  const Json faults = {{{"method", "GET"}, {"status", 429}, {"retry_after", 1}, {"count", 1}},
                       {{"method", "GET"}, {"status", 502}, {"count", 1}}};
  fake_.addFaults(faults);
  CommandResult apply = sync({"apply"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  EXPECT_THAT(apply.err, HasSubstr("horizon-sync: rate limited, retrying in 1 s (attempt 2)\n"));
  EXPECT_THAT(apply.err, HasSubstr("horizon-sync: HTTP 502, backing off "));
  EXPECT_THAT(apply.err, HasSubstr(" s (attempt 3)\n"));
  EXPECT_THAT(apply.out, Not(HasSubstr("rate limited")));

  resetFake({});
  fake_.addFaults(faults);
  CommandResult json = sync({"apply", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.all();
  EXPECT_NO_THROW(Json::parse(json.out)) << json.out;
  std::vector<Json> events;
  std::istringstream lines(json.err);
  for (std::string line; std::getline(lines, line);) {
    Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(event.is_discarded()) << "not a JSON line: " << line;
    events.push_back(event);
  }
  ASSERT_EQ(events.size(), 2u) << json.err;
  EXPECT_EQ(events[0], (Json{{"event", "retry"},
                             {"reason", "rate-limited"},
                             {"status", 429},
                             {"wait_seconds", 1},
                             {"attempt", 2}}));
  EXPECT_EQ(events[1]["reason"], "server-error");
  EXPECT_EQ(events[1]["status"], 502);
  EXPECT_EQ(events[1]["attempt"], 3);
}

TEST_F(SyncTest, DriftIsCorrectedInPlaceKeepingTheRecordId) {
  applySeed();
  Json state = records();
  std::string grafana_id;
  for (Json& r : state)
    if (r["name"] == "grafana.madhan.app") {
      r["content"] = "203.0.113.66";  // edited in the dashboard
      r["ttl"] = 300;
      grafana_id = r["id"];
    }
  resetFake(state);
  CommandResult plan = sync({"plan"});
  EXPECT_EQ(plan.exit_code, 2);
  EXPECT_THAT(plan.out, HasSubstr("content: 203.0.113.66 -> 178.156.199.250"));
  EXPECT_THAT(plan.out, HasSubstr("ttl: ttl 300 -> ttl auto"));

  CommandResult apply = sync({"apply"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  auto have = aRecords();
  EXPECT_EQ(have["grafana.madhan.app"]["id"], grafana_id);
  EXPECT_EQ(have["grafana.madhan.app"]["content"], kBifrost);
  EXPECT_EQ(have["grafana.madhan.app"]["ttl"], 1);
  for (const Json& r : fake_.requests()) {
    EXPECT_NE(r["method"], "DELETE");
    if (r["body"].is_object()) {
      EXPECT_TRUE(r["body"].value("deletes", Json::array()).empty()) << r["body"];
      EXPECT_TRUE(r["body"].value("posts", Json::array()).empty()) << r["body"];
    }
  }
}

TEST_F(SyncTest, ARemovedPublicNameIsDeleted) {
  applySeed();
  const std::string grafana_id = aRecords()["grafana.madhan.app"]["id"];
  std::string edited = seed_;
  edited.replace(edited.find("services: [grafana]"), 19, "services: []");
  writeText(zone_path_, edited);
  fake_.clearRequests();
  CommandResult apply = sync({"apply"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  EXPECT_THAT(apply.out, HasSubstr("- delete  grafana.madhan.app A"));
  EXPECT_EQ(aRecords().count("grafana.madhan.app"), 0u);
  EXPECT_EQ(records().size(), 4u);
  int deletes = 0;
  for (const Json& r : fake_.requests())
    if (r["body"].is_object())
      for (const Json& d : r["body"].value("deletes", Json::array())) {
        EXPECT_EQ(d["id"], grafana_id);
        ++deletes;
      }
  EXPECT_EQ(deletes, 1);
}

Json unownedRecords() {
  return Json::array({
      {{"type", "A"},
       {"name", "*.madhan.app"},
       {"content", "192.168.1.220"},
       {"ttl", 1},
       {"proxied", false}},
      {{"type", "MX"},
       {"name", "madhan.app"},
       {"content", "mx.example.org"},
       {"priority", 10},
       {"ttl", 3600}},
      {{"type", "TXT"},
       {"name", "madhan.app"},
       {"content", "v=spf1 -all"},
       {"ttl", 1},
       {"comment", "by hand"}},
      {{"type", "TXT"},
       {"name", "_acme-challenge.madhan.app"},
       {"content", "managed"},
       {"ttl", 1},
       {"read_only", true},
       {"comment", kMarker}},
      {{"type", "A"},
       {"name", "grafana.madhan.app"},
       {"content", "203.0.113.7"},
       {"ttl", 1},
       {"proxied", false},
       {"comment", "made by hand"}},
  });
}

TEST_F(SyncTest, RecordsThatAreNotOursAreNeverTouchedWithoutAdopt) {
  resetFake(unownedRecords());
  const Json before = records();
  CommandResult apply = sync({"apply"});
  EXPECT_EQ(apply.exit_code, 2) << "the grafana conflict is left undone\n" << apply.all();
  EXPECT_THAT(apply.out, HasSubstr("! grafana.madhan.app A 203.0.113.7"));
  const Json after = records();
  for (const Json& old : before) {
    bool same = false;
    for (const Json& now : after) same |= now == old;
    EXPECT_TRUE(same) << "changed or deleted: " << old;
  }
  EXPECT_EQ(after.size(), before.size() + 4) << "auth, netbird, proxy, *.proxy created";

  // The private wildcard still contradicts the public view: pending until --replace '*'.
  CommandResult adopt = sync({"apply", "--adopt"});
  EXPECT_EQ(adopt.exit_code, 2) << adopt.all();
  EXPECT_THAT(adopt.out, HasSubstr("left undone:"));
  const std::string hand_id = before[4]["id"];
  auto have = aRecords();
  EXPECT_EQ(have["grafana.madhan.app"]["id"], hand_id) << "adopted in place";
  EXPECT_EQ(have["grafana.madhan.app"]["content"], kBifrost);
  EXPECT_EQ(have["grafana.madhan.app"]["comment"], std::string(kMarker) + "; made by hand");
  for (std::size_t i = 0; i < 4; ++i) {
    bool same = false;
    for (const Json& now : records()) same |= now == before[i];
    EXPECT_TRUE(same) << "--adopt must only take over colliding records: " << before[i];
  }
}

// A zone a person has edited in the dashboard too: their wildcard to the LAN gateway, mail, DKIM
// and their own A at grafana, none with the marker.
Json editedByHand() {
  return Json::array({
      {{"type", "A"},
       {"name", "*.madhan.app"},
       {"content", "192.168.1.220"},
       {"ttl", 1},
       {"proxied", false}},
      {{"type", "MX"},
       {"name", "madhan.app"},
       {"content", "mx.example.org"},
       {"priority", 10},
       {"ttl", 3600}},
      {{"type", "TXT"},
       {"name", "default._domainkey.madhan.app"},
       {"content", "v=DKIM1; k=rsa; p=MIIBIjANBgkqh"},
       {"ttl", 1}},
      {{"type", "A"},
       {"name", "grafana.madhan.app"},
       {"content", "203.0.113.7"},
       {"ttl", 1},
       {"proxied", false},
       {"comment", "temporary, until the VPS route works"}},
  });
}

// The lines of `text` that contain `word`.
std::vector<std::string> linesWith(const std::string& text, const std::string& word) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find(word) != std::string::npos) out.push_back(line);
  return out;
}

TEST_F(SyncTest, ForeignRecordsAreListedAndRetiredOnlyByName) {
  resetFake(editedByHand());
  const Json before = records();

  CommandResult plan = sync({"plan"});
  EXPECT_EQ(plan.exit_code, 2) << plan.all();
  EXPECT_THAT(plan.out, HasSubstr("contradicting the public view, not ours (2):"));
  const auto private_lines = linesWith(plan.out, "private");
  ASSERT_EQ(private_lines.size(), 1u) << plan.out;
  EXPECT_THAT(private_lines[0], HasSubstr("! *.madhan.app A 192.168.1.220"));
  EXPECT_THAT(private_lines[0], HasSubstr("--replace '*' deletes it"));
  const auto grafana_lines = linesWith(plan.out, "! grafana.madhan.app A 203.0.113.7");
  ASSERT_EQ(grafana_lines.size(), 1u) << plan.out;
  EXPECT_THAT(grafana_lines[0], HasSubstr("the public view answers A 178.156.199.250 here"));
  EXPECT_THAT(plan.out, HasSubstr("unrelated to the public view, not ours, left alone (2); "
                                  "--verbose lists them"));
  EXPECT_THAT(plan.out, Not(HasSubstr("mx.example.org")));
  EXPECT_THAT(plan.out, Not(HasSubstr("DKIM1")));

  CommandResult verbose = sync({"plan", "--verbose"});
  EXPECT_EQ(verbose.exit_code, 2) << verbose.all();
  EXPECT_THAT(verbose.out, HasSubstr("    madhan.app MX 10 mx.example.org (ttl 3600)"));
  EXPECT_THAT(verbose.out, HasSubstr("    default._domainkey.madhan.app TXT v=DKIM1"));
  EXPECT_EQ(linesWith(verbose.out, "private").size(), 1u) << "unrelated records are not flagged";

  CommandResult json = sync({"plan", "--json"});
  EXPECT_EQ(json.exit_code, 2) << json.all();
  const Json j = Json::parse(json.out)["plan"];
  ASSERT_EQ(j["contradicting"].size(), 2u) << j.dump(2);
  EXPECT_EQ(j["contradicting"][0]["name"], "*.madhan.app");
  EXPECT_EQ(j["contradicting"][0]["private"], true);
  EXPECT_EQ(j["contradicting"][0]["fate"], "left alone");
  EXPECT_EQ(j["contradicting"][1]["private"], false);
  EXPECT_EQ(j["unrelated"].size(), 2u);
  EXPECT_EQ(writes(), 0) << "plan must not write";

  // Without names the records not ours stay, and the run says changes are pending.
  CommandResult alone = sync({"apply"});
  EXPECT_EQ(alone.exit_code, 2) << alone.all();
  for (const Json& old : before) {
    bool same = false;
    for (const Json& now : records()) same |= now == old;
    EXPECT_TRUE(same) << "changed or deleted without a name: " << old;
  }

  CommandResult retire = sync({"apply", "--replace", "*", "--adopt", "grafana"});
  ASSERT_EQ(retire.exit_code, 0) << retire.all();
  EXPECT_THAT(retire.out, HasSubstr("- delete  *.madhan.app A 192.168.1.220"));
  EXPECT_THAT(retire.out, HasSubstr("deleted (--replace '*')"));
  auto have = aRecords();
  EXPECT_EQ(have.count("*.madhan.app"), 0u);
  EXPECT_EQ(have["grafana.madhan.app"]["id"], before[3]["id"]) << "adopted in place";
  EXPECT_EQ(have["grafana.madhan.app"]["content"], kBifrost);
  EXPECT_EQ(have["grafana.madhan.app"]["comment"],
            std::string(kMarker) + "; temporary, until the VPS route works");

  fake_.clearRequests();
  CommandResult again = sync({"apply", "--replace", "*", "--adopt", "grafana"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_EQ(writes(), 0) << again.all();
  EXPECT_THAT(again.out, HasSubstr("in sync"));
  for (std::size_t i : {1u, 2u}) {
    bool same = false;
    for (const Json& now : records()) same |= now == before[i];
    EXPECT_TRUE(same) << "an unrelated record changed: " << before[i];
  }
  EXPECT_EQ(records().size(), 7u) << "MX, TXT and the five published names";
}

TEST_F(SyncTest, AnIdenticalUnownedRecordIsAdoptableNotAnError) {
  Json existing = Json::array({{{"type", "A"},
                                {"name", "grafana.madhan.app"},
                                {"content", kBifrost},
                                {"ttl", 1},
                                {"proxied", false}}});
  resetFake(existing);
  CommandResult apply = sync({"apply"});
  EXPECT_EQ(apply.exit_code, 0) << apply.all();
  EXPECT_THAT(apply.out, HasSubstr("adoptable"));
  auto have = aRecords();
  EXPECT_FALSE(have["grafana.madhan.app"].contains("comment") &&
               have["grafana.madhan.app"]["comment"] == kMarker);
  EXPECT_EQ(records().size(), 5u);
}

TEST_F(SyncTest, SafetyThresholdStopsAMassDeleteUnlessForced) {
  Json existing = Json::array();
  for (int i = 0; i < 12; ++i)
    existing.push_back(ownedA("old" + std::to_string(i) + ".madhan.app"));
  resetFake(existing);
  CommandResult apply = sync({"apply"});
  EXPECT_EQ(apply.exit_code, 2) << apply.all();
  EXPECT_THAT(apply.out, HasSubstr("BLOCKED: refusing to change or delete 12 of 12"));
  EXPECT_EQ(writes(), 0);
  EXPECT_EQ(records().size(), 12u);

  CommandResult forced = sync({"apply", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.all();
  EXPECT_EQ(records().size(), 5u);
}

TEST_F(SyncTest, APrivateAddressIsRefused) {
  std::string edited = seed_ + "\n";
  edited.replace(edited.find("records:\n"), 9,
                 "records:\n  printer: {public: {A: 192.168.1.50}, allow-private: true}\n");
  writeText(zone_path_, edited);
  CommandResult apply = sync({"apply"});
  EXPECT_EQ(apply.exit_code, 2) << apply.all();
  EXPECT_THAT(apply.out, HasSubstr("refusing to publish printer.madhan.app A"));
  EXPECT_EQ(aRecords().count("printer.madhan.app"), 0u);
  EXPECT_EQ(records().size(), 5u) << "the rest is still published";
}

TEST_F(SyncTest, ARunCutOffHalfwayConvergesOnTheNext) {
  // The first batch goes through; every later write fails (5xx, then dropped connections) until
  // the run gives up, as if the network went away mid-run.
  fake_.addFaults({{{"path_contains", "/batch"}, {"status", 500}, {"skip", 1}, {"count", 3}},
                   {{"method", "POST"}, {"action", "drop"}, {"count", 100}}});
  CommandResult cut = sync({"apply", "--batch-size", "2", "--deadline", "5"});
  EXPECT_NE(cut.exit_code, 0) << cut.all();
  EXPECT_EQ(records().size(), 2u) << cut.all();
  fake_.clearFaults();
  CommandResult next = sync({"apply", "--batch-size", "2"});
  ASSERT_EQ(next.exit_code, 0) << next.all();
  EXPECT_EQ(records().size(), 5u);
  std::set<std::string> names;
  for (const auto& [name, r] : aRecords()) names.insert(name);
  EXPECT_EQ(names, kSeedNames);
}

TEST_F(SyncTest, ABadTokenStopsWithTheScopeAndNeverShowsTheToken) {
  const std::string wrong = "wrong-token-6a7b8c9d0e";
  writeText(token_file_, wrong + "\n");
  CommandResult plan = sync({"plan"});
  EXPECT_EQ(plan.exit_code, 1);
  EXPECT_THAT(plan.err, HasSubstr("Zone:DNS:Edit"));
  EXPECT_THAT(plan.all(), Not(HasSubstr(wrong)));
  // From the environment too, and with JSON output.
  CommandResult from_env =
      sync({"apply", "--json"}, {{"CLOUDFLARE_API_TOKEN", FakeCloudflare::kToken}});
  EXPECT_EQ(from_env.exit_code, 0) << from_env.all();
  CommandResult missing = sync({"plan", "--token-file", dir_.path() + "/absent"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read the API token"));
}

TEST_F(SyncTest, TheZoneIdFromTheZoneFileSkipsTheLookup) {
  writeText(zone_path_, seed_ + "cloudflare:\n  zone-id: " + kZoneId +
                            "\n  records:\n    grafana: {proxied: true}\n");
  CommandResult apply = sync({"apply"});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  for (const Json& r : fake_.requests())
    EXPECT_FALSE(r["path"].get<std::string>().ends_with("/zones")) << "looked up the zone";
  EXPECT_EQ(aRecords()["grafana.madhan.app"]["proxied"], true);
}

TEST_F(SyncTest, TraefikFileRoutesPublicServicesAndIsOnlyRewrittenOnChange) {
  const std::string out = dir_.path() + "/public-services.yml";
  CommandResult plan = sync({"plan", "--no-cloudflare", "--traefik-out", out});
  EXPECT_EQ(plan.exit_code, 2) << plan.all();
  EXPECT_THAT(plan.out, HasSubstr("would change"));
  CommandResult apply = sync({"apply", "--traefik-out", out});
  ASSERT_EQ(apply.exit_code, 0) << apply.all();
  YAML::Node config = YAML::LoadFile(out);
  YAML::Node router = config["http"]["routers"]["grafana"];
  ASSERT_TRUE(router) << slurp(out);
  EXPECT_EQ(router["rule"].as<std::string>(), "Host(`grafana.madhan.app`)");
  const std::string middleware = router["middlewares"][0].as<std::string>();
  EXPECT_THAT(config["http"]["middlewares"][middleware]["forwardAuth"]["address"].as<std::string>(),
              HasSubstr("/outpost.goauthentik.io/auth/nginx"));
  const std::string service = router["service"].as<std::string>();
  EXPECT_EQ(
      config["http"]["services"][service]["loadBalancer"]["servers"][0]["url"].as<std::string>(),
      "http://192.168.1.220:80");
  EXPECT_FALSE(config["http"]["routers"]["auth"]) << "VPS-native routes are static";

  struct stat before {};
  ASSERT_EQ(stat(out.c_str(), &before), 0);
  CommandResult again = sync({"apply", "--traefik-out", out});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  struct stat after {};
  ASSERT_EQ(stat(out.c_str(), &after), 0);
  EXPECT_EQ(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(sync({"plan", "--no-cloudflare", "--traefik-out", out}).exit_code, 0);
}

TEST_F(SyncTest, BadCommandLinesAndZonesAreErrors) {
  EXPECT_EQ(sync({"deploy"}).exit_code, 64);
  EXPECT_EQ(sync({"plan", "--batch-size", "500"}).exit_code, 64);
  CommandResult token_flag = sync({"plan", "--token", "x"});
  EXPECT_EQ(token_flag.exit_code, 64);
  EXPECT_THAT(token_flag.err, HasSubstr("process list"));
  writeText(zone_path_, "zone: madhan.app\nviews: {public: [0.0.0.0/33]}\n");
  CommandResult bad = sync({"apply"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr(":2:"));
  EXPECT_EQ(writes(), 0);
}

TEST_F(SyncTest, VersionHelpAndFlagsThatAreUnknownOrMalformed) {
  CommandResult version = runCommand({HORIZON_SYNC_PATH, "--version"}, {});
  EXPECT_EQ(version.exit_code, 0) << version.all();
  EXPECT_EQ(version.out, std::string(kVersionString) + "\n");

  CommandResult unknown = sync({"plan", "--no-such-flag"});
  EXPECT_EQ(unknown.exit_code, 64) << unknown.all();
  EXPECT_THAT(unknown.err, StartsWith("horizon-sync: "));
  EXPECT_THAT(unknown.err, HasSubstr("--no-such-flag"));
  CommandResult before = runCommand({HORIZON_SYNC_PATH, "--no-such-flag", "plan"}, {});
  EXPECT_EQ(before.exit_code, 64) << before.all();
  EXPECT_THAT(before.err, HasSubstr("--no-such-flag"));

  CommandResult malformed =
      runCommand({HORIZON_SYNC_PATH, "plan", "--zone", "z", "--deadline", "abc"}, {});
  EXPECT_EQ(malformed.exit_code, 64) << malformed.all();
  EXPECT_THAT(malformed.err, StartsWith("horizon-sync: "));
  EXPECT_THAT(malformed.err, HasSubstr("--deadline"));
  EXPECT_EQ(writes(), 0);

  CommandResult help = runCommand({HORIZON_SYNC_PATH, "apply", "--help"}, {});
  EXPECT_EQ(help.exit_code, 0) << help.all();
  EXPECT_THAT(help.out, HasSubstr("apply"));
  EXPECT_THAT(help.out, HasSubstr("--traefik-out"));
}

TEST_F(SyncTest, OptionsMayComeBeforeTheCommandAndTakeInlineValues) {
  std::map<std::string, std::string> env = {{"CLOUDFLARE_API_TOKEN", ""},
                                            {"CLOUDFLARE_API_URL", fake_.apiUrl()}};
  for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    env.emplace(proxy, "");
  CommandResult plan =
      runCommand({HORIZON_SYNC_PATH, "--zone=" + zone_path_, "--token-file", token_file_,
                  "--api-url=" + fake_.apiUrl(), "plan", "--deadline=30"},
                 env);
  outputs_.push_back(plan.all());
  EXPECT_EQ(plan.exit_code, 2) << plan.all();
  EXPECT_THAT(plan.out, HasSubstr("5 to create"));
}

TEST_F(SyncTest, WatchReconcilesOnFileChangesAndCorrectsDashboardEdits) {
  const std::string out = dir_.path() + "/public-services.yml";
  std::vector<std::string> argv = {HORIZON_SYNC_PATH, "watch",     "--zone",        zone_path_,
                                   "--token-file",    token_file_, "--api-url",     fake_.apiUrl(),
                                   "--interval",      "2s",        "--traefik-out", out};
  const std::string log_path = dir_.path() + "/watch.log";
  ChildProcess watch(argv, log_path);
  auto waitFor = [&](auto condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  EXPECT_TRUE(waitFor([&] { return aRecords().size() == 5; })) << slurp(log_path);

  // Replaced by a rename, as editors and dnsctl do.
  std::string edited = seed_;
  edited.replace(edited.find("services: [grafana]"), 19, "services: [grafana, jellyfin]");
  writeText(zone_path_ + ".new", edited);
  ASSERT_EQ(rename((zone_path_ + ".new").c_str(), zone_path_.c_str()), 0);
  EXPECT_TRUE(waitFor([&] { return aRecords().count("jellyfin.madhan.app") == 1; }))
      << slurp(log_path);
  EXPECT_TRUE(waitFor([&] { return slurp(out).find("jellyfin.madhan.app") != std::string::npos; }));

  // A dashboard edit is put right at the next interval.
  Json state = records();
  for (Json& r : state)
    if (r["name"] == "auth.madhan.app") r["content"] = "203.0.113.99";
  resetFake(state);
  EXPECT_TRUE(waitFor([&] { return aRecords()["auth.madhan.app"]["content"] == kBifrost; }))
      << slurp(log_path);

  EXPECT_EQ(watch.stop(), 0);
  const std::string log = slurp(log_path);
  outputs_.push_back(log);
  EXPECT_THAT(log, HasSubstr("changed"));
}

// Writes as the fake carried them out, by kind: single calls and batch items, faulted or
// refused requests left out.
std::map<std::string, int> writesReceived(const Json& requests) {
  std::map<std::string, int> out{{"create", 0}, {"update", 0}, {"delete", 0}};
  for (const Json& r : requests) {
    if (r["status"] != 200 || r["method"] == "GET") continue;
    const std::string path = r["path"];
    if (path.ends_with("/batch")) {
      const Json& body = r["body"];
      for (const auto& [key, kind] : {std::pair{"posts", "create"},
                                      {"patches", "update"},
                                      {"puts", "update"},
                                      {"deletes", "delete"}})
        if (body.contains(key)) out[kind] += static_cast<int>(body[key].size());
    } else {
      out[r["method"] == "POST" ? "create" : r["method"] == "DELETE" ? "delete" : "update"]++;
    }
  }
  return out;
}

TEST_F(SyncTest, WatchServesMetricsOfItsRuns) {
  // The first listing is rate limited once, for the API metrics to have something to count.
  fake_.addFaults({{{"method", "GET"},
                    {"path_contains", "/dns_records"},
                    {"status", 429},
                    {"retry_after", 1},
                    {"count", 1}}});
  const std::uint16_t port = findFreePort();
  std::vector<std::string> argv = {
      HORIZON_SYNC_PATH, "watch",     "--zone",    zone_path_,
      "--token-file",    token_file_, "--api-url", fake_.apiUrl(),
      "--interval",      "1h",        "--metrics", "127.0.0.1:" + std::to_string(port)};
  // Loopback only, whatever the machine's environment says about proxies or tokens.
  const std::string log_path = dir_.path() + "/watch.log";
  ChildProcess watch(argv, log_path);
  // Ready once the first run has finished; healthy as soon as the endpoint serves.
  std::optional<HttpReply> ready;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    ready = httpRequest(port, "GET", "/ready", std::chrono::seconds(2));
    if (ready && ready->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(ready && ready->status == 200) << slurp(log_path);
  auto health = httpRequest(port, "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");

  auto scrape = httpRequest(port, "GET", "/metrics");
  ASSERT_TRUE(scrape);
  ASSERT_EQ(scrape->status, 200);
  EXPECT_EQ(scrape->header("content-type"), "text/plain; version=0.0.4");
  const auto m = exposedSamples(scrape->body);
  const auto writes = writesReceived(fake_.requests());
  EXPECT_EQ(writes.at("create"), 5);
  EXPECT_GE(m.at("horizon_sync_runs_total{result=\"success\"}"), 1);
  EXPECT_EQ(m.at("horizon_sync_runs_total{result=\"failure\"}"), 0);
  EXPECT_EQ(m.at("horizon_sync_changes_applied_total{kind=\"create\"}"), writes.at("create"));
  EXPECT_EQ(m.at("horizon_sync_changes_applied_total{kind=\"update\"}"), writes.at("update"));
  EXPECT_EQ(m.at("horizon_sync_changes_applied_total{kind=\"delete\"}"), writes.at("delete"));
  EXPECT_EQ(m.at("horizon_sync_last_run_success"), 1);
  EXPECT_GT(m.at("horizon_sync_last_run_timestamp_seconds"), 1.6e9);
  EXPECT_EQ(m.at("horizon_sync_last_success_timestamp_seconds"),
            m.at("horizon_sync_last_run_timestamp_seconds"));
  EXPECT_EQ(m.at("horizon_sync_pending_changes"), 0);
  EXPECT_EQ(m.at("horizon_sync_conflicts"), 0);
  EXPECT_EQ(m.at("horizon_sync_refused_records"), 0);
  EXPECT_EQ(m.at("horizon_sync_api_errors_total{status=\"429\"}"), 1);
  EXPECT_EQ(m.at("horizon_sync_rate_limit_waits_total"), 1);
  EXPECT_EQ(m.at("horizon_sync_rate_limit_wait_seconds_total"), 1);
  EXPECT_EQ(m.at(std::string("horizon_build_info{version=\"") + kVersionNumber + "\"}"), 1);
  EXPECT_GT(m.at("process_open_fds"), 0);
  EXPECT_GT(m.at("process_resident_memory_bytes"), 0);

  // Prometheus's own checker, where Debian's prometheus package put it.
  if (access("/usr/bin/promtool", X_OK) == 0) {
    FILE* pipe = popen("/usr/bin/promtool check metrics >/dev/null 2>&1", "w");
    ASSERT_NE(pipe, nullptr);
    fwrite(scrape->body.data(), 1, scrape->body.size(), pipe);
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << scrape->body;
  } else {
    std::cerr << "promtool is not installed (Debian package prometheus): format not checked\n";
  }

  EXPECT_EQ(watch.stop(), 0);
  const std::string log = slurp(log_path);
  outputs_.push_back(log);
  EXPECT_THAT(log, HasSubstr("metrics at http://127.0.0.1:" + std::to_string(port) + "/metrics"));
}

TEST_F(SyncTest, PlainHttpOutsideLoopbackIsRefusedBeforeAnyRequest) {
  // 0.0.0.0 is not loopback by name, and a connection to it would still stay on this machine.
  CommandResult r = runCommand({HORIZON_SYNC_PATH, "plan", "--zone", zone_path_, "--token-file",
                                token_file_, "--api-url", "http://0.0.0.0:9/client/v4"},
                               {{"CLOUDFLARE_API_TOKEN", ""}, {"CLOUDFLARE_API_URL", ""}});
  outputs_.push_back(r.all());
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_THAT(r.err, HasSubstr("refusing to send the API token over plain http to 0.0.0.0"));
  // With --json the refusal is in the one JSON object on stdout.
  CommandResult json =
      runCommand({HORIZON_SYNC_PATH, "plan", "--json", "--zone", zone_path_, "--token-file",
                  token_file_, "--api-url", "http://0.0.0.0:9/client/v4"},
                 {{"CLOUDFLARE_API_TOKEN", ""}, {"CLOUDFLARE_API_URL", ""}});
  EXPECT_EQ(json.exit_code, 1) << json.all();
  EXPECT_EQ(json.err, "");
  const Json document = Json::parse(json.out);
  ASSERT_EQ(document["errors"].size(), 1u) << json.out;
  EXPECT_EQ(document["errors"][0]["part"], "cloudflare");
  EXPECT_THAT(document["errors"][0]["message"].get<std::string>(), HasSubstr("plain http"));
  // The fake on loopback is http:// too, and is used.
  CommandResult fake = sync({"plan"});
  EXPECT_EQ(fake.exit_code, 2) << fake.all();
}

TEST_F(SyncTest, APartOfTheTokenInAnApiErrorIsScrubbed) {
  const std::string token = FakeCloudflare::kToken;
  fake_.addFaults({{{"method", "GET"},
                    {"path_contains", "/dns_records"},
                    {"status", 400},
                    {"message", "invalid token prefix " + token.substr(0, 10)},
                    {"count", 1}}});
  CommandResult r = sync({"plan"});
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("invalid token prefix <token>"));
  EXPECT_THAT(r.all(), ::testing::Not(HasSubstr(token.substr(0, 8))));
}

TEST_F(SyncTest, MetricsAreOnlyForWatch) {
  CommandResult apply = sync({"apply", "--metrics", "127.0.0.1:9"});
  EXPECT_EQ(apply.exit_code, 64) << apply.all();
  EXPECT_THAT(apply.err, HasSubstr("--metrics is for watch"));
  CommandResult bad = sync({"watch", "--metrics", "localhost:9154"});
  EXPECT_EQ(bad.exit_code, 64) << bad.all();
  EXPECT_THAT(bad.err, HasSubstr("'localhost' is not an IPv4 or IPv6 address"));
  EXPECT_EQ(writes(), 0);
}

}  // namespace
}  // namespace horizon::test
