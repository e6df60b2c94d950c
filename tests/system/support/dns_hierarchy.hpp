// A DNS hierarchy of real NSD servers on loopback, for testing iterative resolvers (Unbound as the
// oracle, horizond as the subject) without sending a packet outside 127.0.0.0/8.
//
// Every server listens on port 53 (resolvers always query port 53) of its own address in one
// block 127.53.K.0/24, so this needs root (or CAP_NET_BIND_SERVICE). K is HierarchyOptions::block
// when set; otherwise it starts at a hash of the test binary's name (1..254) and moves on to the
// next block while a block is taken: a block is held by an abstract unix socket named
// "horizon-dns-hierarchy-K" (released by the kernel when the process dies) and must have port 53
// free on all its addresses. So two test binaries, or two ctest processes of one binary, can run
// at the same time.
// LoopbackBlock (claiming a block) and NsdServerSet (NSD processes with their zones) are shared
// with the DNSSEC-signed hierarchy of signed_hierarchy.hpp.
//
//   127.53.K.1   root "." (a.root-servers.)
//   127.53.K.2   b.root-servers.: lame (answers REFUSED), or silent with silent_second_root
//   127.53.K.10  test. (ns1.nic.test.)
//   127.53.K.20  example.test., outofzone.test. (only NS: ns.example.test, out of bailiwick),
//                lame.test. and slow.test. (their working name server)
//   127.53.K.30  child.example.test. (delegated from example.test.)
//   127.53.K.40  an NSD without those zones: REFUSED (ns1.lame.test., and b.root by default)
//   127.53.K.50  a UDP socket bound by the test and never read, and a TCP listener that never
//                accepts: a server that never answers (ns1.slow.test.)
//
// Answers carry only documentation addresses (192.0.2.0/24, 2001:db8::/32); only name server
// addresses are loopback, and no case queries them (a resolver with DNS rebinding protection
// drops loopback addresses in answers for outside names).
//
// Typical use:
//   if (auto why = DnsHierarchy::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
//   DnsHierarchy hierarchy;                              // starts every server, or throws
//   auto unbound = UnboundProcess::start(hierarchy.rootHintsFile());
//   for (const HierarchyCase& c : hierarchy.cases()) {
//     ResolverAnswer got = askResolver(unbound->endpoint(), c.name, c.type);
//     EXPECT_EQ(checkHierarchyCase(c, got), "");
//   }
//   // or, resolver against resolver:
//   EXPECT_EQ(compareResolvers("unbound", unbound->endpoint(), "horizond", ours, name, type), "");
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace horizon::test {

// ---------------------------------------------------------------------------------------------
// Programs and child processes

/// The first of `paths` that is an executable file, or "" (Debian paths first, then /usr/local).
inline std::string findProgram(const std::vector<std::string>& paths) {
  for (const auto& path : paths)
    if (access(path.c_str(), X_OK) == 0) return path;
  return "";
}
inline std::string findNsdProgram() {
  return findProgram({"/usr/sbin/nsd", "/usr/local/sbin/nsd"});
}
inline std::string findUnboundProgram() {
  return findProgram({"/usr/sbin/unbound", "/usr/local/sbin/unbound"});
}

/// The whole content of a text file ("" when it cannot be read).
/// The server and remote-control sections of an nsd.conf for a test's own NSD: listening on each
/// "address@port", no chroot and no user switch, every state file in `state_dir`, minimal
/// responses (no NS in the authority section of positive answers), ANY answered in full.
inline std::string nsdServerSection(const std::vector<std::string>& listen,
                                    const std::string& state_dir) {
  std::ostringstream conf;
  conf << "server:\n";
  for (const auto& address : listen) conf << "  ip-address: " << address << "\n";
  conf << "  do-ip6: no\n"
       << "  username: \"\"\n"
       << "  chroot: \"\"\n"
       << "  zonesdir: \"\"\n"
       << "  pidfile: \"" << state_dir << "/nsd.pid\"\n"
       << "  xfrdfile: \"" << state_dir << "/xfrd.state\"\n"
       << "  xfrdir: \"" << state_dir << "\"\n"
       << "  zonelistfile: \"" << state_dir << "/zone.list\"\n"
       << "  database: \"\"\n"
       << "  verbosity: 1\n"
       << "  server-count: 1\n"
       << "  minimal-responses: yes\n"
       << "  refuse-any: no\n"
       << "  hide-version: yes\n"
       << "remote-control:\n"
       << "  control-enable: no\n";
  return conf.str();
}

inline std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A daemon run in the foreground as a child process, in its own process group, with stdout and
/// stderr in a log file. It gets SIGTERM if the test process dies; the destructor stops it.
class DaemonProcess {
 public:
  /// Forks and execs argv[0] with `argv` in `working_directory` ("": this process's). Throws
  /// std::runtime_error when it cannot fork.
  DaemonProcess(const std::vector<std::string>& argv, std::string log_path,
                const std::string& working_directory = "")
      : log_path_(std::move(log_path)) {
    std::vector<std::string> storage = argv;
    std::vector<char*> args;
    for (auto& arg : storage) args.push_back(arg.data());
    args.push_back(nullptr);
    const int out = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) throw std::runtime_error("cannot open " + log_path_);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
      close(out);
      throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid_ == 0) {
      // Only async-signal-safe calls from here on: the parent may have threads.
      setpgid(0, 0);  // its own group, so stop() can reach the daemon's own children
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);  // the test died before prctl
      if (!working_directory.empty() && chdir(working_directory.c_str()) != 0) _exit(127);
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
      execv(args[0], args.data());
      const char message[] = "dns_hierarchy: exec failed\n";
      (void)!write(STDERR_FILENO, message, sizeof message - 1);
      _exit(127);
    }
    setpgid(pid_, pid_);  // also from this side, so the group exists before we might signal it
    group_ = pid_;
    close(out);
  }
  ~DaemonProcess() { stop(); }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  /// SIGTERM, SIGKILL to the whole group after `timeout`; then waits (bounded) until no process
  /// of the group is left, so its sockets are closed when this returns. Later calls do nothing.
  void stop(Millis timeout = Millis(5000)) {
    if (group_ <= 0) return;
    if (!reaped_) {
      terminate();
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      while (running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(Millis(10));
      if (!reaped_) {
        kill(-group_, SIGKILL);
        while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
      }
    }
    // The daemon's own children (NSD's server and xfrd processes) go with it; wait for them.
    const auto group_deadline = std::chrono::steady_clock::now() + Millis(3000);
    while (kill(-group_, 0) == 0 && std::chrono::steady_clock::now() < group_deadline)
      std::this_thread::sleep_for(Millis(10));
    if (kill(-group_, 0) == 0) kill(-group_, SIGKILL);
    group_ = -1;
  }
  /// Sends SIGTERM without waiting (to stop several daemons at once: NSD takes ~2 s to exit).
  void terminate() {
    if (!reaped_ && group_ > 0) kill(pid_, SIGTERM);
  }
  /// True while the daemon has not exited (reaps it when it has).
  bool running() {
    if (reaped_) return false;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
  }
  /// The exit code once the process ended by exit(); -1 while it runs or when a signal ended it.
  int exitCode() const { return reaped_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  /// Everything the daemon wrote so far.
  std::string log() const { return readTextFile(log_path_); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;    // the daemon
  pid_t group_ = -1;  // its process group (the same number) until stop() saw the group gone
  bool reaped_ = false;
  int status_ = 0;  // waitpid's status once reaped
  std::string log_path_;
};

/// Runs a tool (a key generator, a zone signer) to its end in `working_directory` and returns
/// what it wrote. Throws std::runtime_error with that output when it fails or outlives `timeout`.
inline std::string runToCompletion(const std::vector<std::string>& argv,
                                   const std::string& log_path,
                                   const std::string& working_directory = "",
                                   Millis timeout = Millis(60000)) {
  DaemonProcess process(argv, log_path, working_directory);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(Millis(2));
  const bool finished = !process.running();
  process.stop();
  if (finished && process.exitCode() == 0) return process.log();
  std::string command;
  for (const auto& arg : argv) command += (command.empty() ? "" : " ") + arg;
  throw std::runtime_error(command +
                           (finished
                                ? " failed (exit " + std::to_string(process.exitCode()) + "):\n"
                                : " did not finish in time:\n") +
                           process.log());
}

// ---------------------------------------------------------------------------------------------
// Asking resolvers and comparing what they say

/// One response of a resolver, reduced to what the comparisons look at.
struct ResolverAnswer {
  bool answered = false;            // a response came back (over UDP, or over TCP after TC)
  bool via_tcp = false;             // the UDP response was truncated and this one came over TCP
  unsigned rcode = 0;               // with the EDNS extended bits
  bool ad = false;                  // the AD bit: the resolver validated the answer as secure
  int ede = -1;                     // the first extended DNS error's INFO-CODE (RFC 8914); -1: none
  std::string ede_text;             // its EXTRA-TEXT
  std::vector<std::string> answer;  // canonical records of the answer section, sorted, no TTLs
  Packet packet;                    // the whole response (null when none came)
};

/// The types of a section's records in the order sent ("DNAME CNAME A"); "" for none.
inline std::string sectionTypes(const ldns_rr_list* section) {
  std::string out;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i) {
    char* text = ldns_rr_type2str(ldns_rr_get_type(ldns_rr_list_rr(section, i)));
    out += (out.empty() ? "" : " ") + std::string(text != nullptr ? text : "?");
    std::free(text);
  }
  return out;
}
/// The types of an answer's answer and authority sections, in the order sent.
inline std::string answerTypes(const ResolverAnswer& got) {
  return got.packet ? sectionTypes(ldns_pkt_answer(got.packet.get())) : "";
}
inline std::string authorityTypes(const ResolverAnswer& got) {
  return got.packet ? sectionTypes(ldns_pkt_authority(got.packet.get())) : "";
}

/// A record as ldns prints it, on one line without the newline: "owner\tTTL\tCLASS\tTYPE\trdata".
inline std::string recordText(const ldns_rr* rr) {
  char* text = ldns_rr2str(rr);
  std::string out = text != nullptr ? text : "";
  std::free(text);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

/// A record in canonical form (RFC 4034 6.2: owner and rdata names lowercase) as text without
/// its TTL, which caches decrement: "www.example.test.\tIN\tA\t192.0.2.80".
inline std::string canonicalRecord(const ldns_rr* rr) {
  ldns_rr* copy = ldns_rr_clone(rr);
  ldns_rr2canonical(copy);
  std::string out = recordText(copy);
  ldns_rr_free(copy);
  // ldns writes "owner\tTTL\tCLASS\tTYPE\trdata"; drop the TTL field.
  const auto first = out.find('\t');
  const auto second = first == std::string::npos ? first : out.find('\t', first + 1);
  if (second != std::string::npos) out.erase(first, second - first);
  return out;
}

/// canonicalRecord of a record written in presentation format ("a.test. IN CNAME b.test.").
/// Throws std::runtime_error when ldns cannot parse it.
inline std::string canonicalRecord(const std::string& presentation) {
  ldns_rr* rr = nullptr;
  const ldns_status status = ldns_rr_new_frm_str(&rr, presentation.c_str(), 0, nullptr, nullptr);
  if (status != LDNS_STATUS_OK)
    throw std::runtime_error("ldns cannot parse '" + presentation +
                             "': " + ldns_get_errorstr_by_id(status));
  std::string out = canonicalRecord(rr);
  ldns_rr_free(rr);
  return out;
}

/// The answer section as sorted canonical records without TTLs (duplicates kept: the same record
/// twice is a difference worth seeing).
inline std::vector<std::string> canonicalAnswer(const ldns_pkt* packet) {
  std::vector<std::string> lines;
  const ldns_rr_list* section = packet != nullptr ? ldns_pkt_answer(packet) : nullptr;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i)
    lines.push_back(canonicalRecord(ldns_rr_list_rr(section, i)));
  std::sort(lines.begin(), lines.end());
  return lines;
}

/// The whole message as dig-like text, for failure messages.
inline std::string packetText(const ldns_pkt* packet) {
  if (packet == nullptr) return "(no response)\n";
  char* text = ldns_pkt2str(packet);
  std::string out = text != nullptr ? text : "(unprintable)\n";
  std::free(text);
  return out;
}

/// "NOERROR", "NXDOMAIN", ... (or the number).
inline std::string rcodeName(unsigned rcode) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                       "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                       "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < sizeof kNames / sizeof kNames[0]) return kNames[rcode];
  return "RCODE" + std::to_string(rcode);
}

