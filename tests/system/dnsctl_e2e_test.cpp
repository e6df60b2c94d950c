// `dnsctl expose` end to end: a running horizond on a copy of the zone (with its control socket),
// the fake Cloudflare API and the Traefik file, all following one edit within seconds; a broken
// file that leaves the last good data serving; 20 rewrites of the zone under steady dnsperf load
// without a lost query or an answer that is neither the old nor the new data; and dnsctl query
// agreeing with the running server for the seed matrix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <iostream>
#include <regex>
#include <set>

#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;

constexpr const char* kZoneId = "5e1f0c2b3a4d5e6f708192a3b4c5d6e7";
constexpr const char* kGateway = "192.168.1.220";  // data only: never sent a packet
constexpr const char* kBifrost = "178.156.199.250";
constexpr const char* kLan = "127.0.0.1";  // the views of tests/data/seed_views.yaml
constexpr const char* kVpn = "127.0.0.2";
constexpr const char* kPublic = "127.0.0.3";

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The A addresses a client at `source` gets for `name`; {"NXDOMAIN"} etc. for other rcodes.
std::vector<std::string> addressesFrom(std::uint16_t port, const char* source,
                                       const std::string& name) {
  Packet reply = query({.port = port, .source = source}, name, LDNS_RR_TYPE_A);
  if (!reply) return {"(no answer)"};
  if (ldns_pkt_get_rcode(reply.get()) != LDNS_RCODE_NOERROR) {
    char* text = ldns_pkt_rcode2str(ldns_pkt_get_rcode(reply.get()));
    std::vector<std::string> out = {text};
    std::free(text);
    return out;
  }
  return rdataText(ldns_pkt_answer(reply.get()), LDNS_RR_TYPE_A);
}

// Waits (bounded) until `condition` holds; true when it did.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// One request on horizond's control socket.
Json control(const std::string& socket_path, const Json& request) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return nullptr;
  }
  const std::string line = request.dump() + "\n";
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    close(fd);
    return nullptr;
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n;
       response.find('\n') == std::string::npos && (n = read(fd, buffer, sizeof buffer)) > 0;)
    response.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return Json::parse(response, nullptr, false);
}

class DnsctlEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    original_ = slurp(HORIZON_TEST_DATA "/seed_views.yaml");
    zone_ = dir_.write("madhan.app.yaml", original_);
    socket_ = dir_.path() + "/horizond.sock";
    token_file_ = dir_.write("token", std::string(FakeCloudflare::kToken) + "\n");
    traefik_ = dir_.path() + "/public-services.yml";
    port_ = findFreePort();
    server_ = ServerProcess::start(
        {"--zone", zone_, "--listen", listenArg(port_), "--control", socket_}, port_);
  }

  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->stop().success()) << server_->output();
    }
  }

  // Runs dnsctl against the copy, the server's control socket and (when given) the fake API.
  CommandResult dnsctl(std::vector<std::string> args, FakeCloudflare* fake = nullptr) {
    std::vector<std::string> argv = {DNSCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--zone", zone_, "--control", socket_});
    std::map<std::string, std::string> env = {{"CLOUDFLARE_API_TOKEN", ""},
                                              {"HORIZON_CONTROL_SOCKET", ""}};
    if (fake != nullptr) {
      argv.insert(argv.end(), {"--token-file", token_file_, "--api-url", fake->apiUrl(),
                               "--traefik-out", traefik_});
      env["CLOUDFLARE_API_URL"] = fake->apiUrl();
    } else {
      env["CLOUDFLARE_API_URL"] = "http://127.0.0.1:9/client/v4";  // never the real API
    }
    for (const char* proxy : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
      env[proxy] = "";
    return runCommand(argv, env);
  }

  std::vector<std::string> fakeNames(FakeCloudflare& fake) {
    std::vector<std::string> names;
    for (const Json& r : fake.records(kZoneId)) {
      EXPECT_EQ(r["content"], kBifrost);
      EXPECT_EQ(r["comment"], "managed-by: horizon");
      names.push_back(r["name"]);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  TempDir dir_;
  std::string original_, zone_, socket_, token_file_, traefik_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(DnsctlEndToEndTest, ExposeAndUnexposeReachTheFileTheServerCloudflareAndTraefik) {
  FakeCloudflare fake;
  fake.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                 {"records", {{kZoneId, Json::array()}}},
                 {"max_per_page", 2}});
  ASSERT_EQ(addressesFrom(port_, kPublic, "jellyfin.madhan.app"),
            std::vector<std::string>{"NXDOMAIN"});

  CommandResult expose = dnsctl({"expose", "jellyfin"}, &fake);
  ASSERT_EQ(expose.exit_code, 0) << expose.all();
  EXPECT_THAT(expose.out, HasSubstr("server"));
  EXPECT_THAT(expose.out, HasSubstr("cloudflare"));
  EXPECT_THAT(expose.out, HasSubstr("traefik"));

  // The file: one line changed, the public list; every other line (comments included) kept.
  const auto before = splitLines(original_), after = splitLines(slurp(zone_));
  ASSERT_EQ(before.size(), after.size());
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < before.size(); ++i)
    if (before[i] != after[i]) changed.push_back(before[i] + " => " + after[i]);
  EXPECT_EQ(changed,
            std::vector<std::string>{"  services: [grafana] =>   services: [grafana, jellyfin]"});

  // The server: public gets the VPS, LAN and VPN still the gateway (the wildcard).
  EXPECT_TRUE(eventually([&] {
    return addressesFrom(port_, kPublic, "jellyfin.madhan.app") ==
           std::vector<std::string>{kBifrost};
  })) << server_->output();
  EXPECT_EQ(addressesFrom(port_, kLan, "jellyfin.madhan.app"), std::vector<std::string>{kGateway});
  EXPECT_EQ(addressesFrom(port_, kVpn, "jellyfin.madhan.app"), std::vector<std::string>{kGateway});

  // Cloudflare and Traefik.
  EXPECT_EQ(fakeNames(fake), (std::vector<std::string>{"*.proxy.madhan.app", "auth.madhan.app",
                                                       "grafana.madhan.app", "jellyfin.madhan.app",
                                                       "netbird.madhan.app", "proxy.madhan.app"}));
  YAML::Node routes = YAML::LoadFile(traefik_);
  ASSERT_TRUE(routes["http"]["routers"]["jellyfin"]) << slurp(traefik_);
  EXPECT_EQ(routes["http"]["routers"]["jellyfin"]["rule"].as<std::string>(),
            "Host(`jellyfin.madhan.app`)");
  EXPECT_EQ(
      routes["http"]["services"]["jellyfin"]["loadBalancer"]["servers"][0]["url"].as<std::string>(),
      "http://192.168.1.220:80");

  // And back for grafana.
  CommandResult unexpose = dnsctl({"unexpose", "grafana"}, &fake);
  ASSERT_EQ(unexpose.exit_code, 0) << unexpose.all();
  EXPECT_TRUE(eventually([&] {
    return addressesFrom(port_, kPublic, "grafana.madhan.app") ==
           std::vector<std::string>{"NXDOMAIN"};
  })) << server_->output();
  EXPECT_EQ(addressesFrom(port_, kLan, "grafana.madhan.app"), std::vector<std::string>{kGateway});
  EXPECT_EQ(fakeNames(fake), (std::vector<std::string>{"*.proxy.madhan.app", "auth.madhan.app",
                                                       "jellyfin.madhan.app", "netbird.madhan.app",
                                                       "proxy.madhan.app"}));
  routes = YAML::LoadFile(traefik_);
  EXPECT_FALSE(routes["http"]["routers"]["grafana"]);
  EXPECT_TRUE(routes["http"]["routers"]["jellyfin"]);
  for (const Json& request : fake.requests())
    EXPECT_TRUE(request["schema_errors"].empty()) << request;
}

TEST_F(DnsctlEndToEndTest, ABrokenFileKeepsTheLastGoodDataServingAndSaysWhy) {
  struct Breakage {
    std::string from, to, line;
  } breakages[] = {
      {"lan: [127.0.0.1/32]", "lan: [127.0.0.1/24]", ":8:"},  // host bits set
      {"ttl: 300", "ttl: 300\nttls: 5", ":6:"},               // unknown key
  };
  for (const Breakage& b : breakages) {
    SCOPED_TRACE(b.to);
    std::string broken = original_;
    broken.replace(broken.find(b.from), b.from.size(), b.to);
    writeText(zone_, broken);  // rewritten in place, under the running server

    CommandResult check = dnsctl({"check"});
    EXPECT_EQ(check.exit_code, 1) << check.all();
    EXPECT_THAT(check.all(), HasSubstr("madhan.app.yaml" + b.line));

    EXPECT_TRUE(eventually([&] {
      Json status = control(socket_, {{"command", "status"}});
      return status.is_object() && status["status"]["last_reload"]["ok"] == false;
    })) << server_->output();
    Json status = control(socket_, {{"command", "status"}});
    EXPECT_THAT(status["status"]["last_reload"]["error"].get<std::string>(), HasSubstr(b.line));
    EXPECT_THAT(server_->output(), HasSubstr("madhan.app.yaml" + b.line));
    // The last good data still answers every view.
    EXPECT_EQ(addressesFrom(port_, kPublic, "grafana.madhan.app"),
              std::vector<std::string>{kBifrost});
    EXPECT_EQ(addressesFrom(port_, kLan, "grafana.madhan.app"), std::vector<std::string>{kGateway});
    // Asked directly, a reload says why too.
    Json reload = control(socket_, {{"command", "reload"}});
    EXPECT_EQ(reload["ok"], false);
    EXPECT_THAT(reload.value("error", ""), HasSubstr(b.line));

    writeText(zone_, original_);
    EXPECT_TRUE(eventually([&] {
      Json s = control(socket_, {{"command", "status"}});
      return s.is_object() && s["status"]["last_reload"]["ok"] == true;
    })) << server_->output();
  }
}

TEST_F(DnsctlEndToEndTest, TwentyRewritesUnderLoadLoseNoQueryAndGiveOnlyOldOrNewData) {
  // Two versions that differ in one LAN answer; the load asks exactly that name.
  auto version = [&](int i) {
    std::string text = original_;
    const std::string anchor = "records:\n";
    text.replace(text.find(anchor), anchor.size(),
                 anchor + "  nas:       {lan: 192.168.1." + std::to_string(10 + i % 2) + "}\n");
    return text;
  };
  writeText(zone_, version(0));
  ASSERT_TRUE(eventually([&] {
    return addressesFrom(port_, kLan, "nas.madhan.app") == std::vector<std::string>{"192.168.1.10"};
  })) << server_->output();

  const std::string queries = dir_.write("queries.txt", "nas.madhan.app A\n");
  const std::string dnsperf_out = dir_.path() + "/dnsperf.out";
  // 3000 queries per second for 12 s from 127.0.0.1 (the LAN view): bounded in count and time.
  const std::string command = "dnsperf -s 127.0.0.1 -a 127.0.0.1 -p " + std::to_string(port_) +
                              " -d " + queries + " -Q 3000 -l 12 -t 2 > " + dnsperf_out + " 2>&1";
  std::atomic<int> dnsperf_status{-1};
  std::thread load([&] { dnsperf_status = std::system(command.c_str()); });

  // Meanwhile a checker looks at every answer's content, which dnsperf does not.
  std::atomic<bool> stop{false};
  std::atomic<int> checked{0}, wrong{0}, lost{0};
  std::set<std::string> seen;
  std::mutex seen_mutex;
  std::thread checker([&] {
    while (!stop) {
      auto got = addressesFrom(port_, kLan, "nas.madhan.app");
      if (got == std::vector<std::string>{"(no answer)"}) {
        ++lost;
      } else if (got != std::vector<std::string>{"192.168.1.10"} &&
                 got != std::vector<std::string>{"192.168.1.11"}) {
        ++wrong;
        ADD_FAILURE() << "neither old nor new: " << ::testing::PrintToString(got);
      } else {
        std::lock_guard<std::mutex> lock(seen_mutex);
        seen.insert(got[0]);
      }
      ++checked;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 1; i <= 20; ++i) {
    // Alternately rewritten in place and replaced by a rename, as editors and dnsctl do.
    if (i % 2) {
      writeText(zone_, version(i));
    } else {
      writeText(zone_ + ".tmp", version(i));
      ASSERT_EQ(rename((zone_ + ".tmp").c_str(), zone_.c_str()), 0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(450));
  }
  load.join();
  stop = true;
  checker.join();

  const std::string report = slurp(dnsperf_out);
  EXPECT_EQ(dnsperf_status, 0) << report;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(report, m, std::regex(R"(Queries sent:\s+(\d+))"))) << report;
  EXPECT_GT(std::stoi(m[1]), 20000) << report;
  const std::string sent = m[0];
  ASSERT_TRUE(std::regex_search(report, m, std::regex(R"(Queries lost:\s+(\d+))"))) << report;
  EXPECT_EQ(std::stoi(m[1]), 0) << report;
  std::cout << "dnsperf: " << sent << ", " << m[0] << "; checker: " << checked << " answers, "
            << wrong << " wrong, " << lost << " lost\n";
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(lost, 0);
  EXPECT_GT(checked, 500);
  EXPECT_EQ(seen, (std::set<std::string>{"192.168.1.10", "192.168.1.11"}));
  // The last version (20: .10) is what is served at the end, and the server reloaded throughout.
  EXPECT_TRUE(eventually([&] {
    return addressesFrom(port_, kLan, "nas.madhan.app") == std::vector<std::string>{"192.168.1.10"};
  }));
  Json status = control(socket_, {{"command", "status"}});
  EXPECT_GE(status["status"]["reloads"]["ok"].get<int>(), 10) << status.dump();
  EXPECT_EQ(status["status"]["reloads"]["failed"], 0) << status.dump();
}

TEST_F(DnsctlEndToEndTest, QueryAgreesWithTheRunningServerForTheSeedMatrix) {
  const char* names[] = {"auth.madhan.app",    "netbird.madhan.app",  "proxy.madhan.app",
                         "x.proxy.madhan.app", "grafana.madhan.app",  "GraFana.MADHAN.app",
                         "sonarr.madhan.app",  "jellyfin.madhan.app", "madhan.app",
                         "example.com"};
  const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
  for (const char* client : {kLan, kVpn, kPublic, "127.0.0.4"}) {
    for (const char* name : names) {
      for (ldns_rr_type type : types) {
        const std::string type_name = type == LDNS_RR_TYPE_A ? "A" : "AAAA";
        SCOPED_TRACE(std::string(name) + " " + type_name + " from " + client);
        Packet live = query({.port = port_, .source = client}, name, type);
        ASSERT_TRUE(live);
        CommandResult r = dnsctl({"query", name, type_name, "--from", client, "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.all();
        Json offline = Json::parse(r.out);
        char* rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(live.get()));
        EXPECT_EQ(offline["rcode"], std::string(rcode));
        std::free(rcode);
        std::vector<std::string> live_answer = rdataText(ldns_pkt_answer(live.get()), type);
        std::vector<std::string> offline_answer;
        for (const Json& rr : offline["answer"]) offline_answer.push_back(rr["data"]);
        std::sort(offline_answer.begin(), offline_answer.end());
        EXPECT_EQ(offline_answer, live_answer);
        EXPECT_EQ(offline["authority"].size(),
                  ldns_rr_list_rr_count(ldns_pkt_authority(live.get())));
      }
    }
  }
}

}  // namespace
}  // namespace horizon::test
