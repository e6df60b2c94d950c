// horizond's --dnstap output end to end: what a running server writes, read back by
// the reference tools (fstrm_capture receives, dnstap-ldns decodes), and a collector that stalls
// or is absent costing dropped messages, never unanswered queries.
//
//   CaptureThroughFstrmCapture        --dnstap unix: to fstrm_capture; UDP and TCP queries from
//                                     the lan (127.0.0.1, may recurse) and public (127.0.0.2)
//                                     views, for the zone and for forwarded or refused names:
//                                     one CLIENT_QUERY and one CLIENT_RESPONSE per query with the
//                                     client's address, port and transport, and FORWARDER_QUERY
//                                     and FORWARDER_RESPONSE with the forwarder's address
//   FileOutput                        --dnstap file: gives the same messages
//   SlowCollectorNeverBlocksAnswers   a collector that shakes hands and then never reads: a
//                                     burst of 20,000 queries is answered in full, the drop
//                                     counter rises, and SIGTERM still ends horizond
//   AbsentCollector                   nobody listens on the socket: horizond answers and counts
//                                     every message dropped
//
// horizond always gets --forward to a small DNS server run by the test on 127.0.12.1, so no
// packet leaves 127.0.0.0/8. Every wait is bounded; nothing asserts on timing.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dns_hierarchy.hpp"
#include "http_probe.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using Clock = std::chrono::steady_clock;

// Client sources: the lan view (recursion allowed) and the public view (everyone else).
const std::string kLan = "127.0.0.1";
const std::string kPublic = "127.0.0.2";
// The forwarder's address: not one the clients or horizond use, so a record that names it can
// only have taken it from the forwarder.
const std::string kForwarderAddress = "127.0.12.1";
// The forwarder's answer to every A query.
const std::string kForwardedAddress = "192.0.2.99";

// lan may recurse (through the forwarder); public gets the zone and REFUSED for anything else.
// The load test asks one name thousands of times a second from the public view, and every
// question must be answered and tapped: no rate limit.
constexpr char kZone[] = R"(zone: tap.test
ttl: 300
views:
  lan: [127.0.0.1/32]
  public: {match: [0.0.0.0/0, "::/0"], rate-limit: off}
records:
  www: 192.0.2.20
recursion: [lan]
)";

// What a client waits for one answer; a forwarded name is answered by the forwarder at once.
constexpr Millis kClientTimeout(5000);

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string fstrmCaptureProgram() {
  return findProgram({"/usr/bin/fstrm_capture", "/usr/local/bin/fstrm_capture"});
}
std::string dnstapLdnsProgram() {
  return findProgram({"/usr/bin/dnstap-ldns", "/usr/local/bin/dnstap-ldns"});
}

// ---------------------------------------------------------------------------------------------
// Collectors: fstrm_capture, and a stalled one written here

// True when a unix socket appears at `path` within `timeout`, while `daemon` runs.
bool socketAppears(const std::string& path, DaemonProcess& daemon, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return true;
    if (!daemon.running()) return false;
    std::this_thread::sleep_for(Millis(10));
  }
  return false;
}

// Frame Streams control frame types (https://farsightsec.github.io/fstrm/).
constexpr std::uint32_t kFrameAccept = 0x01, kFrameStart = 0x02, kFrameReady = 0x04;

