// Issue 12's acceptance: horizond and `horizon-sync watch` as a real Prometheus sees them. One
// test runs Debian's Prometheus server against both programs (scraping every second, with the
// repository's alerting rules loaded) and reads the per-view query rates, the sync counters and
// the rules' health back through its HTTP API; the other scrapes both programs directly and holds
// every family, type and label name to the contract in tests/data/metric_names.txt, which the
// dashboard and the rules are checked against too (observability_assets_test), so a name that
// drifted in the code would otherwise leave an empty panel or a silent alert.
//
// Everything runs on 127.0.0.0/8: horizond forwards to a small responder in this test (and its
// root hints point at loopback), horizon-sync talks to the fake Cloudflare API, Prometheus
// listens on 127.0.0.1. Waits have generous deadlines and assert nothing about how long things
// took, so a slow machine makes the tests slower, not red.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "http_probe.hpp"
#include "metric_contract.hpp"
#include "sync_support.hpp"
#include "test_ca.hpp"
#include "test_support.hpp"
#include "tls_client.hpp"

namespace horizon::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Names = std::set<std::string>;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kZoneId = "5e1f0c2b3a4d5e6f708192a3b4c5d6e7";
constexpr const char* kLanClient = "127.0.0.1";
constexpr const char* kPublicClient = "127.0.0.2";
constexpr const char* kForwardedAddress = "203.0.113.5";
// For things that happen within a second or two on an idle machine; the test machine is shared.
constexpr auto kPatience = 60s;

// Calls `condition` until it holds or `patience` has passed; true when it held.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds patience) {
  const auto deadline = Clock::now() + patience;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(250ms);
  }
  return condition();
}

// `count` ports that were free, all different: findFreePort alone can hand out one port twice,
// and two of our servers on one port would fail in a confusing way.
std::vector<std::uint16_t> freePorts(std::size_t count) {
  std::vector<std::uint16_t> ports;
  while (ports.size() < count) {
    const std::uint16_t port = findFreePort();
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  return ports;
}

// A child process with stdout and stderr in a file. It gets the test's environment without
// proxies or Cloudflare credentials (everything here is on loopback, whatever the machine says),
// dies with the test (PR_SET_PDEATHSIG), and is stopped by its PID with the object.
class Child {
 public:
  Child(const std::vector<std::string>& argv, std::string log_path) : log_(std::move(log_path)) {
    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      if (name.find("proxy") == std::string::npos && name.find("PROXY") == std::string::npos &&
          name != "CLOUDFLARE_API_TOKEN" && name != "CLOUDFLARE_API_URL")
        env_storage.push_back(entry);
    }
    std::vector<std::string> arg_storage = argv;
    std::vector<char*> args, envp;
    for (auto& a : arg_storage) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int out = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) throw std::runtime_error("cannot open " + log_);
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls from here on: the test may have threads.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(out, STDOUT_FILENO);
      dup2(out, STDERR_FILENO);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    close(out);
    if (pid_ < 0) throw std::runtime_error("fork failed");
  }
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// SIGTERM, then SIGKILL when it has not exited within `grace`. True when it exited with
  /// status 0 on its own (after SIGTERM). Later calls return the first answer.
  bool stop(std::chrono::milliseconds grace = 10s) {
    if (pid_ <= 0) return clean_;
    kill(pid_, SIGTERM);
    int raw = 0;
    const auto deadline = Clock::now() + grace;
    while (waitpid(pid_, &raw, WNOHANG) != pid_) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &raw, 0);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    clean_ = WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
    return clean_;
  }

  /// True while it has not exited.
  bool running() {
    int raw = 0;
    return pid_ > 0 && waitpid(pid_, &raw, WNOHANG) == 0;
  }

  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool clean_ = false;
};

// GET over libcurl, which (unlike HttpProbe) reads chunked answers, as Prometheus's API sends
// when an answer is large. nullopt on a transport error.
std::optional<std::pair<long, std::string>> httpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (!curl) return std::nullopt;
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // loopback, never through a proxy
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* user) -> size_t {
        static_cast<std::string*>(user)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return std::nullopt;
  return std::pair{status, body};
}

std::string urlEncode(const std::string& text) {
  CURL* curl = curl_easy_init();
  char* escaped = curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  curl_easy_cleanup(curl);
  return out;
}

// ---- The text exposition, as far as the contract needs it ----

struct Sample {
  std::string name;
  std::set<std::string> labels;  // label names
  double value = 0;
};

