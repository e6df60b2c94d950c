// horizond forwarding over DNS over TLS (--forward tls://ADDR:PORT#NAME, RFC 7858) to Unbound
// serving DoT on loopback (tls-service-key, tls-service-pem) with a certificate from a CA made at
// test time (support/test_ca.hpp). Unbound answers dot.test from local-data and everything else
// from an empty static root, so nothing is ever resolved beyond this machine.
//
//   AnswersPassThroughTls         A, AAAA, TXT, NXDOMAIN and an address as the name: the same as
//                                 Unbound answers directly
//   WrongNameFails                a certificate for another name: SERVFAIL, and the log says why
//   UntrustedCaFails              a certificate from another CA: SERVFAIL
//   PlainListenerIsNeverAskedPlain  a plain DNS server (UDP and TCP) in the TLS upstream's place:
//                                 SERVFAIL, it only ever saw TLS handshakes, no plain question
//   FailsOverToTheNextTlsUpstream a bad TLS upstream beside a good one: every question answered
//   OneConnectionCarriesManyQueries  60 questions, 20 of them at once, from one worker: one TCP
//                                 connection to the upstream
//   ReopensAfterTheServerClosesTheConnection  the upstream closes the connection between
//                                 questions, or as one arrives: a new connection carries it
//   DnstapSaysDot                 the forwarder exchanges are dnstap messages with transport DOT
//
// Every wait is bounded; nothing asserts on timing. No packet leaves 127.0.0.0/8.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dns_hierarchy.hpp"
#include "dnstap.pb-c.h"
#include "test_ca.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

const std::string kZoneYaml = std::string(HORIZON_TEST_DATA) + "/resolver/home.test.yaml";
constexpr Millis kClientTimeout(8000);  // horizond gives up on a question after 3 s
constexpr int kNumberedNames = 30;      // n0.dot.test .. n29.dot.test

// Unbound answering dot.test from local-data on a plain port and a DoT port.
class DotUnbound {
 public:
  /// Starts Unbound presenting `cert` (chain and key); throws with its log on failure.
  static std::unique_ptr<DotUnbound> start(const IssuedCert& cert) {
    const std::string program = findUnboundProgram();
    if (program.empty()) throw std::runtime_error("Unbound is not installed");
    std::string last_log;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::unique_ptr<DotUnbound> u(new DotUnbound());
      u->plain_port_ = findFreePort();
      u->tls_port_ = findFreePort();
      const std::string conf = u->writeConfig(cert);
      u->process_ = std::make_unique<DaemonProcess>(
          std::vector<std::string>{program, "-d", "-c", conf}, u->dir_.path() + "/log");
      const Bytes probe = buildQuery("www.dot.test.", LDNS_RR_TYPE_A);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (u->process_->running() && std::chrono::steady_clock::now() < deadline) {
        if (exchangeUdp(u->plainEndpoint(), probe, Millis(200))) return u;
        std::this_thread::sleep_for(Millis(50));
      }
      last_log = u->process_->log();
      u->process_->stop();
    }
    throw std::runtime_error("Unbound (DoT) did not start:\n" + last_log);
  }

  Endpoint plainEndpoint() const { return Endpoint{plain_port_, "127.0.0.1", "127.0.0.1"}; }
  std::uint16_t plainPort() const { return plain_port_; }
  std::uint16_t tlsPort() const { return tls_port_; }
  std::string log() const { return process_ ? process_->log() : ""; }

 private:
  DotUnbound() = default;

  std::string writeConfig(const IssuedCert& cert) {
    const std::string& d = dir_.path();
    std::ostringstream conf;
    conf << "server:\n"
         << "  verbosity: 1\n"
         << "  interface: 127.0.0.1@" << plain_port_ << "\n"
         << "  interface: 127.0.0.1@" << tls_port_ << "\n"
         << "  port: " << plain_port_ << "\n"
         << "  tls-port: " << tls_port_ << "\n"
         << "  tls-service-key: \"" << cert.key << "\"\n"
         << "  tls-service-pem: \"" << cert.chain << "\"\n"
         << "  do-ip4: yes\n  do-ip6: no\n  do-udp: yes\n  do-tcp: yes\n"
         << "  num-threads: 1\n  so-reuseport: no\n"
         << "  chroot: \"\"\n  username: \"\"\n"
         << "  directory: \"" << d << "\"\n"
         << "  pidfile: \"" << d << "/unbound.pid\"\n"
         << "  logfile: \"\"\n  use-syslog: no\n"
         << "  access-control: 127.0.0.0/8 allow\n"
         << "  module-config: \"iterator\"\n"
         // An empty static root: anything outside dot.test is NXDOMAIN, never resolved.
         << "  local-zone: \".\" static\n"
         << "  local-zone: \"dot.test.\" static\n"
         << "  local-data: \"dot.test. 300 IN SOA ns.dot.test. admin.dot.test. 1 3600 600 "
            "86400 300\"\n"
         << "  local-data: \"www.dot.test. 300 IN A 192.0.2.80\"\n"
         << "  local-data: \"www.dot.test. 300 IN AAAA 2001:db8::80\"\n"
         << "  local-data: \"txt.dot.test. 300 IN TXT \\\"over tls\\\"\"\n";
    for (int i = 0; i < kNumberedNames; ++i)
      conf << "  local-data: \"n" << i << ".dot.test. 300 IN A 192.0.2." << (100 + i) << "\"\n";
    conf << "remote-control:\n  control-enable: no\n";
    return dir_.write("unbound.conf", conf.str());
  }

  TempDir dir_;
  std::uint16_t plain_port_ = 0, tls_port_ = 0;
  std::unique_ptr<DaemonProcess> process_;
};