// Reads one control frame (escape, length, type, fields) from `fd`; its type, or 0 when the
// stream ends, breaks or times out first.
std::uint32_t readControlFrame(int fd) {
  auto readExactly = [fd](std::uint8_t* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = recv(fd, data, size, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  auto read32 = [&](std::uint32_t* value) {
    std::uint8_t b[4];
    if (!readExactly(b, 4)) return false;
    *value =
        std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
    return true;
  };
  std::uint32_t escape, length, type;
  if (!read32(&escape) || escape != 0 || !read32(&length) || length < 4 || length > 512 ||
      !read32(&type))
    return 0;
  std::vector<std::uint8_t> fields(length - 4);
  return readExactly(fields.data(), fields.size()) ? type : 0;
}

// The ACCEPT control frame for dnstap's content type.
std::vector<std::uint8_t> acceptFrame() {
  const std::string content_type = "protobuf:dnstap.Dnstap";
  std::vector<std::uint8_t> frame;
  auto put32 = [&frame](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      frame.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  put32(0);                                                     // escape: a control frame
  put32(static_cast<std::uint32_t>(12 + content_type.size()));  // its length
  put32(kFrameAccept);
  put32(0x01);  // field: CONTENT_TYPE
  put32(static_cast<std::uint32_t>(content_type.size()));
  frame.insert(frame.end(), content_type.begin(), content_type.end());
  return frame;
}

// A collector that is alive but never keeps up: it accepts every connection on its unix socket,
// completes the Frame Streams handshake (READY, ACCEPT, START) and then never reads from it
// again, so horizond's writes fill the socket and stall. Its thread polls in steps of 50 ms and
// ends when the object goes away; the connections stay open until then.
class StalledCollector {
 public:
  explicit StalledCollector(const std::string& path) {
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) ||
        listen(listener_, 8) != 0) {
      if (listener_ >= 0) close(listener_);
      throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(errno));
    }
    thread_ = std::thread([this] { run(); });
  }
  ~StalledCollector() {
    stop_ = true;
    thread_.join();
    for (int fd : connections_) close(fd);
    close(listener_);
  }
  StalledCollector(const StalledCollector&) = delete;
  StalledCollector& operator=(const StalledCollector&) = delete;

  /// Handshakes completed so far (the writer reconnects after giving up on a stalled session).
  int handshakes() const { return handshakes_; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.push_back(fd);
      // Bounds the handshake with a writer that connects but says nothing.
      const timeval timeout{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (readControlFrame(fd) != kFrameReady) continue;
      const auto accept = acceptFrame();
      if (send(fd, accept.data(), accept.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(accept.size()))
        continue;
      if (readControlFrame(fd) == kFrameStart) ++handshakes_;
      // From here on nothing is read from `fd`: the collector has stalled.
    }
  }

  int listener_ = -1;
  std::vector<int> connections_;  // the thread's until it ends
  std::atomic<int> handshakes_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Reading a capture back with dnstap-ldns

// One dnstap record as dnstap-ldns -y prints it, reduced to what the tests look at.
struct TapRecord {
  std::map<std::string, std::string> fields;  // "type" (the message's), "socket_protocol", ...
  std::string qname;                          // lowercase, "www.tap.test."
  std::string rcode;                          // "NOERROR"
  int id = -1;
  std::string text;  // the whole record, for failure messages

  std::string field(const std::string& key) const {
    const auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  }
  bool has(const std::string& key) const { return fields.count(key) != 0; }
  std::string type() const { return field("type"); }
};

// Parses dnstap-ldns -y output: documents ended by "---", "key: value" lines (the message's own
// under "message:", indented by two), and the DNS message as ldns prints it (indented by four).
std::vector<TapRecord> parseDnstapYaml(const std::string& yaml) {
  std::vector<TapRecord> records;
  TapRecord current;
  bool question_next = false;
  std::istringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    if (line == "---") {
      records.push_back(std::move(current));
      current = TapRecord{};
      continue;
    }
    current.text += line + "\n";
    const std::size_t indent = std::min(line.find_first_not_of(' '), line.size());
    const std::string trimmed = line.substr(indent);
    if (indent >= 4) {  // a line of the DNS message
      if (question_next && trimmed.size() > 1 && trimmed[0] == ';') {
        current.qname = lowercase(trimmed.substr(1, trimmed.find('\t') - 1));
        question_next = false;
      }
      if (trimmed == ";; QUESTION SECTION:") question_next = true;
      if (trimmed.rfind(";; ->>HEADER<<-", 0) == 0) {
        const std::size_t rcode = trimmed.find("rcode: "), id = trimmed.find("id: ");
        if (rcode != std::string::npos)
          current.rcode = trimmed.substr(rcode + 7, trimmed.find(',', rcode) - rcode - 7);
        if (id != std::string::npos) current.id = std::stoi(trimmed.substr(id + 4));
      }
      continue;
    }
    const std::size_t colon = trimmed.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = trimmed.substr(0, colon), value = trimmed.substr(colon + 2);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    // "type: MESSAGE" is the outer record's; the message's type (indented) is the one kept.
    if (key == "type" && indent == 0) key = "record_type";
    current.fields[key] = value;
  }
  if (!current.text.empty()) records.push_back(std::move(current));
  return records;
}

// Runs `argv` to completion with its output in `output_path`, within `timeout`; its output, or
// nullopt when it did not finish in time (it is stopped then).
std::optional<std::string> runTool(const std::vector<std::string>& argv,
                                   const std::string& output_path, Millis timeout) {
  DaemonProcess tool(argv, output_path);
  const auto deadline = Clock::now() + timeout;
  while (tool.running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(10));
  }
  return tool.log();
}