struct Family {
  std::string type;
  std::vector<Sample> samples;
};

// Families by name, from the `# TYPE` lines and the sample lines after each. Anything the
// contract check could be fooled by (a sample before any TYPE line, a sample of another name, a
// family declared twice, a label list that does not parse) goes to `problems`.
std::map<std::string, Family> parseFamilies(const std::string& text,
                                            std::vector<std::string>& problems) {
  std::map<std::string, Family> families;
  std::string current;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name, type;
      fields >> name >> type;
      if (!families.emplace(name, Family{type, {}}).second)
        problems.push_back(name + " declared twice");
      current = name;
      continue;
    }
    if (line[0] == '#') continue;  // # HELP, and comments
    Sample sample;
    std::size_t i = line.find_first_of("{ ");
    sample.name = line.substr(0, i);
    if (i != std::string::npos && line[i] == '{') {
      // name="value" pairs; values may hold escaped quotes, commas and braces.
      ++i;
      while (i < line.size() && line[i] != '}') {
        const std::size_t equals = line.find('=', i);
        if (equals == std::string::npos || equals + 1 >= line.size() || line[equals + 1] != '"')
          break;
        sample.labels.insert(line.substr(i, equals - i));
        i = equals + 2;
        while (i < line.size() && line[i] != '"') i += line[i] == '\\' ? 2 : 1;
        ++i;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') {
        problems.push_back("cannot read the labels of: " + line);
        continue;
      }
      ++i;
    }
    std::istringstream rest(i == std::string::npos ? "" : line.substr(i));
    if (!(rest >> sample.value)) {
      // The stream does not read NaN or Inf; the contract does not care about values.
      sample.value = 0;
    }
    const auto family = families.find(current);
    if (family == families.end()) {
      problems.push_back("a sample before any # TYPE line: " + line);
      continue;
    }
    bool belongs = sample.name == current;
    if (family->second.type == "histogram")
      belongs = sample.name == current + "_bucket" || sample.name == current + "_sum" ||
                sample.name == current + "_count";
    if (!belongs) problems.push_back(sample.name + " under # TYPE " + current);
    family->second.samples.push_back(std::move(sample));
  }
  return families;
}

// How a scrape of `program` disagrees with the contract: a family it does not list for the
// program or lists with another type, a sample whose label names are not the listed ones (plus
// `le` on a histogram's _bucket), a listed name that is not exposed at all.
std::vector<std::string> contractDifferences(const MetricContract& contract,
                                             const std::string& program,
                                             const std::map<std::string, Family>& families) {
  std::vector<std::string> out;
  for (const auto& [name, family] : families) {
    const auto listed = contract.metrics.find(name);
    if (listed == contract.metrics.end() || !listed->second.programs.count(program)) {
      out.push_back(name + " is exposed but not listed for " + program);
      continue;
    }
    const MetricSpec& spec = listed->second;
    if (family.type != spec.type)
      out.push_back(name + " is a " + family.type + ", listed as a " + spec.type);
    std::set<std::string> reported;  // one line per distinct wrong label set
    for (const Sample& sample : family.samples) {
      std::set<std::string> expected = spec.labels;
      if (sample.name.ends_with("_bucket") && spec.type == "histogram") expected.insert("le");
      if (sample.labels == expected) continue;
      std::string have;
      for (const auto& l : sample.labels) have += (have.empty() ? "" : ",") + l;
      std::string want;
      for (const auto& l : expected) want += (want.empty() ? "" : ",") + l;
      if (reported.insert(sample.name + "{" + have + "}").second)
        out.push_back(sample.name + " has labels {" + have + "}, listed {" + want + "}");
    }
  }
  for (const std::string& name : contract.namesOf(program))
    if (!families.count(name)) out.push_back(name + " is listed for " + program + " but missing");
  return out;
}

// The families without a single sample.
Names emptyFamilies(const std::map<std::string, Family>& families) {
  Names out;
  for (const auto& [name, family] : families)
    if (family.samples.empty()) out.insert(name);
  return out;
}

// Sum of the samples of `name` whose line has `needle` ("view=\"lan\"") in its labels; uses the
// raw text, since the parser keeps label names only.
double sumOf(const std::string& exposition, const std::string& name, const std::string& needle) {
  double total = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 || line.find(needle) == std::string::npos) continue;
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

