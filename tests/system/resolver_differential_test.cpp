// horizond's iterating resolver against Unbound, both starting from the same loopback root
// hints over the NSD hierarchy of dns_hierarchy.hpp: for every case, the same rcode and answer
// set, first from an empty cache and then from the cache. Needs root (port 53 on 127.53.K.x),
// nsd and unbound; CI installs them and runs as root.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "dns_hierarchy.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kZone = HORIZON_TEST_DATA "/resolver_iter/lan.yaml";

class ResolverDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = DnsHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = UnboundProcess::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    try {
      hierarchy_ = std::make_unique<DnsHierarchy>(HierarchyOptions{});
      unbound_ = UnboundProcess::start(hierarchy_->rootHintsFile());
      port_ = findFreePort();
      horizond_ =
          ServerProcess::start({"--zone", kZone, "--listen", listenArg(port_), "--root-hints",
                                hierarchy_->rootHintsFile(), "--workers", "2"},
                               port_);
    } catch (const std::exception& e) {
      FAIL() << "could not start the servers: " << e.what();
    }
  }

  Endpoint horizond(const std::string& source = "127.0.0.1") const {
    return Endpoint{port_, source};
  }

  // Every case through both resolvers; each difference, or a miss of the case's expectation by
  // horizond, is its own failure.
  void compareEveryCase(const std::string& pass) {
    for (const HierarchyCase& c : hierarchy_->cases()) {
      SCOPED_TRACE(pass + ": " + c.exercises);
      const ResolverAnswer ours = askResolver(horizond(), c.name, c.type);
      const ResolverAnswer theirs = askResolver(unbound_->endpoint(), c.name, c.type);
      const std::string diff = diffResolverAnswers("unbound", theirs, "horizond", ours);
      EXPECT_TRUE(diff.empty()) << describeQuery(c.name, c.type) << ":\n" << diff;
      EXPECT_EQ(checkHierarchyCase(c, ours), "");
    }
  }

  std::unique_ptr<DnsHierarchy> hierarchy_;
  std::unique_ptr<UnboundProcess> unbound_;
  std::unique_ptr<ServerProcess> horizond_;
  std::uint16_t port_ = 0;
};

TEST_F(ResolverDifferentialTest, SameAnswersAsUnboundColdThenCached) {
  ASSERT_GE(hierarchy_->cases().size(), 30u);
  compareEveryCase("empty cache");
  compareEveryCase("from the cache");
  // With every authoritative server stopped, what was just resolved still comes from the cache.
  hierarchy_->stop();
  for (const HierarchyCase& c : hierarchy_->cases()) {
    if (c.exercises.find("slow") != std::string::npos) continue;
    EXPECT_EQ(checkHierarchyCase(c, askResolver(horizond(), c.name, c.type)), "")
        << "served from the cache with the hierarchy down";
  }
}

// RFC 6672 3.4: the DNAME comes before the CNAME synthesized from it, which comes before the
// target's records; the sorted comparison of the cases cannot see order. Unbound is asked too,
// so the expectation is the oracle's.
TEST_F(ResolverDifferentialTest, DnameComesBeforeTheCnameItImplies) {
  const std::string want = "DNAME CNAME A";
  EXPECT_EQ(answerTypes(askResolver(unbound_->endpoint(), "www.dn.example.test.", LDNS_RR_TYPE_A)),
            want);
  for (const char* pass : {"empty cache", "from the cache"}) {
    SCOPED_TRACE(pass);
    const ResolverAnswer got = askResolver(horizond(), "www.dn.example.test.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(got.answered);
    EXPECT_EQ(got.rcode, LDNS_RCODE_NOERROR);
    EXPECT_EQ(answerTypes(got), want) << packetText(got.packet.get());
  }
}

TEST_F(ResolverDifferentialTest, PublicClientsAreRefusedAndOwnZoneWins) {
  const ResolverAnswer pub = askResolver(horizond("127.0.0.3"), "www.example.test.", LDNS_RR_TYPE_A,
                                         Millis(3000), Millis(0));
  ASSERT_TRUE(pub.answered);
  EXPECT_EQ(pub.rcode, LDNS_RCODE_REFUSED);
  const ResolverAnswer own =
      askResolver(horizond(), "router.home.internal.", LDNS_RR_TYPE_A, Millis(3000), Millis(0));
  ASSERT_TRUE(own.answered);
  EXPECT_EQ(own.rcode, LDNS_RCODE_NOERROR);
  EXPECT_EQ(own.answer, (std::vector<std::string>{"router.home.internal.\tIN\tA\t192.168.1.1"}));
}

}  // namespace
}  // namespace horizon::test
