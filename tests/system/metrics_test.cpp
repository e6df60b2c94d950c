// horizond's metrics endpoint on loopback: known numbers of queries from the LAN view (from
// 127.0.0.1) and the public view (127.0.0.2) come back as counters by view, source and rcode,
// and as histogram counts; /health and /ready follow the process and its zones; promtool
// accepts the exposition.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "http_probe.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr Millis kWait(10000);

// LAN (127.0.0.1, may recurse) and public (everyone else, may not).
std::string zoneText(const std::string& www = "192.0.2.1") {
  return "zone: metrics.test\n"
         "ttl: 60\n"
         "views:\n"
         "  lan: [127.0.0.1/32]\n"
         "  public: [0.0.0.0/0, \"::/0\"]\n"
         "records:\n"
         "  www: " +
         www +
         "\n"
         "recursion: [lan]\n";
}

// Asks for `path` until `done` holds for the reply (or kWait passes); the last reply, if any.
std::optional<HttpReply> getUntil(std::uint16_t port, const std::string& path,
                                  const std::function<bool(const HttpReply&)>& done) {
  std::optional<HttpReply> reply;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    reply = httpGet(port, path);
    if (reply && done(*reply)) break;
    std::this_thread::sleep_for(Millis(20));
  }
  return reply;
}
const auto kAnyReply = [](const HttpReply&) { return true; };
const auto kOk = [](const HttpReply& r) { return r.status == 200; };