// Feeds `text` to `promtool check metrics`; its complaints, or nullopt when it accepted it.
std::optional<std::string> promtoolComplaints(const std::string& text, const std::string& dir) {
  const std::string input = dir + "/scrape.txt";
  writeText(input, text);
  CommandResult check =
      runCommand({"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + input}, {});
  if (check.exit_code == 0) return std::nullopt;
  return "exit " + std::to_string(check.exit_code) + ": " + check.all();
}

// Both programs on one zone: the seed zone with the LAN view narrowed from 127.0.0.0/8 to
// 127.0.0.1, so that kPublicClient falls into the public view (0.0.0.0/0) and the per-view series
// are two. horizon-sync publishes the same zone's public view to the fake Cloudflare.
class PrometheusScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string zone = slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
    const std::string seed_lan = "127.0.0.0/8";
    const auto at = zone.find(seed_lan);
    ASSERT_NE(at, std::string::npos) << "the seed zone's LAN view changed; adapt this test";
    zone.replace(at, seed_lan.size(), "127.0.0.1/32");
    zone_path_ = dir_.write("madhan.app.yaml", zone);
    token_file_ = dir_.write("token", std::string(FakeCloudflare::kToken) + "\n");

    const auto ports = freePorts(5);
    dns_port_ = ports[0];
    horizond_metrics_ = ports[1];
    sync_metrics_ = ports[2];
    tls_port_ = ports[3];
    https_port_ = ports[4];
    // DoT and DoH listeners too, so the TLS families and the transport labels have samples.
    if (auto why = TestCa::unavailableReason(); !why.empty()) GTEST_SKIP() << why;
    ca_ = std::make_unique<TestCa>();
    const IssuedCert cert = ca_->issue("dns.test", {"127.0.0.1"});
    // --forward keeps recursion on the loopback forwarder; the loopback root hints are there in
    // case a setting ever made horizond iterate instead. The public client asks one name up to a
    // hundred times a second, over the default rate limit, and every question must be answered.
    server_ =
        ServerProcess::start({"--zone",          zone_path_,
                              "--listen",        listenArg(dns_port_),
                              "--metrics",       "127.0.0.1:" + std::to_string(horizond_metrics_),
                              "--forward",       forwarder_.address(),
                              "--root-hints",    HORIZON_TEST_DATA "/loopback.hints",
                              "--workers",       "1",
                              "--no-rate-limit", "--no-dnssec",
                              "--listen-tls",    listenArg(tls_port_),
                              "--listen-https",  listenArg(https_port_),
                              "--tls-cert",      cert.chain,
                              "--tls-key",       cert.key},
                             dns_port_);
    ASSERT_TRUE(waitFor([&] { return ready(horizond_metrics_); }, kPatience)) << server_->output();

    fake_.setState({{"zones", {{{"id", kZoneId}, {"name", "madhan.app"}}}},
                    {"records", {{kZoneId, Json::array()}}}});
    // One rate-limited listing, so that the API error family has a sample to check.
    fake_.addFaults({{{"method", "GET"},
                      {"path_contains", "/dns_records"},
                      {"status", 429},
                      {"retry_after", 1},
                      {"count", 1}}});
    // One run (the interval is longer than the test), and /ready once it has finished.
    sync_ = std::make_unique<Child>(
        std::vector<std::string>{HORIZON_SYNC_PATH, "watch", "--zone", zone_path_, "--token-file",
                                 token_file_, "--api-url", fake_.apiUrl(), "--interval", "1h",
                                 "--metrics", "127.0.0.1:" + std::to_string(sync_metrics_)},
        dir_.path() + "/sync.log");
    ASSERT_TRUE(waitFor([&] { return ready(sync_metrics_) || !sync_->running(); }, kPatience));
    ASSERT_TRUE(ready(sync_metrics_)) << sync_->log();
  }

  void TearDown() override {
    if (sync_) {
      EXPECT_TRUE(sync_->stop()) << sync_->log();
      EXPECT_EQ(sync_->log().find(FakeCloudflare::kToken), std::string::npos);
    }
    if (server_) {
      EXPECT_TRUE(server_->stop().success()) << server_->output();
    }
    for (const Json& request : fake_.requests()) {
      EXPECT_TRUE(request["schema_errors"].empty())
          << request["method"] << " " << request["path"] << ": " << request["schema_errors"];
    }
  }

  static bool ready(std::uint16_t port) {
    auto reply = httpRequest(port, "GET", "/ready", 2s);
    return reply && reply->status == 200;
  }

  // GET /metrics of a program; fails the test (empty string) when it does not answer 200.
  static std::string scrape(std::uint16_t port) {
    auto reply = httpRequest(port, "GET", "/metrics");
    EXPECT_TRUE(reply && reply->status == 200) << "GET /metrics on port " << port;
    return reply && reply->status == 200 ? reply->body : std::string();
  }

  Endpoint client(const char* source) const { return {.port = dns_port_, .source = source}; }

  TempDir dir_;
  // The forwarder of the test's horizond: recursion works without any packet leaving the machine,
  // and the resolver and cache families have samples.
  StubForwarder forwarder_{"127.0.0.1", kForwardedAddress};
  FakeCloudflare fake_;
  std::string zone_path_, token_file_;
  std::uint16_t dns_port_ = 0, horizond_metrics_ = 0, sync_metrics_ = 0;
  std::uint16_t tls_port_ = 0, https_port_ = 0;
  std::unique_ptr<TestCa> ca_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Child> sync_;
};

