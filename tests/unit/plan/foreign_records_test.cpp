// Records horizon does not own, judged against the public view (sync/plan/foreign_records.cpp):
// which contradict it, which are unrelated, which publish a private address; and the names
// --replace and --adopt take.
#include "horizon/sync/foreign_records.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace horizon::sync {
namespace {

using ::testing::HasSubstr;

CloudflareRecord rec(std::string type, std::string name, std::string content) {
  CloudflareRecord r;
  r.id = "x1";
  r.type = std::move(type);
  r.name = std::move(name);
  r.content = std::move(content);
  return r;
}

// The seed's public view (auth, netbird, proxy, *.proxy, grafana on the VPS), a CNAME at docs,
// and a printer the view has but horizon-sync refuses to publish (a private address).
PublicViewAnswers seedView() {
  std::vector<CloudflareRecord> published;
  for (const char* name : {"auth", "netbird", "proxy", "*.proxy", "grafana"})
    published.push_back(rec("A", std::string(name) + ".madhan.app", "178.156.199.250"));
  published.push_back(rec("CNAME", "docs.madhan.app", "pages.example.org"));
  return PublicViewAnswers(published, {rec("A", "printer.madhan.app", "192.168.1.50")});
}

ForeignVerdict judge(const std::string& type, const std::string& name, const std::string& content) {
  return judgeForeignRecord(rec(type, name, content), seedView());
}

TEST(ForeignRecordsTest, APrivateWildcardContradictsEveryNameItCovers) {
  ForeignVerdict v = judge("A", "*.madhan.app", "192.168.1.220");
  EXPECT_TRUE(v.contradicting);
  EXPECT_TRUE(v.private_address);
  EXPECT_THAT(v.reason, HasSubstr("no wildcard *.madhan.app"));
  // A public address too: names the public view says do not exist would answer.
  ForeignVerdict public_one = judge("A", "*.madhan.app", "203.0.113.1");
  EXPECT_TRUE(public_one.contradicting);
  EXPECT_FALSE(public_one.private_address);
}

TEST(ForeignRecordsTest, AtAPublishedNameAddressesAndTheSameTypeContradict) {
  ForeignVerdict other_data = judge("A", "grafana.madhan.app", "203.0.113.7");
  EXPECT_TRUE(other_data.contradicting);
  EXPECT_FALSE(other_data.private_address);
  EXPECT_THAT(other_data.reason, HasSubstr("A 178.156.199.250 here"));
  EXPECT_TRUE(judge("AAAA", "grafana.madhan.app", "2001:db8::7").contradicting);
  EXPECT_TRUE(judge("CNAME", "auth.madhan.app", "elsewhere.example.org").contradicting);
  // Beside a CNAME nothing else can stand.
  ForeignVerdict beside_cname = judge("TXT", "docs.madhan.app", "verification=1");
  EXPECT_TRUE(beside_cname.contradicting);
  EXPECT_THAT(beside_cname.reason, HasSubstr("no TXT"));
  // Verification data beside an address is not the public view's business.
  EXPECT_FALSE(judge("TXT", "grafana.madhan.app", "google-site-verification=abc").contradicting);
  // A name the view has but does not publish (refused) is still one it answers.
  EXPECT_TRUE(judge("A", "printer.madhan.app", "203.0.113.50").contradicting);
}

TEST(ForeignRecordsTest, ANameCoveredByAPublicWildcardIsOneTheViewAnswers) {
  ForeignVerdict v = judge("CNAME", "ssh.proxy.madhan.app", "elsewhere.example.org");
  EXPECT_TRUE(v.contradicting);
  EXPECT_THAT(v.reason, HasSubstr("from its wildcard *.proxy.madhan.app"));
  EXPECT_FALSE(judge("TXT", "ssh.proxy.madhan.app", "hello").contradicting);
}

TEST(ForeignRecordsTest, MailVerificationAndNamesTheViewDoesNotMentionAreUnrelated) {
  EXPECT_FALSE(judge("MX", "madhan.app", "mx.example.org").contradicting);
  EXPECT_FALSE(judge("TXT", "madhan.app", "v=spf1 -all").contradicting);
  EXPECT_FALSE(
      judge("TXT", "default._domainkey.madhan.app", "v=DKIM1; k=rsa; p=MIIB").contradicting);
  EXPECT_FALSE(judge("CNAME", "www.madhan.app", "madhan.app").contradicting);
  EXPECT_FALSE(judge("A", "shop.madhan.app", "203.0.113.80").contradicting);
  EXPECT_FALSE(judge("TXT", "*.madhan.app", "wildcard text").contradicting);
  EXPECT_FALSE(judge("A", "*.lab.madhan.app", "203.0.113.81").contradicting)
      << "covers no name the public view answers";
}

TEST(ForeignRecordsTest, PrivateCgnatLoopbackAndLinkLocalAddressesContradictAnywhere) {
  for (const auto& [type, content] :
       std::vector<std::pair<std::string, std::string>>{{"A", "10.0.0.5"},
                                                        {"A", "100.109.0.7"},
                                                        {"A", "127.0.0.1"},
                                                        {"A", "169.254.1.1"},
                                                        {"AAAA", "fd00::5"},
                                                        {"AAAA", "fe80::1"},
                                                        {"AAAA", "::ffff:192.168.1.9"}}) {
    ForeignVerdict v = judge(type, "nas.madhan.app", content);
    EXPECT_TRUE(v.contradicting) << content;
    EXPECT_TRUE(v.private_address) << content;
    EXPECT_THAT(v.reason, HasSubstr("does not answer nas.madhan.app"));
  }
  EXPECT_FALSE(publishesPrivateAddress(rec("A", "nas.madhan.app", "203.0.113.5")));
  EXPECT_FALSE(publishesPrivateAddress(rec("TXT", "nas.madhan.app", "10.0.0.5")));
}

TEST(ForeignRecordsTest, NamesAreTakenAsTheZoneFileWritesThemOrInFull) {
  EXPECT_EQ(resolveRecordName("*", "madhan.app"), "*.madhan.app");
  EXPECT_EQ(resolveRecordName("grafana", "madhan.app"), "grafana.madhan.app");
  EXPECT_EQ(resolveRecordName("*.proxy", "madhan.app"), "*.proxy.madhan.app");
  EXPECT_EQ(resolveRecordName("@", "madhan.app"), "madhan.app");
  EXPECT_EQ(resolveRecordName("Grafana.Madhan.App", "madhan.app"), "grafana.madhan.app");
  EXPECT_EQ(resolveRecordName("grafana.madhan.app.", "madhan.app"), "grafana.madhan.app");
  EXPECT_EQ(resolveRecordName("madhan.app", "madhan.app"), "madhan.app");
  EXPECT_EQ(relativeRecordName("*.madhan.app", "madhan.app"), "'*'");
  EXPECT_EQ(relativeRecordName("*.proxy.madhan.app", "madhan.app"), "'*.proxy'");
  EXPECT_EQ(relativeRecordName("grafana.madhan.app", "madhan.app"), "grafana");
  EXPECT_EQ(relativeRecordName("madhan.app", "madhan.app"), "@");
}

}  // namespace
}  // namespace horizon::sync
