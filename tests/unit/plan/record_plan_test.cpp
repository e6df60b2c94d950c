// The planner (sync/plan): desired state from a zone's public view, and the record-by-record
// plan against what Cloudflare holds: ownership, adoption, conflicts, drift, the safety threshold.
#include "horizon/sync/record_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "horizon/sync/plan_printer.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Action = PlannedChange::Action;

zone::Zone loadZone(const std::string& yaml) {
  zone::LoadResult result = zone::loadZoneText(yaml, "test.yaml", ".");
  EXPECT_TRUE(result.ok()) << result.report();
  return *result.zone;
}

const char* kZone = R"(zone: madhan.app
views:
  lan: [192.168.1.0/24]
  public: [0.0.0.0/0]
targets:
  gateway: 192.168.1.220
  bifrost: 178.156.199.250
records:
  "*": {lan: gateway}
  auth: bifrost
  "*.proxy": bifrost
  mail: {public: {MX: "10 mx.example.org.", TXT: "v=spf1 -all"}}
  _sip._tcp: {public: {SRV: "10 5 5060 sip"}}
  "@": {public: {CAA: '0 issue "letsencrypt.org"'}}
public:
  via: bifrost
  services: [grafana]
cloudflare:
  proxied: false
  records:
    grafana: {proxied: true}
    "*.proxy": {ttl: 300}
)";

CloudflareRecord record(std::string id, std::string type, std::string name, std::string content,
                        std::string comment = kOwnerMarker) {
  CloudflareRecord r;
  r.id = std::move(id);
  r.type = std::move(type);
  r.name = std::move(name);
  r.content = std::move(content);
  r.comment = std::move(comment);
  return r;
}

const CloudflareRecord* findDesired(const DesiredState& d, const std::string& type,
                                    const std::string& name) {
  for (const auto& r : d.records)
    if (r.type == type && r.name == name) return &r;
  return nullptr;
}

TEST(DesiredStateTest, PublicViewWithoutApexSoaAndNsWithCloudflareOptions) {
  DesiredState d = desiredState(loadZone(kZone));
  EXPECT_EQ(d.zone_name, "madhan.app");
  EXPECT_TRUE(d.refused.empty());
  ASSERT_EQ(d.records.size(), 7u);  // auth, *.proxy, grafana, MX, TXT, SRV, CAA
  const CloudflareRecord* grafana = findDesired(d, "A", "grafana.madhan.app");
  ASSERT_NE(grafana, nullptr);
  EXPECT_EQ(grafana->content, "178.156.199.250");
  EXPECT_TRUE(grafana->proxied);
  EXPECT_EQ(grafana->ttl, kAutomaticTtl);
  EXPECT_EQ(grafana->comment, kOwnerMarker);
  const CloudflareRecord* proxy = findDesired(d, "A", "*.proxy.madhan.app");
  ASSERT_NE(proxy, nullptr);
  EXPECT_FALSE(proxy->proxied);
  EXPECT_EQ(proxy->ttl, 300u);
  EXPECT_EQ(findDesired(d, "A", "auth.madhan.app")->ttl, kAutomaticTtl);
  const CloudflareRecord* mx = findDesired(d, "MX", "mail.madhan.app");
  ASSERT_NE(mx, nullptr);
  EXPECT_EQ(mx->content, "mx.example.org");
  EXPECT_EQ(mx->priority, 10);
  EXPECT_EQ(findDesired(d, "TXT", "mail.madhan.app")->content, "v=spf1 -all");
  const CloudflareRecord* srv = findDesired(d, "SRV", "_sip._tcp.madhan.app");
  ASSERT_NE(srv, nullptr);
  EXPECT_EQ(srv->priority, 10);
  EXPECT_EQ(srv->content, "5 5060 sip.madhan.app");
  EXPECT_NE(findDesired(d, "CAA", "madhan.app"), nullptr);
  EXPECT_EQ(findDesired(d, "SOA", "madhan.app"), nullptr);
  EXPECT_EQ(findDesired(d, "NS", "madhan.app"), nullptr);
  EXPECT_EQ(findDesired(d, "A", "*.madhan.app"), nullptr);  // LAN only
}

