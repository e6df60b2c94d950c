// The real binaries against what an attacker or a careless second file could do: a second zone
// file cannot widen recursion, YAML aliases cannot blow a small file up, dnsctl leaves a read-only
// zone file alone, a huge bad value or a name with control characters gives short escaped lines
// in the log, the status reply and the terminal, and a second horizond cannot share a port.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kLoopbackHints = HORIZON_TEST_DATA "/loopback.hints";
// A zone with one LAN view and one name, for the tests of a second instance.
const char* const kOneZone =
    "zone: one.test\n"
    "views:\n"
    "  lan: [127.0.0.0/8]\n"
    "records:\n"
    "  www: 192.0.2.1\n";

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// One request on horizond's control socket; the whole reply line (empty when none came).
std::string controlLine(const std::string& path, const std::string& command) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return {};
  }
  const std::string request = Json{{"command", command}}.dump() + "\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return {};
  }
  std::string reply;
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (reply.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return reply;
}

CommandResult dnsctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DNSCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {{"CLOUDFLARE_API_TOKEN", ""},
                                            {"CLOUDFLARE_API_URL", "http://127.0.0.1:9/client/v4"},
                                            {"HORIZON_CONTROL_SOCKET", ""}};
  for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    env[proxy] = "";
  return runCommand(argv, env);
}