/// "www.example.test. AAAA", for failure messages.
inline std::string describeQuery(const std::string& name, ldns_rr_type type) {
  char* text = ldns_rr_type2str(type);
  std::string out = name + " " + (text != nullptr ? text : "?");
  std::free(text);
  return out;
}

/// The first extended DNS error (EDNS option 15, RFC 8914) of a response: its INFO-CODE, or -1
/// when there is none, and its EXTRA-TEXT in `text`.
inline int extendedError(ldns_pkt* packet, std::string* text = nullptr) {
  ldns_edns_option_list* options =
      packet != nullptr ? ldns_pkt_edns_get_option_list(packet) : nullptr;
  for (std::size_t i = 0; options != nullptr && i < ldns_edns_option_list_get_count(options); ++i) {
    ldns_edns_option* option = ldns_edns_option_list_get_option(options, i);
    const std::size_t size = ldns_edns_get_size(option);
    if (ldns_edns_get_code(option) != LDNS_EDNS_EDE || size < 2) continue;
    const std::uint8_t* data = ldns_edns_get_data(option);
    if (text != nullptr) text->assign(reinterpret_cast<const char*>(data) + 2, size - 2);
    return data[0] << 8 | data[1];
  }
  return -1;
}

/// The header and EDNS bits a stub sets on a question besides RD.
struct AskFlags {
  bool dnssec_ok = false;          // DO: wants DNSSEC records (and AD on secure answers)
  bool checking_disabled = false;  // CD: wants the data even when validation fails
};