TEST(DesiredStateTest, TheSeedPublishesExactlyTheFiveBifrostNames) {
  zone::LoadResult result = zone::loadZoneFile(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  ASSERT_TRUE(result.ok()) << result.report();
  DesiredState d = desiredState(*result.zone);
  std::set<std::string> names;
  for (const auto& r : d.records) {
    EXPECT_EQ(r.type, "A");
    EXPECT_EQ(r.content, "178.156.199.250");
    names.insert(r.name);
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"auth.madhan.app", "netbird.madhan.app", "proxy.madhan.app",
                                   "*.proxy.madhan.app", "grafana.madhan.app"}));
}

TEST(DesiredStateTest, PrivateAddressesAreRefusedEvenWhenTheZoneAllowsThem) {
  DesiredState d = desiredState(loadZone(R"(zone: madhan.app
views: {public: [0.0.0.0/0]}
records:
  printer: {A: 192.168.1.50, allow-private: true}
  vpn: {A: 100.109.0.7, allow-private: true}
  lo: {A: 127.0.0.1, allow-private: true}
  ll: {AAAA: "fe80::1", allow-private: true}
  ok: 203.0.113.9
)"));
  ASSERT_EQ(d.records.size(), 1u);
  EXPECT_EQ(d.records[0].name, "ok.madhan.app");
  ASSERT_EQ(d.refused.size(), 4u);
  EXPECT_THAT(d.refused[0], HasSubstr("192.168.1.50"));
}

DesiredState twoNames() {
  DesiredState d;
  d.zone_name = "madhan.app";
  d.records.push_back(record("", "A", "auth.madhan.app", "178.156.199.250"));
  d.records.push_back(record("", "A", "grafana.madhan.app", "178.156.199.250"));
  return d;
}

TEST(RecordPlanTest, CreatesFromEmptyAndIsInSyncWhenEverythingMatches) {
  Plan plan = makePlan(twoNames(), {}, {});
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(plan.changes[0].action, Action::kCreate);
  EXPECT_FALSE(plan.inSync());
  EXPECT_EQ(plan.writes().posts.size(), 2u);

  std::vector<CloudflareRecord> have = {record("a1", "A", "auth.madhan.app", "178.156.199.250"),
                                        record("g1", "A", "grafana.madhan.app", "178.156.199.250")};
  Plan again = makePlan(twoNames(), have, {});
  EXPECT_TRUE(again.changes.empty());
  EXPECT_TRUE(again.inSync());
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(again.writes().size(), 0u);
}

TEST(RecordPlanTest, DriftIsCorrectedInPlaceKeepingTheId) {
  auto drifted = record("g1", "A", "grafana.madhan.app", "203.0.113.66");
  drifted.ttl = 120;
  Plan plan =
      makePlan(twoNames(), {record("a1", "A", "auth.madhan.app", "178.156.199.250"), drifted}, {});
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].after->id, "g1");
  EXPECT_EQ(plan.changes[0].after->content, "178.156.199.250");
  EXPECT_EQ(plan.changes[0].fields, (std::vector<std::string>{"content", "ttl"}));
  EXPECT_EQ(plan.writes().patches.size(), 1u);
  EXPECT_TRUE(plan.writes().deletes.empty());
}

TEST(RecordPlanTest, ProxiedRecordsNeverDiffOnTtl) {
  DesiredState d = twoNames();
  d.records[1].proxied = true;
  auto have = record("g1", "A", "grafana.madhan.app", "178.156.199.250");
  have.proxied = true;
  have.ttl = 300;  // whatever Cloudflare reports for a proxied record
  Plan plan = makePlan(d, {record("a1", "A", "auth.madhan.app", "178.156.199.250"), have}, {});
  EXPECT_TRUE(plan.inSync()) << renderPlanText(plan);
}

