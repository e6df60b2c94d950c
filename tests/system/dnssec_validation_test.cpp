// horizond's validator against Unbound's on the signed loopback hierarchy of
// signed_hierarchy.hpp: both trust only the hierarchy's root key and iterate from its root
// hints; for every case (secure, insecure and bogus zones, NSEC and NSEC3, wildcards, CNAME and
// DNAME chains, with and without DO and CD) horizond must give the case's rcode, AD bit and
// Extended DNS Error, which the Unbound test proves are Unbound's. Needs root (port 53 on
// 127.53.K.x), nsd, unbound, ldnsutils and bind9-utils.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http_probe.hpp"
#include "signed_hierarchy.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kZone = HORIZON_TEST_DATA "/resolver_iter/lan.yaml";

class DnssecValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = SignedHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    try {
      hierarchy_ = std::make_unique<SignedHierarchy>();
    } catch (const std::exception& e) {
      FAIL() << "the signed hierarchy did not start: " << e.what();
    }
  }

  // horizond with `flags` besides its zone and listen address.
  void startHorizond(std::vector<std::string> flags) {
    port_ = findFreePort();
    std::vector<std::string> args = {"--zone", kZone, "--listen", listenArg(port_)};
    args.insert(args.end(), flags.begin(), flags.end());
    horizond_ = ServerProcess::start(args, port_);
  }

  // horizond trusting the hierarchy's root key, getting its data through `upstream` (a
  // --root-hints or --forward flag and its value).
  void startValidating(const std::string& upstream_flag, const std::string& upstream) {
    metrics_port_ = findFreePort();
    startHorizond({upstream_flag, upstream, "--trust-anchor", hierarchy_->trustAnchorFile(),
                   "--workers", "2", "--metrics", "127.0.0.1:" + std::to_string(metrics_port_)});
  }

  Endpoint horizond() const { return Endpoint{port_, "127.0.0.1"}; }

  // Every case against horizond; each miss is its own failure, with the log once at the end.
  void checkEveryCase(const std::string& pass) {
    int misses = 0;
    for (const SignedCase& c : hierarchy_->cases()) {
      const std::string diff = checkSignedCase(c, askSignedCase(horizond(), c));
      if (diff.empty()) continue;
      ++misses;
      ADD_FAILURE() << pass << ": " << c.why << "\n" << diff;
    }
    if (misses > 0) ADD_FAILURE() << "--- horizond's log:\n" << horizond_->output();
  }

  std::unique_ptr<SignedHierarchy> hierarchy_;
  std::unique_ptr<UnboundProcess> forwarder_;
  std::unique_ptr<ServerProcess> horizond_;
  // An Unbound that iterates over the hierarchy without validating: a forwarder that passes
  // signatures and proofs through to DO queries.
  void startForwarder() {
    try {
      forwarder_ = UnboundProcess::start(hierarchy_->rootHintsFile());
    } catch (const std::exception& e) {
      FAIL() << "Unbound did not start: " << e.what();
    }
  }
  std::string forwarderAddress() const { return "127.0.0.1:" + std::to_string(forwarder_->port()); }

  // horizond's metrics now (those of a validating start only).
  std::map<std::string, double> metrics() const {
    const auto reply = httpGet(metrics_port_, "/metrics");
    EXPECT_TRUE(reply && reply->status == 200);
    return reply ? exposedSamples(reply->body) : std::map<std::string, double>{};
  }

  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

TEST_F(DnssecValidationTest, EveryCaseAsUnboundGivesItColdThenCached) {
  ASSERT_GE(hierarchy_->cases().size(), 40u);
  startValidating("--root-hints", hierarchy_->rootHintsFile());
  checkEveryCase("empty cache");
  const auto cold = metrics();
  for (const char* result : {"secure", "insecure", "bogus"})
    EXPECT_GT(sampleValue(
                  cold, std::string("horizon_dnssec_validations_total{result=\"") + result + "\"}"),
              0)
        << result;
  EXPECT_GT(sampleValue(cold, "horizon_dnssec_signature_checks_total"), 0);
  EXPECT_GT(sampleValue(cold, R"(horizon_dnssec_limits_reached_total{limit="nsec3_iterations"})"),
            0);
  EXPECT_EQ(sampleValue(cold, R"(horizon_dnssec_limits_reached_total{limit="signature_checks"})"),
            0);
  checkEveryCase("from the cache");
  // The validated state is cached with the data: answering again costs no signature check.
  EXPECT_EQ(sampleValue(metrics(), "horizon_dnssec_signature_checks_total"),
            sampleValue(cold, "horizon_dnssec_signature_checks_total"));
}

