// System-test helpers: child processes, loopback sockets and ldns-built queries (see the header).
#include "test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef HORIZOND_PATH
#error "HORIZOND_PATH must name the horizond binary (set by tests/CMakeLists.txt)"
#endif

namespace horizon::test {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Fills a sockaddr for a numeric IPv4 or IPv6 address; throws for anything else.
socklen_t makeAddress(const std::string& host, std::uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(sockaddr_in);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(sockaddr_in6);
  }
  throw std::runtime_error("not an IP address: '" + host + "'");
}

// A socket bound to `source` (port chosen by the kernel), connected to endpoint.server.
int openConnected(const Endpoint& endpoint, int type) {
  sockaddr_storage source{}, server{};
  const socklen_t source_len = makeAddress(endpoint.source, 0, source);
  const socklen_t server_len = makeAddress(endpoint.server, endpoint.port, server);
  const int fd = socket(server.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  if (bind(fd, reinterpret_cast<sockaddr*>(&source), source_len) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    fail("bind to " + endpoint.source);
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&server), server_len) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    fail("connect to " + endpoint.server + ":" + std::to_string(endpoint.port));
  }
  return fd;
}

// The port `fd` is bound to (0 when the kernel cannot say).
std::uint16_t boundPort(int fd) {
  sockaddr_storage address{};
  socklen_t len = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) return 0;
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

// Waits until `fd` is readable or `deadline` passes.
bool waitReadable(int fd, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

bool writeAll(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

ExitStatus toExitStatus(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) {
    status.exited = true;
    status.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  }
  return status;
}

// Waits for `pid` to exit until `timeout`; SIGKILL then.
ExitStatus waitForExit(pid_t pid, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  int raw = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &raw, WNOHANG);
    if (r == pid) return toExitStatus(raw);
    if (r < 0 && errno != EINTR) return ExitStatus{};
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(Millis(10));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return toExitStatus(raw);
}

// Forks and execs horizond with stdout and stderr sent to `output_path`.
pid_t spawnHorizond(const std::vector<std::string>& args, const std::string& output_path) {
  std::vector<std::string> storage;
  storage.push_back(HORIZOND_PATH);
  // A test's horizond must never iterate from the real root servers: unless the test chose its
  // own upstreams, it gets root hints that point at a loopback address where nothing answers.
  // They go first, so a test's deliberately broken last flag stays last.
  const bool own_upstreams = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a.rfind("--root-hints", 0) == 0 || a.rfind("--forward", 0) == 0;
  });
  if (!own_upstreams) storage.push_back("--root-hints=" HORIZON_TEST_DATA "/loopback.hints");
  // The loopback name servers and forwarders of the tests serve unsigned data, which the root's
  // built-in anchors would make bogus: a test's horizond validates only when the test gives it
  // a trust anchor of its own.
  const bool validates = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a.rfind("--trust-anchor", 0) == 0;
  });
  if (!validates) storage.push_back("--no-dnssec");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int out = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) fail("open " + output_path);
  const pid_t pid = fork();
  if (pid < 0) {
    close(out);
    fail("fork");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on: the parent may have threads.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(argv[0], argv.data());
    const char message[] = "test_support: exec of horizond failed\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(127);
  }
  close(out);
  return pid;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "horizon-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) throw std::runtime_error("cannot write " + file);
  return file;
}

std::uint16_t findFreePort() {
  // Ask the kernel for a free UDP port, then check TCP can have the same one.
  for (int attempt = 0; attempt < 50; ++attempt) {
    sockaddr_storage address{};
    socklen_t len = makeAddress("127.0.0.1", 0, address);
    const int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (udp < 0) fail("socket");
    if (bind(udp, reinterpret_cast<sockaddr*>(&address), len) != 0 ||
        getsockname(udp, reinterpret_cast<sockaddr*>(&address), &len) != 0) {
      close(udp);
      fail("bind");
    }
    const std::uint16_t port = ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    const int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool tcp_free = tcp >= 0 && bind(tcp, reinterpret_cast<sockaddr*>(&address), len) == 0;
    if (tcp >= 0) close(tcp);
    close(udp);
    if (tcp_free) return port;
  }
  throw std::runtime_error("no free loopback port for UDP and TCP");
}

std::string listenArg(std::uint16_t port, const std::string& host) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string ExitStatus::toString() const {
  if (exited) return "exit " + std::to_string(code);
  return "signal " + std::to_string(signal);
}

RunResult runHorizond(const std::vector<std::string>& args, Millis timeout) {
  TempDir dir;
  const std::string output = dir.path() + "/output.log";
  const pid_t pid = spawnHorizond(args, output);
  RunResult result;
  result.status = waitForExit(pid, timeout);
  result.output = readFile(output);
  return result;
}