TEST(RecordPlanTest, OwnedRecordsNoLongerWantedAreDeletedOthersNever) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("g1", "A", "grafana.madhan.app", "178.156.199.250"),
      record("o1", "A", "old.madhan.app", "178.156.199.250"),
      record("w1", "A", "*.madhan.app", "192.168.1.220", ""),
      record("m1", "MX", "madhan.app", "mx.example.org", "mail, by hand"),
      record("t1", "TXT", "madhan.app", "v=spf1 -all", "")};
  have[4].priority = 10;
  CloudflareRecord ro = record("r1", "TXT", "_acme.madhan.app", "token", kOwnerMarker);
  ro.read_only = true;  // even with our marker: Cloudflare manages it
  have.push_back(ro);
  Plan plan = makePlan(twoNames(), have, {});
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kDelete);
  EXPECT_EQ(plan.changes[0].before->id, "o1");
  EXPECT_EQ(plan.owned, 3u);
  EXPECT_EQ(plan.unowned, 3u);
}

TEST(RecordPlanTest, UnownedCollisionContradictsThePublicViewUnlessAdopted) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("h1", "A", "grafana.madhan.app", "203.0.113.5", "made by hand")};
  Plan plan = makePlan(twoNames(), have, {});
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_TRUE(plan.notes.empty());
  ASSERT_EQ(plan.foreign.size(), 1u);
  EXPECT_TRUE(plan.foreign[0].contradicting);
  EXPECT_EQ(plan.foreign[0].record.id, "h1");
  EXPECT_EQ(plan.foreign[0].fate, ForeignRecord::Fate::kLeftAlone);
  EXPECT_EQ(plan.contradictingLeft(), 1u);
  EXPECT_FALSE(plan.inSync());

  PlanOptions adopt;
  adopt.adopt = true;
  Plan adopted = makePlan(twoNames(), have, adopt);
  ASSERT_EQ(adopted.changes.size(), 1u);
  EXPECT_EQ(adopted.changes[0].action, Action::kAdopt);
  EXPECT_EQ(adopted.changes[0].after->id, "h1");
  EXPECT_EQ(adopted.changes[0].after->content, "178.156.199.250");
  EXPECT_EQ(adopted.changes[0].after->comment, std::string(kOwnerMarker) + "; made by hand");
  EXPECT_EQ(adopted.changes[0].fields, (std::vector<std::string>{"content", "comment"}));
  EXPECT_EQ(adopted.writes().patches.size(), 1u);
  EXPECT_EQ(adopted.foreign[0].fate, ForeignRecord::Fate::kAdopted);
  EXPECT_EQ(adopted.contradictingLeft(), 0u);
}

TEST(RecordPlanTest, IdenticalUnownedRecordIsAdoptableNotAnError) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("h1", "A", "grafana.madhan.app", "178.156.199.250", "")};
  Plan plan = makePlan(twoNames(), have, {});
  EXPECT_TRUE(plan.changes.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0].kind, PlanNote::Kind::kAdoptable);
  EXPECT_TRUE(plan.inSync());
}

TEST(RecordPlanTest, CnameClashWithAnUnownedRecordGoesOnlyWithReplace) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("c1", "CNAME", "grafana.madhan.app", "elsewhere.example.org", "")};
  PlanOptions adopt;
  adopt.adopt = true;
  Plan plan = makePlan(twoNames(), have, adopt);
  EXPECT_TRUE(plan.changes.empty()) << "adopting cannot turn a CNAME into an A";
  ASSERT_EQ(plan.foreign.size(), 1u);
  EXPECT_TRUE(plan.foreign[0].contradicting);
  EXPECT_THAT(plan.foreign[0].reason,
              HasSubstr("keeps grafana.madhan.app A 178.156.199.250 (ttl auto) from being "
                        "published"));
  EXPECT_FALSE(plan.inSync());

  PlanOptions replace;
  replace.replace_names = {"grafana"};
  Plan replaced = makePlan(twoNames(), have, replace);
  ASSERT_EQ(replaced.changes.size(), 2u);
  EXPECT_EQ(replaced.changes[0].action, Action::kDelete);  // before the create, in one batch
  EXPECT_EQ(replaced.changes[0].before->id, "c1");
  EXPECT_EQ(replaced.changes[1].action, Action::kCreate);
  EXPECT_EQ(replaced.foreign[0].fate, ForeignRecord::Fate::kDeleted);
}