/// Asks a recursive resolver the way a stub does: RD set, EDNS with a 1232-octet payload, over
/// UDP, sent again every `retry` (0: never) until a response with the query's id comes or
/// `timeout` passes, and again over TCP when the response is truncated. Resending matters: a
/// resolution from a cold cache past a silent server takes seconds, and Unbound drops the reply
/// to a query that waited longer than its discard-timeout (1.9 s), expecting the stub to retry.
inline ResolverAnswer askResolver(const Endpoint& resolver, const std::string& name,
                                  ldns_rr_type type, AskFlags flags, Millis timeout = Millis(10000),
                                  Millis retry = Millis(2000)) {
  using Clock = std::chrono::steady_clock;
  QueryOptions options;
  options.recursion_desired = true;
  options.dnssec_ok = flags.dnssec_ok;
  options.checking_disabled = flags.checking_disabled;
  static std::minstd_rand ids(std::random_device{}());
  options.id = static_cast<std::uint16_t>(ids());
  const Bytes message = buildQuery(name, type, options);
  ResolverAnswer result;
  {
    UdpSender udp(resolver);
    const auto deadline = Clock::now() + timeout;
    auto next_send = Clock::now();
    while (!result.packet && Clock::now() < deadline) {
      if (Clock::now() >= next_send) {
        udp.send(message);
        next_send = retry.count() > 0 ? Clock::now() + retry : deadline;
      }
      const auto until = std::min(deadline, next_send);
      const auto wait = std::chrono::duration_cast<Millis>(until - Clock::now()) + Millis(1);
      if (auto wire = udp.receive(wait)) {
        Packet reply = parsePacket(*wire);
        if (reply && ldns_pkt_id(reply.get()) == options.id) result.packet = std::move(reply);
      }
    }
  }
  if (result.packet && ldns_pkt_tc(result.packet.get())) {
    result.via_tcp = true;
    result.packet.reset();
    if (auto wire = exchangeTcp(resolver, message, timeout)) result.packet = parsePacket(*wire);
  }
  if (!result.packet) return result;
  result.answered = true;
  result.rcode = fullRcode(result.packet.get());
  result.ad = ldns_pkt_ad(result.packet.get());
  result.ede = extendedError(result.packet.get(), &result.ede_text);
  result.answer = canonicalAnswer(result.packet.get());
  return result;
}

/// askResolver with neither DO nor CD, as most stubs ask.
inline ResolverAnswer askResolver(const Endpoint& resolver, const std::string& name,
                                  ldns_rr_type type, Millis timeout = Millis(10000),
                                  Millis retry = Millis(2000)) {
  return askResolver(resolver, name, type, AskFlags{}, timeout, retry);
}

/// Indented lines for a report.
inline std::string indentedLines(const std::vector<std::string>& lines) {
  if (lines.empty()) return "    (none)\n";
  std::string out;
  for (const auto& line : lines) out += "    " + line + "\n";
  return out;
}

/// What differs between two resolvers' responses to one query: rcode and answer set (canonical,
/// TTLs excluded). "" when they agree; otherwise a report with both whole responses.
inline std::string diffResolverAnswers(const std::string& label_a, const ResolverAnswer& a,
                                       const std::string& label_b, const ResolverAnswer& b) {
  if (!a.answered || !b.answered) {
    if (a.answered == b.answered) return "";  // neither answered: the same, if odd
    return "  " + (a.answered ? label_b : label_a) + " did not answer\n--- " + label_a + ":\n" +
           packetText(a.packet.get()) + "--- " + label_b + ":\n" + packetText(b.packet.get());
  }
  std::string diff;
  if (a.rcode != b.rcode)
    diff += "  rcode: " + label_a + " " + rcodeName(a.rcode) + ", " + label_b + " " +
            rcodeName(b.rcode) + "\n";
  if (a.answer != b.answer)
    diff += "  answer:\n   " + label_a + ":\n" + indentedLines(a.answer) + "   " + label_b + ":\n" +
            indentedLines(b.answer);
  if (diff.empty()) return "";
  return diff + "--- " + label_a + ":\n" + packetText(a.packet.get()) + "--- " + label_b + ":\n" +
         packetText(b.packet.get());
}

/// Asks both resolvers the same question and diffs the responses ("" when they agree).
inline std::string compareResolvers(const std::string& label_a, const Endpoint& a,
                                    const std::string& label_b, const Endpoint& b,
                                    const std::string& name, ldns_rr_type type,
                                    Millis timeout = Millis(10000)) {
  const ResolverAnswer from_a = askResolver(a, name, type, timeout);
  const ResolverAnswer from_b = askResolver(b, name, type, timeout);
  const std::string diff = diffResolverAnswers(label_a, from_a, label_b, from_b);
  return diff.empty() ? "" : describeQuery(name, type) + ":\n" + diff;
}

// ---------------------------------------------------------------------------------------------
// Loopback name servers