// The data frames of a Frame Streams file: each is a 4-byte big-endian length and the payload; a
// zero length introduces a control frame (its own length, then its payload), skipped here.
std::vector<Bytes> dataFrames(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const Bytes all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Bytes> frames;
  auto u32 = [&](std::size_t at) {
    return static_cast<std::size_t>(all[at]) << 24 | static_cast<std::size_t>(all[at + 1]) << 16 |
           static_cast<std::size_t>(all[at + 2]) << 8 | all[at + 3];
  };
  std::size_t p = 0;
  while (p + 4 <= all.size()) {
    std::size_t len = u32(p);
    p += 4;
    const bool control = len == 0;
    if (control) {
      if (p + 4 > all.size()) break;
      len = u32(p);
      p += 4;
    }
    if (p + len > all.size()) break;
    if (!control) frames.emplace_back(all.begin() + p, all.begin() + p + len);
    p += len;
  }
  return frames;
}

// Binds a socket of `type` on 127.0.0.1:port; -1 when it cannot.
int bindLoopback(int type, std::uint16_t port) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (type == SOCK_STREAM && listen(fd, 64) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

// A plain DNS server on UDP and TCP that answers any question with a decoy address, counting the
// questions it understood and noting the first byte of each TCP connection: a TLS client's first
// byte is 0x16 (a handshake record), a plain DNS client's is a length octet.
class PlainDnsTrap {
 public:
  static constexpr const char* kDecoy = "192.0.2.66";

  PlainDnsTrap() {
    for (int attempt = 0; attempt < 20 && udp_ < 0; ++attempt) {
      port_ = findFreePort();
      udp_ = bindLoopback(SOCK_DGRAM, port_);
      tcp_ = bindLoopback(SOCK_STREAM, port_);
      if (udp_ < 0 || tcp_ < 0) {
        if (udp_ >= 0) close(udp_);
        if (tcp_ >= 0) close(tcp_);
        udp_ = tcp_ = -1;
      }
    }
    if (udp_ < 0) throw std::runtime_error("no port for the plain DNS trap");
    thread_ = std::thread([this] { run(); });
  }
  ~PlainDnsTrap() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
  }

  std::uint16_t port() const { return port_; }
  int plainQuestions() const { return plain_questions_; }
  /// First bytes of the TCP connections so far.
  std::vector<std::uint8_t> firstBytes() {
    std::lock_guard lock(mutex_);
    return first_bytes_;
  }

 private:
  // The decoy answer to `query`; empty when it is no DNS query.
  static Bytes answer(const Bytes& query) {
    ldns_pkt* packet = nullptr;
    if (ldns_wire2pkt(&packet, query.data(), query.size()) != LDNS_STATUS_OK) return {};
    Bytes out;
    const ldns_rr_list* question = ldns_pkt_question(packet);
    if (!ldns_pkt_qr(packet) && question != nullptr && ldns_rr_list_rr_count(question) == 1) {
      ldns_pkt_set_qr(packet, true);
      ldns_pkt_set_ra(packet, true);
      char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(question, 0)));
      ldns_rr* rr = nullptr;
      if (ldns_rr_new_frm_str(&rr, (std::string(owner) + " 300 IN A " + kDecoy).c_str(), 0, nullptr,
                              nullptr) == LDNS_STATUS_OK)
        ldns_pkt_push_rr(packet, LDNS_SECTION_ANSWER, rr);
      std::free(owner);
      std::uint8_t* wire = nullptr;
      std::size_t size = 0;
      if (ldns_pkt2wire(&wire, packet, &size) == LDNS_STATUS_OK) out.assign(wire, wire + size);
      std::free(wire);
    }
    ldns_pkt_free(packet);
    return out;
  }

  void run() {
    std::vector<int> connections;
    while (!stop_) {
      std::vector<pollfd> fds = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      for (int c : connections) fds.push_back({c, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        std::uint8_t buf[4096];
        sockaddr_storage from{};
        socklen_t len = sizeof from;
        const ssize_t n =
            recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        const Bytes reply = n > 0 ? answer(Bytes(buf, buf + n)) : Bytes{};
        if (!reply.empty()) {
          ++plain_questions_;
          sendto(udp_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
        }
      }
      if (fds[1].revents & POLLIN) {
        const int c = accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) connections.push_back(c);
      }
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const int c = fds[i].fd;
        std::uint8_t buf[16384];
        const ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n > 0) {
          {
            std::lock_guard lock(mutex_);
            first_bytes_.push_back(buf[0]);
          }
          // One length-prefixed message in the first read is what a plain client sends.
          if (n >= 2 && static_cast<std::size_t>((buf[0] << 8) | buf[1]) == std::size_t(n - 2)) {
            const Bytes reply = answer(Bytes(buf + 2, buf + n));
            if (!reply.empty()) {
              ++plain_questions_;
              std::uint8_t prefix[2] = {static_cast<std::uint8_t>(reply.size() >> 8),
                                        static_cast<std::uint8_t>(reply.size() & 0xFF)};
              (void)!send(c, prefix, 2, MSG_NOSIGNAL);
              (void)!send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
            }
          }
        }
        // Whatever came, this is not a TLS server: hang up, as a plain server does on garbage.
        close(c);
        std::erase(connections, c);
      }
    }
    for (int c : connections) close(c);
  }

  std::uint16_t port_ = 0;
  int udp_ = -1, tcp_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> plain_questions_{0};
  std::mutex mutex_;
  std::vector<std::uint8_t> first_bytes_;
  std::thread thread_;
};

