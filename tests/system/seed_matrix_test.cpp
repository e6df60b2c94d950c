// The network table of the README ("the seed matrix"), checked end to end: horizond serves the
// seed zone with each view mapped to one loopback client (tests/data/seed_views.yaml), and an
// ldns client asks from 127.0.0.1 (lan), 127.0.0.2 (vpn), 127.0.0.3 (public) and 127.0.0.4 (no
// view), over UDP and over TCP. Every answer is compared whole: rcode, AA, the exact answer
// records (owner in the client's spelling, type, TTL, address) and the authority section.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr const char* kLan = "127.0.0.1";
constexpr const char* kVpn = "127.0.0.2";
constexpr const char* kPublic = "127.0.0.3";
constexpr const char* kNoView = "127.0.0.4";  // in none of seed_views.yaml's prefixes

constexpr const char* kGateway = "192.168.1.220";    // data only: never sent a packet
constexpr const char* kBifrost = "178.156.199.250";  // data only: never sent a packet

const std::vector<const char*> kViews = {kLan, kVpn, kPublic};

// The view name of a client address, for failure messages.
std::string viewOf(const std::string& source) {
  if (source == kLan) return "lan (" + source + ")";
  if (source == kVpn) return "vpn (" + source + ")";
  if (source == kPublic) return "public (" + source + ")";
  return "no view (" + source + ")";
}

// The whole message as dig-like text, so a failure shows what actually came back.
std::string dump(const ldns_pkt* packet) {
  if (packet == nullptr) return "(no response)";
  char* text = ldns_pkt2str(packet);
  std::string out = text != nullptr ? text : "(unprintable)";
  std::free(text);
  return out;
}

// One answer line as sectionText prints it; the owner is the question exactly as sent, so the
// comparison also checks that the server echoes the client's case.
std::string addressLine(const std::string& qname, const char* type, const std::string& address) {
  return qname + ".\t300\tIN\t" + type + "\t" + address;
}

// The question section must echo the name byte for byte (case included) with the asked type.
void expectQuestionEcho(const ldns_pkt* reply, const std::string& qname, ldns_rr_type type) {
  const ldns_rr_list* question = ldns_pkt_question(reply);
  ASSERT_EQ(ldns_rr_list_rr_count(question), 1u);
  const ldns_rr* rr = ldns_rr_list_rr(question, 0);
  char* owner = ldns_rdf2str(ldns_rr_owner(rr));
  EXPECT_EQ(std::string(owner), qname + ".");
  std::free(owner);
  EXPECT_EQ(ldns_rr_get_type(rr), type);
}

