// horizond against hostile and odd input on loopback: junk datagrams, malformed questions, other
// opcodes, EDNS versions, half-open and pipelined TCP. After every batch the server must still
// answer a normal query correctly. Also: clean exit on SIGTERM and command-line errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "horizon/version.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kZoneFile = std::string(HORIZON_TEST_DATA) + "/net/example.test.yaml";
constexpr const char* kVpsAddress = "198.51.100.20";   // auth, and grafana in public
constexpr const char* kGatewayAddress = "192.0.2.10";  // the lan and vpn wildcard
constexpr unsigned kMaxTcpConnections = 4;             // small, so the cap is easy to reach
constexpr unsigned kIdleTimeoutMs = 500;
constexpr Millis kSilence(500);  // how long we listen before concluding "no answer"
constexpr Millis kGenerous(10000);

// The DNS header flag word fields used below.
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr int kOpcodeShift = 11;

Bytes header(std::uint16_t id, std::uint16_t flags, std::uint16_t qdcount,
             std::uint16_t ancount = 0, std::uint16_t nscount = 0, std::uint16_t arcount = 0) {
  Bytes out;
  for (std::uint16_t v : {id, flags, qdcount, ancount, nscount, arcount}) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

void appendName(Bytes& out, const std::vector<std::string>& labels) {
  for (const auto& label : labels) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  }
  out.push_back(0);
}

void appendU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

std::uint16_t idOf(const Bytes& message) {
  return static_cast<std::uint16_t>((message.at(0) << 8) | message.at(1));
}

class RobustnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    port_ = findFreePort();
    const std::string config = dir_->write(
        "horizond.yaml", "zones: [\"" + kZoneFile + "\"]\n" +              //
                             "listen: [\"" + listenArg(port_) + "\"]\n" +  //
                             "workers: 2\n" +                              //
                             "tcp-idle-timeout-ms: " + std::to_string(kIdleTimeoutMs) + "\n" +
                             "max-tcp-connections: " + std::to_string(kMaxTcpConnections) + "\n" +
                             "log-level: debug\n");
    server_ = ServerProcess::start({"--config", config}, port_).release();
  }

  static void TearDownTestSuite() {
    const ExitStatus status = server_->stop();
    EXPECT_TRUE(status.success()) << status.toString() << "\n" << server_->output();
    delete server_;
    delete dir_;
  }

  void TearDown() override {
    ASSERT_TRUE(server_->running()) << "horizond died:\n" << server_->output();
  }

  static Endpoint from(const std::string& source) { return Endpoint{port_, source}; }

  // The server still answers a normal query correctly, over UDP and TCP.
  static void expectHealthy() {
    for (bool tcp : {false, true}) {
      Packet reply = query(from("127.0.0.3"), "auth.example.test", LDNS_RR_TYPE_A, tcp);
      ASSERT_TRUE(reply) << (tcp ? "TCP" : "UDP") << ": no answer\n" << server_->output();
      EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR);
      EXPECT_EQ(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A),
                std::vector<std::string>{kVpsAddress});
    }
  }

  // Sends `packet` over UDP; returns the response (if any) within kSilence.
  static std::optional<Bytes> sendOnce(const Bytes& packet,
                                       const std::string& source = "127.0.0.1") {
    UdpSender sender(from(source));
    EXPECT_TRUE(sender.send(packet));
    return sender.receive(kSilence);
  }

  // Malformed input: silence, or a FORMERR that echoes the id.
  static void expectFormErrOrSilence(const Bytes& packet, const std::string& what) {
    const auto response = sendOnce(packet);
    if (!response) return;
    Packet reply = parsePacket(*response);
    ASSERT_TRUE(reply) << what << ": the answer does not parse";
    EXPECT_EQ(ldns_pkt_id(reply.get()), idOf(packet)) << what;
    EXPECT_TRUE(ldns_pkt_qr(reply.get())) << what;
    EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_FORMERR) << what;
  }

  static void expectRcode(const Bytes& packet, unsigned rcode, const std::string& what) {
    const auto response = sendOnce(packet);
    ASSERT_TRUE(response) << what << ": no answer";
    Packet reply = parsePacket(*response);
    ASSERT_TRUE(reply) << what << ": the answer does not parse";
    EXPECT_EQ(ldns_pkt_id(reply.get()), idOf(packet)) << what;
    EXPECT_TRUE(ldns_pkt_qr(reply.get())) << what;
    EXPECT_EQ(fullRcode(reply.get()), rcode) << what;
  }

  static TempDir* dir_;
  static std::uint16_t port_;
  static ServerProcess* server_;
};