// A TCP relay to 127.0.0.1:target that counts the connections it accepts: TLS passes through it
// untouched, so it shows how many connections horizond opened to the upstream.
class CountingRelay {
 public:
  explicit CountingRelay(std::uint16_t target) : target_(target) {
    for (int attempt = 0; attempt < 20 && listener_ < 0; ++attempt) {
      port_ = findFreePort();
      listener_ = bindLoopback(SOCK_STREAM, port_);
    }
    if (listener_ < 0) throw std::runtime_error("no port for the relay");
    thread_ = std::thread([this] { run(); });
  }
  ~CountingRelay() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  /// Closes every relayed connection, as a server closing idle connections does; returns once
  /// done (bounded).
  void dropAll() {
    drop_ = true;
    for (int i = 0; i < 500 && drop_; ++i) std::this_thread::sleep_for(Millis(10));
  }
  /// The next bytes a client sends close its connection instead of reaching the upstream: a
  /// server that closed the connection just as a query was on its way.
  void dropOnNextData() { drop_on_data_ = true; }

 private:
  int connectTarget() const {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(target_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
  }

  void run() {
    std::vector<std::pair<int, int>> pairs;  // client, upstream
    while (!stop_) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}};
      for (auto [a, b] : pairs) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (drop_) {
        for (auto [a, b] : pairs) {
          close(a);
          close(b);
        }
        pairs.clear();
        drop_ = false;
        continue;
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      const std::size_t polled = pairs.size();  // a pair accepted below has no pollfd yet
      if (fds[0].revents & POLLIN) {
        const int c = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) {
          ++accepted_;
          const int u = connectTarget();
          if (u >= 0) {
            pairs.emplace_back(c, u);
          } else {
            close(c);
          }
        }
      }
      std::vector<std::pair<int, int>> keep;
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        auto [a, b] = pairs[i];
        if (i >= polled) {
          keep.emplace_back(a, b);
          continue;
        }
        bool open = true;
        for (int side = 0; side < 2 && open; ++side) {
          const pollfd& p = fds[1 + 2 * i + side];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          if (side == 0 && drop_on_data_.exchange(false)) {
            open = false;
            break;
          }
          std::uint8_t buf[16384];
          const ssize_t n = recv(p.fd, buf, sizeof buf, 0);
          const int other = side == 0 ? b : a;
          if (n <= 0 || send(other, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n)
            open = false;
        }
        if (open) {
          keep.emplace_back(a, b);
        } else {
          close(a);
          close(b);
        }
      }
      pairs = std::move(keep);
    }
    for (auto [a, b] : pairs) {
      close(a);
      close(b);
    }
  }

  std::uint16_t target_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> drop_{false};
  std::atomic<bool> drop_on_data_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

class ResolverDotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why :
         {TestCa::unavailableReason(), UnboundProcess::unavailableReason()})
      if (!why.empty()) GTEST_SKIP() << why;
    ca_ = std::make_unique<TestCa>();
    const IssuedCert cert = ca_->issue("dns.test", {"127.0.0.1"});
    try {
      unbound_ = DotUnbound::start(cert);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }

  // "tls://127.0.0.1:PORT#NAME".
  static std::string tlsUpstream(std::uint16_t port, const std::string& name) {
    return "tls://127.0.0.1:" + std::to_string(port) + "#" + name;
  }

  // Starts horizond on a free port, serving home.test.yaml (whose lan view, 127.0.0.1, may
  // recurse), without DNSSEC (Unbound's local data is unsigned) and with `flags`.
  std::unique_ptr<ServerProcess> startHorizond(const std::vector<std::string>& flags) {
    port_ = findFreePort();
    std::vector<std::string> args = {"--zone", kZoneYaml, "--listen", listenArg(port_),
                                     "--no-dnssec"};
    args.insert(args.end(), flags.begin(), flags.end());
    try {
      return ServerProcess::start(args, port_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "horizond did not start: " << e.what();
      return nullptr;
    }
  }

  // Asks horizond (from the lan view) as a stub does, RD set.
  Packet ask(const std::string& name, ldns_rr_type type) const {
    static std::atomic<std::uint16_t> ids{1};
    QueryOptions options;
    options.recursion_desired = true;
    options.id = ids++;
    const auto wire = exchangeUdp(Endpoint{port_, "127.0.0.1", "127.0.0.1"},
                                  buildQuery(name, type, options), kClientTimeout);
    return wire ? parsePacket(*wire) : nullptr;
  }

  // Asks Unbound directly on its plain port.
  Packet askUnbound(const std::string& name, ldns_rr_type type) const {
    QueryOptions options;
    options.recursion_desired = true;
    const auto wire =
        exchangeUdp(unbound_->plainEndpoint(), buildQuery(name, type, options), kClientTimeout);
    return wire ? parsePacket(*wire) : nullptr;
  }

  std::unique_ptr<TestCa> ca_;
  std::unique_ptr<DotUnbound> unbound_;
  std::uint16_t port_ = 0;
};

