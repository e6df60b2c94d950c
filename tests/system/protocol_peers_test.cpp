// Protocol details compared with the peers from Debian on the same questions: TSIG errors
// (RFC 8945 5.2), RD=0 outside our zones, NSID (RFC 5001) and the CH TXT identity, server cookies
// (RFC 7873, RFC 9018) and a compression pointer into the header. horizond, NSD, Knot, Unbound
// and BIND each run on loopback with the same zone, key and identity settings; dig (Debian's
// dnsutils) asks every one of them, so the client is the same for all.
#include <gtest/gtest.h>
#include <stdio.h>

#include <array>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "dns_hierarchy.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr const char* kZone = "peers.test";
// The same key everywhere; kWrongSecret differs in its last octet.
constexpr const char* kSecret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0";
constexpr const char* kWrongSecret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV1";
constexpr const char* kCookieSecret = "00112233445566778899aabbccddeeff";

const char* kZoneText =
    "$ORIGIN peers.test.\n$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 600 604800 300\n"
    "@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.10\n";
const char* kZoneYaml =
    "zone: peers.test\nttl: 300\nviews:\n  all: [127.0.0.0/8]\n"
    "records:\n  ns1: 192.0.2.53\n  www: 192.0.2.10\n";

// What dig printed, and the parts of it the comparisons look at.
struct DigResult {
  std::string text;
  std::string status;          // "NOERROR", "NOTAUTH", ... ("" when no answer)
  std::string tsig_error;      // the TSIG record's error ("NOERROR", "BADKEY", ...), "" without one
  std::string nsid;            // the NSID option's text, "" without one
  std::string cookie;          // the COOKIE option in hex, "" without one
  bool tsig_verified = false;  // a TSIG came back and dig checked its MAC
};

std::string captured(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

// Runs dig against 127.0.0.1:port with `args`; one try, two seconds.
DigResult dig(std::uint16_t port, const std::vector<std::string>& args) {
  std::string command = "dig @127.0.0.1 -p " + std::to_string(port) + " +tries=1 +time=2";
  for (const auto& arg : args) command += " '" + arg + "'";
  DigResult r;
  if (FILE* out = popen((command + " 2>&1").c_str(), "r")) {
    std::array<char, 4096> buffer;
    std::size_t n;
    while ((n = fread(buffer.data(), 1, buffer.size(), out)) > 0) r.text.append(buffer.data(), n);
    pclose(out);
  }
  r.status = captured(r.text, "status: ([A-Z]+)");
  r.tsig_error = captured(r.text, "\\bTSIG\\s+\\S+ \\d+ \\d+ \\d+ (?:\\S+ )?\\d+ ([A-Z]+) ");
  r.nsid = captured(r.text, "; NSID: [^(]*\\(\"([^\"]*)\"\\)");
  r.cookie = captured(r.text, "; COOKIE: ([0-9a-f]+)");
  r.tsig_verified = r.text.find("TSIG PSEUDOSECTION") != std::string::npos &&
                    r.text.find("could not be validated") == std::string::npos &&
                    r.text.find("Couldn't verify") == std::string::npos;
  return r;
}

// Waits until a daemon answers www.peers.test on `port`.
bool answers(std::uint16_t port, Millis timeout = Millis(15000)) {
  const Bytes probe = buildQuery("www.peers.test.", LDNS_RR_TYPE_A);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (exchangeUdp(Endpoint{port, "127.0.0.1", "127.0.0.1"}, probe, Millis(200))) return true;
    std::this_thread::sleep_for(Millis(50));
  }
  return false;
}

// One peer: a daemon from Debian with its configuration in a directory of its own.
struct Peer {
  std::string name;
  std::uint16_t port = 0;
  std::unique_ptr<TempDir> dir = std::make_unique<TempDir>();
  std::unique_ptr<DaemonProcess> process;
};