// ---------------------------------------------------------------------------------------------
// Asking horizond

// One query a test sent, and what came back.
struct SentQuery {
  std::string source;
  bool tcp = false;
  std::string name;  // lowercase, with the trailing dot
  std::uint16_t id = 0;
  std::uint16_t client_port = 0;
  std::string rcode;  // of the response ("" when none came)
  bool forwarded = false;
  std::string describe() const {
    return name + " from " + source + ":" + std::to_string(client_port) +
           (tcp ? " (TCP)" : " (UDP)");
  }
};

// Metric `name`'s value in a Prometheus text exposition (a series without labels), or nullopt.
std::optional<double> metricValue(const std::string& exposition, const std::string& name) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

class DnstapTest : public ::testing::Test {
 protected:
  void SetUp() override { zone_ = dir_.write("tap.test.yaml", kZone); }

  void TearDown() override {
    if (horizond_) {
      const ExitStatus status = horizond_->stop();
      EXPECT_TRUE(status.success()) << "horizond ended with " << status.toString() << "\n"
                                    << horizond_->output();
    }
  }

  // Starts horizond on free ports with the test zone, the forwarder and `dnstap`; with the
  // metrics endpoint too when `metrics` (at metrics_port_).
  void startHorizond(const std::string& dnstap, bool metrics,
                     const std::vector<std::string>& more = {}) {
    port_ = findFreePort();
    std::vector<std::string> args = {"--zone",         zone_,       "--listen",
                                     listenArg(port_), "--forward", forwarder_.address(),
                                     "--dnstap",       dnstap};
    if (metrics) {
      metrics_port_ = findFreePort();
      args.insert(args.end(), {"--metrics", "127.0.0.1:" + std::to_string(metrics_port_)});
    }
    args.insert(args.end(), more.begin(), more.end());
    try {
      horizond_ = ServerProcess::start(args, port_);
    } catch (const std::exception& e) {
      FAIL() << "horizond did not start: " << e.what();
    }
  }

  // The value of a metric on horizond's /metrics; nullopt (and a failure) when it is missing.
  std::optional<double> scrape(const std::string& name) {
    const auto reply = httpRequest(metrics_port_, "GET", "/metrics");
    if (!reply || reply->status != 200) {
      ADD_FAILURE() << "GET /metrics failed";
      return std::nullopt;
    }
    auto value = metricValue(reply->body, name);
    if (!value) ADD_FAILURE() << name << " is not on /metrics:\n" << reply->body;
    return value;
  }

  // Asks horizond for `name` (type A, RD set as a stub does) from `source` on a socket of its
  // own, so the client port is known; records the response's rcode.
  SentQuery ask(const std::string& source, bool tcp, const std::string& name) {
    SentQuery sent;
    sent.source = source;
    sent.tcp = tcp;
    sent.name = lowercase(name);
    sent.id = next_id_++;
    QueryOptions options;
    options.recursion_desired = true;
    options.id = sent.id;
    const Bytes message = buildQuery(name, LDNS_RR_TYPE_A, options);
    const Endpoint endpoint{port_, source, "127.0.0.1"};
    std::optional<Bytes> wire;
    if (tcp) {
      TcpClient client(endpoint);
      sent.client_port = client.localPort();
      if (client.sendMessage(message)) wire = client.readMessage(kClientTimeout);
    } else {
      UdpSender client(endpoint);
      sent.client_port = client.localPort();
      if (client.send(message)) wire = client.receive(kClientTimeout);
    }
    Packet reply = wire ? parsePacket(*wire) : nullptr;
    if (reply) sent.rcode = rcodeName(fullRcode(reply.get()));
    EXPECT_TRUE(reply) << sent.describe() << ": no response within " << kClientTimeout.count()
                       << " ms";
    return sent;
  }