/// One address block 127.53.K.0/24 held by this process (see the top of this file), so that
/// hierarchies of several test binaries, or of one binary twice, never share an address.
class LoopbackBlock {
 public:
  /// 0, or the errno of binding port 53 (UDP, then TCP with SO_REUSEADDR as NSD does, so a
  /// TIME_WAIT left by an earlier run does not count) on `address`.
  static int probePort53(const std::string& address) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(53);
    if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return EINVAL;
    int error = 0;
    for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
      const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
      if (fd < 0) return errno;
      const int on = 1;
      if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) error = errno;
      close(fd);
      if (error != 0) return error;
    }
    return 0;
  }

  /// Claims block `preferred` (only that one), or with 0 the first free block from a hash of the
  /// binary's name on, where port 53 is free on every host of `hosts`. Throws std::runtime_error
  /// when there is none.
  LoopbackBlock(int preferred, const std::vector<int>& hosts) {
    int start = preferred;
    if (start == 0) {
      char exe[4096] = {};
      const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
      std::string name = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : "test";
      name = name.substr(name.find_last_of('/') + 1);
      std::uint32_t hash = 2166136261u;  // FNV-1a
      for (unsigned char c : name) hash = (hash ^ c) * 16777619u;
      start = static_cast<int>(hash % 254) + 1;
    }
    std::string why;
    for (int i = 0; i < 254; ++i) {
      const int k = (start - 1 + i) % 254 + 1;
      if (preferred != 0 && k != preferred) break;
      const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
      sockaddr_un un{};
      un.sun_family = AF_UNIX;
      const std::string lock = "horizon-dns-hierarchy-" + std::to_string(k);
      std::memcpy(un.sun_path + 1, lock.data(), lock.size());  // abstract: sun_path[0] is 0
      const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + lock.size());
      if (bind(fd, reinterpret_cast<sockaddr*>(&un), len) != 0) {
        why = "block " + std::to_string(k) + " is held by another test process";
        close(fd);
        continue;
      }
      block_ = k;
      int busy = 0;
      for (int host : hosts) {
        if (int error = probePort53(address(host)); error != 0) {
          why = address(host) + ":53: " + std::strerror(error);
          busy = error;
          break;
        }
      }
      if (busy == 0) {
        lock_fd_ = fd;
        return;
      }
      close(fd);
    }
    throw std::runtime_error(
        "no free address block 127.53.K.0/24 for the DNS hierarchy (last: " + why + ")");
  }
  ~LoopbackBlock() {
    if (lock_fd_ >= 0) close(lock_fd_);
  }
  LoopbackBlock(const LoopbackBlock&) = delete;
  LoopbackBlock& operator=(const LoopbackBlock&) = delete;

  /// K of 127.53.K.0/24.
  int block() const { return block_; }
  /// "127.53.K.host".
  std::string address(int host) const {
    return "127.53." + std::to_string(block_) + "." + std::to_string(host);
  }
  /// `text` with every "{K}" replaced by the block number (zone files are written with {K}).
  std::string fill(std::string text) const {
    const std::string k = std::to_string(block_);
    for (auto at = text.find("{K}"); at != std::string::npos; at = text.find("{K}", at + 1))
      text.replace(at, 3, k);
    return text;
  }

 private:
  int block_ = 0;
  int lock_fd_ = -1;  // the abstract socket that holds the block
};

/// A zone one NSD serves: its origin ("example.test.", "." for the root) and its whole zone file.
struct NsdZone {
  std::string origin;
  std::string text;
};

/// NSD processes on port 53 of loopback addresses, each with its own zones, configuration and log
/// under one directory; running between start() and stop() (the destructor stops them).
class NsdServerSet {
 public:
  /// Servers of the NSD at `nsd_program` whose files go under `directory`.
  NsdServerSet(std::string nsd_program, std::string directory)
      : nsd_(std::move(nsd_program)), dir_(std::move(directory)) {}
  ~NsdServerSet() { stop(); }
  NsdServerSet(const NsdServerSet&) = delete;
  NsdServerSet& operator=(const NsdServerSet&) = delete;

  /// Writes the configuration and zone files of one more server, `label`, listening on port 53 of
  /// each of `addresses` ("127.53.K.h"); start() starts it.
  void add(const std::string& label, const std::vector<std::string>& addresses,
           const std::vector<NsdZone>& zones) {
    Server server{label, addresses, zones.front().origin, "", nullptr};
    const std::string d = dir_ + "/" + label;
    std::filesystem::create_directories(d);
    std::vector<std::string> listen;
    for (const auto& address : addresses) listen.push_back(address + "@53");
    std::ostringstream conf;
    conf << nsdServerSection(listen, d);
    for (const auto& zone : zones) {
      const std::string file = d + "/" + (zone.origin == "." ? "root." : zone.origin) + "zone";
      std::ofstream(file, std::ios::binary | std::ios::trunc) << zone.text;
      conf << "zone:\n"
           << "  name: \"" << zone.origin << "\"\n"
           << "  zonefile: \"" << file << "\"\n";
    }
    server.config = d + "/nsd.conf";
    std::ofstream(server.config, std::ios::binary | std::ios::trunc) << conf.str();
    servers_.push_back(std::move(server));
  }

  /// Starts every server that is not running and waits until each answers its first zone's SOA
  /// on every address. Throws std::runtime_error (with the log) when one does not in `timeout`.
  void start(Millis timeout) {
    for (auto& server : servers_) {
      if (server.process && server.process->running()) continue;
      server.process =
          std::make_unique<DaemonProcess>(std::vector<std::string>{nsd_, "-d", "-c", server.config},
                                          dir_ + "/" + server.label + ".log");
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (auto& server : servers_) waitUntilAnswering(server, deadline);
  }
  /// Stops every NSD (SIGTERM to all at once, then waits; bounded).
  void stop() {
    for (auto& server : servers_)
      if (server.process) server.process->terminate();
    for (auto& server : servers_)
      if (server.process) server.process->stop();
  }
  /// Every server's log, for failure messages.
  std::string logs() const {
    std::string out;
    for (const auto& server : servers_)
      if (server.process) out += "--- NSD " + server.label + ":\n" + server.process->log();
    return out;
  }

 private:
  struct Server {
    std::string label;                   // "root", "tld", ...
    std::vector<std::string> addresses;  // where it listens (port 53)
    std::string probe_zone;              // the origin of its first zone
    std::string config;                  // nsd.conf path
    std::unique_ptr<DaemonProcess> process;
  };

  // Polls every address of `server` until it answers its first zone's SOA authoritatively (NSD
  // loads zones after binding). Throws with the log at the deadline or when NSD exits.
  static void waitUntilAnswering(Server& server, std::chrono::steady_clock::time_point deadline) {
    const Bytes probe = buildQuery(server.probe_zone, LDNS_RR_TYPE_SOA);
    for (const auto& address : server.addresses) {
      const Endpoint endpoint{53, "127.0.0.1", address};
      for (;;) {
        if (!server.process->running())
          throw std::runtime_error("NSD " + server.label + " exited during startup:\n" +
                                   server.process->log());
        if (auto wire = exchangeUdp(endpoint, probe, Millis(200))) {
          Packet reply = parsePacket(*wire);
          if (reply && ldns_pkt_aa(reply.get()) && ldns_pkt_ancount(reply.get()) == 1 &&
              fullRcode(reply.get()) == LDNS_RCODE_NOERROR)
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline)
          throw std::runtime_error("NSD " + server.label + " did not answer on " + address +
                                   ":53 in time:\n" + server.process->log());
        std::this_thread::sleep_for(Millis(50));
      }
    }
  }

  std::string nsd_;
  std::string dir_;
  std::vector<Server> servers_;
};

// ---------------------------------------------------------------------------------------------
// The hierarchy

/// One query through the hierarchy and what any correct resolver answers.
struct HierarchyCase {
  std::string name;                 // absolute, with the trailing dot
  ldns_rr_type type;                //
  unsigned rcode;                   // LDNS_RCODE_NOERROR, LDNS_RCODE_NXDOMAIN
  std::vector<std::string> answer;  // canonicalRecord lines, sorted (empty for NXDOMAIN, NODATA)
  std::string exercises;            // what the case is for, for failure messages
};

/// What differs between a resolver's response and a case's expectation ("" when it matches).
inline std::string checkHierarchyCase(const HierarchyCase& expected, const ResolverAnswer& got) {
  std::string head = describeQuery(expected.name, expected.type) + " (" + expected.exercises + ")";
  if (!got.answered) return head + ": no response\n";
  std::string diff;
  if (got.rcode != expected.rcode)
    diff += "  rcode: want " + rcodeName(expected.rcode) + ", got " + rcodeName(got.rcode) + "\n";
  if (got.answer != expected.answer)
    diff += "  answer:\n   want:\n" + indentedLines(expected.answer) + "   got:\n" +
            indentedLines(got.answer);
  if (diff.empty()) return "";
  return head + ":\n" + diff + "--- response:\n" + packetText(got.packet.get());
}

/// How a hierarchy is set up.
struct HierarchyOptions {
  int block = 0;                    // K of 127.53.K.0/24; 0 picks a free one (see the top)
  bool silent_second_root = false;  // b.root never answers instead of answering REFUSED
  Millis startup_timeout = Millis(15000);
};

/// The servers of the hierarchy (see the top of this file), running from construction to
/// destruction; stop() and start() take the authoritative servers down and up again (e.g. to
/// prove an answer comes from a cache, or for serve-stale). Not thread-safe.
class DnsHierarchy {
 public:
  // Host parts of the addresses in 127.53.K.0/24.
  static constexpr int kRootA = 1, kRootB = 2, kTld = 10, kExample = 20, kChild = 30, kRefuser = 40,
                       kSilent = 50;

