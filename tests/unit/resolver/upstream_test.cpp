// UpstreamClient against small fake servers on 127.0.0.1 (each a thread with plain sockets, stopped
// by its destructor), and ServerSelection's choices. Every packet stays on loopback.
#include "horizon/resolver/upstream.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"

namespace horizon::resolver {
namespace {

using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

std::string name(const char* text) {
  return *wire::nameFromText(text, "");
}

// The question of a query we sent: qname (uncompressed), qtype.
struct Question {
  Bytes qname;
  std::uint16_t qtype = 0;
};

Question questionOf(const Bytes& query) {
  Question q;
  std::size_t p = 12;
  while (p < query.size() && query[p] != 0) p += 1 + query[p];
  q.qname.assign(query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(p + 1));
  q.qtype = static_cast<std::uint16_t>((query[p + 1] << 8) | query[p + 2]);
  return q;
}

// How a fake server shapes its reply to a query.
struct ReplyShape {
  int id_delta = 0;             // reply id = query id + delta
  const char* qname = nullptr;  // replaces the question name (presentation form)
  bool lowercase_qname = false;
  std::uint16_t qtype_delta = 0;
  bool qr = true;
  bool tc = false;
  int answers = 1;
  std::uint8_t last_octet = 1;  // answers are A 10.0.0.<last_octet>
};

Bytes makeReply(const Bytes& query, const ReplyShape& s) {
  Question q = questionOf(query);
  Bytes qname = q.qname;
  if (s.qname) {
    std::string n = name(s.qname);
    qname.assign(n.begin(), n.end());
  }
  if (s.lowercase_qname) {
    for (auto& c : qname) c = wire::foldCase(c);
  }
  std::uint16_t id = static_cast<std::uint16_t>(((query[0] << 8) | query[1]) + s.id_delta);
  std::uint16_t flags = (s.qr ? wire::kFlagQR : 0) | wire::kFlagAA | (s.tc ? wire::kFlagTC : 0);
  Bytes r = {std::uint8_t(id >> 8),
             std::uint8_t(id),
             std::uint8_t(flags >> 8),
             std::uint8_t(flags),
             0,
             1,
             0,
             std::uint8_t(s.answers),
             0,
             0,
             0,
             0};
  r.insert(r.end(), qname.begin(), qname.end());
  std::uint16_t qtype = static_cast<std::uint16_t>(q.qtype + s.qtype_delta);
  r.insert(r.end(), {std::uint8_t(qtype >> 8), std::uint8_t(qtype), 0, 1});
  for (int i = 0; i < s.answers; ++i) {
    r.insert(r.end(),
             {0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 10, 0, std::uint8_t(i), s.last_octet});
  }
  return r;
}

// A UDP (and optionally TCP, same port) server on 127.0.0.1 run by a thread. `on_udp` gets each
// datagram and a way to reply from the main socket or from a second socket on another port.
class FakeServer {
 public:
  struct Context {
    int fd, other_fd;
    sockaddr_in from;
    void reply(const Bytes& b) const { send(fd, b); }
    void replyFromOtherPort(const Bytes& b) const { send(other_fd, b); }
    void send(int s, const Bytes& b) const {
      ::sendto(s, b.data(), b.size(), 0, reinterpret_cast<const sockaddr*>(&from), sizeof(from));
    }
  };
  using UdpHandler = std::function<void(const Bytes& query, const Context&)>;
  using TcpHandler = std::function<Bytes(const Bytes& query)>;