TEST(RecordPlanTest, SafetyThresholdBlocksMassDeletesUnlessForced) {
  std::vector<CloudflareRecord> have;
  for (int i = 0; i < 10; ++i)
    have.push_back(record("x" + std::to_string(i), "A", "n" + std::to_string(i) + ".madhan.app",
                          "178.156.199.250"));
  Plan plan = makePlan(twoNames(), have, {});
  ASSERT_TRUE(plan.blocked.has_value());
  EXPECT_THAT(*plan.blocked, HasSubstr("10 of 10"));
  EXPECT_EQ(plan.writes().size(), 0u);
  EXPECT_FALSE(plan.inSync());

  PlanOptions force;
  force.force = true;
  Plan forced = makePlan(twoNames(), have, force);
  EXPECT_FALSE(forced.blocked.has_value());
  EXPECT_EQ(forced.writes().deletes.size(), 10u);
  EXPECT_EQ(forced.writes().posts.size(), 2u);

  // 3 of 10 is within 30%; below 10 owned records there is no threshold at all.
  std::vector<CloudflareRecord> some(have.begin(), have.begin() + 10);
  DesiredState keep = twoNames();
  for (int i = 3; i < 10; ++i)
    keep.records.push_back(
        record("", "A", "n" + std::to_string(i) + ".madhan.app", "178.156.199.250"));
  EXPECT_FALSE(makePlan(keep, some, {}).blocked.has_value());
  std::vector<CloudflareRecord> nine(have.begin(), have.begin() + 9);
  EXPECT_FALSE(makePlan(twoNames(), nine, {}).blocked.has_value());
}

TEST(RecordPlanTest, RefusedRecordsKeepThePlanOutOfSync) {
  DesiredState d = twoNames();
  d.refused.push_back("refusing to publish printer.madhan.app A 192.168.1.50");
  Plan plan = makePlan(d,
                       {record("a1", "A", "auth.madhan.app", "178.156.199.250"),
                        record("g1", "A", "grafana.madhan.app", "178.156.199.250")},
                       {});
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_FALSE(plan.inSync());
  EXPECT_THAT(renderPlanText(plan), HasSubstr("refused: refusing to publish printer"));
}

TEST(RecordPlanTest, TextAndJsonSayWhatChangesRecordByRecord) {
  std::vector<CloudflareRecord> have = {record("g1", "A", "grafana.madhan.app", "203.0.113.66"),
                                        record("o1", "A", "old.madhan.app", "178.156.199.250")};
  Plan plan = makePlan(twoNames(), have, {});
  std::string text = renderPlanText(plan);
  EXPECT_THAT(text, HasSubstr("1 to create, 1 to update, 1 to delete"));
  EXPECT_THAT(text, HasSubstr("+ create  auth.madhan.app A 178.156.199.250 (ttl auto)"));
  EXPECT_THAT(text, HasSubstr("content: 203.0.113.66 -> 178.156.199.250"));
  EXPECT_THAT(text, HasSubstr("- delete  old.madhan.app A 178.156.199.250"));
  nlohmann::json j = nlohmann::json::parse(renderPlanJson(plan));
  EXPECT_EQ(j["in_sync"], false);
  EXPECT_EQ(j["counts"]["create"], 1);
  EXPECT_EQ(j["counts"]["update"], 1);
  EXPECT_EQ(j["counts"]["delete"], 1);
  ASSERT_EQ(j["changes"].size(), 3u);
  EXPECT_EQ(j["changes"][0]["action"], "delete");
  EXPECT_EQ(j["changes"][0]["before"]["id"], "o1");
}

TEST(RecordPlanTest, SecondValueOfAnRrsetReusesAnOwnedRecordBeforeCreating) {
  DesiredState d = twoNames();
  d.records.push_back(record("", "A", "grafana.madhan.app", "178.156.199.251"));
  Plan plan = makePlan(d,
                       {record("a1", "A", "auth.madhan.app", "178.156.199.250"),
                        record("g1", "A", "grafana.madhan.app", "178.156.199.251"),
                        record("g2", "A", "grafana.madhan.app", "203.0.113.1")},
                       {});
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].action, Action::kUpdate);
  EXPECT_EQ(plan.changes[0].after->id, "g2");
}

