// The planner (sync/plan): desired state from a zone's public view, and the record-by-record
// plan against what Cloudflare holds: ownership, adoption, conflicts, drift, the safety threshold.
#include "horizon/sync/record_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "horizon/sync/plan_printer.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::sync {
namespace {

using ::testing::HasSubstr;
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

TEST(RecordPlanTest, UnownedCollisionIsAConflictUnlessAdopted) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("h1", "A", "grafana.madhan.app", "203.0.113.5", "made by hand")};
  Plan plan = makePlan(twoNames(), have, {});
  EXPECT_TRUE(plan.changes.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0].kind, PlanNote::Kind::kConflict);
  EXPECT_THAT(plan.notes[0].message, HasSubstr("h1"));
  EXPECT_FALSE(plan.inSync());

  PlanOptions adopt;
  adopt.adopt = true;
  Plan adopted = makePlan(twoNames(), have, adopt);
  ASSERT_EQ(adopted.changes.size(), 1u);
  EXPECT_EQ(adopted.changes[0].action, Action::kAdopt);
  EXPECT_EQ(adopted.changes[0].after->id, "h1");
  EXPECT_EQ(adopted.changes[0].after->content, "178.156.199.250");
  EXPECT_EQ(adopted.changes[0].after->comment, kOwnerMarker);
  EXPECT_EQ(adopted.changes[0].fields, (std::vector<std::string>{"content", "comment"}));
  EXPECT_EQ(adopted.writes().patches.size(), 1u);
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

TEST(RecordPlanTest, CnameClashWithAnUnownedRecordIsAConflictEvenWithAdopt) {
  std::vector<CloudflareRecord> have = {
      record("a1", "A", "auth.madhan.app", "178.156.199.250"),
      record("c1", "CNAME", "grafana.madhan.app", "elsewhere.example.org", "")};
  PlanOptions adopt;
  adopt.adopt = true;
  Plan plan = makePlan(twoNames(), have, adopt);
  EXPECT_TRUE(plan.changes.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0].kind, PlanNote::Kind::kConflict);
  EXPECT_THAT(plan.notes[0].message, HasSubstr("CNAME"));
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

}  // namespace
}  // namespace horizon::sync