  explicit FakeServer(UdpHandler on_udp, TcpHandler on_tcp = nullptr)
      : on_udp_(std::move(on_udp)), on_tcp_(std::move(on_tcp)) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      udp_ = bound(SOCK_DGRAM, 0);
      if (!on_tcp_) break;
      tcp_ = bound(SOCK_STREAM, port());  // the same port number over TCP
      if (tcp_ >= 0) break;
      ::close(udp_);
    }
    if (tcp_ >= 0) ::listen(tcp_, 16);
    // Bursts of hundreds of queries must not overflow the default receive buffer.
    int rcvbuf = 1 << 21;
    ::setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    other_ = bound(SOCK_DGRAM, 0);
    thread_ = std::thread([this] { run(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    for (int fd : {udp_, tcp_, other_}) {
      if (fd >= 0) ::close(fd);
    }
  }

  Endpoint endpoint() const { return {boost::asio::ip::make_address("127.0.0.1"), port()}; }
  std::uint16_t port() const {
    sockaddr_in a{};
    socklen_t len = sizeof(a);
    ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
  }
  std::vector<Bytes> queries() {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  static int bound(int type, std::uint16_t port) {
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void run() {
    while (!stop_) {
      pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (::poll(fds, tcp_ >= 0 ? 2 : 1, 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        Bytes buf(65535);
        Context ctx{udp_, other_, {}};
        socklen_t len = sizeof(ctx.from);
        ssize_t n = ::recvfrom(udp_, buf.data(), buf.size(), 0,
                               reinterpret_cast<sockaddr*>(&ctx.from), &len);
        if (n <= 0) continue;
        buf.resize(static_cast<std::size_t>(n));
        {
          std::lock_guard lock(mutex_);
          queries_.push_back(buf);
        }
        if (on_udp_) on_udp_(buf, ctx);
      }
      if (tcp_ >= 0 && (fds[1].revents & POLLIN)) serveTcp();
    }
  }

  // One query per connection, read and answered with blocking calls (bounded by a receive
  // timeout so a broken client cannot hang the test).
  void serveTcp() {
    int c = ::accept(tcp_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    auto readAll = [&](std::uint8_t* p, std::size_t n) {
      while (n > 0) {
        ssize_t got = ::recv(c, p, n, 0);
        if (got <= 0) return false;
        p += got;
        n -= static_cast<std::size_t>(got);
      }
      return true;
    };
    std::uint8_t len[2];
    if (readAll(len, 2)) {
      Bytes q(static_cast<std::size_t>((len[0] << 8) | len[1]));
      if (readAll(q.data(), q.size())) {
        Bytes r = on_tcp_(q);
        Bytes framed = {std::uint8_t(r.size() >> 8), std::uint8_t(r.size())};
        framed.insert(framed.end(), r.begin(), r.end());
        ::send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
      }
    }
    ::close(c);
  }

  UdpHandler on_udp_;
  TcpHandler on_tcp_;
  int udp_ = -1, tcp_ = -1, other_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Bytes> queries_;
  std::thread thread_;
};

// Runs one exchange to completion on a private io_context (bounded by a generous safety limit).
std::optional<ExchangeResult> exchangeOnce(const Endpoint& server, const char* qname,
                                           ExchangeOptions options = {}) {
  boost::asio::io_context io;
  UpstreamClient client(io);
  std::optional<ExchangeResult> result;
  int calls = 0;
  client.exchange(server, name(qname), wire::type::A, options, [&](ExchangeResult r) {
    ++calls;
    result = std::move(r);
  });
  io.run_for(20s);
  EXPECT_LE(calls, 1);
  return result;
}

// Many letters, so 0x20 leaves them all lowercase with probability 2^-36.
constexpr const char* kLongName = "abcdefghijklmnopqrstuvwxyz.abcdefghij.test.";

std::uint8_t lastOctetOfAnswer(const ExchangeResult& r) {
  if (!r.response || r.response->answer.empty()) return 0;
  return static_cast<std::uint8_t>(r.response->answer.front().rdata.back());
}

TEST(UpstreamTest, AcceptsAMatchingAnswer) {
  FakeServer server([](const Bytes& q, const FakeServer::Context& c) {
    c.reply(makeReply(q, {.last_octet = 9}));
  });
  auto r = exchangeOnce(server.endpoint(), kLongName);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_GT(r->rtt.count(), 0);
  EXPECT_FALSE(r->used_tcp);
  EXPECT_FALSE(r->case_mismatch_fallback);
  EXPECT_EQ(lastOctetOfAnswer(*r), 9);
  // The server saw the name with randomised case, no RD, and EDNS.
  auto queries = server.queries();
  ASSERT_EQ(queries.size(), 1u);
  Question q = questionOf(queries[0]);
  std::string sent(q.qname.begin(), q.qname.end());
  EXPECT_EQ(wire::lowercaseName(sent), name(kLongName));
  EXPECT_NE(sent, name(kLongName));
  EXPECT_EQ(queries[0][2] & 0x01, 0);  // RD clear by default
  EXPECT_EQ(queries[0][11], 1);        // ARCOUNT: the OPT
}

TEST(UpstreamTest, UsesDifferentIdsAndPortsPerQuery) {
  std::mutex m;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> seen;  // (id, source port)
  FakeServer server([&](const Bytes& q, const FakeServer::Context& c) {
    {
      std::lock_guard lock(m);
      seen.emplace_back(static_cast<std::uint16_t>((q[0] << 8) | q[1]), ntohs(c.from.sin_port));
    }
    c.reply(makeReply(q, {}));
  });
  boost::asio::io_context io;
  UpstreamClient client(io);
  int ok = 0;
  for (int i = 0; i < 20; ++i) {
    client.exchange(server.endpoint(), name("x.test."), wire::type::A, {},
                    [&](ExchangeResult r) { ok += r.status == ExchangeResult::Status::kOk; });
  }
  io.run_for(20s);
  EXPECT_EQ(ok, 20);
  std::lock_guard lock(m);
  std::set<std::uint16_t> ids, ports;
  for (auto [id, port] : seen) {
    ids.insert(id);
    ports.insert(port);
  }
  EXPECT_GT(ids.size(), 15u);  // random 16-bit ids: a few collisions at most
  // The queries share a few sockets to the server, picked at random: more than one port, and
  // not one socket per query.
  EXPECT_GE(ports.size(), 2u);
  EXPECT_LE(ports.size(), 4u);
}

TEST(UpstreamTest, SocketsAreReplacedForNewPortsAndStayFewer) {
  std::mutex m;
  std::set<std::uint16_t> ports;
  FakeServer server([&](const Bytes& q, const FakeServer::Context& c) {
    {
      std::lock_guard lock(m);
      ports.insert(ntohs(c.from.sin_port));
    }
    c.reply(makeReply(q, {}));
  });
  boost::asio::io_context io;
  UpstreamClient client(io);
  ExchangeOptions options;
  options.timeout = 20s;
  int ok = 0, calls = 0;
  // In rounds of 150 at once, so the fake server's socket buffer never overflows.
  constexpr int kRounds = 4, kPerRound = 150;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      client.exchange(server.endpoint(), name("x.test."), wire::type::A, options,
                      [&](ExchangeResult r) {
                        ++calls;
                        ok += r.status == ExchangeResult::Status::kOk;
                      });
    }
    io.restart();
    io.run_for(20s);  // returns once every exchange ended and its sockets closed
  }
  EXPECT_EQ(calls, kRounds * kPerRound);
  EXPECT_EQ(ok, kRounds * kPerRound);
  std::lock_guard lock(m);
  // New ports round after round, but far fewer sockets than queries.
  EXPECT_GT(ports.size(), 4u);
  EXPECT_LE(ports.size(), static_cast<std::size_t>(kRounds) * UpstreamClient::kMaxUdpSockets);
  EXPECT_LT(ports.size(), static_cast<std::size_t>(kRounds * kPerRound) / 10);
}

TEST(UpstreamTest, IgnoresForgeriesAndAcceptsTheRealAnswer) {
  FakeServer server([](const Bytes& q, const FakeServer::Context& c) {
    c.reply(makeReply(q, {.id_delta = 1, .last_octet = 66}));
    c.reply(makeReply(q, {.qname = "other.test.", .last_octet = 67}));
    c.reply(makeReply(q, {.qtype_delta = 27, .last_octet = 68}));
    c.reply(makeReply(q, {.qr = false, .last_octet = 69}));
    c.reply(Bytes{0xde, 0xad});                              // garbage
    c.replyFromOtherPort(makeReply(q, {.last_octet = 70}));  // right bytes, wrong source port
    c.reply(makeReply(q, {.last_octet = 1}));
  });
  auto r = exchangeOnce(server.endpoint(), kLongName);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_EQ(lastOctetOfAnswer(*r), 1);
  EXPECT_FALSE(r->case_mismatch_fallback);
  EXPECT_EQ(server.queries().size(), 1u);
}

TEST(UpstreamTest, OnlyForgeriesMeanTimeout) {
  FakeServer server([](const Bytes& q, const FakeServer::Context& c) {
    c.reply(makeReply(q, {.id_delta = 1}));
    c.replyFromOtherPort(makeReply(q, {}));
  });
  ExchangeOptions options;
  options.timeout = 200ms;
  auto r = exchangeOnce(server.endpoint(), "a.test.", options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ExchangeResult::Status::kTimeout);
  EXPECT_FALSE(r->response);
}

TEST(UpstreamTest, SilentServerTimesOut) {
  FakeServer server(nullptr);
  ExchangeOptions options;
  options.timeout = 200ms;
  auto r = exchangeOnce(server.endpoint(), "a.test.", options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ExchangeResult::Status::kTimeout);
  EXPECT_FALSE(r->response);
  EXPECT_EQ(server.queries().size(), 1u);
}

TEST(UpstreamTest, GarbageOnlyIsMalformed) {
  FakeServer server([](const Bytes&, const FakeServer::Context& c) {
    c.reply(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
    c.reply(Bytes{});
  });
  ExchangeOptions options;
  options.timeout = 200ms;
  auto r = exchangeOnce(server.endpoint(), "a.test.", options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ExchangeResult::Status::kMalformed);
  EXPECT_FALSE(r->response);
}

TEST(UpstreamTest, ClosedPortIsANetworkError) {
  std::uint16_t port;
  {
    FakeServer gone(nullptr);
    port = gone.port();
  }  // closed: the kernel answers with ICMP port unreachable
  auto r = exchangeOnce({boost::asio::ip::make_address("127.0.0.1"), port}, "a.test.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ExchangeResult::Status::kNetworkError);
}

TEST(UpstreamTest, TruncatedAnswerIsRetriedOverTcp) {
  FakeServer server(
      [](const Bytes& q, const FakeServer::Context& c) {
        c.reply(makeReply(q, {.tc = true, .answers = 0}));
      },
      [](const Bytes& q) { return makeReply(q, {.answers = 40, .last_octet = 5}); });
  auto r = exchangeOnce(server.endpoint(), kLongName);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_TRUE(r->used_tcp);
  EXPECT_EQ(r->response->answer.size(), 40u);
  EXPECT_FALSE(r->response->truncated());
  EXPECT_EQ(lastOctetOfAnswer(*r), 5);
}

TEST(UpstreamTest, TruncatedReplyCutInsideARecordStillLeadsToTcp) {
  FakeServer server(
      [](const Bytes& q, const FakeServer::Context& c) {
        Bytes r = makeReply(q, {.tc = true, .answers = 3});
        r.resize(r.size() - 7);  // counts say 3 answers; the last is cut short
        c.reply(r);
      },
      [](const Bytes& q) { return makeReply(q, {.answers = 3}); });
  auto r = exchangeOnce(server.endpoint(), "a.test.");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_TRUE(r->used_tcp);
  EXPECT_EQ(r->response->answer.size(), 3u);
}

TEST(UpstreamTest, WrongAnswerOverTcpIsMalformed) {
  FakeServer server(
      [](const Bytes& q, const FakeServer::Context& c) {
        c.reply(makeReply(q, {.tc = true, .answers = 0}));
      },
      [](const Bytes& q) { return makeReply(q, {.id_delta = 1}); });
  auto r = exchangeOnce(server.endpoint(), "a.test.");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ExchangeResult::Status::kMalformed);
  EXPECT_TRUE(r->used_tcp);
}

TEST(UpstreamTest, FallsBackWhenTheServerDoesNotPreserveCase) {
  FakeServer server([](const Bytes& q, const FakeServer::Context& c) {
    c.reply(makeReply(q, {.lowercase_qname = true, .last_octet = 3}));
  });
  auto r = exchangeOnce(server.endpoint(), kLongName);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_TRUE(r->case_mismatch_fallback);
  EXPECT_EQ(lastOctetOfAnswer(*r), 3);
  auto queries = server.queries();
  ASSERT_EQ(queries.size(), 2u);
  Question retry = questionOf(queries[1]);
  EXPECT_EQ(std::string(retry.qname.begin(), retry.qname.end()), name(kLongName));
  EXPECT_NE(questionOf(queries[0]).qname, retry.qname);  // the first one carried 0x20 case
}

TEST(UpstreamTest, WithoutCaseRandomisationTheNameIsSentAsGiven) {
  FakeServer server([](const Bytes& q, const FakeServer::Context& c) {
    c.reply(makeReply(q, {.lowercase_qname = true}));
  });
  ExchangeOptions options;
  options.use_0x20 = false;
  options.recursion_desired = true;
  options.edns_udp_size = 0;
  auto r = exchangeOnce(server.endpoint(), kLongName, options);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, ExchangeResult::Status::kOk);
  EXPECT_FALSE(r->case_mismatch_fallback);
  auto queries = server.queries();
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0][2] & 0x01, 1);  // RD
  EXPECT_EQ(queries[0][11], 0);        // no OPT
}

TEST(UpstreamTest, ManyExchangesInFlightOnOneThread) {
  // Four servers share the burst so that no server's socket buffer overflows (a slow fake server
  // under the sanitizers would otherwise drop datagrams and turn this into a test of the kernel).
  auto answer = [](const Bytes& q, const FakeServer::Context& c) { c.reply(makeReply(q, {})); };
  FakeServer s1(answer), s2(answer), s3(answer), s4(answer);
  const Endpoint servers[] = {s1.endpoint(), s2.endpoint(), s3.endpoint(), s4.endpoint()};
  boost::asio::io_context io;
  UpstreamClient client(io);
  constexpr int kCount = 1000;
  int ok = 0, calls = 0;
  ExchangeOptions options;
  options.timeout = 20s;
  for (int i = 0; i < kCount; ++i) {
    client.exchange(servers[i % 4], name("many.test."), wire::type::A, options,
                    [&](ExchangeResult r) {
                      ++calls;
                      ok += r.status == ExchangeResult::Status::kOk;
                    });
  }
  io.run_for(60s);
  EXPECT_EQ(calls, kCount);
  EXPECT_EQ(ok, kCount);
}

TEST(UpstreamTest, DestroyingTheClientDropsPendingExchanges) {
  FakeServer silent(nullptr);
  boost::asio::io_context io;
  auto client = std::make_unique<UpstreamClient>(io);
  std::atomic<int> calls{0};
  ExchangeOptions options;
  options.timeout = 30s;  // if cancellation failed, run() below would wait this long
  for (int i = 0; i < 50; ++i) {
    client->exchange(silent.endpoint(), name("a.test."), wire::type::A, options,
                     [&](ExchangeResult) { ++calls; });
  }
  io.run_for(100ms);  // the queries are out and waiting
  EXPECT_GE(silent.queries().size(), 1u);
  client.reset();
  io.restart();
  io.run_for(25s);
  EXPECT_TRUE(io.stopped());  // ran out of work: every socket and timer was cancelled
  EXPECT_EQ(calls, 0);
}

TEST(UpstreamTest, DestroyingTheClientFromItsOwnCallbackIsSafe) {
  FakeServer answering(
      [](const Bytes& q, const FakeServer::Context& c) { c.reply(makeReply(q, {})); });
  FakeServer silent(nullptr);
  boost::asio::io_context io;
  auto client = std::make_unique<UpstreamClient>(io);
  int calls = 0;
  ExchangeOptions slow;
  slow.timeout = 30s;
  for (int i = 0; i < 10; ++i) {
    client->exchange(silent.endpoint(), name("a.test."), wire::type::A, slow,
                     [&](ExchangeResult) { ++calls; });
  }
  client->exchange(answering.endpoint(), name("a.test."), wire::type::A, {}, [&](ExchangeResult r) {
    ++calls;
    EXPECT_EQ(r.status, ExchangeResult::Status::kOk);
    client.reset();  // the resolver may drop its client from a callback
  });
  io.run_for(25s);
  EXPECT_TRUE(io.stopped());
  EXPECT_EQ(calls, 1);
}

TEST(UpstreamTest, StoppedIoContextNeverRunsCallbacks) {
  FakeServer silent(nullptr);
  int calls = 0;
  {
    boost::asio::io_context io;
    UpstreamClient client(io);
    ExchangeOptions options;
    options.timeout = 30s;
    for (int i = 0; i < 10; ++i) {
      client.exchange(silent.endpoint(), name("a.test."), wire::type::A, options,
                      [&](ExchangeResult) { ++calls; });
    }
    io.run_for(50ms);
    io.stop();
  }  // client, then io_context destroyed with exchanges pending
  EXPECT_EQ(calls, 0);
}

TEST(UpstreamTest, EndpointToString) {
  EXPECT_EQ((Endpoint{boost::asio::ip::make_address("127.0.0.1"), 53}).toString(), "127.0.0.1:53");
  EXPECT_EQ((Endpoint{boost::asio::ip::make_address("::1"), 5353}).toString(), "[::1]:5353");
}

// ---- ServerSelection ----

Endpoint ep(const char* address) {
  return {boost::asio::ip::make_address(address), 53};
}

TEST(ServerSelectionTest, PrefersTheFasterServer) {
  ServerSelection s;
  Endpoint fast = ep("127.0.0.11"), slow = ep("127.0.0.12");
  for (int i = 0; i < 5; ++i) {
    s.recordRtt(fast, 2ms);
    s.recordRtt(slow, 120ms);
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.pick({slow, fast}, {}), 1u);
}

TEST(ServerSelectionTest, UnknownServersAreTriedBeforeSlowOnes) {
  ServerSelection s;
  Endpoint slow = ep("127.0.0.12"), unknown = ep("127.0.0.13"), fast = ep("127.0.0.11");
  s.recordRtt(slow, 300ms);
  s.recordRtt(fast, 1ms);
  EXPECT_EQ(s.pick({slow, unknown}, {}), 1u);
  EXPECT_EQ(s.pick({unknown, fast}, {}), 1u);
}

TEST(ServerSelectionTest, TimeoutsDeprioritise) {
  ServerSelection s;
  Endpoint a = ep("127.0.0.11"), b = ep("127.0.0.12");
  s.recordRtt(a, 10ms);
  s.recordRtt(b, 30ms);
  EXPECT_EQ(s.pick({a, b}, {}), 0u);
  s.recordTimeout(a);
  s.recordTimeout(a);  // 10 ms doubled twice ranks behind 30 ms
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.pick({a, b}, {}), 1u);
  s.recordRtt(a, 10ms);  // it answers again: the back-off ends
  EXPECT_EQ(s.pick({a, b}, {}), 0u);
}

TEST(ServerSelectionTest, SkipsTriedServersUnlessAllWereTried) {
  ServerSelection s;
  Endpoint a = ep("127.0.0.11"), b = ep("127.0.0.12"), c = ep("127.0.0.13");
  s.recordRtt(a, 1ms);
  s.recordRtt(b, 50ms);
  s.recordRtt(c, 90ms);
  EXPECT_EQ(s.pick({a, b, c}, {a}), 1u);
  EXPECT_EQ(s.pick({a, b, c}, {a, b}), 2u);
  EXPECT_EQ(s.pick({a, b, c}, {a, b, c}), 0u);  // all tried: back to the best
}

TEST(ServerSelectionTest, SpreadsLoadOverEquallyFastServers) {
  ServerSelection s;
  Endpoint a = ep("127.0.0.11"), b = ep("127.0.0.12");
  s.recordRtt(a, 5ms);
  s.recordRtt(b, 5ms);
  std::set<std::size_t> picked;
  for (int i = 0; i < 200; ++i) picked.insert(s.pick({a, b}, {}));
  EXPECT_EQ(picked.size(), 2u);
}

TEST(ServerSelectionTest, TimeoutFollowsTheEstimateWithinBounds) {
  ServerSelection s;
  Endpoint lan = ep("127.0.0.11"), far = ep("127.0.0.12"), unknown = ep("127.0.0.13");
  EXPECT_EQ(s.timeoutFor(unknown), 500ms);
  s.recordRtt(lan, 1ms);
  EXPECT_EQ(s.timeoutFor(lan), 200ms);  // floor
  s.recordRtt(far, 200ms);              // srtt 200, rttvar 100: 600 ms
  EXPECT_EQ(s.timeoutFor(far), 600ms);
  s.recordTimeout(far);
  EXPECT_EQ(s.timeoutFor(far), 1200ms);  // doubled
  for (int i = 0; i < 5; ++i) s.recordTimeout(far);
  EXPECT_EQ(s.timeoutFor(far), 3000ms);  // ceiling
  s.recordTimeout(unknown);
  EXPECT_EQ(s.timeoutFor(unknown), 1000ms);
}

}  // namespace
}  // namespace horizon::resolver