// Runs promtool check metrics on `exposition`; "" when it passed or is not installed (then
// `skipped` is set), its complaint otherwise.
std::string promtoolComplaint(const std::string& exposition, bool& skipped) {
  skipped = std::system("command -v promtool >/dev/null 2>&1") != 0;
  if (skipped) return "";
  TempDir dir;
  const std::string file = dir.write("metrics.txt", exposition);
  const std::string out = dir.path() + "/out.txt";
  const int rc = std::system(("promtool check metrics < " + file + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return rc == 0 ? "" : text.str();
}

class MetricsTest : public ::testing::Test {
 protected:
  void startServer() {
    zone_ = dir_.write("metrics.test.yaml", zoneText());
    // Recursion forwards to a loopback port nobody listens on: the upstream refuses at once
    // (ICMP), so recursive questions end in SERVFAIL without leaving this machine.
    dead_forwarder_ = findFreePort();
    server_ =
        ServerProcess::start({"--zone", zone_, "--listen", listenArg(port_), "--metrics",
                              "127.0.0.1:" + std::to_string(metrics_port_), "--forward",
                              "127.0.0.1:" + std::to_string(dead_forwarder_), "--workers", "2"},
                             port_);
  }

  std::map<std::string, double> scrape(std::string* text = nullptr) {
    const auto reply = httpGet(metrics_port_, "/metrics");
    EXPECT_TRUE(reply && reply->status == 200);
    if (!reply) return {};
    if (text) *text = reply->body;
    return exposedSamples(reply->body);
  }

  TempDir dir_;
  std::string zone_;
  std::uint16_t port_ = findFreePort();
  std::uint16_t metrics_port_ = findFreePort();
  std::uint16_t dead_forwarder_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(MetricsTest, CountsQueriesByViewSourceAndRcode) {
  startServer();
  const Endpoint lan{port_, "127.0.0.1"};
  const Endpoint pub{port_, "127.0.0.2"};
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(query(lan, "www.metrics.test", LDNS_RR_TYPE_A));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(query(lan, "nope.metrics.test", LDNS_RR_TYPE_AAAA));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(query(pub, "www.metrics.test", LDNS_RR_TYPE_A));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(query(pub, "www.metrics.test", LDNS_RR_TYPE_A, true));
  // Outside our zone: the public view may not recurse (REFUSED, no view); the LAN view may, and
  // the failed resolution is remembered (a SERVFAIL from the cache the second time).
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(query(pub, "example.com", LDNS_RR_TYPE_A));
  Packet first = query(lan, "outside.example", LDNS_RR_TYPE_A, false, {.recursion_desired = true});
  ASSERT_TRUE(first);
  EXPECT_EQ(fullRcode(first.get()), LDNS_RCODE_SERVFAIL);
  ASSERT_TRUE(query(lan, "outside.example", LDNS_RR_TYPE_A, false, {.recursion_desired = true}));
  // A response sent to the server is not a query: dropped, counted, not answered.
  Bytes not_a_query = buildQuery("www.metrics.test", LDNS_RR_TYPE_A);
  not_a_query[2] |= 0x80;
  EXPECT_FALSE(exchangeUdp(lan, not_a_query, Millis(300)));

  std::string text;
  const auto s = scrape(&text);
  // Requests by view, transport, family and type. ServerProcess::start's probe (". SOA" from
  // 127.0.0.1) is a LAN question too, without RD: refused, since the cache cannot answer it.
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="lan",transport="udp",family="ipv4",type="A"})"),
      9);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="lan",transport="udp",family="ipv4",type="AAAA"})"),
      3);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="public",transport="udp",family="ipv4",type="A"})"),
      5);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="public",transport="tcp",family="ipv4",type="A"})"),
      2);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="none",transport="udp",family="ipv4",type="A"})"),
      4);
  // Responses by view, source and rcode.
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_responses_total{view="lan",source="authoritative",rcode="NOERROR"})"),
      7);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_responses_total{view="lan",source="authoritative",rcode="NXDOMAIN"})"),
      3);
  EXPECT_EQ(
      sampleValue(
          s,
          R"(horizon_dns_responses_total{view="public",source="authoritative",rcode="NOERROR"})"),
      7);
  EXPECT_EQ(sampleValue(
                s, R"(horizon_dns_responses_total{view="none",source="refused",rcode="REFUSED"})"),
            4);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_requests_total{view="lan",transport="udp",family="ipv4",type="SOA"})"),
      1);
  EXPECT_EQ(
      sampleValue(s,
                  R"(horizon_dns_responses_total{view="lan",source="recursion",rcode="SERVFAIL"})"),
      1);
  EXPECT_EQ(
      sampleValue(s, R"(horizon_dns_responses_total{view="lan",source="refused",rcode="REFUSED"})"),
      1);
  EXPECT_EQ(
      sampleValue(s, R"(horizon_dns_responses_total{view="lan",source="cache",rcode="SERVFAIL"})"),
      1);
  // The histograms count every answer once, all of them under +Inf.
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_request_duration_seconds_count{view="lan",source="authoritative"})"),
      10);
  EXPECT_EQ(
      sampleValue(
          s,
          R"(horizon_dns_request_duration_seconds_bucket{view="lan",source="authoritative",le="+Inf"})"),
      10);
  EXPECT_EQ(
      sampleValue(
          s, R"(horizon_dns_request_duration_seconds_count{view="public",source="authoritative"})"),
      7);
  EXPECT_EQ(sampleValue(
                s, R"(horizon_dns_request_duration_seconds_count{view="lan",source="recursion"})"),
            1);
  EXPECT_GT(
      sampleValue(s,
                  R"(horizon_dns_request_duration_seconds_sum{view="lan",source="authoritative"})"),
      0);
  EXPECT_EQ(sampleValue(s, R"(horizon_dns_response_size_bytes_count{transport="udp"})"),
            1 + 7 + 3 + 5 + 4 + 2);
  EXPECT_EQ(sampleValue(s, R"(horizon_dns_response_size_bytes_count{transport="tcp"})"), 2);
  EXPECT_EQ(sampleValue(s, R"(horizon_dns_dropped_requests_total)"), 1);
  // The cache and the upstream: one miss (the first outside question), one hit; the forwarder
  // refused every exchange.
  EXPECT_EQ(sampleValue(s, R"(horizon_cache_misses_total)"), 1);
  EXPECT_EQ(sampleValue(s, R"(horizon_cache_hits_total)"), 1);
  EXPECT_GE(sampleValue(s, R"(horizon_cache_entries)"), 1);
  const std::string upstream = "127.0.0.1:" + std::to_string(dead_forwarder_);
  EXPECT_GE(sampleValue(s, R"(horizon_upstream_queries_total{upstream=")" + upstream + R"("})"), 1);
  EXPECT_GE(sampleValue(s, R"(horizon_upstream_errors_total{upstream=")" + upstream +
                               R"(",error="network"})"),
            1);
  EXPECT_EQ(sampleValue(s, R"(horizon_resolutions_in_flight)"), 0);
  EXPECT_EQ(sampleValue(s, R"(horizon_tcp_connections_accepted_total)"), 2);
  // The zone, the reloads, readiness, the build and the process.
  EXPECT_GT(sampleValue(s, R"(horizon_zone_serial{zone="metrics.test.",view="lan"})"), 0);
  EXPECT_EQ(sampleValue(s, R"(horizon_zone_records{zone="metrics.test.",view="public"})"), 3);
  EXPECT_EQ(sampleValue(s, R"(horizon_reloads_total{trigger="startup",result="success"})"), 1);
  EXPECT_EQ(sampleValue(s, R"(horizon_last_reload_success)"), 1);
  EXPECT_EQ(sampleValue(s, R"(horizon_ready)"), 1);
  EXPECT_EQ(sampleValue(s, R"(horizon_build_info{version="0.1.0"})"), 1);
  EXPECT_GT(sampleValue(s, R"(process_resident_memory_bytes)"), 0);
  EXPECT_GT(sampleValue(s, R"(process_open_fds)"), 0);

  bool skipped = false;
  EXPECT_EQ(promtoolComplaint(text, skipped), "");
  if (skipped) std::fprintf(stderr, "promtool not installed (Debian: prometheus): not checked\n");
  EXPECT_EQ(httpGet(metrics_port_, "/health")->status, 200);
  EXPECT_EQ(httpGet(metrics_port_, "/ready")->status, 200);
  EXPECT_TRUE(server_->stop().success()) << server_->output();
}

