// Authoritative servers that NSD is not: scripted on loopback, for the resolver behaviours the
// NSD hierarchy of dns_hierarchy.hpp cannot provoke. A server that sends a DNAME without the
// CNAME it implies (as before RFC 6672), or with a CNAME that does not match it; a parent unaware
// of DNSSEC that answers a DS question with a referral to the child; and a forwarder's DNAME
// chain. Binds port 53 on 127.53.235.1, 127.53.236.1 and 127.53.237.1-2, so it needs root (CI
// runs as root).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scripted_server.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

// horizond recursing for the lan view (127.0.0.1): iterating from a root on `upstream`, or
// forwarding everything to `upstream`:53.
class Horizond {
 public:
  enum class Mode { kIterate, kForward };
  explicit Horizond(const std::string& upstream, Mode mode = Mode::kIterate) {
    const std::string hints = dir_.path() + "/scripted.hints";
    std::ofstream(hints) << ". 3600000 NS a.root.\na.root. 3600000 A " << upstream << "\n";
    const std::string zone = dir_.path() + "/zone.yaml";
    std::ofstream(zone) << "zone: home.internal\nviews: {lan: [127.0.0.1/32]}\n"
                           "recursion: [lan]\n";
    port_ = findFreePort();
    std::vector<std::string> args = {"--zone",         zone,           "--listen",
                                     listenArg(port_), "--root-hints", hints};
    if (mode == Mode::kForward) {
      args.push_back("--forward");
      args.push_back(upstream + ":53");
    }
    server_ = ServerProcess::start(args, port_);
  }
  /// Asks with RD set; null when no response came.
  Packet ask(const std::string& name, ldns_rr_type type) const {
    return query(Endpoint{port_, "127.0.0.1"}, name, type, false,
                 QueryOptions{.recursion_desired = true});
  }
  std::string output() const { return server_->output(); }

 private:
  TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

// The answer section in the order sent, as presentation lines without TTLs.
std::vector<std::string> answerInOrder(const ldns_pkt* reply) {
  std::vector<std::string> out;
  const ldns_rr_list* answer = ldns_pkt_answer(reply);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
    ldns_rr* rr = ldns_rr_clone(ldns_rr_list_rr(answer, i));
    ldns_rr_set_ttl(rr, 0);
    char* text = ldns_rr2str(rr);
    std::string line = text;
    std::free(text);
    ldns_rr_free(rr);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    out.push_back(line);
  }
  return out;
}

constexpr const char* kRootSoa = ". 3600 IN SOA a.root. hostmaster.root. 1 1800 900 604800 300";

// Three labels of 63 octets: a DNAME target long enough that names below its owner overflow.
const std::string kLongTarget =
    std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + ".";

// A root authoritative for everything: old. is rewritten to new. by a DNAME sent without its
// CNAME; bogus. by one sent with a CNAME that does not match it; long. by one whose target makes
// longer names exceed 255 octets, answered YXDOMAIN as RFC 6672 2.2 says.
void dnameRoot(ldns_pkt* reply, const std::string& qname, ldns_rr_type type) {
  ldns_pkt_set_aa(reply, true);
  auto below = [&](const std::string& zone) {
    return qname.size() > zone.size() &&
           qname.compare(qname.size() - zone.size() - 1, zone.size() + 1, "." + zone) == 0;
  };
  if (below("long.")) {
    addRecord(reply, LDNS_SECTION_ANSWER, "long. 3600 IN DNAME " + kLongTarget);
    if (qname.size() + kLongTarget.size() - 5 > 254) ldns_pkt_set_rcode(reply, LDNS_RCODE_YXDOMAIN);
  } else if (below("old.")) {
    addRecord(reply, LDNS_SECTION_ANSWER, "old. 3600 IN DNAME new.");
  } else if (below("bogus.")) {
    addRecord(reply, LDNS_SECTION_ANSWER, "bogus. 3600 IN DNAME new.");
    addRecord(reply, LDNS_SECTION_ANSWER, qname + " 3600 IN CNAME evil.new.");
  } else if (type == LDNS_RR_TYPE_A && qname == "www.new.") {
    addRecord(reply, LDNS_SECTION_ANSWER, "www.new. 3600 IN A 192.0.2.1");
  } else if (type == LDNS_RR_TYPE_A && qname == "evil.new.") {
    addRecord(reply, LDNS_SECTION_ANSWER, "evil.new. 3600 IN A 192.0.2.66");
  } else {
    addRecord(reply, LDNS_SECTION_AUTHORITY, kRootSoa);  // NODATA (old., new., bogus.)
  }
}

