// horizond's resolver in forward mode, against upstreams on loopback only: NSD serving real zones
// (tests/data/resolver/*.zone) and small DNS servers written here (a hostile one and a slow
// counting one). horizond serves tests/data/resolver/home.test.yaml, whose lan (127.0.0.1) and
// vpn (127.0.0.2) views may recurse and whose public view (127.0.0.3) may not.
//
//   ForwardModeLanAndVpn        failover past a forwarder that never answers, conditional
//                               forwarding of cluster.local, CNAME, NXDOMAIN, NODATA, AAAA,
//                               rebinding protection and its allow-list, TCP
//   PublicViewIsRefused         never an open resolver, even for names already in the cache
//   ServeStale                  every upstream stopped: expired data with TTL 30, SERVFAIL (not a
//                               hang) for names never cached, SERVFAIL with --no-serve-stale
//   SpoofedAnswersAreRejected   wrong id, wrong question, wrong source port, unrelated records and
//                               a private address: none of it served, none of it cached
//   IdenticalQueriesCoalesce    20 identical questions at once become at most one upstream query
//                               per worker
//
// Every wait is bounded; nothing asserts on timing beyond "the answer arrives within the client's
// timeout". No packet leaves 127.0.0.0/8.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dns_hierarchy.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kData = HORIZON_TEST_DATA "/resolver/";
const std::string kZoneYaml = kData + "home.test.yaml";

// Client sources, one per view of home.test.yaml.
const std::string kLan = "127.0.0.1";
const std::string kVpn = "127.0.0.2";
const std::string kPublic = "127.0.0.3";

// What a stub waits for one answer. Every resolution is bounded by horizond's 3 s deadline, so
// anything slower than this is a hang.
constexpr Millis kClientTimeout(8000);

// ---------------------------------------------------------------------------------------------
// Asking horizond and reading its answers

// Asks the way a stub resolver does (RD set, EDNS, a random id), once, from `source`; null when
// nothing (parseable) came back within `timeout`.
Packet ask(std::uint16_t port, const std::string& source, const std::string& name,
           ldns_rr_type type, bool tcp = false, Millis timeout = kClientTimeout) {
  static std::minstd_rand ids(std::random_device{}());
  QueryOptions options;
  options.recursion_desired = true;
  options.id = static_cast<std::uint16_t>(ids());
  const Bytes message = buildQuery(name, type, options);
  const Endpoint endpoint{port, source, "127.0.0.1"};
  const auto wire =
      tcp ? exchangeTcp(endpoint, message, timeout) : exchangeUdp(endpoint, message, timeout);
  if (!wire) return nullptr;
  return parsePacket(*wire);
}