  // The known set: the zone's name, a forwarded name (lan) or a refused one (public), over UDP
  // and TCP from each view. Each query's rcode is checked here.
  std::vector<SentQuery> askKnownQueries() {
    std::vector<SentQuery> sent;
    for (bool tcp : {false, true}) {
      const std::string proto = tcp ? "tcp" : "udp";
      sent.push_back(ask(kLan, tcp, "www.tap.test."));
      sent.push_back(ask(kLan, tcp, proto + ".forwarded.example."));
      sent.back().forwarded = true;
      sent.push_back(ask(kPublic, tcp, "www.tap.test."));
      sent.push_back(ask(kPublic, tcp, proto + ".refused.example."));
    }
    for (const auto& q : sent) {
      const bool refused = q.source == kPublic && q.name.find("refused") != std::string::npos;
      EXPECT_EQ(q.rcode, refused ? "REFUSED" : "NOERROR") << q.describe();
    }
    return sent;
  }

  // Decodes a capture with dnstap-ldns -y; empty (and a failure) when it cannot.
  std::vector<TapRecord> readCapture(const std::string& file) {
    const auto yaml = runTool({dnstapLdnsProgram(), "-y", "-r", file},
                              dir_.path() + "/dnstap-ldns.out", Millis(10000));
    if (!yaml) {
      ADD_FAILURE() << "dnstap-ldns did not finish reading " << file;
      return {};
    }
    return parseDnstapYaml(*yaml);
  }