class ProtocolPeers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string nsd = findNsdProgram();
    const std::string knot = findProgram({"/usr/sbin/knotd"});
    const std::string named = findProgram({"/usr/sbin/named"});
    if (nsd.empty() || knot.empty() || named.empty() || findUnboundProgram().empty() ||
        findProgram({"/usr/bin/dig"}).empty()) {
      skip_ = "needs nsd, knot, unbound, bind9 and dig (deploy/install-deps.sh test installs them)";
      return;
    }
    forwarder_ = std::make_unique<StubForwarder>("127.0.0.1");
    const std::string key = std::string("hmac-sha256:xfr:") + kSecret;

    // horizond: the zone in YAML, recursion through the stub forwarder.
    horizond_dir_ = std::make_unique<TempDir>();
    horizond_port_ = findFreePort();
    horizond_ = ServerProcess::start(
        {"--zone", horizond_dir_->write("peers.test.yaml", kZoneYaml), "--listen",
         listenArg(horizond_port_), "--forward", forwarder_->address(), "--workers", "1", "--nsid",
         "horizond-test", "--identity-chaos", "--tsig-key", key, "--cookie-secret", kCookieSecret},
        horizond_port_);

    Peer& n = peers_["nsd"];
    n.port = findFreePort();
    std::string nsd_text = nsdServerSection({"127.0.0.1@" + std::to_string(n.port)}, n.dir->path());
    // The section ends with remote-control:; the identity belongs to the server: clause before.
    nsd_text.insert(nsd_text.find("remote-control:"), "  nsid: \"ascii_nsd-test\"\n");
    nsd_text += std::string("key:\n  name: xfr\n  algorithm: hmac-sha256\n  secret: \"") + kSecret +
                "\"\nzone:\n  name: " + kZone + "\n  zonefile: \"" +
                n.dir->write("zone", kZoneText) + "\"\n";
    n.process = std::make_unique<DaemonProcess>(
        std::vector<std::string>{nsd, "-d", "-c", n.dir->write("nsd.conf", nsd_text)},
        n.dir->path() + "/log");

    Peer& k = peers_["knot"];
    k.port = findFreePort();
    const std::string& kd = k.dir->path();
    std::ostringstream knot_conf;
    knot_conf << "server:\n  listen: 127.0.0.1@" << k.port << "\n  nsid: \"knot-test\"\n"
              << "  rundir: \"" << kd << "\"\ndatabase:\n  storage: \"" << kd << "\"\n"
              << "key:\n  - id: xfr\n    algorithm: hmac-sha256\n    secret: " << kSecret << "\n"
              << "template:\n  - id: default\n    storage: \"" << kd << "\"\n"
              << "zone:\n  - domain: " << kZone << "\n    file: \""
              << k.dir->write("zone", kZoneText) << "\"\n";
    k.process = std::make_unique<DaemonProcess>(
        std::vector<std::string>{knot, "-c", k.dir->write("knot.conf", knot_conf.str())},
        kd + "/log");

    Peer& b = peers_["bind"];
    b.port = findFreePort();
    const std::string& bd = b.dir->path();
    std::ostringstream named_conf;
    named_conf << "options {\n  directory \"" << bd << "\";\n  listen-on port " << b.port
               << " { 127.0.0.1; };\n  listen-on-v6 { none; };\n  pid-file \"" << bd
               << "/named.pid\";\n  recursion no;\n  server-id \"bind-test\";\n"
               << "  cookie-secret \"" << kCookieSecret << "\";\n  require-server-cookie yes;\n};\n"
               << "key \"xfr\" { algorithm hmac-sha256; secret \"" << kSecret << "\"; };\n"
               << "controls { };\n"
               << "zone \"" << kZone << "\" { type primary; file \""
               << b.dir->write("zone", kZoneText) << "\"; };\n";
    b.process = std::make_unique<DaemonProcess>(
        std::vector<std::string>{named, "-g", "-c", b.dir->write("named.conf", named_conf.str())},
        bd + "/log");

    UnboundOptions unbound_options;
    unbound_options.extra_server_config = "  nsid: \"ascii_unbound-test\"\n";
    unbound_ = UnboundProcess::start(HORIZON_TEST_DATA "/loopback.hints", unbound_options);

    for (auto& [name, peer] : peers_)
      if (!answers(peer.port))
        throw std::runtime_error(name + " did not answer:\n" + peer.process->log());
  }

  static void TearDownTestSuite() {
    for (auto& [name, peer] : peers_)
      if (peer.process) peer.process->stop();
    peers_.clear();
    unbound_.reset();
    if (horizond_) horizond_->stop();
    horizond_.reset();
    forwarder_.reset();
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static inline std::string skip_;
  static inline std::unique_ptr<StubForwarder> forwarder_;
  static inline std::unique_ptr<TempDir> horizond_dir_;
  static inline std::uint16_t horizond_port_ = 0;
  static inline std::unique_ptr<ServerProcess> horizond_;
  static inline std::map<std::string, Peer> peers_;
  static inline std::unique_ptr<UnboundProcess> unbound_;
};