// canonicalRecord of each line, sorted (the form canonicalAnswer returns).
std::vector<std::string> canonical(std::vector<std::string> lines) {
  for (auto& line : lines) line = canonicalRecord(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// True when any section of the response carries an A or AAAA record with this address.
bool carriesAddress(const ldns_pkt* packet, const std::string& address) {
  for (const ldns_rr_list* section :
       {ldns_pkt_answer(packet), ldns_pkt_authority(packet), ldns_pkt_additional(packet)}) {
    for (auto type : {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA}) {
      const auto values = rdataText(section, type);
      if (std::find(values.begin(), values.end(), address) != values.end()) return true;
    }
  }
  return false;
}

// The owners of the SOA records in the authority section ("example.org.").
std::vector<std::string> soaOwners(const ldns_pkt* packet) {
  std::vector<std::string> owners;
  const ldns_rr_list* section = ldns_pkt_authority(packet);
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA) continue;
    char* text = ldns_rdf2str(ldns_rr_owner(rr));
    std::string owner = text != nullptr ? text : "";
    std::free(text);
    std::transform(owner.begin(), owner.end(), owner.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    owners.push_back(owner);
  }
  return owners;
}

// ---------------------------------------------------------------------------------------------
// NSD upstreams

// One zone NSD serves: its origin and a file in tests/data/resolver.
struct NsdZone {
  std::string origin;
  std::string file;
};

// NSD in the foreground on 127.0.0.1:<free port>, serving `zones` from the test data.
class NsdUpstream {
 public:
  /// Starts NSD and waits (bounded) until it answers every zone's SOA authoritatively; tries
  /// another port when the one picked was taken meanwhile. Throws with NSD's log on failure.
  static std::unique_ptr<NsdUpstream> start(std::vector<NsdZone> zones) {
    const std::string nsd = findNsdProgram();
    if (nsd.empty()) throw std::runtime_error("NSD is not installed");
    std::string last_log;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::unique_ptr<NsdUpstream> upstream(new NsdUpstream());
      upstream->zones_ = zones;
      upstream->port_ = findFreePort();
      const std::string conf = upstream->writeConfig();
      upstream->process_ = std::make_unique<DaemonProcess>(
          std::vector<std::string>{nsd, "-d", "-c", conf}, upstream->dir_.path() + "/nsd.log");
      if (upstream->waitUntilAnswering(Clock::now() + Millis(15000))) return upstream;
      last_log = upstream->process_->log();
      const bool exited = !upstream->process_->running();
      upstream->process_->stop();
      if (!exited) throw std::runtime_error("NSD did not answer in time:\n" + last_log);
    }
    throw std::runtime_error("NSD exited during startup:\n" + last_log);
  }

  std::uint16_t port() const { return port_; }
  /// "127.0.0.1:PORT", for --forward and --forward-zone.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Stops NSD (bounded; its sockets are closed when this returns).
  void stop() { process_->stop(); }
  /// True when NSD answers its first zone's SOA on its port within `timeout`.
  bool answers(Millis timeout = Millis(500)) const {
    const Bytes probe = buildQuery(zones_.front().origin, LDNS_RR_TYPE_SOA);
    return exchangeUdp({port_, "127.0.0.1", "127.0.0.1"}, probe, timeout).has_value();
  }
  std::string log() const { return process_->log(); }

 private:
  NsdUpstream() = default;

  // No chroot, no user switch, every state file in the temp dir; zone files read in place.
  std::string writeConfig() const {
    const std::string& d = dir_.path();
    std::ostringstream conf;
    conf << nsdServerSection({"127.0.0.1@" + std::to_string(port_)}, d);
    for (const auto& zone : zones_)
      conf << "zone:\n"
           << "  name: \"" << zone.origin << "\"\n"
           << "  zonefile: \"" << kData << zone.file << "\"\n";
    return dir_.write("nsd.conf", conf.str());
  }

  bool waitUntilAnswering(Clock::time_point deadline) {
    for (const auto& zone : zones_) {
      const Bytes probe = buildQuery(zone.origin, LDNS_RR_TYPE_SOA);
      for (;;) {
        if (!process_->running()) return false;
        if (auto wire = exchangeUdp({port_, "127.0.0.1", "127.0.0.1"}, probe, Millis(200))) {
          Packet reply = parsePacket(*wire);
          if (reply && ldns_pkt_aa(reply.get()) && ldns_pkt_ancount(reply.get()) == 1) break;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(Millis(50));
      }
    }
    return true;
  }

  TempDir dir_;
  std::vector<NsdZone> zones_;
  std::uint16_t port_ = 0;
  std::unique_ptr<DaemonProcess> process_;
};

// ---------------------------------------------------------------------------------------------
// DNS servers written in the test

// A UDP socket bound to 127.0.0.1:<kernel's choice>. Throws on failure.
int bindLoopbackUdp(std::uint16_t* port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t len = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) {
    close(fd);
    throw std::runtime_error("bind to 127.0.0.1 failed");
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A forwarder that never answers: a bound UDP socket nobody reads (so no ICMP "port unreachable"
// tells horizond to give up early). It can tell whether horizond sent it anything.
class DeadUpstream {
 public:
  DeadUpstream() : fd_(bindLoopbackUdp(&port_)) {}
  ~DeadUpstream() { close(fd_); }
  DeadUpstream(const DeadUpstream&) = delete;
  DeadUpstream& operator=(const DeadUpstream&) = delete;
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// True when a query is waiting unread in the socket (horizond did try this forwarder).
  bool wasAsked() const {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }

 private:
  std::uint16_t port_ = 0;
  int fd_ = -1;
};

// A query as a test server received it.
struct ReceivedQuery {
  std::uint16_t id = 0;
  Bytes question;          // qname, qtype and qclass exactly as sent (0x20 case included)
  Bytes qname;             // the qname's wire form as sent
  std::string name_lower;  // "www.hostile.test."
  std::uint16_t qtype = 0;
};

// Parses a query without compression in the question (as every resolver sends); nullopt for
// anything else.
std::optional<ReceivedQuery> parseReceivedQuery(const Bytes& m) {
  if (m.size() < 12 + 5 || (m[2] & 0x80) != 0) return std::nullopt;
  if (((m[4] << 8) | m[5]) != 1) return std::nullopt;
  ReceivedQuery q;
  q.id = static_cast<std::uint16_t>((m[0] << 8) | m[1]);
  std::size_t at = 12;
  while (at < m.size() && m[at] != 0) {
    const std::size_t len = m[at];
    if (len > 63 || at + 1 + len >= m.size()) return std::nullopt;
    for (std::size_t i = 1; i <= len; ++i)
      q.name_lower.push_back(static_cast<char>(std::tolower(m[at + i])));
    q.name_lower.push_back('.');
    at += 1 + len;
  }
  if (q.name_lower.empty()) q.name_lower = ".";
  if (at + 5 > m.size()) return std::nullopt;
  q.qname.assign(m.begin() + 12, m.begin() + static_cast<long>(at) + 1);
  q.qtype = static_cast<std::uint16_t>((m[at + 1] << 8) | m[at + 2]);
  q.question.assign(m.begin() + 12, m.begin() + static_cast<long>(at) + 5);
  return q;
}

// "www.hostile.test." in wire form.
Bytes wireName(const std::string& text) {
  Bytes out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto dot = text.find('.', start);
    const std::string label = text.substr(start, dot - start);
    if (label.empty()) break;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

// One record for a hand-made response.
struct WireRecord {
  Bytes owner;  // wire form
  std::uint16_t type = 1;
  std::uint32_t ttl = 300;
  Bytes rdata;
};

// An A record whose owner is `owner` (wire form) and address `address` ("192.0.2.7").
WireRecord aRecord(Bytes owner, const std::string& address, std::uint32_t ttl = 300) {
  in_addr a{};
  inet_pton(AF_INET, address.c_str(), &a);
  const auto* b = reinterpret_cast<const std::uint8_t*>(&a);
  return WireRecord{std::move(owner), 1, ttl, Bytes(b, b + 4)};
}

void putU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// A response (QR AA RD RA, `rcode`) with `question` copied byte for byte and the sections given.
Bytes makeResponse(std::uint16_t id, const Bytes& question, const std::vector<WireRecord>& answer,
                   const std::vector<WireRecord>& authority = {},
                   const std::vector<WireRecord>& additional = {}, std::uint8_t rcode = 0) {
  Bytes out;
  putU16(out, id);
  putU16(out, static_cast<std::uint16_t>(0x8580 | rcode));
  putU16(out, 1);
  putU16(out, static_cast<std::uint16_t>(answer.size()));
  putU16(out, static_cast<std::uint16_t>(authority.size()));
  putU16(out, static_cast<std::uint16_t>(additional.size()));
  out.insert(out.end(), question.begin(), question.end());
  for (const auto* section : {&answer, &authority, &additional}) {
    for (const auto& r : *section) {
      out.insert(out.end(), r.owner.begin(), r.owner.end());
      putU16(out, r.type);
      putU16(out, 1);  // IN
      putU16(out, static_cast<std::uint16_t>(r.ttl >> 16));
      putU16(out, static_cast<std::uint16_t>(r.ttl));
      putU16(out, static_cast<std::uint16_t>(r.rdata.size()));
      out.insert(out.end(), r.rdata.begin(), r.rdata.end());
    }
  }
  return out;
}

// A DNS server on 127.0.0.1:<kernel's choice> run by a thread of the test: for each query the
// handler returns what to send back (several datagrams, each after a delay, each from the
// server's own socket or from a second socket on another port). The thread polls in steps of at
// most 50 ms and ends when the object goes away.
class ScriptedUpstream {
 public:
  struct Reply {
    Bytes message;
    Millis delay{0};
    bool from_other_port = false;  // sent from a second socket: a forgery from the wrong port
  };
  using Handler = std::function<std::vector<Reply>(const ReceivedQuery&)>;

  explicit ScriptedUpstream(Handler handler)
      : handler_(std::move(handler)),
        fd_(bindLoopbackUdp(&port_)),
        other_fd_(bindLoopbackUdp(&other_port_)) {
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedUpstream() {
    stop_ = true;
    thread_.join();
    close(fd_);
    close(other_fd_);
  }
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Queries received for `name_lower` so far ("www.hostile.test.").
  int queriesFor(const std::string& name_lower) const {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(name_lower);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  struct Pending {
    Clock::time_point due;
    Reply reply;
    sockaddr_in to;
  };

  void run() {
    std::vector<Pending> pending;
    Bytes buffer(65535);
    while (!stop_) {
      auto wait = Millis(50);
      for (const auto& p : pending)
        wait = std::min(wait, std::chrono::duration_cast<Millis>(p.due - Clock::now()));
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(std::max<long>(wait.count(), 0))) == 1) {
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const ssize_t n = recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n > 0) {
          const Bytes message(buffer.begin(), buffer.begin() + n);
          if (auto q = parseReceivedQuery(message)) {
            {
              std::lock_guard lock(mutex_);
              ++counts_[q->name_lower];
            }
            for (auto& reply : handler_(*q))
              pending.push_back({Clock::now() + reply.delay, std::move(reply), from});
          }
        }
      }
      // Send what is due, in the order the handler gave it.
      const auto now = Clock::now();
      for (auto it = pending.begin(); it != pending.end();) {
        if (it->due > now) {
          ++it;
          continue;
        }
        const int fd = it->reply.from_other_port ? other_fd_ : fd_;
        sendto(fd, it->reply.message.data(), it->reply.message.size(), 0,
               reinterpret_cast<const sockaddr*>(&it->to), sizeof it->to);
        it = pending.erase(it);
      }
    }
  }

  Handler handler_;
  std::uint16_t port_ = 0, other_port_ = 0;
  int fd_ = -1, other_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// The tests

class ResolverForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (findNsdProgram().empty())
      GTEST_SKIP() << "NSD is not installed (/usr/sbin/nsd); install the nsd package (CI does)";
  }

  // Starts NSD; a failure to start is a test failure with its log.
  std::unique_ptr<NsdUpstream> startNsd(std::vector<NsdZone> zones) {
    try {
      return NsdUpstream::start(std::move(zones));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "NSD did not start: " << e.what();
      return nullptr;
    }
  }

  // Starts horizond on a free port serving home.test.yaml with `flags`.
  std::unique_ptr<ServerProcess> startHorizond(const std::vector<std::string>& flags,
                                               std::uint16_t* port) {
    *port = findFreePort();
    std::vector<std::string> args = {"--zone", kZoneYaml, "--listen", listenArg(*port)};
    args.insert(args.end(), flags.begin(), flags.end());
    try {
      return ServerProcess::start(args, *port);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "horizond did not start: " << e.what();
      return nullptr;
    }
  }

  // The forward-mode setup of the first two tests: upstream A (example.org, and a decoy
  // cluster.local), upstream B (the real cluster.local), and horizond forwarding first to a dead
  // forwarder, then to A, with cluster.local going to B.
  void startForwardSetup() {
    upstream_a_ = startNsd(
        {{"example.org.", "example.org.zone"}, {"cluster.local.", "cluster.local.decoy.zone"}});
    upstream_b_ = startNsd({{"cluster.local.", "cluster.local.zone"}});
    ASSERT_TRUE(upstream_a_ && upstream_b_);
    horizond_ = startHorizond(
        {"--forward", dead_.address(), "--forward", upstream_a_->address(), "--forward-zone",
         "cluster.local=" + upstream_b_->address(), "--rebinding-allow", "allowed.example.org"},
        &port_);
    ASSERT_TRUE(horizond_);
  }

  void TearDown() override {
    if (horizond_) {
      const ExitStatus status = horizond_->stop();
      EXPECT_TRUE(status.success()) << "horizond ended with " << status.toString() << "\n"
                                    << horizond_->output();
    }
  }

  // Asks horizond and checks rcode and the answer section (canonical, TTLs left out). Returns
  // the response for further checks (null when none came).
  Packet expectAnswer(const std::string& source, const std::string& name, ldns_rr_type type,
                      unsigned rcode, const std::vector<std::string>& answer, bool tcp = false) {
    const std::string what =
        describeQuery(name, type) + " from " + source + (tcp ? " over TCP" : " over UDP");
    Packet reply = ask(port_, source, name, type, tcp);
    EXPECT_TRUE(reply) << what << ": no response within " << kClientTimeout.count() << " ms";
    if (!reply) return reply;
    EXPECT_EQ(rcodeName(fullRcode(reply.get())), rcodeName(rcode)) << what << ":\n"
                                                                   << packetText(reply.get());
    EXPECT_EQ(canonicalAnswer(reply.get()), canonical(answer)) << what << ":\n"
                                                               << packetText(reply.get());
    return reply;
  }

  DeadUpstream dead_;
  std::unique_ptr<NsdUpstream> upstream_a_, upstream_b_;
  std::unique_ptr<ServerProcess> horizond_;
  std::uint16_t port_ = 0;
};

// LAN and VPN clients get every kind of answer through the forwarders, although the first
// forwarder never answers; cluster.local goes to its own upstream; private addresses are
// stripped unless allow-listed.
TEST_F(ResolverForwardTest, ForwardModeLanAndVpn) {
  ASSERT_NO_FATAL_FAILURE(startForwardSetup());
  // A name neither forwarder can answer (A refuses names outside its zones) is taken to both,
  // whichever comes first, so the dead one is known to be asked; the answers below then come
  // past it. (Forwarders that are about as fast are picked at random, so without this the first
  // question might never meet the dead one.)
  Packet nowhere = ask(port_, kLan, "nowhere.invalid.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(rcodeName(fullRcode(nowhere.get())), "SERVFAIL") << packetText(nowhere.get());
  EXPECT_TRUE(dead_.wasAsked()) << "horizond never tried the first forwarder";
  constexpr unsigned kNoError = LDNS_RCODE_NOERROR, kNxDomain = LDNS_RCODE_NXDOMAIN;
  for (const std::string& source : {kLan, kVpn}) {
    SCOPED_TRACE("client " + source);
    expectAnswer(source, "www.example.org.", LDNS_RR_TYPE_A, kNoError,
                 {"www.example.org. IN A 192.0.2.80"});
    expectAnswer(
        source, "alias.example.org.", LDNS_RR_TYPE_A, kNoError,
        {"alias.example.org. IN CNAME www.example.org.", "www.example.org. IN A 192.0.2.80"});
    expectAnswer(source, "v6.example.org.", LDNS_RR_TYPE_AAAA, kNoError,
                 {"v6.example.org. IN AAAA 2001:db8::6"});
    // Negative answers carry the zone's SOA (RFC 2308).
    if (Packet nx = expectAnswer(source, "nosuch.example.org.", LDNS_RR_TYPE_A, kNxDomain, {})) {
      EXPECT_EQ(soaOwners(nx.get()), std::vector<std::string>{"example.org."})
          << packetText(nx.get());
    }
    if (Packet nodata = expectAnswer(source, "www.example.org.", LDNS_RR_TYPE_AAAA, kNoError, {})) {
      EXPECT_EQ(soaOwners(nodata.get()), std::vector<std::string>{"example.org."})
          << packetText(nodata.get());
    }
    // Conditional forwarding: B's data, never A's decoy; a name only B has.
    expectAnswer(source, "svc.cluster.local.", LDNS_RR_TYPE_A, kNoError,
                 {"svc.cluster.local. IN A 192.0.2.99"});
    expectAnswer(source, "only-b.cluster.local.", LDNS_RR_TYPE_A, kNoError,
                 {"only-b.cluster.local. IN A 192.0.2.100"});
    // Rebinding protection: the private address is removed, the allow-listed one kept.
    if (Packet stripped =
            expectAnswer(source, "private.example.org.", LDNS_RR_TYPE_A, kNoError, {})) {
      EXPECT_FALSE(carriesAddress(stripped.get(), "10.1.2.3")) << packetText(stripped.get());
    }
    expectAnswer(source, "ok.allowed.example.org.", LDNS_RR_TYPE_A, kNoError,
                 {"ok.allowed.example.org. IN A 10.9.9.9"});
    // Over TCP: a name not asked before, and one from the cache.
    expectAnswer(source, source == kLan ? "tcp.example.org." : "TCP.Example.ORG.", LDNS_RR_TYPE_A,
                 kNoError, {"tcp.example.org. IN A 192.0.2.82"}, true);
    expectAnswer(source, "www.example.org.", LDNS_RR_TYPE_A, kNoError,
                 {"www.example.org. IN A 192.0.2.80"}, true);
    // Our own zone still answers, recursion or not.
    expectAnswer(source, "www.home.test.", LDNS_RR_TYPE_A, kNoError,
                 {"www.home.test. IN A 192.0.2.20"});
    expectAnswer(source, "nas.home.test.", LDNS_RR_TYPE_A, kNoError,
                 {"nas.home.test. IN A 192.0.2.10"});
  }
  EXPECT_TRUE(horizond_->running()) << horizond_->output();
}

// A public client is refused every name outside our zones, also names the LAN has put in the
// cache, over UDP and TCP; our own zone is still answered.
TEST_F(ResolverForwardTest, PublicViewIsRefused) {
  ASSERT_NO_FATAL_FAILURE(startForwardSetup());
  constexpr unsigned kRefused = LDNS_RCODE_REFUSED;
  // In the cache now, for the LAN's policy.
  expectAnswer(kLan, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
               {"www.example.org. IN A 192.0.2.80"});
  expectAnswer(kLan, "svc.cluster.local.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
               {"svc.cluster.local. IN A 192.0.2.99"});
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "TCP" : "UDP");
    expectAnswer(kPublic, "www.example.org.", LDNS_RR_TYPE_A, kRefused, {}, tcp);
    expectAnswer(kPublic, "svc.cluster.local.", LDNS_RR_TYPE_A, kRefused, {}, tcp);
    expectAnswer(kPublic, "only-b.cluster.local.", LDNS_RR_TYPE_A, kRefused, {}, tcp);
    expectAnswer(kPublic, "example.com.", LDNS_RR_TYPE_A, kRefused, {}, tcp);
    expectAnswer(kPublic, "nosuch.example.org.", LDNS_RR_TYPE_A, kRefused, {}, tcp);
    expectAnswer(kPublic, "www.home.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                 {"www.home.test. IN A 192.0.2.20"}, tcp);
  }
  // nas exists only in the lan and vpn views.
  expectAnswer(kPublic, "nas.home.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, {});
}

// With every upstream stopped, an expired answer is served stale (TTL 30), a name never cached
// gets SERVFAIL within the client's timeout, and --no-serve-stale gives SERVFAIL.
TEST_F(ResolverForwardTest, ServeStale) {
  upstream_a_ = startNsd({{"example.org.", "example.org.zone"}});
  ASSERT_TRUE(upstream_a_);
  horizond_ = startHorizond({"--forward", upstream_a_->address()}, &port_);
  ASSERT_TRUE(horizond_);
  std::uint16_t strict_port = 0;
  auto strict =
      startHorizond({"--forward", upstream_a_->address(), "--no-serve-stale"}, &strict_port);
  ASSERT_TRUE(strict);

  // short.example.org has a TTL of 1 s; both servers cache it.
  expectAnswer(kLan, "short.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
               {"short.example.org. IN A 192.0.2.81"});
  {
    Packet cached = ask(strict_port, kLan, "short.example.org.", LDNS_RR_TYPE_A);
    ASSERT_TRUE(cached);
    EXPECT_EQ(canonicalAnswer(cached.get()), canonical({"short.example.org. IN A 192.0.2.81"}))
        << packetText(cached.get());
  }

  upstream_a_->stop();
  ASSERT_FALSE(upstream_a_->answers()) << "NSD still answers after it was stopped";
  std::this_thread::sleep_for(Millis(2000));  // short.example.org has expired by now

  Packet stale = expectAnswer(kLan, "short.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                              {"short.example.org. IN A 192.0.2.81"});
  if (stale && ldns_pkt_ancount(stale.get()) == 1) {
    EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(stale.get()), 0)), 30u)
        << "a stale answer carries TTL 30 (RFC 8767)\n"
        << packetText(stale.get());
  }
  // Never asked before, so nothing to serve: SERVFAIL, and it arrives (no hang).
  expectAnswer(kLan, "never-asked.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, {});
  expectAnswer(kVpn, "never-asked-either.example.org.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_SERVFAIL, {});

  // Without serve-stale the expired name fails too.
  Packet failed = ask(strict_port, kLan, "short.example.org.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(failed) << "no response within " << kClientTimeout.count() << " ms";
  EXPECT_EQ(rcodeName(fullRcode(failed.get())), "SERVFAIL") << packetText(failed.get());
  EXPECT_EQ(ldns_pkt_ancount(failed.get()), 0) << packetText(failed.get());
  const ExitStatus status = strict->stop();
  EXPECT_TRUE(status.success()) << status.toString() << "\n" << strict->output();
}

// A hostile upstream answers every query with a response from the wrong port, one with a wrong
// id and one with a wrong question (all three carrying 198.51.100.66), and only then with the
// right response, which smuggles an unrelated record into the answer and more junk into the
// other sections; for rebind.hostile.test the right response is a private address. Clients get
// only the address of the name they asked for, and nothing unrelated is cached.
TEST_F(ResolverForwardTest, SpoofedAnswersAreRejected) {
  enum class Mode { kSpoof, kSilent };
  std::atomic<Mode> mode{Mode::kSpoof};
  const std::string kForged = "198.51.100.66", kVictim = "203.0.113.66";
  ScriptedUpstream hostile([&](const ReceivedQuery& q) {
    std::vector<ScriptedUpstream::Reply> replies;
    if (mode == Mode::kSilent) return replies;
    const Bytes victim = wireName("victim.example.net.");
    // 1. Right id and question, from another port.
    replies.push_back(
        {makeResponse(q.id, q.question, {aRecord(q.qname, kForged)}), Millis(0), true});
    // 2. A wrong id.
    replies.push_back({makeResponse(static_cast<std::uint16_t>(q.id ^ 0x5a5a), q.question,
                                    {aRecord(q.qname, kForged)}),
                       Millis(0), false});
    // 3. A wrong question name (the answer is still for the name asked).
    Bytes wrong_question = wireName("forged.hostile.test.");
    wrong_question.insert(wrong_question.end(), q.question.end() - 4, q.question.end());
    replies.push_back(
        {makeResponse(q.id, wrong_question, {aRecord(q.qname, kForged)}), Millis(0), false});
    // 4. The real response, question echoed byte for byte, with junk beside the answer.
    const std::string address =
        q.name_lower == "rebind.hostile.test." ? "192.168.1.50" : "192.0.2.7";
    WireRecord ns{wireName("example.net."), 2, 86400, wireName("ns.victim.example.net.")};
    replies.push_back(
        {makeResponse(q.id, q.question,
                      {aRecord(q.qname, address), aRecord(victim, kVictim, 86400)}, {ns},
                      {aRecord(victim, kVictim, 86400),
                       aRecord(wireName("ns.victim.example.net."), "203.0.113.67")}),
         Millis(0), false});
    return replies;
  });
  horizond_ = startHorizond({"--forward", hostile.address()}, &port_);
  ASSERT_TRUE(horizond_);

  for (const std::string& source : {kLan, kVpn}) {
    SCOPED_TRACE("client " + source);
    const std::string name = source == kLan ? "www.hostile.test." : "api.hostile.test.";
    Packet reply =
        expectAnswer(source, name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {name + " IN A 192.0.2.7"});
    if (reply) {
      EXPECT_FALSE(carriesAddress(reply.get(), kForged)) << packetText(reply.get());
      EXPECT_FALSE(carriesAddress(reply.get(), kVictim)) << packetText(reply.get());
      EXPECT_FALSE(carriesAddress(reply.get(), "203.0.113.67")) << packetText(reply.get());
    }
    EXPECT_GE(hostile.queriesFor(name), 1) << "the hostile upstream was never asked";
  }
  // A private address for a name outside our zones: stripped (rebinding protection).
  if (Packet rebind =
          expectAnswer(kLan, "rebind.hostile.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {})) {
    EXPECT_FALSE(carriesAddress(rebind.get(), "192.168.1.50")) << packetText(rebind.get());
    EXPECT_FALSE(carriesAddress(rebind.get(), kForged)) << packetText(rebind.get());
  }

  // Now the upstream is silent: whatever it smuggled in earlier must not be in the cache.
  mode = Mode::kSilent;
  for (const std::string& source : {kLan, kVpn}) {
    SCOPED_TRACE("client " + source);
    for (const char* name : {"victim.example.net.", "ns.victim.example.net."}) {
      Packet reply = ask(port_, source, name, LDNS_RR_TYPE_A);
      ASSERT_TRUE(reply) << name << ": no response within " << kClientTimeout.count() << " ms";
      EXPECT_EQ(rcodeName(fullRcode(reply.get())), "SERVFAIL") << packetText(reply.get());
      EXPECT_FALSE(carriesAddress(reply.get(), kVictim)) << packetText(reply.get());
      EXPECT_FALSE(carriesAddress(reply.get(), "203.0.113.67")) << packetText(reply.get());
    }
  }
  // The forged question's name was not cached either.
  Packet forged = ask(port_, kLan, "forged.hostile.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(forged);
  EXPECT_FALSE(carriesAddress(forged.get(), kForged)) << packetText(forged.get());
}

// Answers DNS over TCP on 127.0.0.1:`port` (the port of a UDP upstream) with what `handler`
// returns for each length-prefixed query, one connection at a time, until it goes away.
class TcpResponder {
 public:
  TcpResponder(std::uint16_t port, std::function<Bytes(const ReceivedQuery&)> handler)
      : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(fd_, 8) != 0)
      throw std::runtime_error("TcpResponder: cannot listen on the upstream's port");
    thread_ = std::thread([this] { run(); });
  }
  ~TcpResponder() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  TcpResponder(const TcpResponder&) = delete;
  TcpResponder& operator=(const TcpResponder&) = delete;
  /// Queries answered over TCP so far.
  int queries() const { return queries_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval timeout{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::uint8_t length[2];
      if (recv(c, length, 2, MSG_WAITALL) == 2) {
        Bytes message((length[0] << 8) | length[1]);
        if (recv(c, message.data(), message.size(), MSG_WAITALL) ==
            static_cast<ssize_t>(message.size())) {
          if (auto q = parseReceivedQuery(message)) {
            Bytes reply = handler_(*q);
            const std::uint8_t prefix[2] = {static_cast<std::uint8_t>(reply.size() >> 8),
                                            static_cast<std::uint8_t>(reply.size())};
            reply.insert(reply.begin(), prefix, prefix + 2);
            ++queries_;  // before the answer leaves, so a test that has it sees the count
            (void)!send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
          }
        }
      }
      close(c);
    }
  }

  std::function<Bytes(const ReceivedQuery&)> handler_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// A forwarder sends a UDP answer larger than the 1232 octets horizond offered, without TC (the
// kernel keeps only what fits). horizond asks again over TCP and answers with every record.
TEST_F(ResolverForwardTest, OversizeUdpAnswerIsAskedAgainOverTcp) {
  const auto big = [](const ReceivedQuery& q) {
    std::vector<WireRecord> records;
    for (int i = 1; i <= 100; ++i)  // 100 A records: about 1,650 octets
      records.push_back(aRecord(q.qname, "192.0.2." + std::to_string(i)));
    return makeResponse(q.id, q.question, records);
  };
  ScriptedUpstream udp([&](const ReceivedQuery& q) {
    return std::vector<ScriptedUpstream::Reply>{{big(q), Millis(0), false}};
  });
  const std::uint16_t port =
      static_cast<std::uint16_t>(std::stoi(udp.address().substr(udp.address().rfind(':') + 1)));
  TcpResponder tcp(port, big);
  horizond_ = startHorizond({"--forward", udp.address()}, &port_);
  ASSERT_TRUE(horizond_);
  Packet reply = ask(port_, kLan, "big.oversize.test.", LDNS_RR_TYPE_A, /*tcp=*/true);
  ASSERT_TRUE(reply);
  EXPECT_EQ(rcodeName(fullRcode(reply.get())), "NOERROR") << packetText(reply.get());
  EXPECT_EQ(ldns_pkt_ancount(reply.get()), 100) << packetText(reply.get());
  EXPECT_GE(tcp.queries(), 1) << "horizond never asked over TCP";
}

// A forwarder answers with CNAMEs that loop (a -> b -> a). A client gets SERVFAIL, not a chain
// of looping records, and nothing of it is cached: once the forwarder is silent, the question
// is still SERVFAIL rather than the loop from the cache.
TEST_F(ResolverForwardTest, CnameLoopFromAForwarderIsServfailAndNotCached) {
  std::atomic<bool> silent{false};
  ScriptedUpstream looping([&](const ReceivedQuery& q) {
    std::vector<ScriptedUpstream::Reply> replies;
    if (silent) return replies;
    const Bytes a = wireName("a.loop.test."), b = wireName("b.loop.test.");
    replies.push_back(
        {makeResponse(q.id, q.question, {WireRecord{a, 5, 300, b}, WireRecord{b, 5, 300, a}}),
         Millis(0), false});
    return replies;
  });
  horizond_ = startHorizond({"--forward", looping.address(), "--no-serve-stale"}, &port_);
  ASSERT_TRUE(horizond_);
  for (const char* name : {"a.loop.test.", "b.loop.test."}) {
    Packet reply = ask(port_, kLan, name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(rcodeName(fullRcode(reply.get())), "SERVFAIL") << packetText(reply.get());
    EXPECT_EQ(ldns_pkt_ancount(reply.get()), 0) << packetText(reply.get());
  }
  EXPECT_GE(looping.queriesFor("a.loop.test."), 1);
  silent = true;
  Packet again = ask(port_, kLan, "a.loop.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(again);
  EXPECT_EQ(rcodeName(fullRcode(again.get())), "SERVFAIL") << packetText(again.get());
  EXPECT_EQ(ldns_pkt_ancount(again.get()), 0) << packetText(again.get());
}

// 20 clients ask the same new name at once; the forwarder answers after 150 ms (well inside the 500
// ms first timeout of a new upstream, even under sanitizers). Every client gets the answer, and the
// forwarder sees at most one query per worker (two workers).
TEST_F(ResolverForwardTest, IdenticalQueriesCoalesce) {
  constexpr int kClients = 20;
  ScriptedUpstream slow([](const ReceivedQuery& q) {
    std::vector<ScriptedUpstream::Reply> replies;
    replies.push_back(
        {makeResponse(q.id, q.question, {aRecord(q.qname, "192.0.2.44")}), Millis(150), false});
    return replies;
  });
  horizond_ = startHorizond({"--forward", slow.address(), "--workers", "2"}, &port_);
  ASSERT_TRUE(horizond_);

  const std::string name = "coalesced.slow.test.";
  std::vector<std::unique_ptr<UdpSender>> clients;
  std::vector<Bytes> queries;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<UdpSender>(Endpoint{port_, kLan, "127.0.0.1"}));
    QueryOptions options;
    options.recursion_desired = true;
    options.id = static_cast<std::uint16_t>(0x1000 + i);
    queries.push_back(buildQuery(name, LDNS_RR_TYPE_A, options));
  }
  for (int i = 0; i < kClients; ++i) ASSERT_TRUE(clients[i]->send(queries[i]));
  int answered = 0;
  for (int i = 0; i < kClients; ++i) {
    auto wire = clients[i]->receive(kClientTimeout);
    if (!wire) {
      ADD_FAILURE() << "client " << i << ": no response within " << kClientTimeout.count() << " ms";
      continue;
    }
    Packet reply = parsePacket(*wire);
    ASSERT_TRUE(reply);
    EXPECT_EQ(ldns_pkt_id(reply.get()), 0x1000 + i);
    EXPECT_EQ(rcodeName(fullRcode(reply.get())), "NOERROR") << packetText(reply.get());
    EXPECT_EQ(canonicalAnswer(reply.get()), canonical({name + " IN A 192.0.2.44"}))
        << packetText(reply.get());
    ++answered;
  }
  EXPECT_EQ(answered, kClients);
  EXPECT_GE(slow.queriesFor(name), 1);
  EXPECT_LE(slow.queriesFor(name), 2) << "identical questions in flight were not coalesced";
}

}  // namespace
}  // namespace horizon::test