  // Checks that `all` holds exactly the messages of `sent`: one CLIENT_QUERY and one
  // CLIENT_RESPONSE per query, with the client's address, port and transport and horizond's
  // listening address, and for each forwarded name a FORWARDER_QUERY per query the forwarder
  // received and its FORWARDER_RESPONSE, with the forwarder's address; nothing else. Records for
  // the root name are left out: they are readiness probes (ServerProcess::start's, and the wait for
  // a session with the collector).
  void expectCaptureMatches(const std::vector<TapRecord>& all, const std::vector<SentQuery>& sent) {
    std::vector<TapRecord> records;
    std::string everything;
    for (const auto& r : all) {
      everything += r.text + "---\n";
      if (r.qname != ".") records.push_back(r);
    }
    SCOPED_TRACE("the capture as dnstap-ldns -y reads it:\n" + everything);
    for (const auto& r : records) {
      EXPECT_EQ(r.field("record_type"), "MESSAGE") << r.text;
      EXPECT_TRUE(r.has("query_time")) << r.text;
      EXPECT_FALSE(r.field("version").empty()) << r.text;
    }
    auto matching = [&](const std::string& type, auto&& predicate) {
      std::vector<const TapRecord*> found;
      for (const auto& r : records)
        if (r.type() == type && predicate(r)) found.push_back(&r);
      return found;
    };

    std::size_t forwarder_queries = 0;
    for (const auto& q : sent) {
      SCOPED_TRACE(q.describe());
      const std::string protocol = q.tcp ? "TCP" : "UDP";
      for (const std::string type : {"CLIENT_QUERY", "CLIENT_RESPONSE"}) {
        const auto found = matching(type, [&](const TapRecord& r) {
          return r.field("query_address") == q.source &&
                 r.field("query_port") == std::to_string(q.client_port) &&
                 r.field("socket_protocol") == protocol;
        });
        ASSERT_EQ(found.size(), 1u) << type;
        const TapRecord& r = *found.front();
        EXPECT_EQ(r.field("socket_family"), "INET") << r.text;
        EXPECT_EQ(r.qname, q.name) << r.text;
        EXPECT_EQ(r.id, q.id) << r.text;
        EXPECT_EQ(r.field("response_address"), "127.0.0.1") << r.text;
        EXPECT_EQ(r.field("response_port"), std::to_string(port_)) << r.text;
        if (type == "CLIENT_QUERY") {
          EXPECT_TRUE(r.has("query_message")) << r.text;
        } else {
          EXPECT_TRUE(r.has("response_message")) << r.text;
          EXPECT_TRUE(r.has("response_time")) << r.text;
          EXPECT_EQ(r.rcode, q.rcode) << r.text;
        }
      }
      // Each forwarded name is asked once, so the cache cannot have answered it: horizond asked
      // the forwarder, normally once (more only when a retry beat a slow answer), and every
      // query it sent has its record; the answer it took has one too.
      if (!q.forwarded) continue;
      const int asked = forwarder_.questionsFor(q.name);
      EXPECT_GE(asked, 1) << "the forwarder was never asked";
      forwarder_queries += static_cast<std::size_t>(asked);
      for (const std::string type : {"FORWARDER_QUERY", "FORWARDER_RESPONSE"}) {
        const auto found = matching(type, [&](const TapRecord& r) { return r.qname == q.name; });
        if (type == "FORWARDER_QUERY") {
          EXPECT_EQ(found.size(), static_cast<std::size_t>(asked)) << type;
        } else {
          EXPECT_GE(found.size(), 1u) << type;
          EXPECT_LE(found.size(), static_cast<std::size_t>(asked)) << type;
        }
        for (const TapRecord* r : found) {
          EXPECT_EQ(r->field("socket_family"), "INET") << r->text;
          EXPECT_EQ(r->field("socket_protocol"), "UDP") << r->text;
          EXPECT_EQ(r->field("response_address"), kForwarderAddress) << r->text;
          EXPECT_EQ(r->field("response_port"), std::to_string(forwarder_.port())) << r->text;
          if (type == "FORWARDER_QUERY") {
            EXPECT_TRUE(r->has("query_message")) << r->text;
          } else {
            EXPECT_TRUE(r->has("response_message")) << r->text;
            EXPECT_EQ(r->rcode, "NOERROR") << r->text;
            EXPECT_NE(r->text.find(kForwardedAddress), std::string::npos) << r->text;
          }
        }
      }
    }
    // Nothing more than that: no duplicates, no RESOLVER_* (the server only forwards).
    std::map<std::string, std::size_t> by_type;
    for (const auto& r : records) ++by_type[r.type()];
    EXPECT_EQ(by_type["CLIENT_QUERY"], sent.size());
    EXPECT_EQ(by_type["CLIENT_RESPONSE"], sent.size());
    EXPECT_EQ(by_type["FORWARDER_QUERY"], forwarder_queries);
    for (const auto& [type, count] : by_type) {
      EXPECT_TRUE(type == "CLIENT_QUERY" || type == "CLIENT_RESPONSE" ||
                  type == "FORWARDER_QUERY" || type == "FORWARDER_RESPONSE")
          << count << " records of unexpected type '" << type << "'";
    }
  }

  TempDir dir_;
  std::string zone_;
  StubForwarder forwarder_{kForwarderAddress, kForwardedAddress};
  std::unique_ptr<ServerProcess> horizond_;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::uint16_t next_id_ = 0x5100;
};

// ---------------------------------------------------------------------------------------------
// The tests