// ---- Prometheus itself ----

// Prometheus on a free port of 127.0.0.1, scraping horizond and horizon-sync every second under
// the job names the rules and the dashboard select, with the repository's alerting rules loaded.
// Its data lives in the test's temporary directory; it dies with the test at the latest.
class PrometheusServer {
 public:
  PrometheusServer(const TempDir& dir, std::uint16_t horizond, std::uint16_t sync) {
    port_ = freePorts(1)[0];
    // scrape_timeout must not exceed the interval; its default (10 s) would.
    std::string config = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - @RULES@
scrape_configs:
  - job_name: horizond
    static_configs:
      - targets: ["127.0.0.1:@HORIZOND@"]
  - job_name: horizon-sync
    static_configs:
      - targets: ["127.0.0.1:@SYNC@"]
)";
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{
              "@RULES@", HORIZON_SOURCE_DIR "/deploy/prometheus/horizon-rules.yaml"},
          {"@HORIZOND@", std::to_string(horizond)},
          {"@SYNC@", std::to_string(sync)}})
      config.replace(config.find(key), key.size(), value);
    const std::string config_path = dir.write("prometheus.yml", config);
    child_ = std::make_unique<Child>(
        std::vector<std::string>{
            kPrometheus, "--config.file=" + config_path,
            "--storage.tsdb.path=" + dir.path() + "/tsdb", "--storage.tsdb.retention.time=15m",
            "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
        dir.path() + "/prometheus.log");
  }

  /// True once /-/ready answers 200; false when Prometheus exited or the deadline passed.
  bool waitReady() {
    return waitFor(
               [&] {
                 auto reply = get("/-/ready");
                 return (reply && reply->first == 200) || !child_->running();
               },
               kPatience) &&
           child_->running();
  }

  /// GET of an API path; the "data" member of a successful answer, else null.
  Json api(const std::string& path_and_query) {
    auto reply = get(path_and_query);
    if (!reply || reply->first != 200) return nullptr;
    const Json answer = Json::parse(reply->second, nullptr, /*allow_exceptions=*/false);
    if (answer.is_discarded() || answer.value("status", "") != "success") return nullptr;
    return answer["data"];
  }

  /// An instant query's vector as label value of `by` -> value ("" for a series without it).
  std::map<std::string, double> query(const std::string& expr, const std::string& by) {
    std::map<std::string, double> out;
    const Json data = api("/api/v1/query?query=" + urlEncode(expr));
    if (!data.is_object() || data.value("resultType", "") != "vector") return out;
    for (const Json& series : data["result"])
      out[series["metric"].value(by, "")] = std::stod(series["value"][1].get<std::string>());
    return out;
  }

  /// job -> health ("up", "down", "unknown") of the active targets.
  std::map<std::string, std::string> targets() {
    std::map<std::string, std::string> out;
    const Json data = api("/api/v1/targets?state=active");
    if (!data.is_object()) return out;
    for (const Json& target : data["activeTargets"])
      out[target["labels"].value("job", "")] = target.value("health", "");
    return out;
  }

  /// Stops it by its PID (SIGTERM; SIGKILL after the grace time).
  void stop() { child_->stop(); }
  std::string log() const { return child_->log(); }

 private:
  std::optional<std::pair<long, std::string>> get(const std::string& path) {
    return httpGet("http://127.0.0.1:" + std::to_string(port_) + path);
  }

  std::uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