// The seed's public view, and a Cloudflare zone a person has edited as well: a private wildcard,
// mail, DKIM, a www CNAME and their own A at grafana; auth, netbird and proxy are ours already.
DesiredState seed() {
  zone::LoadResult result = zone::loadZoneFile(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  EXPECT_TRUE(result.ok()) << result.report();
  return desiredState(*result.zone);
}

std::vector<CloudflareRecord> editedByHand() {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("n1", "A", "netbird.madhan.app", "178.156.199.250"),
      record("p1", "A", "proxy.madhan.app", "178.156.199.250"),
      record("s1", "A", "*.proxy.madhan.app", "178.156.199.250"),
      record("w1", "A", "*.madhan.app", "192.168.1.220", ""),
      record("m1", "MX", "madhan.app", "mx.example.org", ""),
      record("d1", "TXT", "default._domainkey.madhan.app", "v=DKIM1; p=MIIB", ""),
      record("c1", "CNAME", "www.madhan.app", "madhan.app", "blog"),
      record("g1", "A", "grafana.madhan.app", "203.0.113.7", "made by hand")};
  have[5].priority = 10;
  return have;
}

// `have` after `plan`'s writes, as Cloudflare would list it.
std::vector<CloudflareRecord> afterWrites(std::vector<CloudflareRecord> have, const Plan& plan) {
  RecordChanges writes = plan.writes();
  std::erase_if(have, [&](const CloudflareRecord& r) {
    return std::find(writes.deletes.begin(), writes.deletes.end(), r.id) != writes.deletes.end();
  });
  for (const CloudflareRecord& patch : writes.patches)
    for (CloudflareRecord& r : have)
      if (r.id == patch.id) r = patch;
  for (CloudflareRecord post : writes.posts) {
    post.id = "new-" + post.name;
    have.push_back(post);
  }
  return have;
}

TEST(ForeignPlanTest, RecordsNotOursAreContradictingOrUnrelatedAndOursAreNeither) {
  Plan plan = makePlan(seed(), editedByHand(), {});
  EXPECT_EQ(plan.owned, 4u);
  EXPECT_EQ(plan.unowned, 5u);
  ASSERT_EQ(plan.foreign.size(), 5u);
  // Contradicting first, by name: the wildcard sorts before grafana.
  EXPECT_EQ(plan.foreign[0].record.id, "w1");
  EXPECT_TRUE(plan.foreign[0].contradicting);
  EXPECT_TRUE(plan.foreign[0].private_address);
  EXPECT_EQ(plan.foreign[1].record.id, "g1");
  EXPECT_TRUE(plan.foreign[1].contradicting);
  EXPECT_FALSE(plan.foreign[1].private_address);
  ASSERT_TRUE(plan.foreign[1].desired);
  std::set<std::string> unrelated;
  for (std::size_t i = 2; i < plan.foreign.size(); ++i) {
    EXPECT_FALSE(plan.foreign[i].contradicting);
    EXPECT_FALSE(plan.foreign[i].private_address);
    unrelated.insert(plan.foreign[i].record.id);
  }
  EXPECT_EQ(unrelated, (std::set<std::string>{"m1", "d1", "c1"}));
  for (const ForeignRecord& f : plan.foreign) EXPECT_EQ(f.fate, ForeignRecord::Fate::kLeftAlone);
  EXPECT_TRUE(plan.changes.empty()) << renderPlanText(plan);
  EXPECT_EQ(plan.contradictingLeft(), 2u);
  EXPECT_FALSE(plan.inSync()) << "changes are pending while they contradict the public view";
}