TEST(ResolverUnusualServersTest, DnameIsFollowedWithOrWithoutItsCname) {
  if (geteuid() != 0) GTEST_SKIP() << "binding port 53 on 127.53.236.1 needs root";
  ScriptedServer root("127.53.236.1", dnameRoot);
  if (!root.bound()) GTEST_SKIP() << "127.53.236.1:53 is taken";
  Horizond horizond("127.53.236.1");
  for (const char* pass : {"empty cache", "from the cache"}) {
    SCOPED_TRACE(pass);
    // No CNAME came with the DNAME: the resolver synthesizes it (RFC 6672 2.2) and follows it.
    Packet old = horizond.ask("www.old.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(old) << horizond.output();
    EXPECT_EQ(fullRcode(old.get()), LDNS_RCODE_NOERROR);
    EXPECT_EQ(
        answerInOrder(old.get()),
        (std::vector<std::string>{"old.\t0\tIN\tDNAME\tnew.", "www.old.\t0\tIN\tCNAME\twww.new.",
                                  "www.new.\t0\tIN\tA\t192.0.2.1"}));
    // A CNAME that contradicts the DNAME it came with is not what the DNAME says: ignored.
    // A substitution past 255 octets: YXDOMAIN with the DNAME, not a failure.
    const std::string too_long = std::string(63, 'x') + "." + std::string(60, 'y') + ".long.";
    Packet overflow = horizond.ask(too_long, LDNS_RR_TYPE_A);
    ASSERT_TRUE(overflow) << horizond.output();
    EXPECT_EQ(fullRcode(overflow.get()), LDNS_RCODE_YXDOMAIN);
    EXPECT_EQ(answerInOrder(overflow.get()),
              (std::vector<std::string>{"long.\t0\tIN\tDNAME\t" + kLongTarget}));
    Packet bogus = horizond.ask("www.bogus.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(bogus) << horizond.output();
    EXPECT_EQ(fullRcode(bogus.get()), LDNS_RCODE_NOERROR);
    EXPECT_EQ(answerInOrder(bogus.get()),
              (std::vector<std::string>{"bogus.\t0\tIN\tDNAME\tnew.",
                                        "www.bogus.\t0\tIN\tCNAME\twww.new.",
                                        "www.new.\t0\tIN\tA\t192.0.2.1"}));
  }
}

// A forwarder that resolved a DNAME chain: the DNAME, the CNAME it implies and the target's A.
void dnameForwarder(ldns_pkt* reply, const std::string& qname, ldns_rr_type type) {
  ldns_pkt_set_rd(reply, true);
  ldns_pkt_set_ra(reply, true);
  if (qname == "www.fwd." && type == LDNS_RR_TYPE_A) {
    addRecord(reply, LDNS_SECTION_ANSWER, "fwd. 3600 IN DNAME new.");
    addRecord(reply, LDNS_SECTION_ANSWER, "www.fwd. 3600 IN CNAME www.new.");
    addRecord(reply, LDNS_SECTION_ANSWER, "www.new. 3600 IN A 192.0.2.1");
  } else {
    ldns_pkt_set_rcode(reply, LDNS_RCODE_SERVFAIL);
  }
}

TEST(ResolverUnusualServersTest, ForwardedDnameChainKeepsItsDname) {
  if (geteuid() != 0) GTEST_SKIP() << "binding port 53 on 127.53.235.1 needs root";
  ScriptedServer forwarder("127.53.235.1", dnameForwarder);
  if (!forwarder.bound()) GTEST_SKIP() << "127.53.235.1:53 is taken";
  Horizond horizond("127.53.235.1", Horizond::Mode::kForward);
  for (const char* pass : {"empty cache", "from the cache"}) {
    SCOPED_TRACE(pass);
    Packet reply = horizond.ask("www.fwd.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << horizond.output();
    EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR);
    EXPECT_EQ(
        answerInOrder(reply.get()),
        (std::vector<std::string>{"fwd.\t0\tIN\tDNAME\tnew.", "www.fwd.\t0\tIN\tCNAME\twww.new.",
                                  "www.new.\t0\tIN\tA\t192.0.2.1"}));
  }
}

constexpr const char* kChildAddress = "127.53.237.2";

// A root unaware of DNSSEC: every question at or below unaware. gets a referral to the child,
// DS questions for unaware. itself included.
void unawareRoot(ldns_pkt* reply, const std::string& qname, ldns_rr_type) {
  if (qname == "unaware." || qname.ends_with(".unaware.")) {
    addRecord(reply, LDNS_SECTION_AUTHORITY, "unaware. 3600 IN NS ns.unaware.");
    addRecord(reply, LDNS_SECTION_ADDITIONAL,
              std::string("ns.unaware. 3600 IN A ") + kChildAddress);
    return;
  }
  ldns_pkt_set_aa(reply, true);
  addRecord(reply, LDNS_SECTION_AUTHORITY, kRootSoa);
}

// The child, holding (wrongly) a DS at its apex: if the resolver took a DS from it, it shows.
void unawareChild(ldns_pkt* reply, const std::string& qname, ldns_rr_type type) {
  ldns_pkt_set_aa(reply, true);
  if (qname == "unaware." && type == LDNS_RR_TYPE_DS) {
    addRecord(reply, LDNS_SECTION_ANSWER,
              "unaware. 3600 IN DS 1 13 2 "
              "0000000000000000000000000000000000000000000000000000000000000000");
  } else if (qname == "www.unaware." && type == LDNS_RR_TYPE_A) {
    addRecord(reply, LDNS_SECTION_ANSWER, "www.unaware. 3600 IN A 192.0.2.7");
  } else {
    addRecord(reply, LDNS_SECTION_AUTHORITY,
              "unaware. 3600 IN SOA ns.unaware. hostmaster.unaware. 1 1800 900 604800 300");
  }
}

TEST(ResolverUnusualServersTest, DsQuestionStaysWithAParentThatRefersIt) {
  if (geteuid() != 0) GTEST_SKIP() << "binding port 53 on 127.53.237.x needs root";
  ScriptedServer root("127.53.237.1", unawareRoot);
  ScriptedServer child(kChildAddress, unawareChild);
  if (!root.bound() || !child.bound()) GTEST_SKIP() << "127.53.237.1 or .2 port 53 is taken";
  Horizond horizond("127.53.237.1");
  // The delegation works, and is now known.
  Packet www = horizond.ask("www.unaware.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(www) << horizond.output();
  EXPECT_EQ(answerInOrder(www.get()),
            (std::vector<std::string>{"www.unaware.\t0\tIN\tA\t192.0.2.7"}));
  // The DS of unaware. is the root's to give; it referred the question to the child, so it
  // knows none: NODATA, and the child is never asked.
  Packet ds = horizond.ask("unaware.", LDNS_RR_TYPE_DS);
  ASSERT_TRUE(ds) << horizond.output();
  EXPECT_EQ(fullRcode(ds.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(answerInOrder(ds.get()), std::vector<std::string>{});
  EXPECT_EQ(child.dsQuestions(), 0);
  // Below the cut, a DS question is the child's as any other.
  Packet below = horizond.ask("www.unaware.", LDNS_RR_TYPE_DS);
  ASSERT_TRUE(below) << horizond.output();
  EXPECT_EQ(fullRcode(below.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(answerInOrder(below.get()), std::vector<std::string>{});
  EXPECT_EQ(child.dsQuestions(), 1);
}

}  // namespace
}  // namespace horizon::test
