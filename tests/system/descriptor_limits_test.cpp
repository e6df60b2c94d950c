// Descriptors under attack: horizond started with the shell's usual limit (`ulimit -n 1024`)
// must keep answering, and keep its control socket usable, while 1100 idle TCP clients hold
// connections and a flood of unique names waits on a forwarder that never answers. And it raises
// its soft RLIMIT_NOFILE to the hard limit by itself.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_probe.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kZone = HORIZON_TEST_DATA "/resolver/home.test.yaml";

// horizond with its own RLIMIT_NOFILE (set in the child before exec, as `ulimit -n` would), its
// output in a file. Killed by the destructor; dies with the test.
class LimitedHorizond {
 public:
  LimitedHorizond(const std::vector<std::string>& args, rlim_t soft, rlim_t hard)
      : log_path_(dir_.path() + "/horizond.log") {
    // The loopback upstreams here are unsigned: validation is not what these tests measure.
    std::vector<std::string> storage = {HORIZOND_PATH, "--no-dnssec"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int out = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) throw std::runtime_error("cannot open " + log_path_);
    const rlimit limit{soft, hard};
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out);
    if (pid_ < 0) throw std::runtime_error("fork failed");
  }
  ~LimitedHorizond() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  LimitedHorizond(const LimitedHorizond&) = delete;
  LimitedHorizond& operator=(const LimitedHorizond&) = delete;

  pid_t pid() const { return pid_; }
  std::string log() const { return readAll(log_path_); }
  std::size_t logSize() const {
    struct stat st {};
    return ::stat(log_path_.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
  }
  // Descriptors the process has open now.
  std::size_t openDescriptors() const {
    std::size_t n = 0;
    if (DIR* d = ::opendir(("/proc/" + std::to_string(pid_) + "/fd").c_str())) {
      while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
      ::closedir(d);
    }
    return n;
  }
  // The "Max open files" line of /proc/PID/limits.
  std::string openFilesLimit() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/limits");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Max open files", 0) == 0) return line;
    return "";
  }
  // Waits until an authoritative UDP question is answered.
  bool waitServing(std::uint16_t port) const {
    const Bytes q = buildQuery("www.home.test", LDNS_RR_TYPE_A);
    for (auto until = Clock::now() + 10s; Clock::now() < until;) {
      if (exchangeUdp({.port = port}, q, 200ms)) return true;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return false;
    }
    return false;
  }

 private:
  static std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
};

