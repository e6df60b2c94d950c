// The metrics HTTP endpoint (server/metrics/) over real sockets on 127.0.0.1: the routes as a
// scraper sees them, published documents as a poller (Traefik's HTTP provider) sees them, and
// the limits that keep hostile clients from stalling it (slowloris, oversized headers, more
// connections than the budget). Every wait has a generous deadline, so a broken endpoint fails
// these tests instead of hanging them.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "horizon/metrics/http_endpoint.hpp"
#include "horizon/metrics/process_metrics.hpp"
#include "http_probe.hpp"

namespace horizon::test {
namespace {

using metrics::DocumentSlot;
using metrics::EndpointOptions;
using metrics::Families;
using metrics::HttpEndpoint;
using metrics::makeDocument;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

constexpr auto kPatience = 10s;  // for answers that should come at once

class MetricsEndpointTest : public ::testing::Test {
 protected:
  // An endpoint on a free port of 127.0.0.1, with the test's timeout and budget.
  std::unique_ptr<HttpEndpoint> startEndpoint(std::size_t max_connections = 32,
                                              std::chrono::milliseconds timeout = 300ms) {
    EndpointOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.max_connections = max_connections;
    options.request_timeout = timeout;
    auto endpoint = std::make_unique<HttpEndpoint>(
        options,
        [this] {
          ++scrapes_;
          if (fail_) throw std::runtime_error("collector broke");
          Families families;
          metrics::appendBuildInfo(families);
          metrics::addSample(
              metrics::addFamily(families, "horizon_dns_requests_total", "Queries received.",
                                 prometheus::MetricType::Counter),
              {{"view", "lan"}, {"transport", "udp"}}, 42);
          metrics::appendProcessMetrics(families);
          return families;
        },
        [this] { return ready_.load(); });
    endpoint->start();
    EXPECT_NE(endpoint->port(), 0);
    return endpoint;
  }

  // An endpoint without /metrics that serves `slot` at /traefik, as `horizon-sync watch
  // --traefik-http` would on an address where metrics are not wanted.
  std::unique_ptr<HttpEndpoint> startDocumentEndpoint(std::shared_ptr<DocumentSlot> slot) {
    EndpointOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.request_timeout = 5s;  // the keep-alive connections must outlast the slowest step
    auto endpoint =
        std::make_unique<HttpEndpoint>(options, std::function<Families()>(), [] { return true; });
    endpoint->serve("/traefik", std::move(slot));
    endpoint->start();
    EXPECT_NE(endpoint->port(), 0);
    return endpoint;
  }