TEST_F(DnstapTest, CaptureThroughFstrmCapture) {
  if (fstrmCaptureProgram().empty() || dnstapLdnsProgram().empty()) {
    GTEST_SKIP() << "fstrm_capture or dnstap-ldns is not installed (Debian packages fstrm-bin and "
                    "dnstap-ldns; deploy/install-deps.sh test installs them)";
  }
  const std::string socket_path = dir_.path() + "/collector.sock";
  const std::string file = dir_.path() + "/capture.fstrm";
  DaemonProcess capture(
      {fstrmCaptureProgram(), "-t", "protobuf:dnstap.Dnstap", "-u", socket_path, "-w", file},
      dir_.path() + "/fstrm_capture.log");
  ASSERT_TRUE(socketAppears(socket_path, capture, Millis(10000)))
      << "fstrm_capture did not listen:\n"
      << capture.log();
  ASSERT_NO_FATAL_FAILURE(startHorizond("unix:" + socket_path, true));

  // horizond tries the collector once at startup and then once a second, dropping meanwhile;
  // fstrm_capture may have bound its socket a moment before it listened. Ask for the root until
  // a message is taken, so none of the known queries below is dropped for want of a session.
  const Bytes probe = buildQuery(".", LDNS_RR_TYPE_SOA);
  const auto deadline = Clock::now() + Millis(10000);
  std::optional<double> taken;
  while ((taken = scrape("horizon_dnstap_messages_total")) && *taken == 0 &&
         Clock::now() < deadline) {
    exchangeUdp({port_, kPublic, "127.0.0.1"}, probe, Millis(500));
    std::this_thread::sleep_for(Millis(50));
  }
  ASSERT_TRUE(taken && *taken > 0) << "horizond never connected to fstrm_capture\n"
                                   << horizond_->output() << capture.log();
  const auto dropped_before = scrape("horizon_dnstap_dropped_messages_total");

  const std::vector<SentQuery> sent = askKnownQueries();
  // With a collector that keeps up, the known queries cost no drops.
  const auto dropped_after = scrape("horizon_dnstap_dropped_messages_total");
  EXPECT_TRUE(dropped_before && dropped_after && *dropped_after == *dropped_before)
      << "dnstap messages were dropped while fstrm_capture kept up";

  // SIGTERM: horizond flushes its queues and ends the session (STOP, then the collector's
  // FINISH) before it exits, so the capture is complete once fstrm_capture has closed it.
  const ExitStatus status = horizond_->stop();
  EXPECT_TRUE(status.success()) << status.toString() << "\n" << horizond_->output();
  capture.stop();
  expectCaptureMatches(readCapture(file), sent);
}

TEST_F(DnstapTest, FileOutput) {
  if (dnstapLdnsProgram().empty()) {
    GTEST_SKIP() << "dnstap-ldns is not installed (Debian package dnstap-ldns; "
                    "deploy/install-deps.sh test installs it)";
  }
  const std::string file = dir_.path() + "/horizond.fstrm";
  ASSERT_NO_FATAL_FAILURE(startHorizond("file:" + file, false));
  const std::vector<SentQuery> sent = askKnownQueries();
  // The file is complete (flushed, its end frame written) only once horizond has exited.
  const ExitStatus status = horizond_->stop();
  EXPECT_TRUE(status.success()) << status.toString() << "\n" << horizond_->output();
  expectCaptureMatches(readCapture(file), sent);
}

