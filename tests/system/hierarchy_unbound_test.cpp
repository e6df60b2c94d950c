// The loopback DNS hierarchy of dns_hierarchy.hpp, proven with Unbound alone: every NSD answers
// as designed (referrals, glue, REFUSED, silence, TC), and Unbound resolving from the loopback
// root hints gives every case's expected rcode and answer set, from an empty cache, then from its
// cache, then from its cache with every authoritative server stopped. Unbound is the oracle that
// horizond's resolver is compared with (resolver_differential_test.cpp), so the hierarchy and the
// helpers must be right on their own first. Needs root (port 53 on 127.53.K.x), nsd and unbound.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dns_hierarchy.hpp"

namespace horizon::test {
namespace {

// Enough cases to cover every corner the acceptance lists.
constexpr std::size_t kMinimumCases = 30;

// A non-recursive query straight to one server of the hierarchy.
Packet askServer(const DnsHierarchy& hierarchy, int host, const std::string& name,
                 ldns_rr_type type, bool tcp = false) {
  return query({.port = 53, .source = "127.0.0.1", .server = hierarchy.address(host)}, name, type,
               tcp);
}

// The canonical records of the authority or additional section (TTLs excluded).
std::vector<std::string> canonicalSection(const ldns_rr_list* section) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i)
    lines.push_back(canonicalRecord(ldns_rr_list_rr(section, i)));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// canonicalRecord of each line, sorted.
std::vector<std::string> canonicalLines(std::vector<std::string> lines) {
  for (auto& line : lines) line = canonicalRecord(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

class HierarchyUnboundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = DnsHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    if (auto why = UnboundProcess::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
  }

  // Builds the hierarchy; a failure to start is a test failure with the servers' logs.
  void startHierarchy(HierarchyOptions options = {}) {
    try {
      hierarchy_ = std::make_unique<DnsHierarchy>(options);
    } catch (const std::exception& e) {
      FAIL() << "the DNS hierarchy did not start: " << e.what();
    }
  }

  // Starts an Unbound on the hierarchy's root hints.
  std::unique_ptr<UnboundProcess> startUnbound(const UnboundOptions& options = {}) {
    try {
      return UnboundProcess::start(hierarchy_->rootHintsFile(), options);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "Unbound did not start: " << e.what();
      return nullptr;
    }
  }

  // Every case through `resolver`; each mismatch is its own failure. Returns the mismatches.
  int checkEveryCase(const Endpoint& resolver, const std::string& pass) {
    int mismatches = 0;
    for (const HierarchyCase& c : hierarchy_->cases()) {
      const std::string diff = checkHierarchyCase(c, askResolver(resolver, c.name, c.type));
      if (diff.empty()) continue;
      ++mismatches;
      ADD_FAILURE() << pass << ": " << diff;
    }
    return mismatches;
  }

  std::unique_ptr<DnsHierarchy> hierarchy_;
};

// Each server, asked directly without recursion, gives the referral, answer, REFUSED, silence or
// truncation the hierarchy is built on.
TEST_F(HierarchyUnboundTest, ServersAnswerAsDesigned) {
  ASSERT_NO_FATAL_FAILURE(startHierarchy());
  const DnsHierarchy& h = *hierarchy_;
  const std::string k = std::to_string(h.block());
  SCOPED_TRACE("block 127.53." + k + ".0/24");
  EXPECT_NE(h.rootHints().find("127.53." + k + ".1"), std::string::npos) << h.rootHints();
  EXPECT_NE(h.rootHints().find("127.53." + k + ".2"), std::string::npos) << h.rootHints();

  // The root refers test. to the TLD server, with glue.
  Packet root = askServer(h, DnsHierarchy::kRootA, "www.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(root);
  EXPECT_EQ(fullRcode(root.get()), LDNS_RCODE_NOERROR) << packetText(root.get());
  EXPECT_FALSE(ldns_pkt_aa(root.get())) << packetText(root.get());
  EXPECT_EQ(ldns_pkt_ancount(root.get()), 0);
  EXPECT_EQ(canonicalSection(ldns_pkt_authority(root.get())),
            canonicalLines({"test. IN NS ns1.nic.test."}));
  EXPECT_EQ(canonicalSection(ldns_pkt_additional(root.get())),
            canonicalLines({"ns1.nic.test. IN A 127.53." + k + ".10"}));

  // The TLD refers example.test. with glue, and outofzone.test. to a name server without glue.
  Packet tld = askServer(h, DnsHierarchy::kTld, "www.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(tld);
  EXPECT_EQ(canonicalSection(ldns_pkt_authority(tld.get())),
            canonicalLines({"example.test. IN NS ns1.example.test."}));
  EXPECT_EQ(canonicalSection(ldns_pkt_additional(tld.get())),
            canonicalLines({"ns1.example.test. IN A 127.53." + k + ".20"}));
  Packet out_of_bailiwick = askServer(h, DnsHierarchy::kTld, "www.outofzone.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(out_of_bailiwick);
  EXPECT_EQ(canonicalSection(ldns_pkt_authority(out_of_bailiwick.get())),
            canonicalLines({"outofzone.test. IN NS ns.example.test."}));
  EXPECT_EQ(ldns_pkt_arcount(out_of_bailiwick.get()), 0) << packetText(out_of_bailiwick.get());

  // example.test. answers authoritatively and refers child.example.test. onwards.
  Packet www = askServer(h, DnsHierarchy::kExample, "www.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(www);
  EXPECT_TRUE(ldns_pkt_aa(www.get()));
  EXPECT_EQ(canonicalAnswer(www.get()), canonicalLines({"www.example.test. IN A 192.0.2.80"}));
  Packet child = askServer(h, DnsHierarchy::kExample, "www.child.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(child);
  EXPECT_FALSE(ldns_pkt_aa(child.get()));
  EXPECT_EQ(canonicalSection(ldns_pkt_authority(child.get())),
            canonicalLines({"child.example.test. IN NS ns1.child.example.test."}));
  Packet in_child = askServer(h, DnsHierarchy::kChild, "www.child.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(in_child);
  EXPECT_TRUE(ldns_pkt_aa(in_child.get()));

  // The big RRset is truncated over UDP (EDNS 1232) and whole over TCP.
  Packet big_udp = askServer(h, DnsHierarchy::kExample, "big.example.test.", LDNS_RR_TYPE_TXT);
  ASSERT_TRUE(big_udp);
  EXPECT_TRUE(ldns_pkt_tc(big_udp.get())) << packetText(big_udp.get());
  Packet big_tcp =
      askServer(h, DnsHierarchy::kExample, "big.example.test.", LDNS_RR_TYPE_TXT, true);
  ASSERT_TRUE(big_tcp);
  EXPECT_FALSE(ldns_pkt_tc(big_tcp.get()));
  EXPECT_EQ(ldns_pkt_ancount(big_tcp.get()), DnsHierarchy::kBigCount);

  // The lame servers refuse: ns1.lame.test. and, by default, b.root-servers.
  for (int host : {DnsHierarchy::kRefuser, DnsHierarchy::kRootB}) {
    Packet refused = askServer(h, host, "www.lame.test.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(refused) << h.address(host);
    EXPECT_EQ(fullRcode(refused.get()), LDNS_RCODE_REFUSED) << packetText(refused.get());
  }
  Packet root_b = askServer(h, DnsHierarchy::kRootB, ".", LDNS_RR_TYPE_NS);
  ASSERT_TRUE(root_b);
  EXPECT_EQ(fullRcode(root_b.get()), LDNS_RCODE_REFUSED);

  // ns1.slow.test. never answers, over UDP or TCP (the connection opens; nothing comes back).
  const Endpoint silent{53, "127.0.0.1", h.address(DnsHierarchy::kSilent)};
  const Bytes probe = buildQuery("www.slow.test.", LDNS_RR_TYPE_A);
  EXPECT_FALSE(exchangeUdp(silent, probe, Millis(300)));
  EXPECT_FALSE(exchangeTcp(silent, probe, Millis(300)));
}

// The acceptance pass: every case through Unbound from an empty cache, again from its cache, and
// again with every authoritative server stopped, which proves the last answers came from cache.
TEST_F(HierarchyUnboundTest, UnboundResolvesEveryCaseColdThenFromCache) {
  ASSERT_NO_FATAL_FAILURE(startHierarchy());
  ASSERT_GE(hierarchy_->cases().size(), kMinimumCases);
  auto unbound = startUnbound();
  ASSERT_TRUE(unbound);
  const int cold = checkEveryCase(unbound->endpoint(), "empty cache");
  const int warm = checkEveryCase(unbound->endpoint(), "from cache");
  hierarchy_->stop();
  const int stopped = checkEveryCase(unbound->endpoint(), "from cache, servers stopped");
  EXPECT_EQ(cold + warm + stopped, 0) << "Unbound's log:\n"
                                      << unbound->log() << hierarchy_->serverLogs();
  // The servers really were down for the last pass.
  EXPECT_FALSE(exchangeUdp({53, "127.0.0.1", hierarchy_->address(DnsHierarchy::kExample)},
                           buildQuery("www.example.test.", LDNS_RR_TYPE_A), Millis(300)));
  // And they come back (serve-stale tests stop and restart them).
  ASSERT_NO_THROW(hierarchy_->start()) << hierarchy_->serverLogs();
  Packet again =
      askServer(*hierarchy_, DnsHierarchy::kExample, "www.example.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(again);
  EXPECT_EQ(canonicalAnswer(again.get()), canonicalLines({"www.example.test. IN A 192.0.2.80"}));
  unbound->stop();
  EXPECT_FALSE(unbound->running());
}

// The comparison helpers the differential test relies on: two independent Unbounds (with and
// without QNAME minimisation) agree on every case, and a real difference is reported.
TEST_F(HierarchyUnboundTest, ComparisonHelpersSeeAgreementAndDifferences) {
  ASSERT_NO_FATAL_FAILURE(startHierarchy());
  auto minimising = startUnbound();
  UnboundOptions plain_options;
  plain_options.qname_minimisation = false;
  auto plain = startUnbound(plain_options);
  ASSERT_TRUE(minimising && plain);
  for (const HierarchyCase& c : hierarchy_->cases()) {
    EXPECT_EQ(compareResolvers("minimising", minimising->endpoint(), "plain", plain->endpoint(),
                               c.name, c.type),
              "");
  }
  // Different answers, different rcodes, a wrong expectation and silence are all reported.
  const ResolverAnswer www = askResolver(plain->endpoint(), "www.example.test.", LDNS_RR_TYPE_A);
  const ResolverAnswer a = askResolver(plain->endpoint(), "a.example.test.", LDNS_RR_TYPE_A);
  const ResolverAnswer nx = askResolver(plain->endpoint(), "nosuch.test.", LDNS_RR_TYPE_A);
  ResolverAnswer none;
  EXPECT_EQ(diffResolverAnswers("x", www, "y", www), "");
  EXPECT_NE(diffResolverAnswers("x", www, "y", a).find("answer:"), std::string::npos);
  EXPECT_NE(diffResolverAnswers("x", www, "y", nx).find("rcode: x NOERROR, y NXDOMAIN"),
            std::string::npos);
  EXPECT_NE(diffResolverAnswers("x", www, "y", none).find("y did not answer"), std::string::npos);
  HierarchyCase wrong = hierarchy_->cases().front();
  wrong.answer = canonicalLines({"www.example.test. IN A 192.0.2.81"});
  EXPECT_NE(checkHierarchyCase(wrong, www), "");
  // Case and TTL do not count: the canonical form lowercases names and drops the TTL.
  EXPECT_EQ(canonicalRecord("WWW.Example.TEST. 42 IN CNAME Target.Example.Test."),
            canonicalRecord("www.example.test. 7 IN CNAME target.example.test."));
}

// With b.root-servers. silent instead of lame, resolution still works: the resolver must time the
// silent root out and stick to the one that answers.
TEST_F(HierarchyUnboundTest, SilentSecondRootIsRoutedAround) {
  HierarchyOptions options;
  options.silent_second_root = true;
  ASSERT_NO_FATAL_FAILURE(startHierarchy(options));
  EXPECT_FALSE(exchangeUdp({53, "127.0.0.1", hierarchy_->address(DnsHierarchy::kRootB)},
                           buildQuery(".", LDNS_RR_TYPE_NS), Millis(300)));
  auto unbound = startUnbound();
  ASSERT_TRUE(unbound);
  int checked = 0;
  for (const HierarchyCase& c : hierarchy_->cases()) {
    if (checked++ == 8) break;  // a few are enough here
    EXPECT_EQ(checkHierarchyCase(c, askResolver(unbound->endpoint(), c.name, c.type)), "");
  }
}

}  // namespace
}  // namespace horizon::test
