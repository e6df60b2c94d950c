// horizond's validator against Unbound's on the signed loopback hierarchy of
// signed_hierarchy.hpp: both trust only the hierarchy's root key and iterate from its root
// hints; for every case (secure, insecure and bogus zones, NSEC and NSEC3, wildcards, CNAME and
// DNAME chains, with and without DO and CD) horizond must give the case's rcode, AD bit and
// Extended DNS Error, which the Unbound test proves are Unbound's. Needs root (port 53 on
// 127.53.K.x), nsd, unbound, ldnsutils and bind9-utils.
#include <gtest/gtest.h>

#include <memory>
#include <string>

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
      port_ = findFreePort();
      horizond_ =
          ServerProcess::start({"--zone", kZone, "--listen", listenArg(port_), "--root-hints",
                                hierarchy_->rootHintsFile(), "--trust-anchor",
                                hierarchy_->trustAnchorFile(), "--workers", "2"},
                               port_);
    } catch (const std::exception& e) {
      FAIL() << "could not start the servers: " << e.what();
    }
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
  std::unique_ptr<ServerProcess> horizond_;
  std::uint16_t port_ = 0;
};

TEST_F(DnssecValidationTest, EveryCaseAsUnboundGivesItColdThenCached) {
  ASSERT_GE(hierarchy_->cases().size(), 40u);
  checkEveryCase("empty cache");
  checkEveryCase("from the cache");
}

}  // namespace
}  // namespace horizon::test
