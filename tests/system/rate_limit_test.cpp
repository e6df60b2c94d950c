// Response rate limiting against the real horizond on loopback: a burst of identical queries
// from a public-view client gets a few full answers and the rest dropped or truncated (TC), a
// LAN client's burst is answered in full, a truncated client that retries over TCP is answered,
// NXDOMAIN has its own lower limit, and the zone file's per-view `rate-limit` and the
// --no-rate-limit switch turn it off. Clients bind to 127.0.0.1 (lan) and 127.0.0.3 (public).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_probe.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr const char* kLan = "127.0.0.1";
constexpr const char* kPublic = "127.0.0.3";

// The seed's views on loopback addresses (as tests/data/seed_views.yaml), with `public_extra`
// added to the public view's map.
std::string zoneText(const std::string& public_extra = "") {
  return "zone: madhan.app\n"
         "views:\n"
         "  lan: [127.0.0.1/32]\n"
         "  public: {match: [127.0.0.3/32]" +
         public_extra +
         "}\n"
         "targets: {bifrost: 178.156.199.250}\n"
         "records: {auth: bifrost}\n"
         "public: {via: bifrost, services: [grafana]}\n"
         "recursion: [lan]\n";
}

struct Tally {
  int full = 0;       // answers without TC
  int truncated = 0;  // answers with TC and no records: slipped
  int nxdomain = 0;   // of the full ones
};

void count(const Bytes& reply, Tally& t) {
  if (reply.size() < 12) return;
  const bool tc = (reply[2] & 0x02) != 0;
  const unsigned ancount = (reply[6] << 8) | reply[7];
  if (tc) {
    EXPECT_EQ(ancount, 0u);
    ++t.truncated;
  } else {
    ++t.full;
    if ((reply[3] & 0x0F) == 3) ++t.nxdomain;
  }
}

// Sends `queries` in turn (cycling) from `source`, `total` in all, spread over about a second,
// and counts what comes back.
Tally burst(std::uint16_t port, const std::string& source, const std::vector<Bytes>& queries,
            int total = 2000) {
  UdpSender sender({.port = port, .source = source});
  Tally t;
  constexpr int kChunk = 20;
  for (int sent = 0; sent < total;) {
    for (int i = 0; i < kChunk && sent < total; ++i, ++sent)
      EXPECT_TRUE(sender.send(queries[static_cast<std::size_t>(sent) % queries.size()]));
    const auto pause_until = std::chrono::steady_clock::now() + Millis(10);
    // Drained as it goes (a wait under 2 ms may round to none): the socket's buffer holds only a
    // few hundred datagrams.
    while (auto reply = sender.receive(Millis(3))) count(*reply, t);
    std::this_thread::sleep_until(pause_until);
  }
  while (auto reply = sender.receive(Millis(500))) count(*reply, t);
  return t;
}

double sample(std::uint16_t metrics_port, const std::string& series) {
  const auto reply = httpRequest(metrics_port, "GET", "/metrics");
  if (!reply) return -1;
  std::istringstream in(reply->body);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return 0;  // a counter not yet exposed is zero
}

class RateLimitTest : public ::testing::Test {
 protected:
  void start(const std::string& zone, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--zone",       dir_.write("madhan.app.yaml", zone),
        "--listen",     listenArg(port_),
        "--root-hints", HORIZON_SOURCE_DIR "/tests/data/loopback.hints",
        "--metrics",    "127.0.0.1:" + std::to_string(metrics_port_),
        "--workers",    "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = ServerProcess::start(args, port_);
  }
  void TearDown() override {
    if (server_) EXPECT_TRUE(server_->stop().success()) << server_->output();
  }

  TempDir dir_;
  std::uint16_t port_ = findFreePort();
  std::uint16_t metrics_port_ = findFreePort();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(RateLimitTest, PublicBurstGetsFewFullAnswersAndTheRestDroppedOrTruncated) {
  start(zoneText());
  const Tally t = burst(port_, kPublic, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)});
  // 20 a second with a one-second bucket: about 40 over a burst of a second (more if this
  // machine is slow to send it), and never close to 2000.
  EXPECT_GE(t.full, 20);
  EXPECT_LE(t.full, 150);
  // Of the rest, every second one comes back truncated, the others are dropped.
  EXPECT_GE(t.truncated, 800);
  EXPECT_LE(t.full + t.truncated, 1100);
  const std::string dropped =
      R"(horizon_dns_rate_limited_responses_total{view="public",action="dropped"})";
  const std::string slipped =
      R"(horizon_dns_rate_limited_responses_total{view="public",action="slipped"})";
  EXPECT_EQ(sample(metrics_port_, slipped), t.truncated);
  EXPECT_GE(sample(metrics_port_, dropped), 2000 - t.full - t.truncated);
  EXPECT_EQ(sample(metrics_port_,
                   R"(horizon_dns_rate_limited_responses_total{view="lan",action="dropped"})"),
            0);
}

TEST_F(RateLimitTest, LanBurstIsAnsweredInFull) {
  start(zoneText());
  const Tally t = burst(port_, kLan, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)});
  EXPECT_EQ(t.full, 2000);
  EXPECT_EQ(t.truncated, 0);
}