// A reload by SIGHUP shows under its trigger, a failed one too, and the serial follows.
TEST_F(MetricsTest, ReloadsByTriggerAndResult) {
  startServer();
  { std::ofstream(zone_) << "zone: metrics.test\nviews:\n  lan: [192.168.1.1/24]\n"; }
  server_->signal(SIGHUP);
  std::map<std::string, double> s;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    s = scrape();
    if (sampleValue(s, R"(horizon_reloads_total{trigger="signal",result="failure"})") == 1) break;
    std::this_thread::sleep_for(Millis(50));
  }
  EXPECT_EQ(sampleValue(s, R"(horizon_reloads_total{trigger="signal",result="failure"})"), 1);
  EXPECT_EQ(sampleValue(s, R"(horizon_last_reload_success)"), 0);
  EXPECT_EQ(sampleValue(s, R"(horizon_ready)"), 1);  // still serving the last good zones
  EXPECT_EQ(httpGet(metrics_port_, "/ready")->status, 200);
  EXPECT_TRUE(server_->stop().success());
}

// A zone file that is a FIFO loads only once the test writes it: a zone that is slow to load.
// Meanwhile the process serves /health but is not ready; once the zone is in, it is.
TEST_F(MetricsTest, NotReadyUntilTheZonesLoad) {
  const std::string fifo = dir_.path() + "/slow.test.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto server = ServerProcess::launch({"--zone", fifo, "--listen", listenArg(port_), "--metrics",
                                       "127.0.0.1:" + std::to_string(metrics_port_), "--root-hints",
                                       HORIZON_TEST_DATA "/loopback.hints"});
  const auto health = getUntil(metrics_port_, "/health", kAnyReply);
  ASSERT_TRUE(health) << server->output();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(httpGet(metrics_port_, "/ready")->status, 503);
  const auto before = exposedSamples(httpGet(metrics_port_, "/metrics")->body);
  EXPECT_EQ(sampleValue(before, "horizon_ready"), 0);
  EXPECT_FALSE(query({port_, "127.0.0.1"}, "www.metrics.test", LDNS_RR_TYPE_A));

  {
    std::ofstream out(fifo);  // unblocks the loader, which reads until this closes
    out << zoneText();
  }
  const auto ready = getUntil(metrics_port_, "/ready", kOk);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << server->output();
  EXPECT_TRUE(query({port_, "127.0.0.1"}, "www.metrics.test", LDNS_RR_TYPE_A));
  EXPECT_TRUE(server->stop().success()) << server->output();
}