// Sends the same question from one client address in a loop, one at a time, until stopped, and
// counts the questions sent and the answers received.
class QueryLoop {
 public:
  QueryLoop(Endpoint endpoint, const std::string& name)
      : thread_([this, endpoint, message = buildQuery(name, LDNS_RR_TYPE_A)] {
          while (!stop_) {
            ++sent_;
            if (exchangeUdp(endpoint, message, 2s)) ++answered_;
            std::this_thread::sleep_for(10ms);  // a trickle: the machine is shared
          }
        }) {}
  ~QueryLoop() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int sent() const { return sent_; }
  int answered() const { return answered_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0}, answered_{0};
  std::thread thread_;
};

TEST_F(PrometheusScrapeTest, RealPrometheusScrapesBothPrograms) {
  if (access(kPrometheus, X_OK) != 0)
    GTEST_SKIP() << kPrometheus << " is not installed (Debian package prometheus)";
  PrometheusServer prometheus(dir_, horizond_metrics_, sync_metrics_);
  ASSERT_TRUE(prometheus.waitReady()) << prometheus.log();
  const std::map<std::string, std::string> all_up = {{"horizond", "up"}, {"horizon-sync", "up"}};
  ASSERT_TRUE(waitFor([&] { return prometheus.targets() == all_up; }, kPatience))
      << Json(prometheus.api("/api/v1/targets")).dump(2) << prometheus.log();

  // Traffic in both views until Prometheus has seen it as a rate per view: rate() needs two
  // scrapes of a series inside its window, so the loops run while we wait.
  const std::string rates =
      R"(sum by (view) (rate(horizon_dns_requests_total{job="horizond"}[10s])))";
  std::map<std::string, double> seen;
  {
    QueryLoop lan(client(kLanClient), "auth.madhan.app");
    QueryLoop pub(client(kPublicClient), "auth.madhan.app");
    waitFor(
        [&] {
          seen = prometheus.query(rates, "view");
          return seen["lan"] > 0 && seen["public"] > 0;
        },
        kPatience);
    lan.stop();
    pub.stop();
    EXPECT_EQ(lan.answered(), lan.sent());
    EXPECT_EQ(pub.answered(), pub.sent());

    // The counts behind the rates. Only this test sends from kPublicClient, so the public view
    // counted exactly what it sent; the LAN view also counted ServerProcess's startup probes.
    const std::string direct = scrape(horizond_metrics_);
    const double lan_total = sumOf(direct, "horizon_dns_requests_total", "view=\"lan\"");
    const double public_total = sumOf(direct, "horizon_dns_requests_total", "view=\"public\"");
    EXPECT_EQ(public_total, pub.sent()) << direct;
    EXPECT_GE(lan_total, lan.sent()) << direct;

    // What Prometheus stores is what horizond counted, once it has scraped after the last query.
    const std::string totals = R"(sum by (view) (horizon_dns_requests_total{job="horizond"}))";
    std::map<std::string, double> stored;
    EXPECT_TRUE(waitFor(
        [&] {
          stored = prometheus.query(totals, "view");
          return stored["lan"] == lan_total && stored["public"] == public_total;
        },
        kPatience))
        << "Prometheus has lan " << stored["lan"] << " public " << stored["public"]
        << "; horizond counted lan " << lan_total << " public " << public_total;
  }
  EXPECT_GT(seen["lan"], 0) << Json(seen).dump();
  EXPECT_GT(seen["public"], 0) << Json(seen).dump();

  EXPECT_EQ(prometheus.query(R"(up{job="horizon-sync"})", "job"),
            (std::map<std::string, double>{{"horizon-sync", 1}}));
  EXPECT_EQ(prometheus.query(R"(up{job="horizond"})", "job"),
            (std::map<std::string, double>{{"horizond", 1}}));
  // horizon-sync's first run finished before Prometheus started (its /ready said so).
  const auto runs = prometheus.query(R"(horizon_sync_runs_total{job="horizon-sync"})", "result");
  EXPECT_EQ(runs, (std::map<std::string, double>{{"success", 1}, {"failure", 0}}));
  EXPECT_EQ(prometheus.query(R"(horizon_sync_last_run_success{job="horizon-sync"})", "job"),
            (std::map<std::string, double>{{"horizon-sync", 1}}));

  // The alerting rules evaluate against real series without errors (promtool checks only their
  // syntax and their unit tests' made-up series): a many-to-many match, say, fails only here.
  Json groups;
  const auto evaluated = [&] {
    groups = prometheus.api("/api/v1/rules")["groups"];
    if (!groups.is_array() || groups.empty()) return false;
    for (const Json& group : groups)
      for (const Json& rule : group["rules"])
        if (rule.value("health", "") == "unknown") return false;
    return true;
  };
  ASSERT_TRUE(waitFor(evaluated, kPatience)) << groups.dump(2);
  int rules = 0;
  for (const Json& group : groups)
    for (const Json& rule : group["rules"]) {
      ++rules;
      EXPECT_EQ(rule.value("health", ""), "ok")
          << rule.value("name", "") << ": " << rule.value("lastError", "");
    }
  EXPECT_GT(rules, 0);

  prometheus.stop();
}

