// horizond as a DNS-over-TLS server (RFC 7858), with a CA and certificates made by openssl when
// the test starts (test_ca.hpp) and Debian's kdig and openssl s_client as independent clients.
// horizond serves a zone whose lan view is 127.0.0.1 and whose public view is every other
// address, so a client bound to 127.0.0.2 sees the public answers.
//
//   KdigOverTlsGetsTheSameAnswersAsUdpPerView   kdig +tls from 127.0.0.1 and 127.0.0.2
//   PipelinedQueriesAreAnsweredOutOfOrder       a slow recursive question, then a local one,
//                                               on one connection: the local answer first
//   SessionsAreResumed                          openssl s_client -sess_out / -sess_in
//   AlpnDotIsChosenButNotRequired               ALPN "dot", another protocol, none
//   ARotatedCertificateReachesNewConnections    files replaced: new connections get the new
//                                               certificate, an open one keeps answering; a
//                                               broken replacement keeps the old one
//   HostileClientsDoNotStopTheServer            garbage, plain DNS on the TLS port, stalled
//                                               handshakes, 10,000 TLS connections over a cap
//                                               of 200: UDP, TLS and the control socket answer
//
// No packet leaves 127.0.0.0/8; waits are bounded and nothing asserts on timing.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "encrypted_server.hpp"
#include "http_probe.hpp"
#include "sync_support.hpp"
#include "test_ca.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