TEST_F(ResolverDotTest, AnswersPassThroughTls) {
  auto horizond = startHorizond(
      {"--forward", tlsUpstream(unbound_->tlsPort(), "dns.test"), "--tls-ca", ca_->caFile()});
  ASSERT_TRUE(horizond);
  struct Question {
    std::string name;
    ldns_rr_type type;
  };
  for (const Question& q : std::vector<Question>{{"www.dot.test.", LDNS_RR_TYPE_A},
                                                 {"www.dot.test.", LDNS_RR_TYPE_AAAA},
                                                 {"txt.dot.test.", LDNS_RR_TYPE_TXT},
                                                 {"missing.dot.test.", LDNS_RR_TYPE_A}}) {
    SCOPED_TRACE(q.name);
    Packet through = ask(q.name, q.type);
    Packet direct = askUnbound(q.name, q.type);
    ASSERT_TRUE(through) << horizond->output();
    ASSERT_TRUE(direct);
    EXPECT_EQ(ldns_pkt_get_rcode(through.get()), ldns_pkt_get_rcode(direct.get()));
    EXPECT_EQ(canonicalAnswer(through.get()), canonicalAnswer(direct.get()));
  }
  Packet a = ask("www.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(a);
  EXPECT_EQ(rdataText(ldns_pkt_answer(a.get()), LDNS_RR_TYPE_A),
            (std::vector<std::string>{"192.0.2.80"}));
  Packet nx = ask("missing.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(nx);
  EXPECT_EQ(ldns_pkt_get_rcode(nx.get()), LDNS_RCODE_NXDOMAIN);
  horizond->stop();

  // The certificate also carries 127.0.0.1 as an IP address: that works as the name too.
  auto by_address = startHorizond(
      {"--forward", tlsUpstream(unbound_->tlsPort(), "127.0.0.1"), "--tls-ca", ca_->caFile()});
  ASSERT_TRUE(by_address);
  Packet n1 = ask("n1.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(n1);
  EXPECT_EQ(rdataText(ldns_pkt_answer(n1.get()), LDNS_RR_TYPE_A),
            (std::vector<std::string>{"192.0.2.101"}));
}

TEST_F(ResolverDotTest, WrongNameFails) {
  auto horizond = startHorizond({"--forward", tlsUpstream(unbound_->tlsPort(), "other.test"),
                                 "--tls-ca", ca_->caFile(), "--no-serve-stale"});
  ASSERT_TRUE(horizond);
  Packet reply = ask("www.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_TRUE(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A).empty());
  // The line is written before the failure reaches the resolver, so it is there by now.
  EXPECT_NE(horizond->output().find("certificate verify failed: hostname mismatch"),
            std::string::npos)
      << horizond->output();
}

TEST_F(ResolverDotTest, UntrustedCaFails) {
  TestCa other("another test CA");
  auto horizond = startHorizond({"--forward", tlsUpstream(unbound_->tlsPort(), "dns.test"),
                                 "--tls-ca", other.caFile(), "--no-serve-stale"});
  ASSERT_TRUE(horizond);
  Packet reply = ask("www.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_NE(horizond->output().find("certificate verify failed"), std::string::npos)
      << horizond->output();
}

TEST_F(ResolverDotTest, PlainListenerIsNeverAskedPlain) {
  PlainDnsTrap trap;
  // Unbound's own plain port, and a plain server that would answer anything.
  for (std::uint16_t plain : {unbound_->plainPort(), trap.port()}) {
    SCOPED_TRACE(plain);
    auto horizond = startHorizond({"--forward", tlsUpstream(plain, "dns.test"), "--tls-ca",
                                   ca_->caFile(), "--no-serve-stale"});
    ASSERT_TRUE(horizond);
    for (const char* name : {"www.dot.test.", "n2.dot.test."}) {
      Packet reply = ask(name, LDNS_RR_TYPE_A);
      ASSERT_TRUE(reply);
      EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_SERVFAIL) << name;
      EXPECT_TRUE(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A).empty()) << name;
    }
  }
  EXPECT_EQ(trap.plainQuestions(), 0);
  const auto first = trap.firstBytes();
  ASSERT_FALSE(first.empty()) << "horizond never connected to the upstream";
  for (std::uint8_t b : first) EXPECT_EQ(b, 0x16) << "a connection began with something not TLS";
}

TEST_F(ResolverDotTest, FailsOverToTheNextTlsUpstream) {
  PlainDnsTrap trap;
  auto horizond = startHorizond({"--forward", tlsUpstream(trap.port(), "dns.test"), "--forward",
                                 tlsUpstream(unbound_->tlsPort(), "other.test"), "--forward",
                                 tlsUpstream(unbound_->tlsPort(), "dns.test"), "--tls-ca",
                                 ca_->caFile(), "--no-serve-stale"});
  ASSERT_TRUE(horizond);
  for (int i = 0; i < 10; ++i) {
    const std::string name = "n" + std::to_string(i) + ".dot.test.";
    Packet reply = ask(name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_NOERROR) << name << horizond->output();
    EXPECT_EQ(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A),
              (std::vector<std::string>{"192.0.2." + std::to_string(100 + i)}))
        << name;
  }
  EXPECT_EQ(trap.plainQuestions(), 0);
}

TEST_F(ResolverDotTest, OneConnectionCarriesManyQueries) {
  CountingRelay relay(unbound_->tlsPort());
  auto horizond = startHorizond({"--forward", tlsUpstream(relay.port(), "dns.test"), "--tls-ca",
                                 ca_->caFile(), "--workers", "1"});
  ASSERT_TRUE(horizond);
  // One at a time, then many at once (pipelined on the connection, answered in any order).
  for (int i = 0; i < 10; ++i) {
    const std::string name = "n" + std::to_string(i) + ".dot.test.";
    Packet reply = ask(name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A),
              (std::vector<std::string>{"192.0.2." + std::to_string(100 + i)}));
  }
  std::vector<std::future<std::vector<std::string>>> answers;
  for (int i = 10; i < kNumberedNames; ++i) {
    answers.push_back(std::async(std::launch::async, [this, i] {
      Packet reply = ask("n" + std::to_string(i) + ".dot.test.", LDNS_RR_TYPE_A);
      return reply ? rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A)
                   : std::vector<std::string>{"no answer"};
    }));
  }
  for (int i = 10; i < kNumberedNames; ++i)
    EXPECT_EQ(answers[i - 10].get(),
              (std::vector<std::string>{"192.0.2." + std::to_string(100 + i)}));
  // Different types of names already asked: new questions, on the same connection.
  for (int i = 0; i < 30; ++i) {
    Packet reply = ask("n" + std::to_string(i) + ".dot.test.", LDNS_RR_TYPE_TXT);
    ASSERT_TRUE(reply);
    EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_NOERROR);
  }
  EXPECT_EQ(relay.accepted(), 1) << horizond->output();
}