  std::atomic<int> scrapes_{0};
  std::atomic<bool> ready_{false}, fail_{false};
};

// What a request for the document on a kept-alive connection looks like.
std::string documentRequest(const std::string& if_none_match = "") {
  return "GET /traefik HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         (if_none_match.empty() ? "" : "If-None-Match: " + if_none_match + "\r\n") + "\r\n";
}

TEST_F(MetricsEndpointTest, MetricsAnswersWithTheExposition) {
  auto endpoint = startEndpoint();
  auto reply = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->header("content-type"), "text/plain; version=0.0.4");
  EXPECT_THAT(reply->body,
              HasSubstr("horizon_dns_requests_total{view=\"lan\",transport=\"udp\"} 42\n"));
  EXPECT_THAT(reply->body, HasSubstr("# TYPE process_open_fds gauge\n"));
  EXPECT_THAT(reply->body, HasSubstr("horizon_build_info{version=\""));
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(MetricsEndpointTest, HeadSendsHeadersOnly) {
  auto endpoint = startEndpoint();
  HttpProbe probe(endpoint->port());
  ASSERT_TRUE(probe.send("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = probe.read(kPatience, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_GT(std::stoul(head->header("content-length")), 100u);
  // Keep-alive: the next answer on the same connection starts right after the head, so a body
  // sent after HEAD would show up here as garbage before it.
  ASSERT_TRUE(probe.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto health = probe.read(kPatience);
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
}

TEST_F(MetricsEndpointTest, HealthAndReadiness) {
  auto endpoint = startEndpoint();
  auto health = httpRequest(endpoint->port(), "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");

  auto ready = httpRequest(endpoint->port(), "GET", "/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, "not ready");
  ready_ = true;
  ready = httpRequest(endpoint->port(), "GET", "/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ready");

  endpoint->shuttingDown();
  ready = httpRequest(endpoint->port(), "GET", "/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  health = httpRequest(endpoint->port(), "GET", "/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(MetricsEndpointTest, UnknownPathsMethodsAndBodies) {
  auto endpoint = startEndpoint();
  auto missing = httpRequest(endpoint->port(), "GET", "/favicon.ico");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  auto post = httpRequest(endpoint->port(), "POST", "/metrics");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET, HEAD");

  HttpProbe with_body(endpoint->port());
  ASSERT_TRUE(
      with_body.send("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"));
  auto refused = with_body.read(kPatience);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
  EXPECT_TRUE(with_body.closedWithin(kPatience));
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(MetricsEndpointTest, ACollectorThatThrowsGives500AndTheEndpointGoesOn) {
  auto endpoint = startEndpoint();
  fail_ = true;
  auto reply = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_THAT(reply->body, HasSubstr("collector broke"));
  fail_ = false;
  reply = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
}

TEST_F(MetricsEndpointTest, AnOversizedHeaderGets431) {
  auto endpoint = startEndpoint();
  HttpProbe probe(endpoint->port());
  probe.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(20 * 1024, 'a') +
             "\r\n\r\n");
  auto reply = probe.read(kPatience);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_TRUE(probe.closedWithin(kPatience));
  EXPECT_EQ(scrapes_, 0);
  auto after = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(MetricsEndpointTest, ASlowlorisClientIsClosedWhileOthersAreServed) {
  auto endpoint = startEndpoint(32, 300ms);
  HttpProbe slow(endpoint->port());
  ASSERT_TRUE(slow.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: "));
  auto other = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_TRUE(slow.closedWithin(kPatience)) << "the half-sent request was never cut off";
  EXPECT_FALSE(slow.read(100ms)) << "the half-sent request got an answer";
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(MetricsEndpointTest, AnIdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  auto endpoint = startEndpoint(32, 300ms);
  HttpProbe probe(endpoint->port());
  ASSERT_TRUE(probe.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reply = probe.read(kPatience);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_TRUE(probe.closedWithin(kPatience));
}

TEST_F(MetricsEndpointTest, ConnectionsBeyondTheBudgetAreRefusedWithoutStallingScrapes) {
  constexpr std::size_t kBudget = 4;
  // A long timeout, so that the idle connections surely hold their slots while the test looks.
  auto endpoint = startEndpoint(kBudget, 30s);
  std::vector<std::unique_ptr<HttpProbe>> idle;
  for (std::size_t i = 0; i < kBudget + 10; ++i)
    idle.push_back(std::make_unique<HttpProbe>(endpoint->port()));
  std::size_t refused = 0, held = 0;
  for (auto& probe : idle) {
    auto reply = probe->read(1s);
    if (reply) {
      EXPECT_EQ(reply->status, 503);
      EXPECT_TRUE(probe->closedWithin(kPatience));
      ++refused;
    } else {
      ++held;
    }
  }
  EXPECT_EQ(held, kBudget);
  EXPECT_EQ(refused, 10u);
  // At the budget, a scraper is refused too, at once rather than left waiting.
  auto busy = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);

  idle.clear();  // the idle clients go away
  std::optional<HttpReply> scrape;
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    scrape = httpRequest(endpoint->port(), "GET", "/metrics");
    if (scrape && scrape->status == 200) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
}

// Out of descriptors, accept() fails (EMFILE) with clients still queued: the endpoint gives its
// spare descriptor's slot to the first (a scrape is how the operator sees what took the others),
// then backs off and retries instead of giving up (or spinning), and serves the next client once
// it can.
TEST_F(MetricsEndpointTest, AcceptRecoversWhenDescriptorsRunOut) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan checks an object's dynamic type through a pipe the first time it meets the type, and
  // the served connection runs with no descriptor left: the check fails and reports a false
  // type error. The normal build of the same run covers this test.
  GTEST_SKIP() << "the sanitizers' runtime needs a descriptor that this test takes away";
#endif
  auto endpoint = startEndpoint(32, 30s);
  // Two placeholders take the lowest free descriptors, and the limit is lowered to just above
  // them: each client's socket takes a placeholder's number in turn, and the server's accept
  // would need one more, which the limit forbids. (The limit is the whole test process's.)
  // Holes below them are filled first (open() takes the lowest free number), and held to the
  // end, so that no client socket lands below the placeholders.
  std::vector<int> fillers;
  struct CloseFillers {
    std::vector<int>& fds;
    ~CloseFillers() {
      for (const int fd : fds) ::close(fd);
    }
  } close_fillers{fillers};
  while (fillers.size() < 2 || fillers.back() != fillers[fillers.size() - 2] + 1) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    fillers.push_back(fd);
  }
  const int first_slot = fillers[fillers.size() - 2];
  const int second_slot = fillers.back();
  fillers.resize(fillers.size() - 2);  // the placeholders are closed by the test, in turn
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  struct Restore {
    rlimit limit;
    ~Restore() { setrlimit(RLIMIT_NOFILE, &limit); }
  } restore{saved};
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(second_slot) + 1;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  ::close(first_slot);
  HttpProbe first(endpoint->port());
  ASSERT_TRUE(first.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto served = first.read(kPatience);
  ASSERT_TRUE(served) << "the spare descriptor's slot was not given to the first client";
  EXPECT_EQ(served->status, 200);
  // The spare is spent (it cannot be taken back at the limit): the next client waits.
  ::close(second_slot);
  HttpProbe second(endpoint->port());
  ASSERT_TRUE(second.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(second.read(500ms)) << "accepted beyond the descriptor limit?";
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  auto reply = second.read(kPatience);
  ASSERT_TRUE(reply) << "never accepted after descriptors were available again";
  EXPECT_EQ(reply->status, 200);
}

TEST_F(MetricsEndpointTest, StopClosesEveryConnection) {
  auto endpoint = startEndpoint(32, 30s);
  HttpProbe idle(endpoint->port());
  HttpProbe keep_alive(endpoint->port());
  ASSERT_TRUE(keep_alive.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(keep_alive.read(kPatience));
  const std::uint16_t port = endpoint->port();
  endpoint->stop();
  EXPECT_TRUE(idle.closedWithin(kPatience));
  EXPECT_TRUE(keep_alive.closedWithin(kPatience));
  EXPECT_FALSE(httpRequest(port, "GET", "/health", 1s)) << "still listening after stop()";
  endpoint->stop();  // idempotent
}

TEST_F(MetricsEndpointTest, APortInUseIsAnErrorNamingIt) {
  auto first = startEndpoint();
  EndpointOptions options;
  options.port = first->port();
  HttpEndpoint second(
      options, [] { return Families{}; }, [] { return true; });
  try {
    second.start();
    FAIL() << "two endpoints on one port";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(
        e.what(),
        StartsWith("metrics: cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": "));
  }
  HttpEndpoint bad(
      {.address = "not-an-address"}, [] { return Families{}; }, [] { return true; });
  EXPECT_THROW(bad.start(), std::runtime_error);
}

// Traefik's poll cycle on one connection: the body once, then 304s without a body for as long
// as the document is unchanged, and the new body and tag after a publish.
TEST_F(MetricsEndpointTest, ADocumentIsRevalidatedOnOneKeepAliveConnection) {
  auto slot = std::make_shared<DocumentSlot>();
  auto endpoint = startDocumentEndpoint(slot);
  HttpProbe probe(endpoint->port());
  ASSERT_TRUE(probe.send(documentRequest()));
  auto early = probe.read(kPatience);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 503);
  EXPECT_EQ(early->body, "not rendered yet\n");

  const std::string first = R"json({"http":{"routers":{"a":{"rule":"Host(`a.example`)"}}}})json";
  slot->publish(makeDocument(first, "application/json"));
  ASSERT_TRUE(probe.send(documentRequest()));
  auto full = probe.read(kPatience);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, first);
  EXPECT_EQ(full->header("content-type"), "application/json");
  EXPECT_EQ(full->header("cache-control"), "no-cache");
  const std::string tag = full->header("etag");
  EXPECT_EQ(tag, makeDocument(first, "")->etag);

  ASSERT_TRUE(probe.send(documentRequest(tag)));
  auto unchanged = probe.read(kPatience);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_EQ(unchanged->header("etag"), tag);
  EXPECT_EQ(unchanged->header("content-length"), "");
  EXPECT_EQ(unchanged->header("transfer-encoding"), "");
  // The next answer must start right after the 304's head: a stray body byte would turn its
  // status line into garbage, and a body the client was told to wait for would never come.
  ASSERT_TRUE(probe.send(documentRequest("W/" + tag)));
  unchanged = probe.read(kPatience);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  ASSERT_TRUE(probe.send(documentRequest()));
  auto again = probe.read(kPatience);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, first);

  const std::string second = R"json({"http":{"routers":{"b":{"rule":"Host(`b.example`)"}}}})json";
  slot->publish(makeDocument(second, "application/json"));
  ASSERT_TRUE(probe.send(documentRequest(tag)));
  auto changed = probe.read(kPatience);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_EQ(changed->body, second);
  EXPECT_NE(changed->header("etag"), tag);
  EXPECT_EQ(changed->header("etag"), makeDocument(second, "")->etag);

  ASSERT_TRUE(probe.send("HEAD /traefik HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto head = probe.read(kPatience, /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(second.size()));
  ASSERT_TRUE(probe.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto metrics = probe.read(kPatience);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 404);  // this endpoint has no collector
  EXPECT_EQ(scrapes_, 0);
}

// A reload publishes while Traefik polls: every answer is one whole document with its own tag.
TEST_F(MetricsEndpointTest, PublishesDuringRequestsServeWholeDocuments) {
  // Bodies of different lengths and contents, long enough to span several socket writes.
  const std::string a = "{\"a\":\"" + std::string(48 * 1024, 'a') + "\"}";
  const std::string b = "{\"b\":\"" + std::string(20 * 1024, 'b') + "\"}";
  const std::string tag_a = makeDocument(a, "")->etag, tag_b = makeDocument(b, "")->etag;
  auto slot = std::make_shared<DocumentSlot>();
  slot->publish(makeDocument(a, "application/json"));
  auto endpoint = startDocumentEndpoint(slot);

  constexpr int kPublishes = 2000;
  std::atomic<bool> reading{false}, done{false};
  std::thread publisher([&] {
    while (!reading) std::this_thread::yield();  // so the publishes overlap the requests
    for (int i = 0; i < kPublishes; ++i)
      slot->publish(makeDocument(i % 2 == 0 ? b : a, "application/json"));
    done = true;
  });
  struct Join {  // also when an assertion returns early, before the first reply
    std::atomic<bool>& reading;
    std::thread& thread;
    ~Join() {
      reading = true;
      thread.join();
    }
  } join{reading, publisher};

  HttpProbe probe(endpoint->port());
  int replies = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((!done || replies < 50) && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(probe.send(documentRequest()));
    auto reply = probe.read(kPatience);
    ASSERT_TRUE(reply) << "no answer after " << replies << " replies";
    ASSERT_EQ(reply->status, 200);
    ++replies;
    reading = true;
    if (reply->body == a) {
      EXPECT_EQ(reply->header("etag"), tag_a);
    } else if (reply->body == b) {
      EXPECT_EQ(reply->header("etag"), tag_b);
    } else {
      FAIL() << "a body that is neither document, " << reply->body.size() << " bytes";
    }
  }
  EXPECT_TRUE(done);
  EXPECT_GE(replies, 50);
}

TEST_F(MetricsEndpointTest, DocumentsAreAddedBeforeStartAtPathsOfTheirOwn) {
  auto slot = std::make_shared<DocumentSlot>();
  HttpEndpoint endpoint({.address = "127.0.0.1", .port = 0}, std::function<Families()>(),
                        [] { return true; });
  EXPECT_THROW(endpoint.serve("/metrics", slot), std::invalid_argument);
  EXPECT_THROW(endpoint.serve("/health", slot), std::invalid_argument);
  EXPECT_THROW(endpoint.serve("traefik", slot), std::invalid_argument);
  EXPECT_THROW(endpoint.serve("/traefik", nullptr), std::invalid_argument);
  endpoint.serve("/traefik", slot);
  endpoint.start();
  EXPECT_THROW(endpoint.serve("/other", slot), std::logic_error);
}

// What the endpoint serves, as Prometheus's own checker reads it.
TEST_F(MetricsEndpointTest, PromtoolAcceptsTheScrape) {
  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0)
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  auto endpoint = startEndpoint();
  auto reply = httpRequest(endpoint->port(), "GET", "/metrics");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200);
  FILE* pipe = popen((std::string(promtool) + " check metrics >/dev/null 2>&1").c_str(), "w");
  ASSERT_NE(pipe, nullptr);
  fwrite(reply->body.data(), 1, reply->body.size(), pipe);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << reply->body;
}

}  // namespace
}  // namespace horizon::test