std::unique_ptr<ServerProcess> ServerProcess::start(const std::vector<std::string>& args,
                                                    std::uint16_t port, const std::string& host,
                                                    Millis timeout) {
  std::unique_ptr<ServerProcess> process = launch(args);

  // Ready means it answers: any response at all to a query for the root will do.
  const Bytes probe = buildQuery(".", LDNS_RR_TYPE_SOA);
  const Endpoint endpoint{port, host.find(':') != std::string::npos ? "::1" : "127.0.0.1", host};
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!process->running()) {
      throw std::runtime_error("horizond exited during startup (" + process->status_->toString() +
                               "); output:\n" + process->output());
    }
    if (exchangeUdp(endpoint, probe, Millis(100))) return process;
    std::this_thread::sleep_for(Millis(20));
  }
  process->stop();
  throw std::runtime_error("horizond did not answer on " + listenArg(port, host) + " within " +
                           std::to_string(timeout.count()) + " ms; output:\n" + process->output());
}

std::unique_ptr<ServerProcess> ServerProcess::launch(const std::vector<std::string>& args) {
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  process->dir_ = std::make_unique<TempDir>();
  process->output_path_ = process->dir_->path() + "/horizond.log";
  process->pid_ = spawnHorizond(args, process->output_path_);
  return process;
}

ServerProcess::~ServerProcess() {
  if (!status_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int raw = 0;
    while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
}

ExitStatus ServerProcess::stop(Millis timeout) {
  if (status_) return *status_;
  kill(pid_, SIGTERM);
  status_ = waitForExit(pid_, timeout);
  return *status_;
}

void ServerProcess::signal(int signal_number) const {
  if (!status_) kill(pid_, signal_number);
}

bool ServerProcess::running() {
  if (status_) return false;
  int raw = 0;
  if (waitpid(pid_, &raw, WNOHANG) == pid_) {
    status_ = toExitStatus(raw);
    return false;
  }
  return true;
}

std::string ServerProcess::output() const {
  return readFile(output_path_);
}

Bytes buildQuery(const std::string& name, ldns_rr_type type, const QueryOptions& options) {
  ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
  if (owner == nullptr) throw std::runtime_error("ldns rejects the name '" + name + "'");
  ldns_pkt* packet = ldns_pkt_query_new(owner, type, options.qclass, 0);  // takes `owner`
  if (packet == nullptr) throw std::runtime_error("ldns_pkt_query_new failed");
  ldns_pkt_set_id(packet, options.id);
  ldns_pkt_set_rd(packet, options.recursion_desired);
  ldns_pkt_set_cd(packet, options.checking_disabled);
  if (options.edns) {
    ldns_pkt_set_edns_udp_size(packet, options.udp_size);
    ldns_pkt_set_edns_version(packet, options.edns_version);
    ldns_pkt_set_edns_do(packet, options.dnssec_ok);
  }
  std::uint8_t* wire = nullptr;
  std::size_t size = 0;
  const ldns_status status = ldns_pkt2wire(&wire, packet, &size);
  ldns_pkt_free(packet);
  if (status != LDNS_STATUS_OK) {
    throw std::runtime_error(std::string("ldns_pkt2wire: ") + ldns_get_errorstr_by_id(status));
  }
  Bytes bytes(wire, wire + size);
  std::free(wire);
  return bytes;
}

std::optional<Bytes> exchangeUdp(const Endpoint& endpoint, std::span<const std::uint8_t> message,
                                 Millis timeout) {
  const int fd = openConnected(endpoint, SOCK_DGRAM);
  std::optional<Bytes> result;
  if (send(fd, message.data(), message.size(), 0) == static_cast<ssize_t>(message.size())) {
    const auto deadline = Clock::now() + timeout;
    Bytes buffer(65535);
    while (waitReadable(fd, deadline)) {
      const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
      if (n < 0) break;  // e.g. ECONNREFUSED: nothing listens on the port (yet)
      buffer.resize(static_cast<std::size_t>(n));
      result = std::move(buffer);
      break;
    }
  }
  close(fd);
  return result;
}

std::optional<Bytes> exchangeTcp(const Endpoint& endpoint, std::span<const std::uint8_t> message,
                                 Millis timeout) {
  TcpClient client(endpoint);
  if (!client.sendMessage(message)) return std::nullopt;
  return client.readMessage(timeout);
}

UdpSender::UdpSender(const Endpoint& endpoint) : fd_(openConnected(endpoint, SOCK_DGRAM)) {}

UdpSender::~UdpSender() {
  close(fd_);
}

bool UdpSender::send(std::span<const std::uint8_t> message) {
  return ::send(fd_, message.data(), message.size(), 0) == static_cast<ssize_t>(message.size());
}

std::optional<Bytes> UdpSender::receive(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  Bytes buffer(65535);
  while (waitReadable(fd_, deadline)) {
    const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) continue;  // ICMP errors are not answers
      return std::nullopt;
    }
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
  }
  return std::nullopt;
}

std::uint16_t UdpSender::localPort() const {
  return boundPort(fd_);
}