TEST_F(ProtocolPeers, TsigWithAnUnknownKeyIsNotauthBadkey) {
  const std::vector<std::string> args = {"www.peers.test",
                                         std::string("-y") + "hmac-sha256:nokey:" + kSecret};
  const DigResult ours = dig(horizond_port_, args);
  EXPECT_EQ(ours.status, "NOTAUTH") << ours.text;
  EXPECT_EQ(ours.tsig_error, "BADKEY") << ours.text;
  for (const char* peer : {"nsd", "knot", "bind"}) {
    const DigResult theirs = dig(peers_[peer].port, args);
    EXPECT_EQ(theirs.status, ours.status) << peer << ":\n" << theirs.text;
    EXPECT_EQ(theirs.tsig_error, ours.tsig_error) << peer << ":\n" << theirs.text;
  }
}

TEST_F(ProtocolPeers, TsigWithAWrongSecretIsNotauthBadsig) {
  // Knot only accepts keys its ACLs name, so it says BADKEY here; NSD and BIND are the peers.
  const std::vector<std::string> args = {"www.peers.test",
                                         std::string("-y") + "hmac-sha256:xfr:" + kWrongSecret};
  const DigResult ours = dig(horizond_port_, args);
  EXPECT_EQ(ours.status, "NOTAUTH") << ours.text;
  EXPECT_EQ(ours.tsig_error, "BADSIG") << ours.text;
  for (const char* peer : {"nsd", "bind"}) {
    const DigResult theirs = dig(peers_[peer].port, args);
    EXPECT_EQ(theirs.status, ours.status) << peer << ":\n" << theirs.text;
    EXPECT_EQ(theirs.tsig_error, ours.tsig_error) << peer << ":\n" << theirs.text;
  }
}

TEST_F(ProtocolPeers, TsigWithTheKeyIsAnsweredAndSigned) {
  const std::vector<std::string> args = {"www.peers.test",
                                         std::string("-y") + "hmac-sha256:xfr:" + kSecret};
  const DigResult ours = dig(horizond_port_, args);
  EXPECT_EQ(ours.status, "NOERROR") << ours.text;
  EXPECT_NE(ours.text.find("192.0.2.10"), std::string::npos) << ours.text;
  EXPECT_TRUE(ours.tsig_verified) << "dig could not check horizond's signature:\n" << ours.text;
  const DigResult theirs = dig(peers_["nsd"].port, args);
  EXPECT_EQ(theirs.status, "NOERROR") << theirs.text;
  EXPECT_TRUE(theirs.tsig_verified) << theirs.text;
}

TEST_F(ProtocolPeers, NoRecursionDesiredOutsideOurZonesIsRefusedUnlessCached) {
  const DigResult ours = dig(horizond_port_, {"+norec", "uncached.example."});
  EXPECT_EQ(ours.status, "REFUSED") << ours.text;
  EXPECT_EQ(forwarder_->questionsFor("uncached.example."), 0) << "RD=0 started a resolution";
  EXPECT_EQ(dig(unbound_->port(), {"+norec", "uncached.example."}).status, "REFUSED");
  for (const char* peer : {"nsd", "knot", "bind"})
    EXPECT_EQ(dig(peers_[peer].port, {"+norec", "uncached.example."}).status, "REFUSED") << peer;
  // Once resolved (RD=1), the cache answers RD=0 too, as Unbound does.
  EXPECT_EQ(dig(horizond_port_, {"+rec", "cached.example."}).status, "NOERROR");
  const DigResult cached = dig(horizond_port_, {"+norec", "cached.example."});
  EXPECT_EQ(cached.status, "NOERROR") << cached.text;
  EXPECT_NE(cached.text.find("203.0.113.5"), std::string::npos) << cached.text;
}

TEST_F(ProtocolPeers, NsidAndTheChaosIdentity) {
  EXPECT_EQ(dig(horizond_port_, {"+nsid", "www.peers.test"}).nsid, "horizond-test");
  EXPECT_EQ(dig(peers_["nsd"].port, {"+nsid", "www.peers.test"}).nsid, "nsd-test");
  EXPECT_EQ(dig(peers_["knot"].port, {"+nsid", "www.peers.test"}).nsid, "knot-test");
  EXPECT_EQ(dig(peers_["bind"].port, {"+nsid", "www.peers.test"}).nsid, "bind-test");
  // Unbound iterates from loopback hints for peers.test; its own localhost. answers at once.
  EXPECT_EQ(dig(unbound_->port(), {"+nsid", "localhost."}).nsid, "unbound-test");
  // Not asked for, not sent (RFC 5001 2.1).
  EXPECT_EQ(dig(horizond_port_, {"www.peers.test"}).nsid, "");
  for (const char* name : {"id.server", "hostname.bind"}) {
    const DigResult ours = dig(horizond_port_, {"+short", "CH", "TXT", name});
    EXPECT_EQ(ours.text, "\"horizond-test\"\n") << name;
  }
  // BIND answers id.server with its server-id (and hostname.bind with the host's name).
  EXPECT_EQ(dig(peers_["bind"].port, {"+short", "CH", "TXT", "id.server"}).text, "\"bind-test\"\n");
}