bool hasRawControlCharacter(const std::string& text) {
  for (const char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return true;
  return false;
}

// ---- recursion across zone files --------------------------------------------------------------

TEST(HardeningLimits, ASecondZoneFileCannotWidenRecursion) {
  // The first file lets only lan (127.0.0.1) recurse; guest (127.0.0.2) is left out on purpose.
  // The second file names guest too, without a recursion key: its prefixes are loopback, so by
  // default it would recurse. And 127.0.0.3, a view of the second file only (default: recurses),
  // is placed by the first file in guest too.
  TempDir dir;
  StubForwarder forwarder("127.0.0.1");
  const std::string first = dir.write("one.test.yaml",
                                      "zone: one.test\n"
                                      "views:\n"
                                      "  lan: [127.0.0.1/32]\n"
                                      "  guest: [127.0.0.0/8]\n"
                                      "recursion: [lan]\n"
                                      "records:\n"
                                      "  www: 192.0.2.1\n");
  const std::string second = dir.write("two.test.yaml",
                                       "zone: two.test\n"
                                       "views:\n"
                                       "  lan: [127.0.0.1/32]\n"
                                       "  guest: [127.0.0.2/32]\n"
                                       "  office: [127.0.0.3/32]\n"
                                       "records:\n"
                                       "  www: 192.0.2.2\n");
  const auto port = findFreePort();
  auto server = ServerProcess::start({"--zone", first, "--zone", second, "--listen",
                                      listenArg(port), "--forward", forwarder.address()},
                                     port);
  QueryOptions rd;
  rd.recursion_desired = true;
  Packet lan = query({port, "127.0.0.1"}, "outside.example", LDNS_RR_TYPE_A, false, rd);
  ASSERT_TRUE(lan);
  EXPECT_EQ(fullRcode(lan.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(rdataText(ldns_pkt_answer(lan.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"203.0.113.5"});
  for (const char* client : {"127.0.0.2", "127.0.0.3"}) {
    Packet guest = query({port, client}, "outside.example", LDNS_RR_TYPE_A, false, rd);
    ASSERT_TRUE(guest) << client;
    EXPECT_EQ(fullRcode(guest.get()), LDNS_RCODE_REFUSED) << client;
    EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(guest.get())), 0u) << client;
  }
  EXPECT_GE(forwarder.questions(), 1);
  // Both files' own names are still answered to every view.
  Packet own = query({port, "127.0.0.2"}, "www.two.test", LDNS_RR_TYPE_A);
  ASSERT_TRUE(own);
  EXPECT_EQ(rdataText(ldns_pkt_answer(own.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"192.0.2.2"});
  EXPECT_TRUE(server->stop().success()) << server->output();
}

// ---- YAML alias expansion ---------------------------------------------------------------------

TEST(HardeningLimits, DnsctlCheckRefusesAFileThatAliasesBlowUp) {
  // One alias level: an anchored list of 500 addresses, used by 1,000 names. About 30 kB of
  // text that would be half a million records.
  TempDir dir;
  std::string text =
      "zone: bomb.test\n"
      "views:\n"
      "  lan: [127.0.0.0/8]\n"
      "records:\n"
      "  n0: &x [";
  for (int i = 0; i < 500; ++i)
    text += (i ? ", " : "") + std::string("10.0.") + std::to_string(i / 250) + "." +
            std::to_string(i % 250 + 1);
  text += "]\n";
  for (int i = 1; i <= 1000; ++i) text += "  n" + std::to_string(i) + ": *x\n";
  const std::string path = dir.write("bomb.test.yaml", text);
  // Refused at the alias, before any record is made (runCommand kills it after 60 s).
  CommandResult r = dnsctl({"check", "--zone", path});
  EXPECT_EQ(r.exit_code, 1) << r.all().substr(0, 2000);
  // The error points at the first alias over the budget (10 per node written so far plus
  // 100,000): each alias adds the 501 nodes of the list, so it is n213, on line 218, column 9.
  EXPECT_THAT(r.out, HasSubstr(path + ":218:9: error: YAML syntax error: aliases expand the "
                                      "document too far"))
      << r.all().substr(0, 2000);
  EXPECT_LT(r.all().size(), 2000u);
}

// ---- dnsctl and a read-only zone file -----------------------------------------------------------

TEST(HardeningLimits, DnsctlLeavesAReadOnlyZoneFileAloneUnlessForced) {
  TempDir dir;
  const std::string seed = slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  const std::string zone = dir.write("madhan.app.yaml", seed);
  ASSERT_EQ(::chmod(zone.c_str(), 0444), 0);

  CommandResult refused = dnsctl({"expose", "jellyfin", "--zone", zone});
  EXPECT_EQ(refused.exit_code, 2) << refused.all();
  EXPECT_THAT(refused.err, HasSubstr("read-only (mode 0444"));
  EXPECT_THAT(refused.err, HasSubstr("--force"));
  EXPECT_EQ(slurp(zone), seed);
  // Reports that write nothing still work on it.
  const std::string hosts = dir.write("hosts", "192.168.1.77 nas.madhan.app\n");
  CommandResult dry = dnsctl({"import-hosts", hosts, "--dry-run", "--zone", zone});
  EXPECT_EQ(dry.exit_code, 0) << dry.all();
  EXPECT_EQ(slurp(zone), seed);

  CommandResult forced = dnsctl({"expose", "jellyfin", "--force", "--zone", zone});
  ASSERT_EQ(forced.exit_code, 0) << forced.all();
  EXPECT_THAT(slurp(zone), HasSubstr("services: [grafana, jellyfin]"));
  struct stat st {};
  ASSERT_EQ(::stat(zone.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u) << "the file stays read-only";
  CommandResult help = dnsctl({"expose", "--help"});
  EXPECT_THAT(help.out, HasSubstr("refused unless --force"));
}

// ---- huge values and control characters in errors -----------------------------------------------

class ErrorTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_ = dir_.write("big.test.yaml", good());
    socket_ = dir_.path() + "/control.sock";
    server_ = ServerProcess::start(
        {"--zone", zone_, "--listen", listenArg(port_), "--control", socket_, "--query-log",
         "--forward", "127.0.0.1:" + std::to_string(findFreePort())},
        port_);
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->stop().success());
    }
  }

  static std::string good() {
    return "zone: big.test\n"
           "views:\n"
           "  lan: [127.0.0.0/8]\n"
           "recursion: [lan]\n"
           "records:\n"
           "  www: 192.0.2.1\n";
  }

  // The server's output since `before`, line by line.
  std::vector<std::string> newLines(std::size_t before) const {
    return linesOf(server_->output().substr(before));
  }

  TempDir dir_;
  std::uint16_t port_ = findFreePort();
  std::string zone_, socket_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ErrorTextTest, AFiveMegabyteValueGivesShortLinesAndAShortStatus) {
  // A TXT value of 5 MiB (over the 65,535 octets a record may hold) and an address that is
  // 1 MiB long: both are errors that quote their value.
  std::string text = good();
  text += "  huge:\n    txt: \"" + std::string(5 * 1024 * 1024, 'A') + "\"\n";
  text += "  long: \"" + std::string(1024 * 1024, 'B') + "\"\n";
  writeText(zone_, text);
  const std::size_t before = server_->output().size();
  const std::string reload = controlLine(socket_, "reload");
  ASSERT_FALSE(reload.empty());
  EXPECT_THAT(reload, HasSubstr("\"ok\":false"));
  EXPECT_LT(reload.size(), 4096u) << reload.substr(0, 4096);
  const std::string status = controlLine(socket_, "status");
  ASSERT_FALSE(status.empty());
  EXPECT_LT(status.size(), 4096u) << status.substr(0, 4096);
  EXPECT_THAT(status, HasSubstr("characters)"));  // the shortened value says how long it was
  // The failed reload's log: every line under 1 KB, and a few lines in all.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto lines = newLines(before);
  ASSERT_FALSE(lines.empty());
  std::size_t total = 0;
  for (const auto& line : lines) {
    EXPECT_LT(line.size(), 1024u) << line.substr(0, 300);
    total += line.size();
  }
  EXPECT_LT(total, 8192u);
  // dnsctl check says the same in short lines.
  CommandResult check = dnsctl({"check", "--zone", zone_});
  EXPECT_EQ(check.exit_code, 1);
  for (const auto& line : linesOf(check.all())) EXPECT_LT(line.size(), 1024u) << line;
  // And the server still answers from the last good data.
  Packet www = query({port_, "127.0.0.1"}, "www.big.test", LDNS_RR_TYPE_A);
  ASSERT_TRUE(www);
  EXPECT_EQ(rdataText(ldns_pkt_answer(www.get()), LDNS_RR_TYPE_A),
            std::vector<std::string>{"192.0.2.1"});
}