TEST_F(PrometheusScrapeTest, LiveScrapesMatchTheContract) {
  const MetricContract contract = readMetricContract(HORIZON_TEST_DATA "/metric_names.txt");

  // Traffic for every horizond family that has samples only once something happened: both
  // views, UDP and TCP, and a name outside the zone resolved through the forwarder (a miss and
  // an upstream exchange), then asked again (a hit).
  QueryOptions recursive;
  recursive.recursion_desired = true;
  for (const char* source : {kLanClient, kPublicClient}) {
    Packet answer = query(client(source), "auth.madhan.app", LDNS_RR_TYPE_A);
    ASSERT_TRUE(answer) << source;
    EXPECT_EQ(fullRcode(answer.get()), LDNS_RCODE_NOERROR);
  }
  ASSERT_TRUE(query(client(kLanClient), "netbird.madhan.app", LDNS_RR_TYPE_A, /*use_tcp=*/true));
  {
    TlsClientOptions options;
    options.ca_file = ca_->caFile();
    options.host_name = "dns.test";
    TlsClient dot(tls_port_, options);
    ASSERT_TRUE(dot.exchange(buildQuery("netbird.madhan.app", LDNS_RR_TYPE_A)));
    TlsClient doh(https_port_, options);  // HTTP/1.1: no ALPN offered
    const Bytes q = buildQuery("netbird.madhan.app", LDNS_RR_TYPE_A);
    EXPECT_EQ(doh.postDnsQuery("dns.test", q).rfind("HTTP/1.1 200", 0), 0u);
  }
  // (ServerProcess's startup probe, a question for the root, may have been forwarded too.)
  const int forwarded = forwarder_.questions();
  for (int i = 0; i < 2; ++i) {
    Packet answer = query(client(kLanClient), "www.example.org", LDNS_RR_TYPE_A, false, recursive);
    ASSERT_TRUE(answer) << server_->output();
    EXPECT_EQ(rdataText(ldns_pkt_answer(answer.get()), LDNS_RR_TYPE_A),
              std::vector<std::string>{kForwardedAddress});
    EXPECT_EQ(forwarder_.questions(), forwarded + 1) << "the second answer should be cached";
  }

  const std::map<std::string, std::uint16_t> programs = {{"horizond", horizond_metrics_},
                                                         {"horizon-sync", sync_metrics_}};
  // Families whose samples need something this test does not cause: an answer too large for
  // the client's UDP size, an answer over the rate limit (off here).
  const std::map<std::string, Names> may_be_empty = {
      {"horizond",
       {"horizon_dns_truncated_responses_total", "horizon_dns_rate_limited_responses_total"}},
      {"horizon-sync", {}}};
  for (const auto& [program, port] : programs) {
    SCOPED_TRACE(program);
    const std::string text = scrape(port);
    ASSERT_FALSE(text.empty());
    std::vector<std::string> problems;
    const auto families = parseFamilies(text, problems);
    EXPECT_EQ(problems, std::vector<std::string>{}) << text;
    EXPECT_EQ(contractDifferences(contract, program, families), std::vector<std::string>{}) << text;
    Names unexpected_empty;
    for (const std::string& name : emptyFamilies(families))
      if (!may_be_empty.at(program).count(name)) unexpected_empty.insert(name);
    EXPECT_EQ(unexpected_empty, Names{}) << "families without samples\n" << text;

    if (access(kPromtool, X_OK) == 0) {
      const auto complaints = promtoolComplaints(text, dir_.path());
      EXPECT_FALSE(complaints.has_value()) << complaints.value_or("") << "\n" << text;
    } else {
      std::cerr << "promtool is not installed (Debian package prometheus): format not checked\n";
    }
  }
}

}  // namespace
}  // namespace horizon::test