TempDir* RobustnessTest::dir_ = nullptr;
std::uint16_t RobustnessTest::port_ = 0;
ServerProcess* RobustnessTest::server_ = nullptr;

TEST_F(RobustnessTest, AnswersPerViewOverUdpAndTcp) {
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "TCP" : "UDP");
    // A name missing from a view still matches that view's wildcard...
    Packet lan = query(from("127.0.0.1"), "nothere.example.test", LDNS_RR_TYPE_A, tcp);
    ASSERT_TRUE(lan);
    EXPECT_EQ(fullRcode(lan.get()), LDNS_RCODE_NOERROR);
    EXPECT_EQ(rdataText(ldns_pkt_answer(lan.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{kGatewayAddress});
    Packet vpn = query(from("127.0.0.2"), "grafana.example.test", LDNS_RR_TYPE_A, tcp);
    ASSERT_TRUE(vpn);
    EXPECT_EQ(rdataText(ldns_pkt_answer(vpn.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{kGatewayAddress});
    // ...while the public view has no wildcard and only what is published.
    Packet pub = query(from("127.0.0.3"), "nothere.example.test", LDNS_RR_TYPE_A, tcp);
    ASSERT_TRUE(pub);
    EXPECT_EQ(fullRcode(pub.get()), LDNS_RCODE_NXDOMAIN);
    Packet published = query(from("127.0.0.3"), "grafana.example.test", LDNS_RR_TYPE_A, tcp);
    ASSERT_TRUE(published);
    EXPECT_EQ(rdataText(ldns_pkt_answer(published.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{kVpsAddress});
    // Never an open resolver.
    Packet outside = query(from("127.0.0.3"), "example.com", LDNS_RR_TYPE_A, tcp);
    ASSERT_TRUE(outside);
    EXPECT_EQ(fullRcode(outside.get()), LDNS_RCODE_REFUSED);
  }
}

TEST_F(RobustnessTest, SurvivesRandomBytes) {
  std::mt19937 random(20240601);  // fixed seed: a failure can be replayed
  UdpSender sender(from("127.0.0.1"));
  std::set<std::uint16_t> sent_ids;
  int answers = 0;
  // Every answer must be a well-formed response to something we sent.
  auto drain = [&](Millis quiet) {
    while (auto response = sender.receive(quiet)) {
      ++answers;
      ASSERT_GE(response->size(), 12u);
      EXPECT_TRUE((*response)[2] & 0x80) << "an answer without QR";
      EXPECT_TRUE(sent_ids.count(idOf(*response))) << "an answer to an id we never sent";
      EXPECT_TRUE(parsePacket(*response)) << "ldns cannot parse an answer";
    }
  };
  constexpr int kPackets = 2000;
  for (int i = 0; i < kPackets; ++i) {
    Bytes packet(random() % 600);
    for (auto& byte : packet) byte = static_cast<std::uint8_t>(random());
    // Half of them look like queries (QR=0, opcode QUERY, one question) so the junk reaches the
    // question and EDNS parsers instead of stopping at the header.
    if (i % 2 == 0 && packet.size() >= 12) {
      packet[2] &= 0x07;
      packet[4] = 0;
      packet[5] = 1;
    }
    if (packet.size() >= 2) sent_ids.insert(idOf(packet));
    sender.send(packet);
    // Read answers as we go so that our own receive buffer does not overflow.
    if (i % 50 == 49) drain(Millis(20));
  }
  drain(kSilence);
  RecordProperty("answers", answers);
  EXPECT_GT(answers, 0) << "no junk packet got even a FORMERR";
  expectHealthy();
}

TEST_F(RobustnessTest, DropsPacketsShorterThanAHeader) {
  UdpSender sender(from("127.0.0.1"));
  const Bytes full = buildQuery("auth.example.test", LDNS_RR_TYPE_A);
  for (std::size_t len = 0; len < 12; ++len) {
    ASSERT_TRUE(sender.send(std::span(full.data(), len)));
  }
  EXPECT_FALSE(sender.receive(kSilence)) << "a packet shorter than a header was answered";
  expectHealthy();
}

TEST_F(RobustnessTest, MalformedQuestionsGetFormErrOrSilence) {
  {
    Bytes packet = header(0x1001, 0, 1);
    packet.push_back(0xC0);  // a compression pointer to itself: offset 12
    packet.push_back(0x0C);
    appendU16(packet, LDNS_RR_TYPE_A);
    appendU16(packet, LDNS_RR_CLASS_IN);
    expectFormErrOrSilence(packet, "pointer loop");
  }
  {
    Bytes packet = header(0x1002, 0, 1);
    packet.push_back(3);
    packet.insert(packet.end(), {'w', 'w', 'w'});
    packet.push_back(0xC0);  // back to the start of its own name: www.www.www... forever
    packet.push_back(12);
    appendU16(packet, LDNS_RR_TYPE_A);
    appendU16(packet, LDNS_RR_CLASS_IN);
    expectFormErrOrSilence(packet, "pointer back to the start of the name");
  }
  {
    Bytes packet = header(0x1003, 0, 1);
    packet.push_back(64);  // 0x40: not a length; labels end at 63
    packet.insert(packet.end(), 64, 'a');
    packet.push_back(0);
    appendU16(packet, LDNS_RR_TYPE_A);
    appendU16(packet, LDNS_RR_CLASS_IN);
    expectFormErrOrSilence(packet, "label of 64 octets");
  }
  {
    Bytes packet = header(0x1004, 0, 1);
    appendName(packet, {std::string(63, 'a'), std::string(63, 'b'), std::string(63, 'c'),
                        std::string(63, 'd'), std::string(63, 'e')});  // 321 octets
    appendU16(packet, LDNS_RR_TYPE_A);
    appendU16(packet, LDNS_RR_CLASS_IN);
    expectFormErrOrSilence(packet, "name over 255 octets");
  }
  {
    Bytes packet = header(0x1005, 0, 1);
    appendName(packet, {"auth", "example", "test"});
    packet.push_back(0);  // the question stops in the middle of the type
    expectFormErrOrSilence(packet, "truncated question");
  }
  {
    Bytes packet = header(0x1006, 0, 1, 0, 0, 1);
    appendName(packet, {"auth", "example", "test"});
    appendU16(packet, LDNS_RR_TYPE_A);
    appendU16(packet, LDNS_RR_CLASS_IN);
    packet.insert(packet.end(), {0, 0, 41, 0x04});  // an OPT record cut short
    expectFormErrOrSilence(packet, "truncated OPT record");
  }
  expectRcode(header(0x1007, 0, 0), LDNS_RCODE_FORMERR, "QDCOUNT 0");
  {
    Bytes packet = header(0x1008, 0, 2);
    for (int i = 0; i < 2; ++i) {
      appendName(packet, {"auth", "example", "test"});
      appendU16(packet, LDNS_RR_TYPE_A);
      appendU16(packet, LDNS_RR_CLASS_IN);
    }
    expectRcode(packet, LDNS_RCODE_FORMERR, "QDCOUNT 2");
  }
  expectHealthy();
}

TEST_F(RobustnessTest, OtherOpcodesGetNotImp) {
  for (unsigned opcode : {1u /* IQUERY */, 2u /* STATUS */, 4u /* NOTIFY */, 5u /* UPDATE */}) {
    Bytes packet = buildQuery("example.test", LDNS_RR_TYPE_SOA, {.id = 0x2000});
    packet[2] = static_cast<std::uint8_t>((packet[2] & 0x87) | (opcode << 3));
    packet[3] |= 0x10;  // CD, which a NOTIMP answer does not echo
    expectRcode(packet, LDNS_RCODE_NOTIMPL, "opcode " + std::to_string(opcode));
    const auto response = sendOnce(packet);
    ASSERT_TRUE(response) << "opcode " << opcode;
    ASSERT_GE(response->size(), 12u);
    EXPECT_EQ((*response)[3] & 0x10, 0) << "CD echoed for opcode " << opcode;
  }
  expectHealthy();
}

TEST_F(RobustnessTest, EdnsVersionOneGetsBadVers) {
  QueryOptions options;
  options.id = 0x3000;
  options.edns_version = 1;
  const Bytes packet = buildQuery("auth.example.test", LDNS_RR_TYPE_A, options);
  const auto response = sendOnce(packet);
  ASSERT_TRUE(response);
  Packet reply = parsePacket(*response);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ldns_pkt_id(reply.get()), options.id);
  // BADVERS is 16: header rcode 0 and extended rcode 1 in the OPT record (RFC 6891 7).
  EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), 0);
  EXPECT_EQ(ldns_pkt_edns_extended_rcode(reply.get()), 1);
  EXPECT_EQ(fullRcode(reply.get()), 16u);
  EXPECT_EQ(ldns_pkt_ancount(reply.get()), 0);
  expectHealthy();
}

TEST_F(RobustnessTest, ResponsesAreNotAnswered) {
  Bytes packet = buildQuery("auth.example.test", LDNS_RR_TYPE_A, {.id = 0x4000});
  packet[2] |= kFlagQr >> 8;
  EXPECT_FALSE(sendOnce(packet)) << "a packet with QR=1 was answered (reflection risk)";
  expectHealthy();
}

TEST_F(RobustnessTest, HalfOpenTcpConnectionsDoNotStarveOthers) {
  // More idle connections than the cap: some silent, some stuck inside a length prefix or a
  // message (slow loris).
  std::vector<std::unique_ptr<TcpClient>> idle;
  const Bytes query_bytes = buildQuery("auth.example.test", LDNS_RR_TYPE_A, {.id = 0x5000});
  for (unsigned i = 0; i < kMaxTcpConnections + 3; ++i) {
    idle.push_back(std::make_unique<TcpClient>(from("127.0.0.1")));
    if (i % 3 == 1) {
      ASSERT_TRUE(idle.back()->sendRaw(std::span(query_bytes.data(), 1)));
    } else if (i % 3 == 2) {
      Bytes partial = {0, static_cast<std::uint8_t>(query_bytes.size())};
      partial.insert(partial.end(), query_bytes.begin(), query_bytes.begin() + 5);
      ASSERT_TRUE(idle.back()->sendRaw(partial));
    }
  }
  // A newcomer is still served: at the cap it evicts the longest-idle connection.
  TcpClient newcomer(from("127.0.0.3"));
  ASSERT_TRUE(newcomer.sendMessage(query_bytes));
  const auto response = newcomer.readMessage(kGenerous);
  ASSERT_TRUE(response) << "a new TCP connection was not answered\n" << server_->output();
  Packet reply = parsePacket(*response);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ldns_pkt_id(reply.get()), 0x5000);
  EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR);

  // Every idle connection is closed: evicted, or after the idle timeout.
  for (std::size_t i = 0; i < idle.size(); ++i) {
    EXPECT_TRUE(idle[i]->waitClosed(kGenerous)) << "idle connection " << i << " stayed open";
  }
  expectHealthy();
}