TEST(ForeignPlanTest, TextMarksPrivateAndListsUnrelatedOnlyWhenVerbose) {
  Plan plan = makePlan(seed(), editedByHand(), {});
  const std::string text = renderPlanText(plan);
  EXPECT_THAT(text, HasSubstr("5 not ours: 2 contradicting the public view, 3 unrelated"));
  EXPECT_THAT(text, HasSubstr("contradicting the public view, not ours (2):"));
  std::istringstream lines(text);
  int private_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("private") == std::string::npos) continue;
    ++private_lines;
    EXPECT_THAT(line, HasSubstr("*.madhan.app A 192.168.1.220"));
    EXPECT_THAT(line, HasSubstr("left alone (--replace '*' deletes it)"));
  }
  EXPECT_EQ(private_lines, 1) << text;
  EXPECT_THAT(text, HasSubstr("comment 'made by hand'; left alone (--adopt grafana takes it over"));
  EXPECT_THAT(text, HasSubstr("unrelated to the public view, not ours, left alone (3); "
                              "--verbose lists them"));
  EXPECT_THAT(text, Not(HasSubstr("mx.example.org")));

  std::ostringstream verbose;
  writePlanText(plan, verbose, "", /*verbose=*/true);
  EXPECT_THAT(verbose.str(), HasSubstr("    madhan.app MX 10 mx.example.org (ttl auto)  [id m1]"));
  EXPECT_THAT(verbose.str(), HasSubstr("default._domainkey.madhan.app TXT"));
  EXPECT_THAT(verbose.str(), HasSubstr("www.madhan.app CNAME madhan.app (ttl auto)  [id c1]  "
                                       "comment 'blog'"));

  nlohmann::json j = planToJson(plan);
  EXPECT_EQ(j["counts"]["contradicting"], 2);
  EXPECT_EQ(j["counts"]["unrelated"], 3);
  ASSERT_EQ(j["contradicting"].size(), 2u);
  EXPECT_EQ(j["contradicting"][0]["name"], "*.madhan.app");
  EXPECT_EQ(j["contradicting"][0]["private"], true);
  EXPECT_EQ(j["contradicting"][0]["fate"], "left alone");
  EXPECT_EQ(j["contradicting"][1]["desired"]["content"], "178.156.199.250");
  ASSERT_EQ(j["unrelated"].size(), 3u);
}

TEST(ForeignPlanTest, ReplaceDeletesWhereTheViewHasNothingAndTakesOverWhereItHas) {
  PlanOptions options;
  options.replace_names = {"*", "grafana.madhan.app"};
  const std::vector<CloudflareRecord> have = editedByHand();
  Plan plan = makePlan(seed(), have, options);
  ASSERT_EQ(plan.changes.size(), 2u) << renderPlanText(plan);
  EXPECT_EQ(plan.changes[0].action, Action::kDelete);
  EXPECT_EQ(plan.changes[0].before->id, "w1");
  EXPECT_EQ(plan.changes[1].action, Action::kAdopt);
  EXPECT_EQ(plan.changes[1].after->id, "g1");
  EXPECT_EQ(plan.changes[1].after->content, "178.156.199.250");
  EXPECT_EQ(plan.changes[1].after->comment, kOwnerMarker) << "--replace writes the marker alone";
  EXPECT_EQ(plan.foreign[0].fate, ForeignRecord::Fate::kDeleted);
  EXPECT_EQ(plan.foreign[1].fate, ForeignRecord::Fate::kTakenOver);
  EXPECT_EQ(plan.contradictingLeft(), 0u);
  EXPECT_TRUE(plan.notes.empty());
  EXPECT_THAT(renderPlanText(plan), HasSubstr("deleted (--replace '*')"));

  // Once written, the same options plan nothing; the names now find nothing, which is said
  // without keeping the plan out of sync.
  Plan again = makePlan(seed(), afterWrites(have, plan), options);
  EXPECT_TRUE(again.changes.empty()) << renderPlanText(again);
  EXPECT_TRUE(again.inSync()) << renderPlanText(again);
  EXPECT_EQ(again.foreign.size(), 3u);
  ASSERT_EQ(again.notes.size(), 2u);
  EXPECT_EQ(again.notes[0].kind, PlanNote::Kind::kUnmatched);
}

TEST(ForeignPlanTest, AdoptNameKeepsTheCommentAndActsOnlyAtThatName) {
  PlanOptions options;
  options.adopt_names = {"grafana"};
  Plan plan = makePlan(seed(), editedByHand(), options);
  ASSERT_EQ(plan.changes.size(), 1u) << renderPlanText(plan);
  EXPECT_EQ(plan.changes[0].action, Action::kAdopt);
  EXPECT_EQ(plan.changes[0].after->comment, "managed-by: horizon; made by hand");
  EXPECT_TRUE(plan.changes[0].after->owned());
  EXPECT_EQ(plan.foreign[1].fate, ForeignRecord::Fate::kAdopted);
  EXPECT_EQ(plan.contradictingLeft(), 1u) << "the wildcard stays, and so the plan is pending";
  EXPECT_FALSE(plan.inSync());

  // A long comment is cut to what Cloudflare keeps.
  std::vector<CloudflareRecord> have = editedByHand();
  have.back().comment = std::string(150, 'x');
  Plan long_comment = makePlan(seed(), have, options);
  ASSERT_EQ(long_comment.changes.size(), 1u);
  EXPECT_EQ(long_comment.changes[0].after->comment.size(), 100u);
  EXPECT_TRUE(long_comment.changes[0].after->comment.ends_with("xxx..."));
}