// The authority of a negative answer: exactly the zone's SOA with TTL min(SOA TTL, minimum),
// which is 300 for the seed zone (the loader's defaults; the serial is a content hash).
void expectSoaAuthority(const ldns_pkt* reply) {
  const ldns_rr_list* authority = ldns_pkt_authority(reply);
  ASSERT_EQ(ldns_rr_list_rr_count(authority), 1u);
  const ldns_rr* soa = ldns_rr_list_rr(authority, 0);
  ASSERT_EQ(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
  ASSERT_EQ(ldns_rr_rd_count(soa), 7u);
  // Lowercased: names compressed against the question carry the client's case (RFC 4343 lets
  // a server do that), so only the question name's own echo is compared case-sensitively.
  auto text = [](const ldns_rdf* rdf) {
    char* s = ldns_rdf2str(rdf);
    std::string out = s != nullptr ? s : "";
    std::free(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  };
  EXPECT_EQ(text(ldns_rr_owner(soa)), "madhan.app.");
  EXPECT_EQ(ldns_rr_ttl(soa), 300u);
  EXPECT_EQ(text(ldns_rr_rdf(soa, 0)), "ns1.madhan.app.");
  EXPECT_EQ(text(ldns_rr_rdf(soa, 1)), "hostmaster.madhan.app.");
  EXPECT_EQ(text(ldns_rr_rdf(soa, 6)), "300");
}

// Starts horizond once per suite; a failure to start is reported by every test, not a crash.
class ServerFixture {
 public:
  // Starts horizond on a free port with `zone_file`; on failure keeps the reason for SetUp.
  void start(const std::string& zone_file) {
    port_ = findFreePort();
    // The matrix asks the public view for more names outside the zone in a row than its
    // default error rate allows; rate limiting is tested on its own (rate_limit_test).
    try {
      server_ = ServerProcess::start(
          {"--zone", zone_file, "--listen", listenArg(port_), "--no-rate-limit"}, port_);
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  // Stops the server and checks that it shut down cleanly.
  void stop() {
    if (!server_) return;
    ExitStatus status = server_->stop();
    EXPECT_TRUE(status.success()) << "horizond ended with " << status.toString() << "\n"
                                  << server_->output();
    server_.reset();
  }
  bool running() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::string error_;
};

// Parameterized on the transport: false = UDP, true = TCP.
class SeedMatrixTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new ServerFixture();
    fixture_->start(HORIZON_TEST_DATA "/seed_views.yaml");
  }
  static void TearDownTestSuite() {
    fixture_->stop();
    delete fixture_;
    fixture_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(fixture_->running()) << "horizond did not start: " << fixture_->error();
  }

  // Asks `qname`/`type` from `source` over this test's transport.
  Packet ask(const std::string& source, const std::string& qname, ldns_rr_type type) {
    return query({.port = fixture_->port(), .source = source}, qname, type, GetParam());
  }

  // A positive answer: NOERROR, AA, exactly `addresses` as A (or AAAA) records of the question
  // name with TTL 300, and nothing in authority (minimal responses).
  void expectAddresses(const std::string& source, const std::string& qname,
                       const std::vector<std::string>& addresses) {
    SCOPED_TRACE(qname + " A from " + viewOf(source) + (GetParam() ? " over TCP" : " over UDP"));
    Packet reply = ask(source, qname, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << "no response";
    expectQuestionEcho(reply.get(), qname, LDNS_RR_TYPE_A);
    EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR) << dump(reply.get());
    EXPECT_TRUE(ldns_pkt_aa(reply.get())) << dump(reply.get());
    EXPECT_FALSE(ldns_pkt_tc(reply.get()));
    std::vector<std::string> expected;
    for (const auto& a : addresses) expected.push_back(addressLine(qname, "A", a));
    EXPECT_EQ(sectionText(ldns_pkt_answer(reply.get())), expected) << dump(reply.get());
    EXPECT_EQ(ldns_pkt_nscount(reply.get()), 0) << dump(reply.get());
    EXPECT_EQ(ldns_pkt_arcount(reply.get()), 0) << dump(reply.get());  // OPT is counted apart
  }

  // A negative answer with `rcode` (NXDOMAIN or NODATA's NOERROR): AA, empty answer, the SOA.
  void expectNegative(const std::string& source, const std::string& qname, ldns_rr_type type,
                      ldns_pkt_rcode rcode) {
    SCOPED_TRACE(qname + " type " + std::to_string(type) + " from " + viewOf(source) +
                 (GetParam() ? " over TCP" : " over UDP"));
    Packet reply = ask(source, qname, type);
    ASSERT_TRUE(reply) << "no response";
    expectQuestionEcho(reply.get(), qname, type);
    EXPECT_EQ(fullRcode(reply.get()), static_cast<unsigned>(rcode)) << dump(reply.get());
    EXPECT_TRUE(ldns_pkt_aa(reply.get())) << dump(reply.get());
    EXPECT_EQ(ldns_pkt_ancount(reply.get()), 0) << dump(reply.get());
    expectSoaAuthority(reply.get());
  }

  // REFUSED: not authoritative, nothing in any section.
  void expectRefused(const std::string& source, const std::string& qname) {
    SCOPED_TRACE(qname + " A from " + viewOf(source) + (GetParam() ? " over TCP" : " over UDP"));
    Packet reply = ask(source, qname, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << "no response";
    expectQuestionEcho(reply.get(), qname, LDNS_RR_TYPE_A);
    EXPECT_EQ(fullRcode(reply.get()), static_cast<unsigned>(LDNS_RCODE_REFUSED))
        << dump(reply.get());
    EXPECT_FALSE(ldns_pkt_aa(reply.get())) << dump(reply.get());
    EXPECT_EQ(ldns_pkt_ancount(reply.get()), 0) << dump(reply.get());
    EXPECT_EQ(ldns_pkt_nscount(reply.get()), 0) << dump(reply.get());
  }

  static ServerFixture* fixture_;
};

ServerFixture* SeedMatrixTest::fixture_ = nullptr;

// Row 1: auth, netbird, proxy and *.proxy live on the VPS, the same in every view.
TEST_P(SeedMatrixTest, VpsServicesAreBifrostInEveryView) {
  for (const char* source : kViews) {
    for (const char* name :
         {"auth.madhan.app", "netbird.madhan.app", "proxy.madhan.app", "x.proxy.madhan.app",
          "anything.proxy.madhan.app", "AuTh.MadHan.App", "Deep.X.PROXY.madhan.app"})
      expectAddresses(source, name, {kBifrost});
  }
}

// Row 2: grafana is direct on the LAN and VPN, and published through the VPS to the public.
TEST_P(SeedMatrixTest, GrafanaIsDirectOnLanAndVpnAndBifrostOnPublic) {
  for (const char* name : {"grafana.madhan.app", "GraFana.MADHAN.app"}) {
    expectAddresses(kLan, name, {kGateway});
    expectAddresses(kVpn, name, {kGateway});
    expectAddresses(kPublic, name, {kBifrost});
  }
}

// Row 3: every other service is the gateway on LAN and VPN and does not exist for the public.
TEST_P(SeedMatrixTest, OtherServicesAreGatewayOnLanAndVpnAndNxdomainOnPublic) {
  for (const char* name : {"sonarr.madhan.app", "SoNaRr.Madhan.App", "jellyfin.madhan.app"}) {
    expectAddresses(kLan, name, {kGateway});
    expectAddresses(kVpn, name, {kGateway});
    expectNegative(kPublic, name, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN);
  }
}

// grafana has only an A record in every view: AAAA is NODATA (NOERROR, empty, SOA).
TEST_P(SeedMatrixTest, GrafanaAaaaIsNodataInEveryView) {
  for (const char* source : kViews)
    expectNegative(source, "grafana.madhan.app", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR);
}

// Row 4: horizond is never an open resolver; names outside madhan.app are REFUSED everywhere.
TEST_P(SeedMatrixTest, NamesOutsideTheZoneAreRefusedInEveryView) {
  for (const char* source : kViews) {
    for (const char* name : {"example.com", "www.example.com", "app", "notmadhan.app",
                             "madhan.app.example.com", "grafana.madhan.apps"})
      expectRefused(source, name);
  }
}

// A client that no view's prefixes cover gets REFUSED, even for names the zone holds.
TEST_P(SeedMatrixTest, ClientInNoViewIsRefused) {
  for (const char* name : {"grafana.madhan.app", "auth.madhan.app", "sonarr.madhan.app"})
    expectRefused(kNoView, name);
}

INSTANTIATE_TEST_SUITE_P(Transports, SeedMatrixTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Tcp" : "Udp";
                         });

// The shipped zone file, unchanged: loopback is part of its LAN view, so 127.0.0.1 is a LAN
// client and grafana (like any other service) is the gateway.
TEST(ShippedSeedZoneTest, LoopbackIsLanAndGetsTheGateway) {
  ServerFixture fixture;
  fixture.start(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  ASSERT_TRUE(fixture.running()) << "horizond did not start: " << fixture.error();
  for (bool tcp : {false, true}) {
    for (const char* name : {"grafana.madhan.app", "sonarr.madhan.app"}) {
      SCOPED_TRACE(std::string(name) + (tcp ? " over TCP" : " over UDP"));
      Packet reply = query({.port = fixture.port(), .source = kLan}, name, LDNS_RR_TYPE_A, tcp);
      ASSERT_TRUE(reply) << "no response";
      EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR) << dump(reply.get());
      EXPECT_TRUE(ldns_pkt_aa(reply.get()));
      EXPECT_EQ(sectionText(ldns_pkt_answer(reply.get())),
                std::vector<std::string>{addressLine(name, "A", kGateway)})
          << dump(reply.get());
    }
  }
  fixture.stop();
}

}  // namespace
}  // namespace horizon::test