TEST_F(ProtocolPeers, ServerCookiesAreInterchangeableWithBind) {
  // Same secret, RFC 9018's algorithm: a cookie BIND made is good at horizond and the other way
  // round. BIND requires a valid cookie (require-server-cookie), so a bad one is BADCOOKIE there.
  const std::string client = "0102030405060708";
  const DigResult from_bind = dig(peers_["bind"].port, {"+cookie=" + client, "www.peers.test"});
  ASSERT_EQ(from_bind.cookie.size(), 48u) << from_bind.text;
  const DigResult from_us = dig(horizond_port_, {"+cookie=" + client, "www.peers.test"});
  ASSERT_EQ(from_us.cookie.size(), 48u) << from_us.text;
  EXPECT_EQ(from_us.cookie.substr(0, 24), client + "01000000");

  const DigResult ours =
      dig(horizond_port_, {"+nobadcookie", "+cookie=" + from_bind.cookie, "www.peers.test"});
  EXPECT_EQ(ours.status, "NOERROR") << ours.text;
  const DigResult theirs =
      dig(peers_["bind"].port, {"+nobadcookie", "+cookie=" + from_us.cookie, "www.peers.test"});
  EXPECT_EQ(theirs.status, "NOERROR") << theirs.text;

  std::string forged = from_us.cookie;
  forged.back() = forged.back() == '0' ? '1' : '0';
  for (std::uint16_t port : {horizond_port_, peers_["bind"].port}) {
    const DigResult bad = dig(port, {"+nobadcookie", "+cookie=" + forged, "www.peers.test"});
    EXPECT_EQ(bad.status, "BADCOOKIE") << bad.text;
    EXPECT_EQ(bad.cookie.substr(0, 16), client) << "a fresh cookie comes with BADCOOKIE";
    EXPECT_NE(bad.cookie, forged);
  }
  // Over TCP the handshake proves the address: the question is answered (RFC 7873 5.2.4).
  EXPECT_EQ(
      dig(horizond_port_, {"+tcp", "+nobadcookie", "+cookie=" + forged, "www.peers.test"}).status,
      "NOERROR");
}

TEST_F(ProtocolPeers, MalformedCookieOptionIsFormerr) {
  // RFC 7873 5.2.2: a COOKIE option of 12 octets (a client cookie and half a server cookie).
  const DigResult ours =
      dig(horizond_port_, {"+cookie=010203040506070801020304", "www.peers.test"});
  EXPECT_EQ(ours.status, "FORMERR") << ours.text;
  EXPECT_EQ(dig(peers_["bind"].port, {"+cookie=010203040506070801020304", "www.peers.test"}).status,
            "FORMERR");
}

TEST_F(ProtocolPeers, CompressionPointerIntoTheHeaderIsFormerr) {
  // Header, then a question name that is only a pointer to offset 4 (QDCOUNT's first octet, 0):
  // read as a name it would be the root.
  const Bytes query = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 4, 0, 1, 0, 1};
  const auto ours = exchangeUdp(Endpoint{horizond_port_, "127.0.0.1", "127.0.0.1"}, query);
  ASSERT_TRUE(ours);
  ASSERT_GE(ours->size(), 4u);
  EXPECT_EQ((*ours)[3] & 0x0F, 1) << "FORMERR";
  const auto unbound = exchangeUdp(unbound_->endpoint(), query);
  ASSERT_TRUE(unbound);
  EXPECT_EQ((*unbound)[3] & 0x0F, 1) << "Unbound: FORMERR";
  // Knot does not answer it at all; NSD and BIND answer, but never with data for the root.
  EXPECT_FALSE(
      exchangeUdp(Endpoint{peers_["knot"].port, "127.0.0.1", "127.0.0.1"}, query, Millis(500)));
}

}  // namespace
}  // namespace horizon::test