// A collector that stops reading must cost dnstap messages, never answers: the answering
// threads only hand messages to queues, and a full queue drops. Two workers keep the queues few
// enough that the burst overfills them on any machine.
TEST_F(DnstapTest, SlowCollectorNeverBlocksAnswers) {
  const std::string socket_path = dir_.path() + "/stalled.sock";
  StalledCollector collector(socket_path);
  ASSERT_NO_FATAL_FAILURE(startHorizond("unix:" + socket_path, true, {"--workers", "2"}));
  // horizond shook hands before it answered its first query; the collector's thread counts it
  // a moment later.
  for (const auto until = Clock::now() + Millis(5000);
       collector.handshakes() == 0 && Clock::now() < until;)
    std::this_thread::sleep_for(Millis(10));
  ASSERT_GE(collector.handshakes(), 1) << "horizond did not connect to the collector at startup";

  // 20,000 queries in two halves, each in rounds of kOutstanding spread over kClients sockets
  // from both views; a round's answers are all waited for before the next, so the sockets'
  // buffers cannot overflow and every query should be answered. Authoritative names only: the
  // answers depend on nothing but horizond.
  constexpr int kQueries = 20000, kClients = 8, kPerClient = 8;
  constexpr int kOutstanding = kClients * kPerClient;
  std::vector<std::unique_ptr<UdpSender>> clients;
  for (int i = 0; i < kClients; ++i)
    clients.push_back(
        std::make_unique<UdpSender>(Endpoint{port_, i % 2 ? kPublic : kLan, "127.0.0.1"}));
  std::vector<Bytes> queries;
  for (int i = 0; i < kOutstanding; ++i) {
    QueryOptions options;
    options.id = static_cast<std::uint16_t>(i);
    queries.push_back(buildQuery("www.tap.test.", LDNS_RR_TYPE_A, options));
  }
  // Deadlines bound a broken run (a worker blocked by the collector answers nothing); they are
  // not measurements. A round that gets no answer at all ends the burst: more would prove
  // nothing and only stretch the run.
  const auto deadline = Clock::now() + Millis(20000);
  int sent = 0, answered = 0;
  bool silent = false;
  auto burst = [&](int count) {
    for (int round = 0; round < count / kOutstanding && !silent && Clock::now() < deadline;
         ++round) {
      for (int c = 0; c < kClients; ++c)
        for (int k = 0; k < kPerClient; ++k)
          if (clients[c]->send(queries[c * kPerClient + k])) ++sent;
      const auto round_deadline = std::min(deadline, Clock::now() + Millis(2000));
      int round_answers = 0;
      for (int c = 0; c < kClients; ++c) {
        for (int k = 0; k < kPerClient; ++k) {
          const auto left = std::chrono::duration_cast<Millis>(round_deadline - Clock::now());
          if (clients[c]->receive(std::max(left, Millis(1)))) ++round_answers;
        }
      }
      answered += round_answers;
      silent = round_answers == 0;
    }
  };
  burst(kQueries / 2);
  const auto dropped_half = scrape("horizon_dnstap_dropped_messages_total");
  burst(kQueries / 2);
  const auto dropped_end = scrape("horizon_dnstap_dropped_messages_total");
  const auto written_end = scrape("horizon_dnstap_messages_total");

  const int expected = kQueries / kOutstanding * kOutstanding;
  EXPECT_FALSE(silent) << "horizond stopped answering during the burst";
  EXPECT_EQ(sent, expected) << "the burst ran past its deadline";
  EXPECT_EQ(answered, sent) << "queries went unanswered while the collector stalled";
  ASSERT_TRUE(dropped_half && dropped_end && written_end);
  EXPECT_GT(*dropped_half, 0) << "the stalled collector cost no drops";
  EXPECT_GT(*dropped_end, *dropped_half) << "the drop counter stopped rising";
  // Two messages per answered query (CLIENT_QUERY, CLIENT_RESPONSE), each taken or dropped; the
  // readiness probe adds a few of its own.
  EXPECT_GE(*dropped_end + *written_end, 2.0 * answered);
  EXPECT_TRUE(horizond_->running()) << horizond_->output();

  // SIGTERM: flushing into the stalled collector gives up after its stall timeout (about a
  // second), so horizond exits well within this generous deadline rather than being killed.
  const ExitStatus status = horizond_->stop(Millis(15000));
  EXPECT_TRUE(status.success()) << "horizond did not exit on its own after SIGTERM ("
                                << status.toString() << ")\n"
                                << horizond_->output();
}

TEST_F(DnstapTest, AbsentCollector) {
  // A path nobody listens on: horizond must start, answer, and count every message dropped.
  ASSERT_NO_FATAL_FAILURE(startHorizond("unix:" + dir_.path() + "/nobody.sock", true));
  const std::vector<SentQuery> sent = askKnownQueries();
  const auto dropped = scrape("horizon_dnstap_dropped_messages_total");
  const auto written = scrape("horizon_dnstap_messages_total");
  ASSERT_TRUE(dropped && written);
  EXPECT_EQ(*written, 0);
  // Two messages per query at least, and two for each forwarded name's upstream exchange.
  EXPECT_GE(*dropped, 2.0 * static_cast<double>(sent.size() + 2));
  EXPECT_TRUE(horizond_->running()) << horizond_->output();
}

}  // namespace
}  // namespace horizon::test