  /// Why the hierarchy cannot run here ("" when it can): NSD missing, or port 53 on loopback
  /// not bindable (not root). For GTEST_SKIP.
  static std::string unavailableReason() {
    if (findNsdProgram().empty())
      return "NSD is not installed (/usr/sbin/nsd); install the nsd package (CI does)";
    if (int error = LoopbackBlock::probePort53("127.53.0.1"); error == EACCES || error == EPERM)
      return "binding port 53 on 127.53.0.0/16 needs root (or CAP_NET_BIND_SERVICE)";
    return "";
  }

  /// Picks a block, writes the zones and starts every server; returns when all answer. Throws
  /// std::runtime_error (with the servers' logs) on failure.
  explicit DnsHierarchy(HierarchyOptions options = {})
      : options_(options), servers_(findNsdProgram(), dir_.path()) {
    if (findNsdProgram().empty()) throw std::runtime_error("NSD is not installed");
    try {
      block_.emplace(options_.block,
                     std::vector<int>{kRootA, kRootB, kTld, kExample, kChild, kRefuser, kSilent});
      defineServers();
      hints_ = renderHints();
      hints_file_ = dir_.write("root.hints", hints_);
      openSilentServer();
      start();
    } catch (...) {
      release();
      throw;
    }
  }
  ~DnsHierarchy() { release(); }
  DnsHierarchy(const DnsHierarchy&) = delete;
  DnsHierarchy& operator=(const DnsHierarchy&) = delete;

  /// Starts the NSD servers (again) and waits until every one answers for its zones.
  void start() { servers_.start(options_.startup_timeout); }
  /// Stops every NSD (SIGTERM to all at once, then waits; bounded). The silent server stays: it
  /// never answers anyway.
  void stop() { servers_.stop(); }

  /// K of 127.53.K.0/24.
  int block() const { return block_->block(); }
  /// "127.53.K.host".
  std::string address(int host) const { return block_->address(host); }
  /// The root hints in named.root format (a.root-servers. and b.root-servers. on loopback).
  const std::string& rootHints() const { return hints_; }
  /// The root hints as a file, for unbound's root-hints: and horizond's --root-hints.
  const std::string& rootHintsFile() const { return hints_file_; }
  /// The directory holding the zone files, configurations and logs.
  const std::string& directory() const { return dir_.path(); }
  /// Every server's log, for failure messages.
  std::string serverLogs() const { return servers_.logs(); }