namespace horizon::test {
namespace {

using namespace std::chrono_literals;

class DotServerTest : public EncryptedServerTest {};

TEST_F(DotServerTest, KdigOverTlsGetsTheSameAnswersAsUdpPerView) {
  if (!kdigAvailable()) GTEST_SKIP() << "kdig (knot-dnsutils) is not installed";
  startServer();
  struct Case {
    std::string source, name, expect;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1", "app.enc.test", "192.0.2.10"},      // lan
      {"127.0.0.2", "app.enc.test", "198.51.100.7"},    // public
      {"127.0.0.1", "nas.enc.test", "192.0.2.10"},      // lan only
      {"127.0.0.2", "nas.enc.test", "NXDOMAIN"},        // absent from public
      {"127.0.0.2", "www.enc.test", "192.0.2.20"},      // every view
      {"127.0.0.1", "outside.example", "203.0.113.9"},  // recursion for lan
      {"127.0.0.2", "outside.example", "REFUSED"},      // never for public
  };
  for (const Case& c : cases) {
    const std::string over_tls = kdig(c.source, c.name, "tls");
    const std::string over_udp = kdig(c.source, c.name, "udp");
    EXPECT_EQ(over_tls, over_udp) << c.source << " " << c.name;
    EXPECT_NE(over_tls.find(c.expect), std::string::npos)
        << c.source << " " << c.name << ": " << over_tls;
  }
}

TEST_F(DotServerTest, PipelinedQueriesAreAnsweredOutOfOrder) {
  const std::string tap = dir_.path() + "/dnstap.fstrm";
  startServer({"--query-log", "--dnstap", "file:" + tap});
  TlsClient client(tls_port_, clientOptions());
  QueryOptions slow_options;
  slow_options.id = 1;
  slow_options.recursion_desired = true;
  QueryOptions fast_options;
  fast_options.id = 2;
  // Both in one write: the recursive question first (its forwarder waits 300 ms), then a name
  // of our zone, answered at once.
  Bytes both = TlsClient::framed(buildQuery("slow.example", LDNS_RR_TYPE_A, slow_options));
  const Bytes second = TlsClient::framed(buildQuery("app.enc.test", LDNS_RR_TYPE_A, fast_options));
  both.insert(both.end(), second.begin(), second.end());
  client.writeRaw(both);
  const auto first_answer = client.readMessage();
  const auto second_answer = client.readMessage();
  ASSERT_TRUE(first_answer && second_answer) << server_->output();
  const Packet a = parsePacket(*first_answer), b = parsePacket(*second_answer);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(ldns_pkt_id(a.get()), 2) << "the local answer should overtake the recursive one";
  EXPECT_EQ(rdataText(ldns_pkt_answer(a.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(ldns_pkt_id(b.get()), 1);
  EXPECT_EQ(rdataText(ldns_pkt_answer(b.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"203.0.113.9"});
  // The connection stays usable after out-of-order answers.
  fast_options.id = 3;
  const auto again = client.exchange(buildQuery("www.enc.test", LDNS_RR_TYPE_A, fast_options));
  ASSERT_TRUE(again);
  EXPECT_EQ(ldns_pkt_id(parsePacket(*again).get()), 3);

  // The query log and dnstap say how the questions came.
  server_->stop();
  EXPECT_NE(server_->output().find("query tls client=127.0.0.1 qname=app.enc.test."),
            std::string::npos)
      << server_->output();
  // Debian's dnstap-ldns 1.8 stops at a protocol it does not know (DOT is newer than it), so
  // the frames are decoded here with the protobuf-c code built from dnstap.proto.
  auto protocols = clientQueryProtocols(tap);
  std::erase(protocols, DNSTAP__SOCKET_PROTOCOL__UDP);  // the start-up probe's query
  EXPECT_EQ(protocols, (std::vector<int>{DNSTAP__SOCKET_PROTOCOL__DOT, DNSTAP__SOCKET_PROTOCOL__DOT,
                                         DNSTAP__SOCKET_PROTOCOL__DOT}));
}

TEST_F(DotServerTest, SessionsAreResumed) {
  startServer();
  const std::string session = dir_.path() + "/session.pem";
  for (const std::string version : {"-tls1_2", "-tls1_3"}) {
    const std::vector<std::string> base = {"/usr/bin/openssl",
                                           "s_client",
                                           "-connect",
                                           "127.0.0.1:" + std::to_string(tls_port_),
                                           "-CAfile",
                                           ca_->caFile(),
                                           "-servername",
                                           kHostName,
                                           version};
    auto first = base;
    first.insert(first.end(), {"-sess_out", session});
    // TLS 1.3 tickets come after the handshake: s_client must stay a moment to read them.
    const auto r1 = runCommand({"/bin/sh", "-c", "sleep 0.5 | " + shellJoin(first)}, {}, 20s);
    EXPECT_NE(r1.out.find("New, TLSv1."), std::string::npos) << r1.all();
    EXPECT_NE(r1.out.find("Verify return code: 0 (ok)"), std::string::npos) << r1.all();
    auto second = base;
    second.insert(second.end(), {"-sess_in", session});
    const auto r2 = runCommand({"/bin/sh", "-c", "sleep 0.5 | " + shellJoin(second)}, {}, 20s);
    EXPECT_NE(r2.out.find("Reused, TLSv1."), std::string::npos) << version << ": " << r2.all();
  }
}

TEST_F(DotServerTest, AlpnDotIsChosenButNotRequired) {
  startServer();
  for (const std::string offered : {"dot", "h2", ""}) {
    auto options = clientOptions();
    options.alpn = offered;
    TlsClient client(tls_port_, options);
    EXPECT_EQ(client.alpn(), offered == "dot" ? "dot" : "") << "offered " << offered;
    const auto answer = client.exchange(buildQuery("www.enc.test", LDNS_RR_TYPE_A));
    ASSERT_TRUE(answer) << "offered " << offered;
    EXPECT_EQ(rdataText(ldns_pkt_answer(parsePacket(*answer).get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{"192.0.2.20"});
  }
}

TEST_F(DotServerTest, ARotatedCertificateReachesNewConnections) {
  startServer();
  TlsClient before(tls_port_, clientOptions());
  const std::string old_issuer = before.peerIssuer();
  ASSERT_NE(old_issuer.find("horizon test CA"), std::string::npos) << old_issuer;

  // A broken replacement (the key of another certificate) is refused; the old one stays.
  TestCa other_ca("rotated CA");
  const IssuedCert rotated = other_ca.issue(kHostName, {"127.0.0.1"});
  const IssuedCert unrelated = other_ca.issue(kHostName, {}, "unrelated");
  std::filesystem::copy_file(rotated.chain, cert_,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(unrelated.key, key_,
                             std::filesystem::copy_options::overwrite_existing);
  bool refused_logged = false;
  for (int i = 0; i < 100 && !refused_logged; ++i) {
    std::this_thread::sleep_for(100ms);
    refused_logged = server_->output().find("TLS certificate not reloaded") != std::string::npos;
  }
  EXPECT_TRUE(refused_logged) << server_->output();
  EXPECT_NE(server_->output().find("does not match certificate"), std::string::npos);
  {
    TlsClient during(tls_port_, clientOptions());  // still the first CA's certificate
    EXPECT_EQ(during.peerIssuer(), old_issuer);
  }

  // The matching key arrives: new connections get the new certificate within seconds.
  std::filesystem::copy_file(rotated.key, key_, std::filesystem::copy_options::overwrite_existing);
  auto new_options = clientOptions();
  new_options.ca_file = other_ca.caFile();
  std::string new_issuer;
  for (int i = 0; i < 100 && new_issuer.empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    try {
      TlsClient after(tls_port_, new_options);
      new_issuer = after.peerIssuer();
    } catch (const std::exception&) {
      // still the old certificate: the new CA does not vouch for it
    }
  }
  EXPECT_NE(new_issuer.find("rotated CA"), std::string::npos) << server_->output();
  EXPECT_NE(server_->output().find("reloaded; new connections use it"), std::string::npos);

  // The connection made before the rotation was not dropped.
  const auto answer = before.exchange(buildQuery("app.enc.test", LDNS_RR_TYPE_A));
  ASSERT_TRUE(answer);
  EXPECT_EQ(rdataText(ldns_pkt_answer(parsePacket(*answer).get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"192.0.2.10"});
}

TEST_F(DotServerTest, HostileClientsDoNotStopTheServer) {
  // Room in this process for the connections it makes.
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < 12000) GTEST_SKIP() << "needs 12000 descriptors, has " << limit.rlim_cur;

  const std::string control = dir_.path() + "/control.sock";
  const std::uint16_t metrics_port = findFreePort();
  startServer({"--max-tcp-connections", "200", "--workers", "2", "--control", control, "--metrics",
               "127.0.0.1:" + std::to_string(metrics_port)});
  const Endpoint udp{port_};
  auto stillServes = [&](const std::string& when) {
    const Packet over_udp = query(udp, "www.enc.test", LDNS_RR_TYPE_A);
    EXPECT_TRUE(over_udp) << when << ": no UDP answer";
    const auto status = runCommand({DNSCTL_PATH, "status", "--control", control}, {}, 20s);
    EXPECT_EQ(status.exit_code, 0) << when << ": " << status.all();
    try {
      TlsClient client(tls_port_, clientOptions());
      const auto answer = client.exchange(buildQuery("www.enc.test", LDNS_RR_TYPE_A));
      EXPECT_TRUE(answer) << when << ": no DoT answer";
    } catch (const std::exception& e) {
      ADD_FAILURE() << when << ": " << e.what();
    }
  };

  // Garbage where a ClientHello should be, and a plain DNS query on the TLS port.
  std::mt19937 random(7);
  for (int i = 0; i < 50; ++i) {
    const int fd = connectTcp(tls_port_);
    ASSERT_GE(fd, 0);
    Bytes junk(1 + random() % 2000);
    for (auto& b : junk) b = static_cast<std::uint8_t>(random());
    if (i % 2 == 1) junk = TlsClient::framed(buildQuery("www.enc.test", LDNS_RR_TYPE_A));
    (void)!::write(fd, junk.data(), junk.size());
    ::close(fd);
  }
  stillServes("after garbage");

  // Clients that stop half-way through the handshake: a ClientHello's first bytes, then
  // nothing. They hold slots until the handshake deadline or eviction.
  std::vector<int> stalled;
  for (int i = 0; i < 300; ++i) {
    const int fd = connectTcp(tls_port_);
    ASSERT_GE(fd, 0);
    const std::uint8_t partial_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
    (void)!::write(fd, partial_hello, sizeof partial_hello);
    stalled.push_back(fd);
  }
  stillServes("with 300 stalled handshakes");

  // 10,000 completed handshakes, each left idle; at most 200 stay open in horizond.
  std::vector<std::unique_ptr<TlsClient>> idle;
  std::size_t most = 0;
  auto options = clientOptions();
  options.ca_file.clear();  // verification costs time and is not what this checks
  for (int i = 0; i < 10000; ++i) {
    try {
      idle.push_back(std::make_unique<TlsClient>(tls_port_, options));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "connection " << i << ": " << e.what();
      break;
    }
    if (i % 500 == 0) most = std::max(most, openDescriptors(server_->pid()));
  }
  most = std::max(most, openDescriptors(server_->pid()));
  std::printf("10,000 idle TLS connections: horizond held at most %zu descriptors\n", most);
  // 200 connections plus listeners, workers' sockets, the log and the control socket.
  EXPECT_LT(most, 400u);
  stillServes("with 10,000 idle TLS connections made");

  {
    // One DoH question too (HTTP/1.1: no ALPN offered), for the transport label below.
    TlsClient doh(https_port_, clientOptions());
    const Bytes q = buildQuery("www.enc.test", LDNS_RR_TYPE_A);
    EXPECT_EQ(doh.postDnsQuery("dns.enc.test", q).rfind("HTTP/1.1 200", 0), 0u);
  }
  const auto metrics = httpGet(metrics_port, "/metrics");
  ASSERT_TRUE(metrics);
  // Requests are counted by transport.
  EXPECT_NE(metrics->body.find("horizon_dns_requests_total{view=\"lan\",transport=\"tls\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("horizon_dns_requests_total{view=\"lan\",transport=\"https\""),
            std::string::npos);
  EXPECT_NE(metrics->body.find("horizon_tls_handshakes_total{result=\"failed\"}"),
            std::string::npos);
  EXPECT_EQ(metrics->body.find("horizon_tls_handshakes_total{result=\"failed\"} 0\n"),
            std::string::npos)
      << "garbage and plain DNS should count as failed handshakes";
  EXPECT_NE(metrics->body.find("horizon_tls_certificate_expiry_timestamp_seconds"),
            std::string::npos);
  for (const int fd : stalled) ::close(fd);
  EXPECT_TRUE(server_->running());
}

}  // namespace
}  // namespace horizon::test
