// The dnstap writer end to end (server/dnstap/dnstap_writer.cpp): records written to a file and
// to a collector's socket are read back by the reference tools (dnstap-ldns, fstrm_capture); a
// collector that stops reading, or is not there, costs dropped records, never a blocked write.
#include "horizon/dnstap/dnstap_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dnstap_test_support.hpp"

extern char** environ;

namespace horizon::dnstap {
namespace {

using test::any;
using test::installed;
using test::occurrences;
using test::output;
using test::TempDir;

constexpr char kIdentity[] = "ns1.horizon.test";
constexpr char kVersion[] = "horizon 0.1.0";

// fstrm_capture listening on `socket_path`, writing what it receives to `file`; stopped (SIGTERM,
// on which it writes the file's end and exits) by stop() or when destroyed.
class Capture {
 public:
  Capture(const std::string& socket_path, const std::string& file, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> args = {
        "fstrm_capture", "-t", "protobuf:dnstap.Dnstap", "-u", socket_path, "-w", file};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "fstrm_capture", &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Capture() { stop(); }

  // Waits (a bounded while) for the socket to appear; false if it never does or the tool exited.
  bool listening(const std::string& socket_path) {
    for (int i = 0; i < 1000 && pid_ > 0; ++i) {
      struct stat st {};
      if (::stat(socket_path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return true;
      if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // SIGTERM, then its exit status (fstrm_capture ends its file and exits 0 on SIGTERM).
  int stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, &status_, 0);
      pid_ = -1;
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// One event, with the addresses kept alive beside it.
struct Exchange {
  std::vector<std::uint8_t> message;
  sockaddr_storage query{};
  sockaddr_storage response{};
  Event event;

  template <typename Q, typename R>
  Exchange(MessageType type, Transport transport, const std::string& qname, const Q* query_address,
           const R* response_address) {
    const bool is_response = type == MessageType::kClientResponse ||
                             type == MessageType::kResolverResponse ||
                             type == MessageType::kForwarderResponse;
    message = test::dnsMessage(qname, 0x4242, is_response);
    event.type = type;
    event.transport = transport;
    if (query_address) {
      std::memcpy(&query, query_address, sizeof *query_address);
      event.query_address = reinterpret_cast<const sockaddr*>(&query);
    }
    if (response_address) {
      std::memcpy(&response, response_address, sizeof *response_address);
      event.response_address = reinterpret_cast<const sockaddr*>(&response);
    }
    event.message = message;
    event.query_time = {1700000000, 1000};
    if (is_response) event.response_time = {1700000000, 2000};
  }
};

Event clientQuery(const std::vector<std::uint8_t>& message, const sockaddr_in& client) {
  Event event;
  event.type = MessageType::kClientQuery;
  event.query_address = any(client);
  event.message = message;
  event.query_time = {1700000000, 0};
  return event;
}

TEST(DnstapWriter, AFileIsReadBackByDnstapLdns) {
  if (!installed("dnstap-ldns")) {
    GTEST_SKIP() << "dnstap-ldns is not installed (Debian package dnstap-ldns; "
                    "deploy/install-deps.sh test installs it)";
  }
  TempDir dir;
  const std::string path = dir / "capture.fstrm";
  std::string error;
  auto writer = Writer::open("file:" + path, 2, kIdentity, kVersion, &error);
  ASSERT_NE(writer, nullptr) << error;

  const auto client4 = test::ipv4("192.0.2.7", 40001);
  const auto server4 = test::ipv4("127.0.0.1", 53);
  const auto client6 = test::ipv6("2001:db8::7", 50002);
  const auto server6 = test::ipv6("::1", 5353);
  const auto self4 = test::ipv4("127.0.0.1", 33003);
  const auto root = test::ipv4("127.0.0.53", 53);
  const auto forwarder = test::ipv6("::1", 8053);
  const sockaddr_in* none = nullptr;
  const Exchange exchanges[] = {
      {MessageType::kClientQuery, Transport::kUdp, "www.client-query.test", &client4, &server4},
      {MessageType::kClientResponse, Transport::kTcp, "www.client-response.test", &client6,
       &server6},
      {MessageType::kResolverQuery, Transport::kUdp, "ns.resolver-query.test", &self4, &root},
      {MessageType::kResolverResponse, Transport::kUdp, "ns.resolver-response.test", &self4, &root},
      {MessageType::kForwarderQuery, Transport::kTcp, "fwd.forwarder-query.test", none, &forwarder},
  };
  unsigned queue = 0;
  for (const auto& exchange : exchanges) {
    EXPECT_TRUE(writer->write(queue, exchange.event));
    queue ^= 1;  // both queues, from this one thread: each queue still has one writer
  }
  EXPECT_EQ(writer->written(), 5u);
  EXPECT_EQ(writer->dropped(), 0u);
  writer.reset();  // flushes and ends the file

  const std::string yaml = output("dnstap-ldns -y -r '" + path + "' 2>&1");
  const auto records = test::yamlDocuments(yaml);
  ASSERT_EQ(records.size(), 5u) << yaml;
  struct Expected {
    const char* type;
    std::vector<std::string> lines;  // each a whole line of the record's YAML
    const char* qname;
  };
  const Expected expected[] = {
      {"CLIENT_QUERY",
       {"socket_family: INET", "socket_protocol: UDP", "query_address: \"192.0.2.7\"",
        "query_port: 40001", "response_address: \"127.0.0.1\"", "response_port: 53"},
       "www.client-query.test."},
      {"CLIENT_RESPONSE",
       {"socket_family: INET6", "socket_protocol: TCP", "query_address: \"2001:db8::7\"",
        "query_port: 50002", "response_address: \"::1\"", "response_port: 5353"},
       "www.client-response.test."},
      {"RESOLVER_QUERY",
       {"socket_family: INET", "socket_protocol: UDP", "query_address: \"127.0.0.1\"",
        "query_port: 33003", "response_address: \"127.0.0.53\"", "response_port: 53"},
       "ns.resolver-query.test."},
      {"RESOLVER_RESPONSE",
       {"socket_family: INET", "socket_protocol: UDP", "query_address: \"127.0.0.1\"",
        "query_port: 33003", "response_address: \"127.0.0.53\"", "response_port: 53"},
       "ns.resolver-response.test."},
      {"FORWARDER_QUERY",
       {"socket_family: INET6", "socket_protocol: TCP", "response_address: \"::1\"",
        "response_port: 8053"},
       "fwd.forwarder-query.test."},
  };
  for (const auto& want : expected) {
    const std::string* record = nullptr;
    for (const auto& r : records) {
      if (test::hasLine(r, std::string("type: ") + want.type)) record = &r;
    }
    ASSERT_NE(record, nullptr) << want.type << "\n" << yaml;
    EXPECT_TRUE(test::hasLine(*record, "type: MESSAGE")) << *record;
    EXPECT_TRUE(test::hasLine(*record, "identity: \"" + std::string(kIdentity) + "\"")) << *record;
    EXPECT_TRUE(test::hasLine(*record, "version: \"" + std::string(kVersion) + "\"")) << *record;
    for (const auto& line : want.lines)
      EXPECT_TRUE(test::hasLine(*record, line)) << line << "\n" << *record;
    EXPECT_NE(record->find(want.qname), std::string::npos) << *record;
  }
  // The forwarder query said nothing of its own socket: no initiator in its record.
  EXPECT_EQ(occurrences(yaml, "query_address:"), 4u) << yaml;
  // A query's record carries the query, a response's the response.
  EXPECT_EQ(occurrences(yaml, "query_message:"), 3u) << yaml;
  EXPECT_EQ(occurrences(yaml, "response_message:"), 2u) << yaml;
}

TEST(DnstapWriter, AFileThatCannotBeCreatedIsAnErrorAtOpen) {
  TempDir dir;
  std::string error;
  const std::string path = dir / "missing-directory/capture.fstrm";
  EXPECT_EQ(Writer::open("file:" + path, 1, kIdentity, kVersion, &error), nullptr);
  EXPECT_NE(error.find(path), std::string::npos) << error;
}

TEST(DnstapWriter, ACollectorsSocketIsReadBackThroughFstrmCapture) {
  if (!installed("fstrm_capture") || !installed("dnstap-ldns")) {
    GTEST_SKIP() << "fstrm_capture or dnstap-ldns is not installed (Debian packages fstrm-bin "
                    "and dnstap-ldns; deploy/install-deps.sh test installs them)";
  }
  TempDir dir;
  const std::string socket_path = dir / "collector.sock";
  const std::string file = dir / "capture.fstrm";
  Capture capture(socket_path, file, dir / "capture.log");
  ASSERT_TRUE(capture.listening(socket_path)) << "fstrm_capture did not start";

  std::string error;
  auto writer = Writer::open("unix:" + socket_path, 1, kIdentity, kVersion, &error);
  ASSERT_NE(writer, nullptr) << error;
  // Fewer than one queue holds: with the collector connected at open, none may be dropped.
  constexpr unsigned kMessages = 500;
  const auto client = test::ipv4("127.0.0.9", 40000);
  for (unsigned i = 0; i < kMessages; ++i) {
    const auto message = test::dnsMessage("q" + std::to_string(i) + ".socket.test", i, false);
    EXPECT_TRUE(writer->write(0, clientQuery(message, client))) << i;
  }
  EXPECT_EQ(writer->written(), kMessages);
  EXPECT_EQ(writer->dropped(), 0u);
  // Sends STOP and waits for the collector's FINISH: everything written has been received.
  writer.reset();
  const int status = capture.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  const std::string yaml = output("dnstap-ldns -y -r '" + file + "' 2>&1");
  EXPECT_EQ(occurrences(yaml, "type: CLIENT_QUERY"), kMessages) << yaml.substr(0, 2000);
  EXPECT_NE(yaml.find("q0.socket.test."), std::string::npos);
  EXPECT_NE(yaml.find("q499.socket.test."), std::string::npos);
}

TEST(DnstapWriter, ACollectorThatIsAbsentAtOpenIsConnectedToOnceItListens) {
  if (!installed("fstrm_capture") || !installed("dnstap-ldns")) {
    GTEST_SKIP() << "fstrm_capture or dnstap-ldns is not installed (Debian packages fstrm-bin "
                    "and dnstap-ldns; deploy/install-deps.sh test installs them)";
  }
  TempDir dir;
  const std::string socket_path = dir / "collector.sock";
  const std::string file = dir / "capture.fstrm";
  std::string error;
  auto writer = Writer::open("unix:" + socket_path, 1, kIdentity, kVersion, &error);
  ASSERT_NE(writer, nullptr) << error;
  const auto client = test::ipv4("127.0.0.9", 40000);
  const auto message = test::dnsMessage("late.socket.test", 1, false);
  EXPECT_FALSE(writer->write(0, clientQuery(message, client)));

  Capture capture(socket_path, file, dir / "capture.log");
  ASSERT_TRUE(capture.listening(socket_path)) << "fstrm_capture did not start";
  // fstrm retries once a second: write until a record is taken (a bounded wait, not a timing).
  bool taken = false;
  for (int i = 0; i < 1000 && !taken; ++i) {
    taken = writer->write(0, clientQuery(message, client));
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(taken) << "the writer never connected to the collector";
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(writer->write(0, clientQuery(message, client)));
  const std::uint64_t written = writer->written();
  EXPECT_EQ(written, 10u);
  EXPECT_GE(writer->dropped(), 1u);
  writer.reset();
  capture.stop();
  const std::string yaml = output("dnstap-ldns -y -r '" + file + "' 2>&1");
  EXPECT_EQ(occurrences(yaml, "late.socket.test."), written) << yaml;
}

// Reads one Frame Streams control frame (escape, length, type, fields) from `fd`; its type, or 0.
std::uint32_t readControlFrame(int fd) {
  auto read32 = [fd](std::uint32_t* value) {
    std::uint8_t b[4];
    std::size_t got = 0;
    while (got < 4) {
      const ssize_t n = ::recv(fd, b + got, 4 - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    *value =
        std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
    return true;
  };
  std::uint32_t escape, length, type;
  if (!read32(&escape) || escape != 0 || !read32(&length) || length < 4 || !read32(&type)) return 0;
  std::vector<std::uint8_t> rest(length - 4);
  std::size_t got = 0;
  while (got < rest.size()) {
    const ssize_t n = ::recv(fd, rest.data() + got, rest.size() - got, 0);
    if (n <= 0) return 0;
    got += static_cast<std::size_t>(n);
  }
  return type;
}

// The ACCEPT control frame for the dnstap content type.
std::vector<std::uint8_t> acceptFrame() {
  const std::string content_type = "protobuf:dnstap.Dnstap";
  std::vector<std::uint8_t> frame;
  auto put32 = [&frame](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      frame.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  put32(0);                                                     // escape: a control frame
  put32(static_cast<std::uint32_t>(12 + content_type.size()));  // its length
  put32(0x01);                                                  // ACCEPT
  put32(0x01);                                                  // field: CONTENT_TYPE
  put32(static_cast<std::uint32_t>(content_type.size()));
  frame.insert(frame.end(), content_type.begin(), content_type.end());
  return frame;
}

int listenUnix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 4) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

TEST(DnstapWriter, ACollectorThatStopsReadingCostsDropsNotABlockedWriter) {
  TempDir dir;
  const std::string socket_path = dir / "stalled.sock";
  const int listener = listenUnix(socket_path);
  ASSERT_GE(listener, 0) << std::strerror(errno);
  // The collector: completes the handshake, then never reads again.
  int peer = -1;
  bool handshake = false;
  std::thread collector([&] {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return;  // bounds a broken run; not a measurement
    peer = ::accept(listener, nullptr, nullptr);
    if (peer < 0 || readControlFrame(peer) != 0x04) return;  // READY
    const auto accept = acceptFrame();
    if (::send(peer, accept.data(), accept.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(accept.size())) {
      return;
    }
    handshake = readControlFrame(peer) == 0x02;  // START
  });
  std::string error;
  auto writer = Writer::open("unix:" + socket_path, 1, kIdentity, kVersion, &error);
  collector.join();
  ASSERT_NE(writer, nullptr) << error;
  ASSERT_TRUE(handshake) << "the writer did not complete the Frame Streams handshake";

  constexpr std::uint64_t kAttempts = 200000;
  const auto client = test::ipv4("127.0.0.9", 40000);
  const auto message = test::dnsMessage("stalled.collector.test", 1, false);
  const Event event = clientQuery(message, client);
  for (std::uint64_t i = 0; i < kAttempts; ++i) writer->write(0, event);
  // That the loop ended at all is the point; then every attempt is accounted for.
  EXPECT_GT(writer->written(), 0u);
  EXPECT_GT(writer->dropped(), 0u);
  EXPECT_EQ(writer->written() + writer->dropped(), kAttempts);
  writer.reset();  // gives up on the stalled collector instead of waiting for it forever
  if (peer >= 0) ::close(peer);
  ::close(listener);
}

TEST(DnstapWriter, ACollectorThatIsNotThereIsNoErrorAndEveryWriteIsCountedDropped) {
  TempDir dir;
  std::string error;
  // Nothing at the path at all, and a socket file nobody listens on (a collector that died).
  const std::string stale = dir / "stale.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, stale.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::close(fd);
  for (const std::string& path : {dir / "absent.sock", stale}) {
    auto writer = Writer::open("unix:" + path, 2, kIdentity, kVersion, &error);
    ASSERT_NE(writer, nullptr) << error;
    const auto client = test::ipv4("127.0.0.9", 40000);
    const auto message = test::dnsMessage("nobody.listens.test", 1, false);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_FALSE(writer->write(0, clientQuery(message, client)));
      EXPECT_FALSE(writer->write(1, clientQuery(message, client)));
    }
    EXPECT_EQ(writer->written(), 0u);
    EXPECT_EQ(writer->dropped(), 2000u);
    EXPECT_FALSE(writer->write(2, clientQuery(message, client)));  // no such queue: not counted
    EXPECT_EQ(writer->dropped(), 2000u);
  }
}

}  // namespace
}  // namespace horizon::dnstap
