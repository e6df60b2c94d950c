// Helpers for system tests: run horizond as a child process on loopback and talk DNS to it with
// plain sockets, building queries and parsing answers with ldns so that the checking side shares
// no code with the server. Clients bind to 127.0.0.1 / .2 / .3 to act as different views.
//
// Typical use:
//   TempDir dir;
//   const auto port = findFreePort();
//   auto server = ServerProcess::start({"--zone", zone, "--listen", listenArg(port)}, port);
//   Packet reply = query({.port = port, .source = "127.0.0.2"}, "www.example.test",
//   LDNS_RR_TYPE_A); ASSERT_TRUE(reply); EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR);
//   EXPECT_TRUE(server->stop().success());
#pragma once

// ldns/common.h defines false, true and bool as macros (breaking libstdc++'s <optional> and
// friends) unless <stdbool.h> was included first; in C++ that header defines none of them.
#include <stdbool.h>
//
#include <ldns/ldns.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace horizon::test {

/// Every timeout in these helpers is in milliseconds.
using Millis = std::chrono::milliseconds;
/// A DNS message or any other byte string.
using Bytes = std::vector<std::uint8_t>;

/// A temporary directory, removed with its contents when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The directory's absolute path.
  const std::string& path() const { return path_; }
  /// Writes `content` to `name` inside the directory and returns the file's path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

/// A port on 127.0.0.1 that was free for both UDP and TCP when asked (another process could
/// still take it before the server binds it; good enough on a test machine).
std::uint16_t findFreePort();

/// "127.0.0.1:PORT", the --listen argument for a loopback server.
std::string listenArg(std::uint16_t port, const std::string& host = "127.0.0.1");

/// How a child process ended.
struct ExitStatus {
  bool exited = false;  // ended by exit(); otherwise by a signal
  int code = -1;        // exit code when exited
  int signal = 0;       // signal number when not exited
  /// True for exit code 0.
  bool success() const { return exited && code == 0; }
  /// "exit 0" or "signal 9", for failure messages.
  std::string toString() const;
};

/// The outcome of running horizond to completion (for command-line tests).
struct RunResult {
  ExitStatus status;
  std::string output;  // stdout and stderr together
};

/// Runs horizond with `args` and waits for it to exit; kills it after `timeout`.
RunResult runHorizond(const std::vector<std::string>& args, Millis timeout = Millis(10000));

/// A running horizond child process (HORIZOND_PATH). Its stdout and stderr go to a temporary file;
/// the destructor kills it if stop() was not called. The child dies with the test process.
class ServerProcess {
 public:
  /// Starts horizond with `args` and waits until it answers a UDP query on host:port. Throws
  /// std::runtime_error (with the server's output) when it exits early or never answers.
  static std::unique_ptr<ServerProcess> start(const std::vector<std::string>& args,
                                              std::uint16_t port,
                                              const std::string& host = "127.0.0.1",
                                              Millis timeout = Millis(10000));
  /// Starts horizond with `args` and returns at once, without waiting for it to answer (for a
  /// server that is not meant to serve yet).
  static std::unique_ptr<ServerProcess> launch(const std::vector<std::string>& args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Sends SIGTERM and waits for the exit; SIGKILL after `timeout`. Later calls return the same.
  ExitStatus stop(Millis timeout = Millis(10000));
  /// Sends a signal (e.g. SIGHUP) without waiting.
  void signal(int signal_number) const;
  /// True while the process has not exited.
  bool running();
  /// Everything the server wrote to stdout and stderr so far.
  std::string output() const;
  /// The child's process id.
  pid_t pid() const { return pid_; }

 private:
  ServerProcess() = default;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::unique_ptr<TempDir> dir_;
  std::string output_path_;
};

/// Options of a query built by buildQuery.
struct QueryOptions {
  std::uint16_t id = 0x4242;
  bool recursion_desired = false;
  bool edns = true;                // add an OPT record
  std::uint16_t udp_size = 1232;   // the OPT record's payload size
  std::uint8_t edns_version = 0;   // anything but 0 must give BADVERS
  bool dnssec_ok = false;          // the DO bit
  bool checking_disabled = false;  // the CD bit (RFC 4035 3.2.2: return data the resolver failed)
  ldns_rr_class qclass = LDNS_RR_CLASS_IN;
};

/// A query for `name` ("www.example.test", trailing dot optional) and `type`, built by ldns.
/// Throws std::runtime_error when ldns rejects the name.
Bytes buildQuery(const std::string& name, ldns_rr_type type, const QueryOptions& options = {});

/// Where a client sends and which loopback address it sends from (this picks the view).
struct Endpoint {
  std::uint16_t port = 53;
  std::string source = "127.0.0.1";
  std::string server = "127.0.0.1";
};

/// Sends `message` in one datagram from endpoint.source and returns the first datagram that comes
/// back, or nullopt after `timeout`.
std::optional<Bytes> exchangeUdp(const Endpoint& endpoint, std::span<const std::uint8_t> message,
                                 Millis timeout = Millis(2000));

/// Sends `message` on a new TCP connection (adding the length prefix) and returns the first
/// response message, or nullopt on timeout or when the server closes the connection.
std::optional<Bytes> exchangeTcp(const Endpoint& endpoint, std::span<const std::uint8_t> message,
                                 Millis timeout = Millis(2000));

/// Sends datagrams without waiting for answers (for floods of junk).
class UdpSender {
 public:
  /// Opens a socket bound to endpoint.source. Throws std::runtime_error on failure.
  explicit UdpSender(const Endpoint& endpoint);
  ~UdpSender();
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;
  /// Sends one datagram; false when the kernel refused it.
  bool send(std::span<const std::uint8_t> message);
  /// Returns the next datagram received within `timeout`, or nullopt.
  std::optional<Bytes> receive(Millis timeout);
  /// The port the kernel gave the socket (what the server sees as the client's port).
  std::uint16_t localPort() const;