// RFC 4035 3.2.1: a DO query gets the signatures and the denial proofs, cached or not; one
// without DO gets neither, from the same cache entry.
TEST_F(DnssecValidationTest, DoQueriesGetSignaturesAndProofsOthersDoNot) {
  startValidating("--root-hints", hierarchy_->rootHintsFile());
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "empty cache" : "from the cache");
    const AskFlags dnssec{.dnssec_ok = true};
    const ResolverAnswer signed_a =
        askResolver(horizond(), "www.secure.tst.", LDNS_RR_TYPE_A, dnssec);
    ASSERT_TRUE(signed_a.packet);
    EXPECT_EQ(answerTypes(signed_a), "A RRSIG");
    const ResolverAnswer plain_a = askResolver(horizond(), "www.secure.tst.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(plain_a.packet);
    EXPECT_EQ(answerTypes(plain_a), "A");
    const ResolverAnswer signed_nx =
        askResolver(horizond(), "nx.secure.tst.", LDNS_RR_TYPE_A, dnssec);
    ASSERT_TRUE(signed_nx.packet);
    const std::string proof = authorityTypes(signed_nx);
    EXPECT_NE(proof.find("SOA"), std::string::npos) << proof;
    EXPECT_NE(proof.find("NSEC"), std::string::npos) << proof;
    EXPECT_NE(proof.find("RRSIG"), std::string::npos) << proof;
    const ResolverAnswer plain_nx = askResolver(horizond(), "nx.secure.tst.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(plain_nx.packet);
    EXPECT_EQ(authorityTypes(plain_nx), "SOA");
  }
}

// Forwarding: the forwarder (an Unbound that iterates but does not validate) passes signatures
// and proofs through for DO queries, and horizond validates them itself, with the same outcomes.
TEST_F(DnssecValidationTest, ForwardingToANonValidatingResolverGivesTheSameOutcomes) {
  if (auto why = UnboundProcess::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
  ASSERT_NO_FATAL_FAILURE(startForwarder());
  startValidating("--forward", forwarderAddress());
  checkEveryCase("forwarding");
}

// --no-dnssec: the same questions answered as the servers give them, never with AD, and the
// bogus zones' data handed out (what validation exists to stop).
TEST_F(DnssecValidationTest, WithoutValidationNothingIsAuthenticOrRefused) {
  startHorizond({"--root-hints", hierarchy_->rootHintsFile(), "--no-dnssec"});
  for (const SignedCase& c : hierarchy_->cases()) {
    const ResolverAnswer got = askSignedCase(horizond(), c);
    ASSERT_TRUE(got.answered) << c.name;
    EXPECT_FALSE(got.ad) << c.name << ": " << c.why;
    EXPECT_EQ(got.ede, -1) << c.name;
    EXPECT_NE(got.rcode, LDNS_RCODE_SERVFAIL) << c.name << ": " << c.why;
  }
}

// Negative trust anchors (RFC 7646): --domain-insecure, and a forward zone without an anchor of
// its own, are answered as the servers give them, without AD; the rest is still validated.
TEST_F(DnssecValidationTest, NegativeAnchorsAndForwardZonesAreNotValidated) {
  if (auto why = UnboundProcess::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
  ASSERT_NO_FATAL_FAILURE(startForwarder());
  const std::string forwarder_address = forwarderAddress();
  startHorizond({"--root-hints", hierarchy_->rootHintsFile(), "--trust-anchor",
                 hierarchy_->trustAnchorFile(), "--domain-insecure", "expired.tst",
                 "--forward-zone", "tampered.tst=" + forwarder_address});
  const AskFlags dnssec{.dnssec_ok = true};
  for (const char* name : {"www.expired.tst.", "www.tampered.tst."}) {
    const ResolverAnswer got = askResolver(horizond(), name, LDNS_RR_TYPE_A, dnssec);
    ASSERT_TRUE(got.answered) << name;
    EXPECT_EQ(got.rcode, LDNS_RCODE_NOERROR) << name << "\n" << horizond_->output();
    EXPECT_FALSE(got.ad) << name;
  }
  // Outside them, validation goes on: bogus stays bogus, secure stays secure.
  const ResolverAnswer bogus = askResolver(horizond(), "www.badds.tst.", LDNS_RR_TYPE_A, dnssec);
  EXPECT_EQ(bogus.rcode, LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(bogus.ede, 9);
  const ResolverAnswer secure = askResolver(horizond(), "www.secure.tst.", LDNS_RR_TYPE_A, dnssec);
  EXPECT_EQ(secure.rcode, LDNS_RCODE_NOERROR);
  EXPECT_TRUE(secure.ad);
}

}  // namespace
}  // namespace horizon::test