TEST(ForeignPlanTest, NamesWithNothingToActOnAreSaidAndUnrelatedRecordsNeverTouched) {
  PlanOptions options;
  options.adopt_names = {"*"};                   // the view has no wildcard to adopt it as
  options.replace_names = {"www", "@", "nope"};  // unrelated there, or nothing at all
  Plan plan = makePlan(seed(), editedByHand(), options);
  EXPECT_TRUE(plan.changes.empty()) << renderPlanText(plan);
  std::vector<std::string> unmatched;
  for (const PlanNote& note : plan.notes) {
    EXPECT_EQ(note.kind, PlanNote::Kind::kUnmatched);
    unmatched.push_back(note.message);
  }
  ASSERT_EQ(unmatched.size(), 4u);
  EXPECT_THAT(unmatched[0], HasSubstr("--replace @: no record that is not ours contradicts"));
  EXPECT_THAT(unmatched[3], HasSubstr("--adopt '*': no record that is not ours at *.madhan.app"));
}

TEST(ForeignPlanTest, AForeignRecordBesideOursGoesWithReplaceAndCannotBeAdopted) {
  std::vector<CloudflareRecord> have = {record("a1", "A", "auth.madhan.app", "178.156.199.250"),
                                        record("g1", "A", "grafana.madhan.app", "178.156.199.250"),
                                        record("h1", "A", "grafana.madhan.app", "203.0.113.9", "")};
  PlanOptions adopt;
  adopt.adopt_names = {"grafana"};
  Plan plan = makePlan(twoNames(), have, adopt);
  EXPECT_TRUE(plan.changes.empty());
  EXPECT_EQ(plan.contradictingLeft(), 1u);
  PlanOptions replace;
  replace.replace_names = {"grafana"};
  Plan replaced = makePlan(twoNames(), have, replace);
  ASSERT_EQ(replaced.changes.size(), 1u);
  EXPECT_EQ(replaced.changes[0].before->id, "h1");
  EXPECT_EQ(replaced.changes[0].action, Action::kDelete);
}

TEST(ForeignPlanTest, TheSafetyThresholdCountsWritesToRecordsNotOurs) {
  DesiredState d = twoNames();
  std::vector<CloudflareRecord> have;
  for (int i = 0; i < 10; ++i) {
    const std::string name = "n" + std::to_string(i) + ".madhan.app";
    d.records.push_back(record("", "A", name, "178.156.199.250"));
    have.push_back(record("x" + std::to_string(i), "A", name, "178.156.199.250"));
  }
  have.push_back(record("a1", "A", "auth.madhan.app", "178.156.199.250"));
  have.push_back(record("g1", "A", "grafana.madhan.app", "178.156.199.250"));
  for (int i = 0; i < 4; ++i)
    have.push_back(record("l" + std::to_string(i), "A", "lan" + std::to_string(i) + ".madhan.app",
                          "192.168.1." + std::to_string(10 + i), ""));
  PlanOptions options;
  for (int i = 0; i < 4; ++i) options.replace_names.push_back("lan" + std::to_string(i));
  Plan plan = makePlan(d, have, options);  // 4 deletes of 12 owned: more than 30%
  ASSERT_TRUE(plan.blocked.has_value()) << renderPlanText(plan);
  EXPECT_THAT(*plan.blocked, HasSubstr("0 of 12 owned records and 4 not ours"));
  EXPECT_EQ(plan.writes().size(), 0u);
  options.replace_names.resize(3);  // 3 of 12 is within it
  EXPECT_FALSE(makePlan(d, have, options).blocked.has_value());
}

}  // namespace
}  // namespace horizon::sync
