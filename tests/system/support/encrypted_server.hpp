// What the DoT and DoH system tests share: a zone whose lan view is 127.0.0.1 and whose public
// view is every other address (a client bound to 127.0.0.2 sees the public answers), a test CA's
// certificate in files a test may replace, a slow forwarder for recursive answers that local
// ones overtake, and horizond started with UDP/TCP, DoT and DoH listeners.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnstap.pb-c.h"
#include "sync_support.hpp"
#include "test_ca.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

namespace horizon::test {

using namespace std::chrono_literals;

inline constexpr const char* kZone = R"(# lan is 127.0.0.1 only; every other client is public.
zone: enc.test
ttl: 300

views:
  lan: [127.0.0.1/32]
  public: [0.0.0.0/0, "::/0"]

targets:
  gateway: 192.0.2.10
  edge: 198.51.100.7

records:
  app: {lan: gateway, public: edge}
  nas: {lan: gateway}
  www: 192.0.2.20

recursion: [lan]
)";

inline constexpr const char* kHostName = "dns.enc.test";

// A forwarder that answers every A question with 203.0.113.9, each after `delay`: a recursive
// answer that a later local one can overtake.
class SlowForwarder {
 public:
  explicit SlowForwarder(Millis delay) : delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      throw std::runtime_error("SlowForwarder: bind failed");
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SlowForwarder() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::uint8_t buf[4096];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      ldns_pkt* q = nullptr;
      if (ldns_wire2pkt(&q, buf, static_cast<std::size_t>(n)) != LDNS_STATUS_OK) continue;
      std::this_thread::sleep_for(delay_);
      ldns_pkt* reply = ldns_pkt_clone(q);
      ldns_pkt_set_qr(reply, true);
      ldns_pkt_set_ra(reply, true);
      ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
      if (ldns_rr_get_type(question) == LDNS_RR_TYPE_A) {
        char* owner = ldns_rdf2str(ldns_rr_owner(question));
        ldns_rr* rr = nullptr;
        ldns_rr_new_frm_str(&rr, (std::string(owner) + " 60 IN A 203.0.113.9").c_str(), 0, nullptr,
                            nullptr);
        std::free(owner);
        ldns_pkt_push_rr(reply, LDNS_SECTION_ANSWER, rr);
      }
      std::uint8_t* wire = nullptr;
      std::size_t size = 0;
      if (ldns_pkt2wire(&wire, reply, &size) == LDNS_STATUS_OK)
        ::sendto(fd_, wire, size, 0, reinterpret_cast<sockaddr*>(&from), len);
      std::free(wire);
      ldns_pkt_free(reply);
      ldns_pkt_free(q);
    }
  }

  Millis delay_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// horizond with a UDP/TCP port, a DoT port and a DoH port, the certificate files copied where
// the test can replace them.
class EncryptedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = TestCa::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    ca_ = std::make_unique<TestCa>();
    const IssuedCert issued = ca_->issue(kHostName, {"127.0.0.1"});
    cert_ = dir_.path() + "/tls.crt";
    key_ = dir_.path() + "/tls.key";
    std::filesystem::copy_file(issued.chain, cert_);
    std::filesystem::copy_file(issued.key, key_);
    zone_ = dir_.write("enc.test.yaml", kZone);
  }

  void startServer(const std::vector<std::string>& extra = {}) {
    port_ = findFreePort();
    tls_port_ = findFreePort();
    https_port_ = findFreePort();
    std::vector<std::string> args = {"--zone",         zone_,
                                     "--listen",       listenArg(port_),
                                     "--listen-tls",   listenArg(tls_port_),
                                     "--listen-https", listenArg(https_port_),
                                     "--tls-cert",     cert_,
                                     "--tls-key",      key_,
                                     "--no-dnssec"};
    if (std::find(extra.begin(), extra.end(), "--forward") == extra.end()) {
      args.push_back("--forward");
      args.push_back(forwarder_.address());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = ServerProcess::start(args, port_);
  }

  TlsClientOptions clientOptions(const std::string& source = "127.0.0.1") const {
    TlsClientOptions options;
    options.ca_file = ca_->caFile();
    options.host_name = kHostName;
    options.source = source;
    return options;
  }

  // kdig's answer lines (+short) and status for one question from `source` over `transport`:
  // "udp", "tls", "https" (POST) or "https-get".
  std::string kdig(const std::string& source, const std::string& name,
                   const std::string& transport) const {
    std::vector<std::string> argv = {"/usr/bin/kdig", "@127.0.0.1", "-b", source, name, "A",
                                     "+timeout=5",    "+retry=0"};
    if (transport == "udp") {
      argv.insert(argv.end(), {"-p", std::to_string(port_)});
    } else {
      const bool tls = transport == "tls";
      argv.insert(argv.end(),
                  {"-p", std::to_string(tls ? tls_port_ : https_port_),
                   tls                    ? "+tls"
                   : transport == "https" ? "+https"
                                          : "+https-get",
                   "+tls-ca=" + ca_->caFile(), std::string("+tls-hostname=") + kHostName});
    }
    const auto full = runCommand(argv, {}, 20s);
    argv.push_back("+short");
    const auto brief = runCommand(argv, {}, 20s);
    const auto header_status = full.out.find("; status: ");
    const auto status_at = header_status == std::string::npos ? header_status : header_status + 2;
    const std::string status =
        status_at == std::string::npos
            ? "no status: " + full.all()
            : full.out.substr(status_at, full.out.find(';', status_at) - status_at);
    return status + " | " + brief.out;
  }

  TempDir dir_;
  std::unique_ptr<TestCa> ca_;
  std::string cert_, key_, zone_;
  SlowForwarder forwarder_{Millis(300)};
  std::uint16_t port_ = 0, tls_port_ = 0, https_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

// The socket protocol of every CLIENT_QUERY message in an fstrm file (--dnstap file:).
inline std::vector<int> clientQueryProtocols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  auto read32 = [&](std::uint32_t& value) {
    std::uint8_t b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
    value = (std::uint32_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    return true;
  };
  std::vector<int> out;
  std::uint32_t length = 0;
  while (read32(length)) {
    if (length == 0) {  // a control frame: its own length follows
      if (!read32(length)) break;
      in.ignore(length);
      continue;
    }
    std::vector<std::uint8_t> frame(length);
    if (!in.read(reinterpret_cast<char*>(frame.data()), length)) break;
    Dnstap__Dnstap* d = dnstap__dnstap__unpack(nullptr, frame.size(), frame.data());
    if (d == nullptr) {
      ADD_FAILURE() << "undecodable dnstap frame";
      break;
    }
    if (d->message != nullptr && d->message->type == DNSTAP__MESSAGE__TYPE__CLIENT_QUERY)
      out.push_back(d->message->has_socket_protocol ? d->message->socket_protocol : -1);
    dnstap__dnstap__free_unpacked(d, nullptr);
  }
  return out;
}

// `argv` as one sh command line, each word single-quoted.
inline std::string shellJoin(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) {
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += (out.empty() ? "" : " ") + quoted + "'";
  }
  return out;
}

inline bool kdigAvailable() {
  return ::access("/usr/bin/kdig", X_OK) == 0;
}

// The descriptors horizond holds (its /proc fd directory's entries).
inline std::size_t openDescriptors(pid_t pid) {
  std::size_t n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n > 2 ? n - 2 : 0;  // "." and ".."
}

inline int connectTcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace horizon::test