 private:
  int fd_ = -1;
};

/// A TCP connection to the server, for pipelining and half-open tests.
class TcpClient {
 public:
  /// Connects from endpoint.source. Throws std::runtime_error on failure.
  explicit TcpClient(const Endpoint& endpoint);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;
  /// Writes bytes as they are (no length prefix); false when the write failed.
  bool sendRaw(std::span<const std::uint8_t> bytes);
  /// Writes one message with its two-byte length prefix.
  bool sendMessage(std::span<const std::uint8_t> message);
  /// Reads one length-prefixed message; nullopt on timeout, end of stream or error.
  std::optional<Bytes> readMessage(Millis timeout);
  /// True when the server closes the connection (end of stream or reset) within `timeout`;
  /// messages arriving meanwhile are discarded.
  bool waitClosed(Millis timeout);
  /// The port the kernel gave the connection (what the server sees as the client's port).
  std::uint16_t localPort() const;

 private:
  int fd_ = -1;
  Bytes pending_;  // bytes read but not yet returned as a message
};

/// A forwarder for horizond's --forward, run by a thread of the test on a loopback address:
/// answers every UDP query with its question echoed as sent (0x20 case included), QR AA RA set,
/// and for type A one record `answer` with TTL 3600; counts the questions, in all and per name.
/// Recursion then works without a packet leaving the machine.
class StubForwarder {
 public:
  /// Binds a free UDP port on `host`. Throws std::runtime_error when it cannot.
  explicit StubForwarder(const std::string& host = "127.0.0.1",
                         const std::string& answer = "203.0.113.5");
  ~StubForwarder();
  StubForwarder(const StubForwarder&) = delete;
  StubForwarder& operator=(const StubForwarder&) = delete;
  /// The bound port.
  std::uint16_t port() const { return port_; }
  /// "HOST:PORT", for --forward.
  std::string address() const { return host_ + ":" + std::to_string(port_); }
  /// Questions answered so far.
  int questions() const;
  /// Questions so far for `name` ("www.example.", any case; "." for the root).
  int questionsFor(const std::string& name) const;

 private:
  void serve();
  std::string host_;
  std::string answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;  // guards the counts
  int questions_ = 0;
  std::map<std::string, int> per_name_;
  std::thread thread_;
};

/// Frees an ldns packet.
struct PacketDeleter {
  void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
};
/// A parsed message; null when parsing failed or nothing came back.
using Packet = std::unique_ptr<ldns_pkt, PacketDeleter>;

/// Parses wire bytes with ldns (the independent parser); null when ldns rejects them.
Packet parsePacket(std::span<const std::uint8_t> wire);

/// Sends a query for name/type and parses the response; null on timeout or unparseable answer.
Packet query(const Endpoint& endpoint, const std::string& name, ldns_rr_type type,
             bool use_tcp = false, const QueryOptions& options = {});

/// The full response code including the EDNS extended bits (16 is BADVERS).
unsigned fullRcode(const ldns_pkt* packet);

/// The records of a section as sorted presentation lines ("name.\tTTL\tIN\tA\t192.0.2.1").
std::vector<std::string> sectionText(const ldns_rr_list* section);

/// The rdata of every record of `type` in a section, sorted ("192.0.2.1").
std::vector<std::string> rdataText(const ldns_rr_list* section, ldns_rr_type type);

}  // namespace horizon::test