TEST_F(RobustnessTest, PipelinedTcpQueriesAreAllAnswered) {
  const std::vector<std::pair<std::string, unsigned>> names = {
      {"auth.example.test", LDNS_RCODE_NOERROR},
      {"nothere.example.test", LDNS_RCODE_NXDOMAIN},
      {"grafana.example.test", LDNS_RCODE_NOERROR},
      {"example.com", LDNS_RCODE_REFUSED},
  };
  constexpr int kQueries = 40;
  TcpClient client(from("127.0.0.3"));  // public view
  Bytes stream;
  std::map<std::uint16_t, unsigned> expected;
  for (int i = 0; i < kQueries; ++i) {
    const auto& [name, rcode] = names[i % names.size()];
    const auto id = static_cast<std::uint16_t>(0x6000 + i);
    const Bytes message = buildQuery(name, LDNS_RR_TYPE_A, {.id = id});
    stream.push_back(static_cast<std::uint8_t>(message.size() >> 8));
    stream.push_back(static_cast<std::uint8_t>(message.size()));
    stream.insert(stream.end(), message.begin(), message.end());
    expected[id] = rcode;
  }
  ASSERT_TRUE(client.sendRaw(stream));  // all at once: one write, many queries
  for (int i = 0; i < kQueries; ++i) {
    const auto response = client.readMessage(kGenerous);
    ASSERT_TRUE(response) << "answer " << i << " of " << kQueries << " missing";
    Packet reply = parsePacket(*response);
    ASSERT_TRUE(reply);
    const auto it = expected.find(ldns_pkt_id(reply.get()));
    ASSERT_NE(it, expected.end()) << "unexpected or repeated id " << ldns_pkt_id(reply.get());
    EXPECT_EQ(fullRcode(reply.get()), it->second) << "id " << it->first;
    expected.erase(it);
  }
  EXPECT_TRUE(expected.empty());

  // The connection stays usable after the burst.
  ASSERT_TRUE(client.sendMessage(buildQuery("auth.example.test", LDNS_RR_TYPE_A, {.id = 7})));
  const auto last = client.readMessage(kGenerous);
  ASSERT_TRUE(last);
  EXPECT_EQ(idOf(*last), 7);
  expectHealthy();
}