TcpClient::TcpClient(const Endpoint& endpoint) : fd_(openConnected(endpoint, SOCK_STREAM)) {
  const int on = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

TcpClient::~TcpClient() {
  close(fd_);
}

bool TcpClient::sendRaw(std::span<const std::uint8_t> bytes) {
  return writeAll(fd_, bytes.data(), bytes.size());
}

bool TcpClient::sendMessage(std::span<const std::uint8_t> message) {
  Bytes framed;
  framed.push_back(static_cast<std::uint8_t>(message.size() >> 8));
  framed.push_back(static_cast<std::uint8_t>(message.size()));
  framed.insert(framed.end(), message.begin(), message.end());
  return sendRaw(framed);
}

std::optional<Bytes> TcpClient::readMessage(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pending_.size() >= 2) {
      const std::size_t len = (std::size_t{pending_[0]} << 8) | pending_[1];
      if (pending_.size() >= 2 + len) {
        Bytes message(pending_.begin() + 2, pending_.begin() + 2 + static_cast<long>(len));
        pending_.erase(pending_.begin(), pending_.begin() + 2 + static_cast<long>(len));
        return message;
      }
    }
    if (!waitReadable(fd_, deadline)) return std::nullopt;
    std::uint8_t chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    pending_.insert(pending_.end(), chunk, chunk + n);
  }
}

std::uint16_t TcpClient::localPort() const {
  return boundPort(fd_);
}

bool TcpClient::waitClosed(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (waitReadable(fd_, deadline)) {
    std::uint8_t chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EINTR) return true;  // reset counts as closed
  }
  return false;
}

Packet parsePacket(std::span<const std::uint8_t> wire) {
  ldns_pkt* packet = nullptr;
  if (ldns_wire2pkt(&packet, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Packet(packet);
}

Packet query(const Endpoint& endpoint, const std::string& name, ldns_rr_type type, bool use_tcp,
             const QueryOptions& options) {
  const Bytes message = buildQuery(name, type, options);
  const auto response = use_tcp ? exchangeTcp(endpoint, message) : exchangeUdp(endpoint, message);
  if (!response) return nullptr;
  return parsePacket(*response);
}

unsigned fullRcode(const ldns_pkt* packet) {
  return (static_cast<unsigned>(ldns_pkt_edns_extended_rcode(packet)) << 4) |
         static_cast<unsigned>(ldns_pkt_get_rcode(packet));
}

std::vector<std::string> sectionText(const ldns_rr_list* section) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i) {
    char* text = ldns_rr2str(ldns_rr_list_rr(section, i));
    std::string line = text != nullptr ? text : "";
    std::free(text);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> rdataText(const ldns_rr_list* section, ldns_rr_type type) {
  std::vector<std::string> values;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (ldns_rr_get_type(rr) != type) continue;
    std::string value;
    for (std::size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
      char* text = ldns_rdf2str(ldns_rr_rdf(rr, j));
      if (j > 0) value += " ";
      value += text != nullptr ? text : "";
      std::free(text);
    }
    values.push_back(value);
  }
  std::sort(values.begin(), values.end());
  return values;
}

}  // namespace horizon::test

namespace horizon::test {

StubForwarder::StubForwarder(const std::string& host, const std::string& answer)
    : host_(host), answer_(answer) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("forwarder: socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  socklen_t length = sizeof address;
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd_);
    throw std::runtime_error("forwarder: cannot bind " + host);
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

StubForwarder::~StubForwarder() {
  stop_ = true;
  thread_.join();
  close(fd_);
}

int StubForwarder::questions() const {
  std::lock_guard lock(mutex_);
  return questions_;
}

int StubForwarder::questionsFor(const std::string& name) const {
  std::string key = name;
  if (key.empty() || key.back() != '.') key.push_back('.');
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::lock_guard lock(mutex_);
  const auto it = per_name_.find(key);
  return it == per_name_.end() ? 0 : it->second;
}

// Polls in steps of 50 ms so that the destructor's stop is seen soon.
void StubForwarder::serve() {
  std::uint8_t buffer[4096];
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    sockaddr_in peer{};
    socklen_t peer_length = sizeof peer;
    const ssize_t n =
        recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    if (n <= 0) continue;
    Packet question = parsePacket(std::span<const std::uint8_t>(buffer, static_cast<size_t>(n)));
    if (!question || ldns_pkt_qr(question.get()) ||
        ldns_rr_list_rr_count(ldns_pkt_question(question.get())) != 1)
      continue;
    const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(question.get()), 0);
    char* owner = ldns_rdf2str(ldns_rr_owner(q));
    std::string name = owner;
    std::free(owner);
    {
      std::string key = name;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::lock_guard lock(mutex_);
      ++questions_;
      ++per_name_[key];
    }
    // ldns keeps the owner's case, so the question goes back as it was sent.
    Packet reply(ldns_pkt_clone(question.get()));
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_aa(reply.get(), true);
    ldns_pkt_set_ra(reply.get(), true);
    if (ldns_rr_get_type(q) == LDNS_RR_TYPE_A) {
      ldns_rr* record = nullptr;
      const std::string text = name + " 3600 IN A " + answer_;
      if (ldns_rr_new_frm_str(&record, text.c_str(), 0, nullptr, nullptr) == LDNS_STATUS_OK)
        ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, record);
    }
    std::uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, reply.get(), &size) == LDNS_STATUS_OK)
      sendto(fd_, wire, size, 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
    std::free(wire);
  }
}

}  // namespace horizon::test
