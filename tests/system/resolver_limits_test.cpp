// A hostile "root server" on loopback that answers every question with a trap: glueless
// delegations that point at each other, an endless CNAME chain, a referral that never goes
// deeper. horizond must give up with SERVFAIL, spend at most its per-question budget of upstream
// queries (64), and keep answering. Binds 127.53.239.1:53, so it needs root (CI runs as root).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "scripted_server.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr const char* kRootAddress = "127.53.239.1";

// The trap for one question; the reply echoes the question exactly (0x20 case included).
void fillTrap(ldns_pkt* reply, const std::string& qname_lower, std::uint64_t serial) {
  auto ends = [&](const std::string& suffix) {
    return qname_lower.size() >= suffix.size() &&
           qname_lower.compare(qname_lower.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends("loop1.")) {  // glueless, and its name server lives in loop2., which points back
    addRecord(reply, LDNS_SECTION_AUTHORITY, "loop1. 3600 IN NS ns.loop2.");
  } else if (ends("loop2.")) {
    addRecord(reply, LDNS_SECTION_AUTHORITY, "loop2. 3600 IN NS ns.loop1.");
  } else if (ends("chain.")) {  // every name is a CNAME to a new one, forever
    ldns_pkt_set_aa(reply, true);
    addRecord(reply, LDNS_SECTION_ANSWER,
              qname_lower + " 3600 IN CNAME n" + std::to_string(serial) + ".chain.");
  } else {  // a "referral" to the root itself: no progress
    addRecord(reply, LDNS_SECTION_AUTHORITY, ". 3600 IN NS a.root.");
    addRecord(reply, LDNS_SECTION_ADDITIONAL, std::string("a.root. 3600 IN A ") + kRootAddress);
  }
}

// The hostile root: every question gets its trap, numbered by the questions asked so far.
std::unique_ptr<ScriptedServer> hostileRoot() {
  auto serial = std::make_shared<std::atomic<std::uint64_t>>(0);
  return std::make_unique<ScriptedServer>(
      kRootAddress, [serial](ldns_pkt* reply, const std::string& qname, ldns_rr_type) {
        fillTrap(reply, qname, ++*serial);
      });
}

class ResolverLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "binding port 53 on 127.53.239.1 needs root";
    root_ = hostileRoot();
    if (!root_->bound()) GTEST_SKIP() << "127.53.239.1:53 is taken";
    hints_ = dir_.path() + "/hostile.hints";
    std::ofstream(hints_) << ". 3600000 NS a.root.\na.root. 3600000 A " << kRootAddress << "\n";
    zone_ = dir_.path() + "/zone.yaml";
    std::ofstream(zone_) << "zone: home.internal\nviews: {lan: [127.0.0.1/32]}\n"
                            "recursion: [lan]\n";
    port_ = findFreePort();
    server_ = ServerProcess::start(
        {"--zone", zone_, "--listen", listenArg(port_), "--root-hints", hints_}, port_);
  }

  // Asks once and checks the outcome and what it cost the hostile server.
  void expectGivesUp(const std::string& name) {
    const std::uint64_t before = root_->queries();
    Packet reply = query(Endpoint{port_, "127.0.0.1"}, name, LDNS_RR_TYPE_A, false,
                         QueryOptions{.recursion_desired = true});
    ASSERT_TRUE(reply) << name << ": no answer within the client's timeout\n" << server_->output();
    EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_SERVFAIL) << name;
    // Let stragglers arrive, then count: one client question may cost at most its budget.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::uint64_t spent = root_->queries() - before;
    std::printf("%s: %llu upstream queries before giving up\n", name.c_str(),
                static_cast<unsigned long long>(spent));
    EXPECT_GT(spent, 0u) << name;
    EXPECT_LE(spent, 64u) << name << " cost " << spent << " upstream queries";
  }

  TempDir dir_;
  std::unique_ptr<ScriptedServer> root_;
  std::string hints_, zone_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ResolverLimitsTest, GluelessNameServersThatPointAtEachOther) {
  expectGivesUp("www.loop1.");
}

TEST_F(ResolverLimitsTest, EndlessCnameChain) {
  expectGivesUp("start.chain.");
}

TEST_F(ResolverLimitsTest, ReferralsThatNeverGoDeeper) {
  expectGivesUp("www.nowhere.");
  // And the server still answers its own zone afterwards.
  Packet own = query(Endpoint{port_, "127.0.0.1"}, "home.internal", LDNS_RR_TYPE_SOA);
  ASSERT_TRUE(own);
  EXPECT_EQ(fullRcode(own.get()), LDNS_RCODE_NOERROR);
}

}  // namespace
}  // namespace horizon::test