  /// The queries and what a correct resolver answers (see the zones below).
  std::vector<HierarchyCase> cases() const {
    constexpr unsigned kNoError = LDNS_RCODE_NOERROR, kNxDomain = LDNS_RCODE_NXDOMAIN;
    std::vector<HierarchyCase> out;
    auto add = [&out](const char* exercises, const char* name, ldns_rr_type type, unsigned rcode,
                      std::vector<std::string> answer = {}) {
      for (auto& line : answer) line = canonicalRecord(line);
      std::sort(answer.begin(), answer.end());
      out.push_back({name, type, rcode, std::move(answer), exercises});
    };
    // Referrals from the root down, with glue.
    add("referrals with glue", "www.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"www.example.test. IN A 192.0.2.80"});
    add("AAAA", "www.example.test.", LDNS_RR_TYPE_AAAA, kNoError,
        {"www.example.test. IN AAAA 2001:db8::80"});
    add("mixed-case question", "WwW.ExAmPlE.tEsT.", LDNS_RR_TYPE_A, kNoError,
        {"www.example.test. IN A 192.0.2.80"});
    add("MX at the apex", "example.test.", LDNS_RR_TYPE_MX, kNoError,
        {"example.test. IN MX 10 mail.example.test."});
    add("SOA of the TLD", "test.", LDNS_RR_TYPE_SOA, kNoError,
        {"test. IN SOA ns1.nic.test. hostmaster.nic.test. 2024060101 1800 900 604800 3600"});
    // Negative answers.
    add("NODATA", "www.example.test.", LDNS_RR_TYPE_MX, kNoError);
    add("NXDOMAIN", "nxdomain.example.test.", LDNS_RR_TYPE_A, kNxDomain);
    add("below an NXDOMAIN", "a.b.nxdomain.example.test.", LDNS_RR_TYPE_AAAA, kNxDomain);
    add("empty non-terminal: NODATA", "ent.example.test.", LDNS_RR_TYPE_A, kNoError);
    add("below an empty non-terminal", "host.ent.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"host.ent.example.test. IN A 192.0.2.50"});
    add("NXDOMAIN from the TLD", "nosuch.test.", LDNS_RR_TYPE_A, kNxDomain);
    add("NXDOMAIN from the root", "www.nosuchtld.", LDNS_RR_TYPE_A, kNxDomain);
    // CNAMEs inside and across zones.
    add("CNAME chain inside the zone", "a.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"a.example.test. IN CNAME b.example.test.", "b.example.test. IN CNAME c.example.test.",
         "c.example.test. IN A 192.0.2.3"});
    add("CNAME asked for: not chased", "a.example.test.", LDNS_RR_TYPE_CNAME, kNoError,
        {"a.example.test. IN CNAME b.example.test."});
    add("CNAME across zones into the out-of-bailiwick zone", "x.example.test.", LDNS_RR_TYPE_A,
        kNoError,
        {"x.example.test. IN CNAME y.outofzone.test.", "y.outofzone.test. IN A 192.0.2.25"});
    add("CNAME across zones ending in NODATA", "x.example.test.", LDNS_RR_TYPE_AAAA, kNoError,
        {"x.example.test. IN CNAME y.outofzone.test."});
    add("CNAME across zones ending in NXDOMAIN", "dangling.example.test.", LDNS_RR_TYPE_A,
        kNxDomain, {"dangling.example.test. IN CNAME nothing.outofzone.test."});
    add("CNAME chain through three zones", "hop1.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"hop1.example.test. IN CNAME hop2.outofzone.test.",
         "hop2.outofzone.test. IN CNAME www.child.example.test.",
         "www.child.example.test. IN A 192.0.2.30"});
    add("CNAME into the delegated child", "tochild.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"tochild.example.test. IN CNAME www.child.example.test.",
         "www.child.example.test. IN A 192.0.2.30"});
    // The zone served only through an out-of-bailiwick name server.
    add("zone served only by out-of-bailiwick NS", "www.outofzone.test.", LDNS_RR_TYPE_A, kNoError,
        {"www.outofzone.test. IN A 192.0.2.26"});
    add("NXDOMAIN in the out-of-bailiwick zone", "nothing.outofzone.test.", LDNS_RR_TYPE_TXT,
        kNxDomain);
    // Wildcards.
    add("wildcard", "foo.wild.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"foo.wild.example.test. IN A 192.0.2.42"});
    add("wildcard two labels down", "deep.er.wild.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"deep.er.wild.example.test. IN A 192.0.2.42"});
    add("wildcard NODATA", "foo.wild.example.test.", LDNS_RR_TYPE_TXT, kNoError);
    add("wildcard CNAME", "foo.cw.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"foo.cw.example.test. IN CNAME www.example.test.", "www.example.test. IN A 192.0.2.80"});
    // Too big for UDP.
    add("answer too big for UDP: TC, then TCP", "big.example.test.", LDNS_RR_TYPE_TXT, kNoError,
        bigAnswer());
    // The delegated child.
    add("delegated child zone", "www.child.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"www.child.example.test. IN A 192.0.2.30"});
    add("TXT in the child", "www.child.example.test.", LDNS_RR_TYPE_TXT, kNoError,
        {"www.child.example.test. IN TXT \"in the child zone\""});
    add("NXDOMAIN in the child", "nxdomain.child.example.test.", LDNS_RR_TYPE_A, kNxDomain);
    // DS: the parent's data. After the cases above, the child's delegation is known, and must
    // not lead the DS question to the child's servers (they answer NODATA).
    add("DS of a delegated zone: from the parent, past the known delegation", "child.example.test.",
        LDNS_RR_TYPE_DS, kNoError, {std::string("child.example.test. IN DS ") + kChildDs});
    add("DS of a delegation that has none: NODATA from the parent", "example.test.",
        LDNS_RR_TYPE_DS, kNoError);
    add("DS of a name that is no zone cut: NODATA from its own zone", "www.child.example.test.",
        LDNS_RR_TYPE_DS, kNoError);
    // DNAME (RFC 6672): the DNAME itself, the CNAME it implies, then the target's data.
    add("DNAME into the delegated child", "www.dn.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"dn.example.test. IN DNAME child.example.test.",
         "www.dn.example.test. IN CNAME www.child.example.test.",
         "www.child.example.test. IN A 192.0.2.30"});
    add("DNAME out of the zone", "www.dnout.example.test.", LDNS_RR_TYPE_A, kNoError,
        {"dnout.example.test. IN DNAME outofzone.test.",
         "www.dnout.example.test. IN CNAME www.outofzone.test.",
         "www.outofzone.test. IN A 192.0.2.26"});
    add("DNAME ending in NXDOMAIN", "nothing.dnout.example.test.", LDNS_RR_TYPE_A, kNxDomain,
        {"dnout.example.test. IN DNAME outofzone.test.",
         "nothing.dnout.example.test. IN CNAME nothing.outofzone.test."});
    add("DNAME asked for at its owner", "dn.example.test.", LDNS_RR_TYPE_DNAME, kNoError,
        {"dn.example.test. IN DNAME child.example.test."});
    add("the DNAME's owner itself is not rewritten: NODATA", "dn.example.test.", LDNS_RR_TYPE_A,
        kNoError);
    // A lame and a silent name server beside a working one.
    add("one of two name servers is lame (REFUSED)", "www.lame.test.", LDNS_RR_TYPE_A, kNoError,
        {"www.lame.test. IN A 192.0.2.60"});
    add("NXDOMAIN past a lame server", "nxdomain.lame.test.", LDNS_RR_TYPE_A, kNxDomain);
    add("one of two name servers never answers", "www.slow.test.", LDNS_RR_TYPE_A, kNoError,
        {"www.slow.test. IN A 192.0.2.70"});
    add("NODATA past a silent server", "www.slow.test.", LDNS_RR_TYPE_AAAA, kNoError);
    return out;
  }

  /// The rdata of the DS record of child.example.test. in the example.test. zone.
  static constexpr const char* kChildDs =
      "12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118E6F2D4E5B1F0B3A6C0D8E6F1";

  /// The big TXT RRset at big.example.test (kBigCount records, well over 1232 octets).
  static constexpr int kBigCount = 60;

 private:
  // Stops everything and gives the block back.
  void release() {
    stop();
    for (int fd : silent_fds_) close(fd);
    silent_fds_.clear();
    block_.reset();
  }

  // A socket bound to port 53 that nobody reads (datagrams queue, then drop, never an ICMP
  // error) and a TCP listener that never accepts: a name server that never answers.
  void openSilentServer() {
    std::vector<int> hosts = {kSilent};
    if (options_.silent_second_root) hosts.push_back(kRootB);
    for (int host : hosts) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(53);
      inet_pton(AF_INET, address(host).c_str(), &sa.sin_addr);
      for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
        const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
        const int on = 1;
        if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
            (type == SOCK_STREAM && listen(fd, 1) != 0)) {
          const int error = errno;
          if (fd >= 0) close(fd);
          throw std::runtime_error("silent server " + address(host) +
                                   ":53: " + std::strerror(error));
        }
        silent_fds_.push_back(fd);
      }
    }
  }

  // "{K}" -> the block number.
  std::string fill(std::string text) const { return block_->fill(std::move(text)); }

  std::string renderHints() const {
    return fill(
        "; Root hints of the loopback test hierarchy 127.53.{K}.0/24 (named.root format).\n"
        ".                        3600000      NS    A.ROOT-SERVERS.\n"
        "A.ROOT-SERVERS.          3600000      A     127.53.{K}.1\n"
        ".                        3600000      NS    B.ROOT-SERVERS.\n"
        "B.ROOT-SERVERS.          3600000      A     127.53.{K}.2\n"
        "; End of file\n");
  }