TEST_F(ErrorTextTest, ControlCharactersAreEscapedInLogsStatusAndTerminal) {
  // A value holding a newline, ESC and a terminal sequence; YAML's double quotes decode them.
  std::string text = good();
  text += "  bad: \"not-an-address\\n\\e[2J\\e]0;owned\\a\"\n";
  writeText(zone_, text);
  const std::size_t before = server_->output().size();
  const std::string reload = controlLine(socket_, "reload");
  EXPECT_THAT(reload, HasSubstr("not-an-address\\\\010\\\\027[2J"));  // JSON escapes the '\'
  const std::string status = controlLine(socket_, "status");
  EXPECT_THAT(status, HasSubstr("not-an-address\\\\010\\\\027[2J"));
  // A query name with a newline and ESC in it (recursed, so logged as recursion's).
  ASSERT_TRUE(query({port_, "127.0.0.1"}, "evil\\010line\\027[31m.example", LDNS_RR_TYPE_A, false,
                    {.recursion_desired = true}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string log = server_->output().substr(before);
  EXPECT_THAT(log, HasSubstr("not-an-address\\010\\027[2J\\027]0;owned\\007"));
  EXPECT_THAT(log, HasSubstr("qname=evil\\010line\\027[31m.example."));
  EXPECT_FALSE(hasRawControlCharacter(log)) << log;
  CommandResult check = dnsctl({"check", "--zone", zone_});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_THAT(check.all(), HasSubstr("not-an-address\\010\\027[2J"));
  EXPECT_FALSE(hasRawControlCharacter(check.all())) << check.all();
  // A name typed on dnsctl's command line is escaped when it is echoed.
  CommandResult expose = dnsctl({"expose", "x\x1b[2Jy", "--zone", zone_});
  EXPECT_NE(expose.exit_code, 0);
  EXPECT_FALSE(hasRawControlCharacter(expose.all())) << expose.all();
}

// ---- a second instance --------------------------------------------------------------------------

TEST(HardeningLimits, ASecondHorizondOnTheSamePortExitsWithAnError) {
  TempDir dir;
  const std::string zone = dir.write("one.test.yaml", kOneZone);
  const auto port = findFreePort();
  // The first one shares its port among its own workers' sockets (SO_REUSEPORT).
  const std::vector<std::string> args = {"--zone",    zone, "--listen",     listenArg(port),
                                         "--workers", "2",  "--root-hints", kLoopbackHints};
  auto first = ServerProcess::start(args, port);
  RunResult second = runHorizond(args, Millis(8000));
  EXPECT_TRUE(second.status.exited) << second.status.toString() << "\n" << second.output;
  EXPECT_NE(second.status.code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(second.output, HasSubstr("already serves this address and port"));
  EXPECT_THAT(second.output, HasSubstr("horizond does not share a port"));
  // The first keeps answering, over UDP and TCP, every time.
  for (int i = 0; i < 20; ++i) {
    Packet udp = query({port, "127.0.0.1"}, "www.one.test", LDNS_RR_TYPE_A);
    ASSERT_TRUE(udp) << i;
    EXPECT_EQ(rdataText(ldns_pkt_answer(udp.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{"192.0.2.1"});
  }
  Packet tcp = query({port, "127.0.0.1"}, "www.one.test", LDNS_RR_TYPE_A, true);
  ASSERT_TRUE(tcp);
  EXPECT_TRUE(first->stop().success()) << first->output();
  // Once the first is gone, the port is free again at once.
  auto again = ServerProcess::start(args, port);
  EXPECT_TRUE(again->stop().success()) << again->output();
}

// Two started at the same moment both find the port free when they probe it; the claim each
// makes before probing lets only one go on, every time.
TEST(HardeningLimits, OfTwoHorizondsStartedTogetherOneServes) {
  TempDir dir;
  const std::string zone = dir.write("one.test.yaml", kOneZone);
  for (int round = 0; round < 5; ++round) {
    const auto port = findFreePort();
    const std::vector<std::string> args = {"--zone",        zone,           "--listen",
                                           listenArg(port), "--root-hints", kLoopbackHints};
    auto a = ServerProcess::launch(args);
    auto b = ServerProcess::launch(args);
    // Both have bound or given up once one answers and a moment has passed.
    for (int i = 0; i < 100 && !query({port, "127.0.0.1"}, "www.one.test", LDNS_RR_TYPE_A); ++i)
      std::this_thread::sleep_for(Millis(50));
    std::this_thread::sleep_for(Millis(1000));
    const bool a_runs = a->running(), b_runs = b->running();
    EXPECT_NE(a_runs, b_runs) << "round " << round << ": both or neither serve\n"
                              << a->output() << "\n---\n"
                              << b->output();
    const ServerProcess& gone = a_runs ? *b : *a;
    EXPECT_THAT(gone.output(), HasSubstr("horizond does not share a port")) << round;
  }
}

}  // namespace
}  // namespace horizon::test