TEST_F(ResolverDotTest, ReopensAfterTheServerClosesTheConnection) {
  CountingRelay relay(unbound_->tlsPort());
  auto horizond = startHorizond({"--forward", tlsUpstream(relay.port(), "dns.test"), "--tls-ca",
                                 ca_->caFile(), "--workers", "1", "--no-serve-stale"});
  ASSERT_TRUE(horizond);
  for (int round = 0; round < 3; ++round) {
    const std::string name = "n" + std::to_string(round) + ".dot.test.";
    Packet reply = ask(name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A),
              (std::vector<std::string>{"192.0.2." + std::to_string(100 + round)}))
        << name << horizond->output();
    EXPECT_EQ(relay.accepted(), round + 1);
    relay.dropAll();  // the next question finds the connection gone: a new one carries it
  }
  // Closed as the query arrives: asked again on a new connection, not failed.
  Packet warm = ask("n5.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(warm);
  EXPECT_EQ(relay.accepted(), 4);
  relay.dropOnNextData();
  Packet retried = ask("n6.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(retried);
  EXPECT_EQ(rdataText(ldns_pkt_answer(retried.get()), LDNS_RR_TYPE_A),
            (std::vector<std::string>{"192.0.2.106"}))
      << horizond->output();
  EXPECT_EQ(relay.accepted(), 5);
}

TEST_F(ResolverDotTest, DnstapSaysDot) {
  TempDir dir;
  const std::string capture = dir.path() + "/upstream.dnstap";
  auto horizond = startHorizond({"--forward", tlsUpstream(unbound_->tlsPort(), "dns.test"),
                                 "--tls-ca", ca_->caFile(), "--dnstap", "file:" + capture});
  ASSERT_TRUE(horizond);
  Packet reply = ask("www.dot.test.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(reply);
  EXPECT_EQ(ldns_pkt_get_rcode(reply.get()), LDNS_RCODE_NOERROR);
  ASSERT_TRUE(horizond->stop().success());  // the file is complete once horizond has exited
  // Debian's dnstap-ldns predates DOT, so the records are decoded here with the generated code.
  int forwarder_messages = 0;
  for (const Bytes& frame : dataFrames(capture)) {
    Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, frame.size(), frame.data());
    ASSERT_NE(d, nullptr);
    const Dnstap__Message* m = d->message;
    if (m != nullptr && (m->type == DNSTAP__MESSAGE__TYPE__FORWARDER_QUERY ||
                         m->type == DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE)) {
      ++forwarder_messages;
      EXPECT_TRUE(m->has_socket_protocol);
      EXPECT_EQ(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__DOT);
    }
    dnstap__dnstap__free_unpacked(d, nullptr);
  }
  EXPECT_GE(forwarder_messages, 2);  // the query and its response
}

}  // namespace
}  // namespace horizon::test
