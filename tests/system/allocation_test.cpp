// The UDP data plane allocates nothing per query after warm-up (server/README.md). The server
// runs in this process so that a replaced global operator new sees its allocations; the client
// side uses plain sockets over preallocated buffers, so every allocation counted while the flag
// is set belongs to the server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>

#include "horizon/net/server.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"
#include "test_support.hpp"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};

void* countedAllocate(std::size_t size, std::size_t alignment = 0) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment > alignof(std::max_align_t)) {
    if (posix_memalign(&p, alignment, size) != 0) p = nullptr;
  } else {
    p = std::malloc(size);
  }
  return p;
}

// Out of line: once operator delete is inlined, GCC would warn that free() pairs with new.
[[gnu::noinline]] void release(void* p) noexcept {
  std::free(p);
}

}  // namespace

// Every replaceable allocation function, so nothing slips past the count.
void* operator new(std::size_t size) {
  if (void* p = countedAllocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = countedAllocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  if (void* p = countedAllocate(size, static_cast<std::size_t>(alignment))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  if (void* p = countedAllocate(size, static_cast<std::size_t>(alignment))) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return countedAllocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return countedAllocate(size);
}
void operator delete(void* p) noexcept {
  release(p);
}
void operator delete[](void* p) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  release(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  release(p);
}

namespace horizon::test {
namespace {

constexpr int kWarmUpQueries = 1000;
constexpr int kMeasuredQueries = 10000;
constexpr int kBurst = 16;  // queries in flight at once, so recvmmsg sees real batches
constexpr int kReplyTimeoutMs = 2000;

// One prepared query: the client socket it goes out on (the source picks the view) and the
// header rcode expected back.
struct PreparedQuery {
  Bytes bytes;
  int socket_index;
  unsigned rcode;
};

// A client that does not allocate once constructed: fixed sockets and buffers.
class QuietClient {
 public:
  QuietClient(std::uint16_t port, const std::vector<std::string>& sources) {
    for (const auto& source : sources) {
      const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source.c_str(), &local.sin_addr);
      sockaddr_in server{};
      server.sin_family = AF_INET;
      server.sin_port = htons(port);
      server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
          connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
        throw std::runtime_error("cannot open a client socket from " + source);
      }
      fds_.push_back(fd);
    }
  }
  ~QuietClient() {
    for (int fd : fds_) close(fd);
  }

  struct Tally {
    int answered = 0;
    int wrong = 0;  // wrong rcode or flags
  };

  // Sends `count` queries cycling through `queries`, in bursts of kBurst per socket round, and
  // checks each answer by id. Allocation-free: only syscalls on fixed buffers.
  Tally run(const std::vector<PreparedQuery>& queries, int count) {
    Tally tally;
    // Ids continue across runs so a late answer from an earlier run cannot pass for a new one.
    const int base = next_id_;
    int sent = 0;
    while (sent < count) {
      // A burst: up to kBurst queries, all on the socket of the first one.
      const int first = sent;
      const int socket_index = queries[first % queries.size()].socket_index;
      int in_flight = 0;
      while (sent < count && in_flight < kBurst &&
             queries[sent % queries.size()].socket_index == socket_index) {
        const PreparedQuery& q = queries[sent % queries.size()];
        std::memcpy(out_.data(), q.bytes.data(), q.bytes.size());
        const auto id = static_cast<std::uint16_t>(base + sent);
        out_[0] = static_cast<std::uint8_t>(id >> 8);
        out_[1] = static_cast<std::uint8_t>(id);
        expected_rcode_[id % kIdSlots] = static_cast<int>(q.rcode);
        if (send(fds_[socket_index], out_.data(), q.bytes.size(), 0) < 0) break;
        ++sent;
        ++in_flight;
      }
      for (int i = 0; i < in_flight; ++i) {
        pollfd p{fds_[socket_index], POLLIN, 0};
        if (poll(&p, 1, reply_timeout_ms_) <= 0) break;  // lost: counted as unanswered
        const ssize_t n = recv(fds_[socket_index], in_.data(), in_.size(), 0);
        if (n < 12) continue;
        const std::uint16_t id = static_cast<std::uint16_t>((in_[0] << 8) | in_[1]);
        const int index = static_cast<std::uint16_t>(id - base);  // position in this run
        if (index < first || index >= sent) {
          ++tally.wrong;  // an answer to a query of another burst
          continue;
        }
        ++tally.answered;
        const bool is_response = (in_[2] & 0x80) != 0;
        const int rcode = in_[3] & 0x0f;
        if (!is_response || rcode != expected_rcode_[id % kIdSlots]) ++tally.wrong;
      }
      if (sent == first) break;  // send failed
    }
    next_id_ = base + sent;
    return tally;
  }

  /// How long a burst waits for each answer (shorter where answers are dropped on purpose).
  void setReplyTimeout(int ms) { reply_timeout_ms_ = ms; }

 private:
  static constexpr std::size_t kIdSlots = 65536;
  std::vector<int> fds_;
  int reply_timeout_ms_ = kReplyTimeoutMs;
  int next_id_ = 0;
  std::array<std::uint8_t, 65535> out_{};
  std::array<std::uint8_t, 65535> in_{};
  std::array<int, kIdSlots> expected_rcode_{};
};

// horizond's server in this process on `zone_file`: one worker on 127.0.0.1 (a free port),
// counting into per-thread metrics when `metrics` (the endpoint itself is main()'s). Null when
// the zone does not load.
std::unique_ptr<net::Server> startOneWorker(const std::string& zone_file, bool metrics) {
  auto loaded = zone::loadZoneFile(zone_file);
  if (!loaded.ok()) return nullptr;
  std::vector<zone::Zone> zones;
  zones.push_back(std::move(*loaded.zone));
  auto holder = std::make_shared<query::SnapshotHolder>(query::compileSnapshot(zones));
  config::ServerConfig config;
  config.zone_files = {zone_file};
  config.listen = {config::ListenAddress{"127.0.0.1", 0}};
  config.workers = 1;
  if (metrics) config.metrics = "127.0.0.1:0";
  auto server = std::make_unique<net::Server>(config, holder);
  server->bind();
  server->start();
  return server;
}

// With `metrics`, each answering thread counts into its own counters (allocated at start); the
// count must cost no allocation either, and must add up.
void expectNoAllocationAfterWarmUp(bool metrics) {
  const std::string zone_file = std::string(HORIZON_TEST_DATA) + "/net/example.test.yaml";
  auto started = startOneWorker(zone_file, metrics);
  ASSERT_TRUE(started) << "cannot load " << zone_file;
  net::Server& server = *started;
  const std::uint16_t port = server.boundPorts().at(0);
  ASSERT_NE(port, 0);

  // Socket 0 is 127.0.0.1 (view lan), socket 1 is 127.0.0.3 (view public).
  auto client =
      std::make_unique<QuietClient>(port, std::vector<std::string>{"127.0.0.1", "127.0.0.3"});
  QueryOptions no_edns;
  no_edns.edns = false;
  QueryOptions small_edns;
  small_edns.udp_size = 512;
  QueryOptions do_bit;
  do_bit.dnssec_ok = true;
  QueryOptions version_one;
  version_one.edns_version = 1;
  const std::vector<PreparedQuery> groups = {
      {buildQuery("auth.example.test", LDNS_RR_TYPE_A), 0, LDNS_RCODE_NOERROR},
      {buildQuery("AuTh.ExAmPlE.tEsT", LDNS_RR_TYPE_A, no_edns), 0, LDNS_RCODE_NOERROR},
      {buildQuery("anything.example.test", LDNS_RR_TYPE_A, small_edns), 0, LDNS_RCODE_NOERROR},
      {buildQuery("example.test", LDNS_RR_TYPE_SOA, do_bit), 0, LDNS_RCODE_NOERROR},
      {buildQuery("example.test", LDNS_RR_TYPE_NS), 0, LDNS_RCODE_NOERROR},
      {buildQuery("nothere.example.test", LDNS_RR_TYPE_A), 1, LDNS_RCODE_NXDOMAIN},
      {buildQuery("grafana.example.test", LDNS_RR_TYPE_A), 1, LDNS_RCODE_NOERROR},
      {buildQuery("grafana.example.test", LDNS_RR_TYPE_AAAA), 1, LDNS_RCODE_NOERROR},
      {buildQuery("example.com", LDNS_RR_TYPE_A), 1, LDNS_RCODE_REFUSED},
      {buildQuery("auth.example.test", LDNS_RR_TYPE_A, version_one), 1, 0},  // BADVERS: 0 + OPT
  };
  // Three rounds of each socket's queries in a row, so a burst holds 15 queries.
  std::vector<PreparedQuery> queries;
  for (int socket_index : {0, 1}) {
    for (int round = 0; round < 3; ++round) {
      for (const auto& q : groups) {
        if (q.socket_index == socket_index) queries.push_back(q);
      }
    }
  }

  const auto warm = client->run(queries, kWarmUpQueries);
  ASSERT_EQ(warm.answered, kWarmUpQueries) << "the server does not answer every query";
  ASSERT_EQ(warm.wrong, 0);

  g_allocations.store(0);
  g_counting.store(true);
  const auto measured = client->run(queries, kMeasuredQueries);
  g_counting.store(false);
  const std::size_t allocations = g_allocations.load();

  EXPECT_EQ(measured.answered, kMeasuredQueries);
  EXPECT_EQ(measured.wrong, 0);
  EXPECT_EQ(allocations, 0u) << allocations << " allocations in " << measured.answered
                             << " answered queries ("
                             << static_cast<double>(allocations) / std::max(1, measured.answered)
                             << " per query)";
  if (metrics) {
    auto totals = std::make_unique<net::ServerStatistics>();
    server.statistics(*totals);
    std::uint64_t answered = 0;
    for (const auto& view : totals->queries.responses)
      for (const auto& source : view)
        for (const auto n : source) answered += n;
    EXPECT_EQ(answered, static_cast<std::uint64_t>(kWarmUpQueries + kMeasuredQueries));
  }
  client.reset();
  server.stop();
}

TEST(AllocationTest, UdpQueriesAllocateNothingAfterWarmUp) {
  expectNoAllocationAfterWarmUp(false);
}

TEST(AllocationTest, UdpQueriesAllocateNothingWithMetricsOn) {
  expectNoAllocationAfterWarmUp(true);
}

// Answers over the rate limit are dropped, or rewritten in place into TC answers: that path
// allocates nothing either. The public view's limits are cut to one answer a second, so nearly
// every answer takes it.
TEST(AllocationTest, RateLimitedAnswersAllocateNothing) {
  std::ifstream in(std::string(HORIZON_TEST_DATA) + "/net/example.test.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string zone_text = text.str();
  const std::string generous = "responses-per-second: 1000000, errors-per-second: 1000000";
  const auto at = zone_text.find(generous);
  ASSERT_NE(at, std::string::npos) << "example.test.yaml's public rate-limit changed";
  zone_text.replace(at, generous.size(), "responses-per-second: 1, errors-per-second: 1");
  TempDir dir;
  const std::string zone_file = dir.write("example.test.yaml", zone_text);
  auto started = startOneWorker(zone_file, true);
  ASSERT_TRUE(started) << "cannot load " << zone_file;
  net::Server& server = *started;
  const std::uint16_t port = server.boundPorts().at(0);
  ASSERT_NE(port, 0);

  // Socket 0 is 127.0.0.3 (view public): answers, NXDOMAIN and REFUSED, all over their rates.
  auto client = std::make_unique<QuietClient>(port, std::vector<std::string>{"127.0.0.3"});
  client->setReplyTimeout(5);  // half the answers never come; a lost one ends its burst
  QueryOptions no_edns;
  no_edns.edns = false;
  const std::vector<PreparedQuery> queries = {
      {buildQuery("grafana.example.test", LDNS_RR_TYPE_A), 0, LDNS_RCODE_NOERROR},
      {buildQuery("grafana.example.test", LDNS_RR_TYPE_AAAA, no_edns), 0, LDNS_RCODE_NOERROR},
      {buildQuery("nothere.example.test", LDNS_RR_TYPE_A), 0, LDNS_RCODE_NXDOMAIN},
      {buildQuery("example.com", LDNS_RR_TYPE_A), 0, LDNS_RCODE_REFUSED},
  };
  client->run(queries, kWarmUpQueries);

  g_allocations.store(0);
  g_counting.store(true);
  client->run(queries, kMeasuredQueries);
  g_counting.store(false);
  const std::size_t allocations = g_allocations.load();
  EXPECT_EQ(allocations, 0u) << allocations << " allocations while answers were rate limited";

  auto totals = std::make_unique<net::ServerStatistics>();
  server.statistics(*totals);
  std::uint64_t dropped = 0, slipped = 0;
  for (const auto& view : totals->queries.rate_limited) {
    dropped += view[static_cast<std::size_t>(stats::LimitedAction::kDropped)];
    slipped += view[static_cast<std::size_t>(stats::LimitedAction::kSlipped)];
  }
  EXPECT_GT(dropped, 1000u);
  EXPECT_GT(slipped, 1000u);
  client.reset();
  server.stop();
}

}  // namespace
}  // namespace horizon::test