  static std::vector<std::string> bigAnswer() {
    std::vector<std::string> out;
    for (int i = 1; i <= kBigCount; ++i) out.push_back("big.example.test. IN TXT " + bigTxt(i));
    return out;
  }
  // One of the big TXT records' rdata, ~60 octets.
  static std::string bigTxt(int i) {
    char number[8];
    std::snprintf(number, sizeof number, "%02d", i);
    return std::string("\"record ") + number + " of a TXT RRset too big for one UDP datagram\"";
  }

  // The zones; {K} is the block. SOA minimums (negative TTLs) are short but outlive a test.
  void defineServers() {
    const std::string root =
        "$ORIGIN .\n"
        "$TTL 86400\n"
        ".                IN SOA a.root-servers. hostmaster.root-servers. 2024060101 1800 900 "
        "604800 3600\n"
        ".                IN NS  a.root-servers.\n"
        ".                IN NS  b.root-servers.\n"
        "a.root-servers.  IN A   127.53.{K}.1\n"
        "b.root-servers.  IN A   127.53.{K}.2\n"
        "test.     172800 IN NS  ns1.nic.test.\n"
        "ns1.nic.test. 172800 IN A 127.53.{K}.10\n";
    const std::string tld =
        "$ORIGIN test.\n"
        "$TTL 86400\n"
        "@           IN SOA ns1.nic.test. hostmaster.nic.test. 2024060101 1800 900 604800 3600\n"
        "@           IN NS  ns1.nic.test.\n"
        "ns1.nic     IN A   127.53.{K}.10\n"
        "; in-bailiwick name server with glue\n"
        "example     IN NS  ns1.example.test.\n"
        "ns1.example IN A   127.53.{K}.20\n"
        "; the only name server is inside example.test: out of bailiwick, no glue\n"
        "outofzone   IN NS  ns.example.test.\n"
        "; the first name server refuses (it does not serve lame.test), the second works\n"
        "lame        IN NS  ns1.lame.test.\n"
        "lame        IN NS  ns2.lame.test.\n"
        "ns1.lame    IN A   127.53.{K}.40\n"
        "ns2.lame    IN A   127.53.{K}.20\n"
        "; the first name server never answers, the second works\n"
        "slow        IN NS  ns1.slow.test.\n"
        "slow        IN NS  ns2.slow.test.\n"
        "ns1.slow    IN A   127.53.{K}.50\n"
        "ns2.slow    IN A   127.53.{K}.20\n";
    std::string example =
        "$ORIGIN example.test.\n"
        "$TTL 3600\n"
        "@         IN SOA ns1.example.test. hostmaster.example.test. 2024060101 3600 900 604800 "
        "300\n"
        "@         IN NS    ns1.example.test.\n"
        "@         IN MX    10 mail.example.test.\n"
        "ns1       IN A     127.53.{K}.20\n"
        "ns        IN A     127.53.{K}.20\n"
        "mail      IN A     192.0.2.25\n"
        "www       IN A     192.0.2.80\n"
        "www       IN AAAA  2001:db8::80\n"
        "a         IN CNAME b\n"
        "b         IN CNAME c\n"
        "c         IN A     192.0.2.3\n"
        "x         IN CNAME y.outofzone.test.\n"
        "dangling  IN CNAME nothing.outofzone.test.\n"
        "hop1      IN CNAME hop2.outofzone.test.\n"
        "tochild   IN CNAME www.child.example.test.\n"
        "host.ent  IN A     192.0.2.50\n"
        "*.wild    IN A     192.0.2.42\n"
        "*.cw      IN CNAME www.example.test.\n"
        "child     IN NS    ns1.child.example.test.\n"
        "ns1.child IN A     127.53.{K}.30\n"
        "; the child's DS, held by this zone, the parent's side of the cut (RFC 4035 3.1.4.1)\n"
        "child     IN DS    " +
        std::string(kChildDs) +
        "\n"
        "; rewrites everything below it into the delegated child, and out of the zone\n"
        "dn        IN DNAME child.example.test.\n"
        "dnout     IN DNAME outofzone.test.\n";
    for (int i = 1; i <= kBigCount; ++i) example += "big       IN TXT   " + bigTxt(i) + "\n";
    const std::string outofzone =
        "$ORIGIN outofzone.test.\n"
        "$TTL 3600\n"
        "@    IN SOA ns.example.test. hostmaster.outofzone.test. 2024060101 3600 900 604800 300\n"
        "@    IN NS    ns.example.test.\n"
        "y    IN A     192.0.2.25\n"
        "www  IN A     192.0.2.26\n"
        "hop2 IN CNAME www.child.example.test.\n";
    const std::string child =
        "$ORIGIN child.example.test.\n"
        "$TTL 3600\n"
        "@   IN SOA ns1.child.example.test. hostmaster.child.example.test. 2024060101 3600 900 "
        "604800 300\n"
        "@   IN NS  ns1.child.example.test.\n"
        "ns1 IN A   127.53.{K}.30\n"
        "www IN A   192.0.2.30\n"
        "www IN TXT \"in the child zone\"\n";
    const std::string lame =
        "$ORIGIN lame.test.\n"
        "$TTL 3600\n"
        "@   IN SOA ns2.lame.test. hostmaster.lame.test. 2024060101 3600 900 604800 300\n"
        "@   IN NS  ns1.lame.test.\n"
        "@   IN NS  ns2.lame.test.\n"
        "ns1 IN A   127.53.{K}.40\n"
        "ns2 IN A   127.53.{K}.20\n"
        "www IN A   192.0.2.60\n";
    const std::string slow =
        "$ORIGIN slow.test.\n"
        "$TTL 3600\n"
        "@   IN SOA ns2.slow.test. hostmaster.slow.test. 2024060101 3600 900 604800 300\n"
        "@   IN NS  ns1.slow.test.\n"
        "@   IN NS  ns2.slow.test.\n"
        "ns1 IN A   127.53.{K}.50\n"
        "ns2 IN A   127.53.{K}.20\n"
        "www IN A   192.0.2.70\n";
    // The refuser serves only this zone, so it can be probed; everything else gets REFUSED.
    const std::string refuser =
        "$ORIGIN refuser.invalid.\n"
        "$TTL 3600\n"
        "@  IN SOA ns.refuser.invalid. hostmaster.refuser.invalid. 1 3600 900 604800 300\n"
        "@  IN NS  ns.refuser.invalid.\n"
        "ns IN A   127.53.{K}.40\n";

    std::vector<int> refuser_hosts = {kRefuser};
    if (!options_.silent_second_root) refuser_hosts.push_back(kRootB);
    const auto serve = [this](const std::string& label, const std::vector<int>& hosts,
                              const std::vector<NsdZone>& zones) {
      std::vector<std::string> addresses;
      for (int host : hosts) addresses.push_back(address(host));
      std::vector<NsdZone> filled;
      for (const auto& zone : zones) filled.push_back({zone.origin, fill(zone.text)});
      servers_.add(label, addresses, filled);
    };
    serve("root", {kRootA}, {{".", root}});
    serve("tld", {kTld}, {{"test.", tld}});
    serve("example", {kExample},
          {{"example.test.", example},
           {"outofzone.test.", outofzone},
           {"lame.test.", lame},
           {"slow.test.", slow}});
    serve("child", {kChild}, {{"child.example.test.", child}});
    serve("refuser", refuser_hosts, {{"refuser.invalid.", refuser}});
  }