// With --wait-for-zones a zone that is broken at start does not end the process: it stays up,
// not ready, and becomes ready when the file is fixed.
TEST_F(MetricsTest, WaitsForABrokenZoneToBeFixed) {
  const std::string zone = dir_.write("broken.test.yaml", "zone: metrics.test\nviews: [\n");
  auto server = ServerProcess::launch({"--zone", zone, "--listen", listenArg(port_), "--metrics",
                                       "127.0.0.1:" + std::to_string(metrics_port_),
                                       "--wait-for-zones", "--zone-poll-interval-ms", "100",
                                       "--root-hints", HORIZON_TEST_DATA "/loopback.hints"});
  auto ready = getUntil(metrics_port_, "/ready", kAnyReply);
  ASSERT_TRUE(ready) << server->output();
  EXPECT_EQ(ready->status, 503);
  EXPECT_TRUE(server->running());
  // The endpoint answers before the first load has ended, so the failure is waited for.
  const std::string failed = R"(horizon_reloads_total{trigger="startup",result="failure"})";
  const auto scrape = getUntil(metrics_port_, "/metrics", [&](const HttpReply& r) {
    return sampleValue(exposedSamples(r.body), failed) >= 1;
  });
  ASSERT_TRUE(scrape);
  EXPECT_EQ(sampleValue(exposedSamples(scrape->body), failed), 1) << server->output();
  EXPECT_EQ(httpGet(metrics_port_, "/ready")->status, 503);

  { std::ofstream(zone) << zoneText(); }
  ready = getUntil(metrics_port_, "/ready", kOk);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << server->output();
  EXPECT_TRUE(query({port_, "127.0.0.1"}, "www.metrics.test", LDNS_RR_TYPE_A));
  EXPECT_TRUE(server->stop().success()) << server->output();
}

// Waiting for zones does not make the process deaf to SIGTERM.
TEST_F(MetricsTest, StopsCleanlyWhileWaitingForZones) {
  const std::string zone = dir_.write("broken.test.yaml", "zone: metrics.test\nviews: [\n");
  auto server =
      ServerProcess::launch({"--zone", zone, "--listen", listenArg(port_), "--metrics",
                             "127.0.0.1:" + std::to_string(metrics_port_), "--wait-for-zones",
                             "--root-hints", HORIZON_TEST_DATA "/loopback.hints"});
  auto ready = getUntil(metrics_port_, "/ready", kAnyReply);
  ASSERT_TRUE(ready) << server->output();
  EXPECT_EQ(ready->status, 503);
  server->signal(SIGHUP);  // a reload of the still broken file: still waiting
  std::this_thread::sleep_for(Millis(100));
  EXPECT_TRUE(server->running());
  EXPECT_TRUE(server->stop().success()) << server->output();
}

// Without --wait-for-zones a broken zone at start is still fatal (systemd's
// RestartPreventExitStatus=1 relies on it).
TEST_F(MetricsTest, BrokenZoneAtStartStillExitsWithoutWaiting) {
  const std::string zone = dir_.write("broken.test.yaml", "zone: metrics.test\nviews: [\n");
  const auto result = runHorizond({"--zone", zone, "--listen", listenArg(port_), "--metrics",
                                   "127.0.0.1:" + std::to_string(metrics_port_), "--root-hints",
                                   HORIZON_TEST_DATA "/loopback.hints"});
  EXPECT_TRUE(result.status.exited && result.status.code == 1) << result.output;
}

// A metrics address that cannot be bound is a start-up failure, said plainly.
TEST_F(MetricsTest, MetricsPortInUseFailsTheStart) {
  const std::string zone = dir_.write("metrics.test.yaml", zoneText());
  auto first = ServerProcess::start({"--zone", zone, "--listen", listenArg(port_), "--metrics",
                                     "127.0.0.1:" + std::to_string(metrics_port_), "--root-hints",
                                     HORIZON_TEST_DATA "/loopback.hints"},
                                    port_);
  const auto second = runHorizond({"--zone", zone, "--listen", listenArg(findFreePort()),
                                   "--metrics", "127.0.0.1:" + std::to_string(metrics_port_),
                                   "--root-hints", HORIZON_TEST_DATA "/loopback.hints"});
  EXPECT_EQ(second.status.code, 1);
  EXPECT_NE(
      second.output.find("metrics: cannot listen on 127.0.0.1:" + std::to_string(metrics_port_)),
      std::string::npos)
      << second.output;
  EXPECT_TRUE(first->stop().success());
}

}  // namespace
}  // namespace horizon::test