TEST_F(RobustnessTest, TcpMessageShorterThanAHeaderClosesTheConnection) {
  TcpClient client(from("127.0.0.1"));
  ASSERT_TRUE(client.sendRaw(Bytes{0, 5, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(client.waitClosed(kGenerous));
  expectHealthy();
}

TEST_F(RobustnessTest, TcpResponseClosesTheConnection) {
  TcpClient client(from("127.0.0.1"));
  Bytes packet = buildQuery("auth.example.test", LDNS_RR_TYPE_A, {.id = 0x7000});
  packet[2] |= kFlagQr >> 8;
  ASSERT_TRUE(client.sendMessage(packet));
  EXPECT_FALSE(client.readMessage(kSilence)) << "a packet with QR=1 was answered over TCP";
  EXPECT_TRUE(client.waitClosed(kGenerous));
  expectHealthy();
}

// A server of its own: how horizond ends matters here, not what it answers.
TEST(HorizondProcess, SigtermStopsCleanlyAndSighupReloads) {
  const std::uint16_t port = findFreePort();
  auto server = ServerProcess::start({"--zone", kZoneFile, "--listen", listenArg(port)}, port);
  server->signal(SIGHUP);
  // The signal is handled asynchronously: wait for its log line before the next signal, which
  // would otherwise race it.
  for (int i = 0; i < 100 && server->output().find("reload (signal) done") == std::string::npos;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Packet reply = query(Endpoint{port, "127.0.0.1"}, "auth.example.test", LDNS_RR_TYPE_A);
  ASSERT_TRUE(reply) << server->output();
  EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(server->running());
  const ExitStatus status = server->stop();
  EXPECT_TRUE(status.success()) << status.toString() << "\n" << server->output();
  const std::string output = server->output();
  EXPECT_NE(output.find("SIGHUP: reloading"), std::string::npos) << output;
  EXPECT_NE(output.find("reload (signal) done"), std::string::npos) << output;
  EXPECT_NE(output.find("stopped"), std::string::npos) << output;
}

TEST(HorizondCommandLine, HelpAndVersionExitZero) {
  const RunResult help = runHorizond({"--help"});
  EXPECT_TRUE(help.status.success()) << help.status.toString();
  EXPECT_NE(help.output.find("--listen"), std::string::npos);
  const RunResult version = runHorizond({"--version"});
  EXPECT_TRUE(version.status.success()) << version.status.toString();
  // One version string for horizond, horizon-sync and dnsctl, from CMake's project version.
  EXPECT_EQ(version.output, std::string(horizon::kVersionString) + "\n");
}

TEST(HorizondCommandLine, BadFlagsExitSixtyFourNamingTheProblem) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--zone", kZoneFile, "--listen", "127.0.0.1:5300", "--bogus"}, "--bogus"},
      {{"--zone", kZoneFile}, "no listen address"},
      {{"--listen", "127.0.0.1:5300"}, "no zone file"},
      {{"--zone", kZoneFile, "--listen", "127.0.0.1:99999"}, "port"},
      {{"--zone", kZoneFile, "--listen", "localhost:53"}, "not an IPv4 or IPv6 address"},
      {{"--zone", kZoneFile, "--listen", "127.0.0.1:53", "--workers", "many"}, "--workers"},
      {{"--zone", kZoneFile, "--listen", "127.0.0.1:53", "--log-level", "loud"}, "--log-level"},
      {{"--zone", kZoneFile, "--listen"}, "--listen: missing value"},
  };
  for (const auto& c : cases) {
    const RunResult result = runHorizond(c.args);
    EXPECT_TRUE(result.status.exited && result.status.code == 64)  // EX_USAGE
        << c.message << ": " << result.status.toString() << "\n"
        << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << result.output;
  }
}

TEST(HorizondCommandLine, UnknownConfigKeyNamesKeyAndLine) {
  TempDir dir;
  const std::string config = dir.write(
      "bad.yaml", "listen: [\"127.0.0.1:5300\"]\nzones: [\"" + kZoneFile + "\"]\nworkerz: 2\n");
  const RunResult result = runHorizond({"--config", config});
  EXPECT_TRUE(result.status.exited && result.status.code == 64) << result.status.toString();
  EXPECT_NE(result.output.find("bad.yaml:3: unknown key 'workerz'"), std::string::npos)
      << result.output;
}

TEST(HorizondCommandLine, BadZoneExitsOneWithTheReport) {
  TempDir dir;
  const std::string zone = dir.write("broken.yaml", "zone: example.test\nviews: 7\n");
  const RunResult result = runHorizond({"--zone", zone, "--listen", "127.0.0.1:5300"});
  EXPECT_TRUE(result.status.exited && result.status.code == 1) << result.status.toString() << "\n"
                                                               << result.output;
  EXPECT_NE(result.output.find("broken.yaml:2"), std::string::npos) << result.output;
}

TEST(HorizondCommandLine, BindFailureExitsOneNamingTheAddress) {
  const std::uint16_t port = findFreePort();
  // A socket without SO_REUSEPORT holds the port, so horizond cannot share it.
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const RunResult result = runHorizond({"--zone", kZoneFile, "--listen", listenArg(port)});
  close(fd);
  EXPECT_TRUE(result.status.exited && result.status.code == 1) << result.status.toString() << "\n"
                                                               << result.output;
  EXPECT_NE(result.output.find("cannot listen on UDP " + listenArg(port)), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace horizon::test