TEST_F(RateLimitTest, TruncatedClientRetriesOverTcpAndIsAnswered) {
  start(zoneText());
  const Bytes question = buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A);
  Tally t = burst(port_, kPublic, {question}, 200);
  ASSERT_GT(t.truncated, 0);
  // Still over the rate, a client asking again over UDP soon gets TC, which sends it to TCP,
  // where it is answered in full, every time (TCP is never limited).
  const Endpoint endpoint{.port = port_, .source = kPublic};
  int tc_seen = 0;
  // The burst's last drain let the bucket refill a little: a few retries are answered in full
  // first, and one in two of the limited ones is dropped (its wait is short, so that it refills
  // little).
  for (int i = 0; i < 200 && tc_seen == 0; ++i) {
    auto reply = exchangeUdp(endpoint, question, Millis(50));
    if (reply && ((*reply)[2] & 0x02)) ++tc_seen;
  }
  ASSERT_GT(tc_seen, 0) << "no truncated answer while over the rate";
  TcpClient tcp(endpoint);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(tcp.sendMessage(question));
    auto reply = tcp.readMessage(Millis(2000));
    ASSERT_TRUE(reply) << "TCP query " << i << " not answered";
    Packet packet = parsePacket(*reply);
    ASSERT_TRUE(packet);
    EXPECT_FALSE(ldns_pkt_tc(packet.get()));
    EXPECT_EQ(rdataText(ldns_pkt_answer(packet.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{"178.156.199.250"});
  }
}

TEST_F(RateLimitTest, NxdomainHasItsOwnLowerLimit) {
  start(zoneText());
  // Random names (a water-torture pattern) share one NXDOMAIN bucket per network and view.
  std::vector<Bytes> missing;
  for (int i = 0; i < 500; ++i)
    missing.push_back(buildQuery("r" + std::to_string(i) + ".nope.madhan.app", LDNS_RR_TYPE_A));
  const Tally nx = burst(port_, kPublic, missing, 500);
  EXPECT_EQ(nx.nxdomain, nx.full);
  EXPECT_GE(nx.full, 5);
  EXPECT_LE(nx.full, 30);  // 5 a second
  EXPECT_GT(nx.truncated, 100);
  // Meanwhile answers with data have their own budget, untouched by the NXDOMAINs.
  const Tally answers =
      burst(port_, kPublic, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)}, 200);
  EXPECT_GE(answers.full, 20);
  EXPECT_EQ(answers.nxdomain, 0);
}

// `query` (built with EDNS, so its OPT record, with no options, ends it) with a COOKIE option
// holding `cookie` (8 octets of client cookie, then the server cookie if any).
Bytes withCookie(Bytes query, const Bytes& cookie) {
  const std::size_t rdlength_at = query.size() - 2;
  const std::size_t rdlength = 4 + cookie.size();
  query[rdlength_at] = static_cast<std::uint8_t>(rdlength >> 8);
  query[rdlength_at + 1] = static_cast<std::uint8_t>(rdlength);
  query.insert(query.end(), {0, 10, 0, static_cast<std::uint8_t>(cookie.size())});
  query.insert(query.end(), cookie.begin(), cookie.end());
  return query;
}

// The COOKIE option's data in `reply` (whose last record is the OPT record), or empty.
Bytes cookieOf(const Bytes& reply) {
  // The OPT record with one COOKIE option of 24 octets ends the message: the option's 4-octet
  // header and data are its last 28 octets.
  if (reply.size() < 12 + 28) return {};
  const std::size_t at = reply.size() - 28;
  if (reply[at] != 0 || reply[at + 1] != 10 || reply[at + 3] != 24) return {};
  return Bytes(reply.begin() + static_cast<std::ptrdiff_t>(at + 4), reply.end());
}

// A client that proved its address with a server cookie (RFC 7873) is not limited: its answers
// cannot be reflected at someone else, as over TCP. A client without one, or with a forged one,
// from the same address and at the same time, still is.
TEST_F(RateLimitTest, AValidServerCookieIsNotLimited) {
  start(zoneText());
  const Bytes question = buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A);
  const Bytes client_cookie = {1, 2, 3, 4, 5, 6, 7, 8};
  const auto first =
      exchangeUdp({.port = port_, .source = kPublic}, withCookie(question, client_cookie));
  ASSERT_TRUE(first);
  const Bytes cookie = cookieOf(*first);
  ASSERT_EQ(cookie.size(), 24u) << "no server cookie in the first answer";
  const Tally proven = burst(port_, kPublic, {withCookie(question, cookie)});
  EXPECT_EQ(proven.full, 2000);
  EXPECT_EQ(proven.truncated, 0);
  Bytes forged = cookie;
  forged.back() ^= 1;
  const Tally unproven = burst(port_, kPublic, {question, withCookie(question, forged)});
  EXPECT_LE(unproven.full, 150);
}

TEST_F(RateLimitTest, PerViewSettingsApply) {
  start(zoneText(", rate-limit: {responses-per-second: 100, slip: 1}"));
  const Tally t = burst(port_, kPublic, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)});
  EXPECT_GE(t.full, 100);
  EXPECT_LE(t.full, 500);
  EXPECT_EQ(t.full + t.truncated, 2000);  // slip 1: every limited answer is truncated
}

TEST_F(RateLimitTest, OffInTheViewOrEverywhereAnswersInFull) {
  start(zoneText(", rate-limit: off"));
  const Tally view_off = burst(port_, kPublic, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)});
  EXPECT_EQ(view_off.full, 2000);
  ASSERT_TRUE(server_->stop().success());

  start(zoneText(), {"--no-rate-limit"});
  const Tally all_off = burst(port_, kPublic, {buildQuery("grafana.madhan.app", LDNS_RR_TYPE_A)});
  EXPECT_EQ(all_off.full, 2000);
}

}  // namespace
}  // namespace horizon::test