// A UDP "forwarder" on loopback that takes every query and never answers (nor sends ICMP).
class SilentUpstream {
 public:
  SilentUpstream() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("cannot bind the silent upstream");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentUpstream() { ::close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// The test process itself holds 1100 connections and more: its own soft limit goes up first.
void raiseOwnLimit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
}

// A TCP connection to 127.0.0.1:port that sends nothing; -1 when connect failed.
int idleConnection(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends unique names from 127.0.0.1 (the lan view, which recurses) at about `rate` per second
// for `duration`, and counts the answers that come back within the first `early` of it.
struct Flood {
  std::atomic<int> sent{0};
  std::atomic<int> answered_early{0};
  std::atomic<int> answered{0};

  void run(std::uint16_t port, int rate, std::chrono::milliseconds duration,
           std::chrono::milliseconds early) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int buffer = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto start = Clock::now();
    const auto tick = 10ms;
    const int per_tick = rate / 100;
    std::uint8_t reply[1500];
    for (auto next = start; Clock::now() - start < duration; next += tick) {
      for (int i = 0; i < per_tick; ++i) {
        const int n = sent.fetch_add(1);
        QueryOptions options;
        options.id = static_cast<std::uint16_t>(n);
        options.recursion_desired = true;
        const Bytes q =
            buildQuery("n" + std::to_string(n) + ".flood.example", LDNS_RR_TYPE_A, options);
        ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      }
      while (::recv(fd, reply, sizeof reply, 0) > 0) {
        ++answered;
        if (Clock::now() - start < early) ++answered_early;
      }
      std::this_thread::sleep_until(next + tick);
    }
    ::close(fd);
  }
};

TEST(DescriptorLimits, IdleConnectionsAndASilentUpstreamLeaveRoomForEveryone) {
  raiseOwnLimit();
  SilentUpstream upstream;
  TempDir dir;
  const std::string control = dir.path() + "/control.sock";
  const std::uint16_t port = findFreePort();
  const std::uint16_t metrics_port = findFreePort();
  LimitedHorizond server(
      {"--zone", kZone, "--listen", listenArg(port), "--forward", upstream.address(), "--control",
       control, "--workers", "2", "--metrics", "127.0.0.1:" + std::to_string(metrics_port)},
      1024, 1024);
  ASSERT_TRUE(server.waitServing(port)) << server.log();
  EXPECT_NE(server.log().find("descriptors: limit 1024"), std::string::npos) << server.log();
  const std::size_t log_before = server.logSize();

  // 1100 idle TCP clients: more than the whole descriptor limit.
  std::vector<int> idle;
  for (int i = 0; i < 1100; ++i)
    if (const int fd = idleConnection(port); fd >= 0) idle.push_back(fd);
  EXPECT_GT(idle.size(), 1000u);

  // Unique names at about 3000 a second for 10 s, each waiting on the silent forwarder.
  Flood flood;
  std::thread flooding([&] { flood.run(port, 3000, 10s, 1500ms); });
  std::size_t most_descriptors = 0;
  bool checked = false;
  const auto start = Clock::now();
  while (Clock::now() - start < 10s) {
    most_descriptors = std::max(most_descriptors, server.openDescriptors());
    if (!checked && Clock::now() - start > 5s) {
      checked = true;
      // In the middle of it: our own names over UDP and a new TCP connection are answered...
      const Bytes q = buildQuery("nas.home.test", LDNS_RR_TYPE_A);
      // (No ASSERT here: the flooding thread must be joined.)
      const auto udp = exchangeUdp({.port = port}, q, 2000ms);
      EXPECT_TRUE(udp.has_value()) << "no UDP answer";
      if (udp) {
        EXPECT_EQ(ldns_pkt_get_rcode(parsePacket(*udp).get()), LDNS_RCODE_NOERROR);
      }
      const auto tcp = exchangeTcp({.port = port}, q, 2000ms);
      EXPECT_TRUE(tcp.has_value()) << "no TCP answer";
      if (tcp) {
        EXPECT_EQ(ldns_pkt_get_rcode(parsePacket(*tcp).get()), LDNS_RCODE_NOERROR);
      }
      // ...and the control socket answers `dnsctl status` within 2 s.
      const auto asked = Clock::now();
      const CommandResult status =
          runCommand({DNSCTL_PATH, "status", "--control", control}, {}, 10s);
      const auto took = Clock::now() - asked;
      EXPECT_EQ(status.exit_code, 0) << status.all();
      std::printf("dnsctl status answered in %lld ms\n",
                  static_cast<long long>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
      EXPECT_LT(took, 2s) << "dnsctl status took "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms";
    }
    std::this_thread::sleep_for(100ms);
  }
  flooding.join();
  most_descriptors = std::max(most_descriptors, server.openDescriptors());

  const std::size_t grown = server.logSize() - log_before;
  std::printf(
      "descriptors at most %zu of 1024; %d queries sent, %d answered (%d in the first "
      "1.5 s); the log grew by %zu bytes\n",
      most_descriptors, flood.sent.load(), flood.answered.load(), flood.answered_early.load(),
      grown);
  EXPECT_LT(most_descriptors, 1024u) << "horizond ran out of descriptors";
  // Past the in-flight caps, questions are answered SERVFAIL at once instead of waiting for the
  // 3 s resolution timeout.
  EXPECT_GT(flood.answered_early.load(), 100) << "sent " << flood.sent.load();
  EXPECT_LT(grown, 1u << 20) << "the log grew by " << grown << " bytes";
  // The flood came from one address: its cap refused most of it, and the metrics say so.
  const auto scrape = httpRequest(metrics_port, "GET", "/metrics");
  EXPECT_TRUE(scrape.has_value());
  const std::string refused = "horizon_resolutions_refused_total{limit=\"client\"} ";
  const auto at = scrape ? scrape->body.find(refused) : std::string::npos;
  EXPECT_NE(at, std::string::npos) << (scrape ? scrape->body : "");
  if (at != std::string::npos) {
    EXPECT_GT(std::stod(scrape->body.substr(at + refused.size())), 1000.0);
  }

  for (int fd : idle) ::close(fd);
}

// A Unix stream connection to `path`; -1 when connect failed (EAGAIN: the backlog is full).
int controlConnection(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// horizond's arguments for the control-socket tests: one worker, the control socket at `control`.
std::vector<std::string> withControlSocket(std::uint16_t port, const std::string& control) {
  return {"--zone",       kZone,
          "--listen",     listenArg(port),
          "--root-hints", HORIZON_TEST_DATA "/loopback.hints",
          "--control",    control,
          "--workers",    "1"};
}

// One line from `fd`, or "" when none came within `patience`.
std::string readLine(int fd, std::chrono::milliseconds patience) {
  std::string line;
  for (const auto until = Clock::now() + patience; Clock::now() < until;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char c = 0;
    if (::read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

// Control sessions are capped: a local process opening 1100 of them cannot take horizond's
// descriptors. The ones past the cap hear why and are closed; the operator's `status` works
// as soon as one is free.
TEST(DescriptorLimits, ControlSessionsAreCappedAndTheRestToldWhy) {
  raiseOwnLimit();
  TempDir dir;
  const std::string control = dir.path() + "/control.sock";
  const std::uint16_t port = findFreePort();
  LimitedHorizond server(withControlSocket(port, control), 1024, 1024);
  ASSERT_TRUE(server.waitServing(port)) << server.log();
  const std::size_t idle = server.openDescriptors();
  std::vector<int> held;
  for (const auto until = Clock::now() + 10s; held.size() < 1100 && Clock::now() < until;) {
    if (const int fd = controlConnection(control); fd >= 0)
      held.push_back(fd);
    else
      std::this_thread::sleep_for(1ms);  // the backlog is full until horizond takes more
  }
  ASSERT_EQ(held.size(), 1100u);
  // Every connection past the cap is told, one line each, and closed.
  int told = 0;
  for (std::size_t i = 20; i < held.size(); ++i) {
    const std::string line = readLine(held[i], 2000ms);
    if (line.find("too many control connections") != std::string::npos) ++told;
  }
  EXPECT_EQ(told, 1080);
  const std::size_t open = server.openDescriptors();
  std::printf("idle: %zu descriptors; with 1100 control connections tried: %zu\n", idle, open);
  EXPECT_LE(open, idle + 16 + 2);
  for (int fd : held) ::close(fd);
  // A session is free again: status answers.
  const int fd = controlConnection(control);
  ASSERT_GE(fd, 0);
  const std::string request = "{\"command\":\"status\"}\n";
  ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  EXPECT_NE(readLine(fd, 3000ms).find("\"ok\":true"), std::string::npos);
  ::close(fd);
}

// Started with far fewer descriptors than it needs (`ulimit -n 26`: the budget says so), horizond
// runs out once a few control sessions are open, and the clients still queued make accept() fail
// with EMFILE over and over: the accept loops pause and log a few lines a second instead of
// spinning, UDP is still answered, and a TCP client is turned away rather than left hanging.
TEST(DescriptorLimits, OutOfDescriptorsTheAcceptLoopsPauseInsteadOfSpinning) {
  raiseOwnLimit();
  TempDir dir;
  const std::string control = dir.path() + "/control.sock";
  const std::uint16_t port = findFreePort();
  LimitedHorizond server(withControlSocket(port, control), 26, 26);
  ASSERT_TRUE(server.waitServing(port)) << server.log();
  std::vector<int> held;
  for (int i = 0; i < 16; ++i)
    if (const int fd = controlConnection(control); fd >= 0) held.push_back(fd);
  ASSERT_EQ(held.size(), 16u);
  std::this_thread::sleep_for(500ms);  // the connections past the limit wait in the backlog
  // (It may hold one more than the limit: a descriptor inherited above the limit counts too.)
  EXPECT_GE(server.openDescriptors(), 26u) << "not out of descriptors: the test proves nothing";
  const std::size_t log_before = server.logSize();
  std::this_thread::sleep_for(2s);
  const std::size_t grown = server.logSize() - log_before;
  std::printf("horizond has %zu descriptors; the log grew by %zu bytes in 2 s\n",
              server.openDescriptors(), grown);
  // A few lines a second with a count of the rest, not a line per failed accept().
  EXPECT_LT(grown, 64u * 1024) << server.log().substr(0, 4096);
  EXPECT_NE(server.log().find("leaves almost nothing past the reserve"), std::string::npos)
      << "the start did not warn that the limit is too low";
  // Queries are still answered over UDP...
  const Bytes q = buildQuery("www.home.test", LDNS_RR_TYPE_A);
  EXPECT_TRUE(exchangeUdp({.port = port}, q, 2000ms).has_value());
  // ...and a TCP client, which horizond has no descriptor for, is turned away (accepted into the
  // listener's spare descriptor and closed) instead of being left hanging in the backlog.
  TcpClient tcp({.port = port});
  EXPECT_TRUE(tcp.sendMessage(q));
  EXPECT_TRUE(tcp.waitClosed(3000ms)) << "the TCP client was left waiting";
  for (int fd : held) ::close(fd);
}

TEST(DescriptorLimits, SoftLimitIsRaisedToTheHardLimit) {
  const std::uint16_t port = findFreePort();
  LimitedHorizond server({"--zone", kZone, "--listen", listenArg(port), "--root-hints",
                          HORIZON_TEST_DATA "/loopback.hints"},
                         1024, 4096);
  ASSERT_TRUE(server.waitServing(port)) << server.log();
  const std::string line = server.openFilesLimit();
  // "Max open files            4096                 4096                 files"
  std::istringstream fields(line.substr(std::strlen("Max open files")));
  std::string soft, hard;
  fields >> soft >> hard;
  EXPECT_EQ(soft, "4096") << line;
  EXPECT_EQ(hard, "4096") << line;
  const std::string log = server.log();
  EXPECT_NE(log.find("descriptors: limit 4096 (soft was 1024, hard 4096)"), std::string::npos)
      << log;
}

}  // namespace
}  // namespace horizon::test