  HierarchyOptions options_;
  TempDir dir_;
  NsdServerSet servers_;  // after dir_, which holds its files
  std::optional<LoopbackBlock> block_;
  std::vector<int> silent_fds_;
  std::string hints_, hints_file_;
};

// ---------------------------------------------------------------------------------------------
// Unbound, the oracle

/// How Unbound is set up beyond what the hierarchy needs.
struct UnboundOptions {
  bool qname_minimisation = true;
  // Non-empty: validate DNSSEC from this trust anchor file (DS or DNSKEY records of the loopback
  // root), with extended errors (RFC 8914) and the reason for each bogus answer in the log.
  std::string trust_anchor_file;
  std::string extra_server_config;  // more "  key: value\n" lines for the server: clause
  Millis startup_timeout = Millis(15000);
};

/// Unbound (from the distribution) in the foreground on 127.0.0.1:<free port>, iterating from the
/// given root hints only: no DNSSEC validation unless UnboundOptions::trust_anchor_file names the
/// only anchor, no remote control, localhost allowed as upstream, "test." not blocked.
class UnboundProcess {
 public:
  /// Why Unbound cannot run here ("" when it can). For GTEST_SKIP.
  static std::string unavailableReason() {
    if (findUnboundProgram().empty())
      return "Unbound is not installed (/usr/sbin/unbound); install the unbound package (CI does)";
    return "";
  }

  /// Starts Unbound and waits until it answers. Throws std::runtime_error (with its log) on
  /// failure; retries with another port if the one picked was taken meanwhile.
  static std::unique_ptr<UnboundProcess> start(const std::string& root_hints_file,
                                               const UnboundOptions& options = {}) {
    const std::string program = findUnboundProgram();
    if (program.empty()) throw std::runtime_error("Unbound is not installed");
    std::string last_log;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::unique_ptr<UnboundProcess> unbound(new UnboundProcess());
      unbound->port_ = findFreePort();
      const std::string conf = unbound->writeConfig(root_hints_file, options);
      unbound->process_ = std::make_unique<DaemonProcess>(
          std::vector<std::string>{program, "-d", "-c", conf}, unbound->dir_.path() + "/log");
      // Ready means it answers; localhost. is one of its built-in local zones (no recursion).
      const Bytes probe = buildQuery("localhost.", LDNS_RR_TYPE_A);
      const auto deadline = std::chrono::steady_clock::now() + options.startup_timeout;
      while (unbound->process_->running() && std::chrono::steady_clock::now() < deadline) {
        if (exchangeUdp(unbound->endpoint(), probe, Millis(200))) return unbound;
        std::this_thread::sleep_for(Millis(50));
      }
      last_log = unbound->process_->log();
      const bool exited = !unbound->process_->running();
      unbound->process_->stop();
      if (!exited) throw std::runtime_error("Unbound did not answer in time:\n" + last_log);
    }
    throw std::runtime_error("Unbound exited during startup:\n" + last_log);
  }
  ~UnboundProcess() { stop(); }
  UnboundProcess(const UnboundProcess&) = delete;
  UnboundProcess& operator=(const UnboundProcess&) = delete;

  /// Where to send queries (from `source`, a loopback address).
  Endpoint endpoint(const std::string& source = "127.0.0.1") const {
    return Endpoint{port_, source, "127.0.0.1"};
  }
  std::uint16_t port() const { return port_; }
  /// SIGTERM (bounded). Later calls do nothing.
  void stop() {
    if (process_) process_->stop();
  }
  bool running() { return process_ && process_->running(); }
  std::string log() const { return process_ ? process_->log() : ""; }
  const std::string& configFile() const { return config_; }

 private:
  UnboundProcess() = default;

  std::string writeConfig(const std::string& root_hints_file, const UnboundOptions& options) {
    const std::string& d = dir_.path();
    std::ostringstream conf;
    conf << "server:\n"
         << "  verbosity: 1\n"
         << "  interface: 127.0.0.1\n"
         << "  port: " << port_ << "\n"
         << "  do-ip4: yes\n"
         << "  do-ip6: no\n"
         << "  do-udp: yes\n"
         << "  do-tcp: yes\n"
         << "  num-threads: 1\n"
         << "  so-reuseport: no\n"
         << "  chroot: \"\"\n"
         << "  username: \"\"\n"
         << "  directory: \"" << d << "\"\n"
         << "  pidfile: \"" << d << "/unbound.pid\"\n"
         << "  logfile: \"\"\n"
         << "  use-syslog: no\n"
         << "  log-time-ascii: yes\n"
         << "  root-hints: \"" << root_hints_file << "\"\n"
         << validationConfig(options) << "  do-not-query-localhost: no\n"
         << "  access-control: 127.0.0.0/8 allow\n"
         << "  cache-min-ttl: 0\n"
         << "  qname-minimisation: " << (options.qname_minimisation ? "yes" : "no") << "\n"
         << "  prefetch: no\n"
         << "  serve-expired: no\n"
         << "  edns-buffer-size: 1232\n"
         // Answer every query however long its resolution took: Debian's 1.17.1 carries the
         // backported discard-timeout, which by default drops replies older than 1.9 s.
         << "  discard-timeout: 0\n"
         // RFC 6761 names are blocked by default local zones; the hierarchy lives under test.
         << "  local-zone: \"test.\" nodefault\n"
         << options.extra_server_config << "remote-control:\n"
         << "  control-enable: no\n";
    config_ = dir_.write("unbound.conf", conf.str());
    return config_;
  }

  // The validator's lines: without an anchor, none (iterator only). With one, that file is the
  // only anchor (a config of our own reads no distribution defaults, so no real root key and no
  // RFC 5011 state), stripped signatures are bogus, and no _ta- signal query goes to the root.
  static std::string validationConfig(const UnboundOptions& options) {
    if (options.trust_anchor_file.empty()) return "  module-config: \"iterator\"\n";
    return "  module-config: \"validator iterator\"\n"
           "  trust-anchor-file: \"" +
           options.trust_anchor_file +
           "\"\n"
           "  harden-dnssec-stripped: yes\n"
           "  val-permissive-mode: no\n"
           "  trust-anchor-signaling: no\n"
           "  ede: yes\n"
           "  val-log-level: 2\n";
  }

  TempDir dir_;
  std::uint16_t port_ = 0;
  std::string config_;
  std::unique_ptr<DaemonProcess> process_;
};

}  // namespace horizon::test
