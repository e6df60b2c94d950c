// Differential test against NSD, an independent authoritative server: NSD serves the hand-written
// RFC 1035 file tests/data/differential/tricky.example.zone, horizond serves the same data as
// YAML (tricky.example.yaml), and every query in kQueries must get the same rcode, AA flag,
// answer section (as a set of canonical records, TTLs included) and SOA in authority from both.
// Deliberate differences are left out of the comparison: ANY (horizond answers one RRset, RFC
// 8482) is checked on horizond alone, and NSD's glue in additional is ignored.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dns_hierarchy.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

constexpr const char* kZone = "tricky.example";
const std::string kZoneFile = HORIZON_TEST_DATA "/differential/tricky.example.zone";
const std::string kYamlFile = HORIZON_TEST_DATA "/differential/tricky.example.yaml";

// Where Debian (and .ci/run) install NSD.
const char* findNsd() {
  for (const char* path : {"/usr/sbin/nsd", "/usr/local/sbin/nsd"})
    if (access(path, X_OK) == 0) return path;
  return nullptr;
}

// NSD in the foreground (-d) on 127.0.0.1:port with everything it writes inside `dir`. Test
// support only knows how to run horizond, so this small runner lives here.
class NsdProcess {
 public:
  NsdProcess(const char* nsd, const TempDir& dir, std::uint16_t port) {
    const std::string& d = dir.path();
    // No chroot and no user switch (username ""), so NSD reads the zone where it lies; its
    // state files stay in the temp dir; minimal-responses keeps NS out of positive answers.
    std::ostringstream conf;
    conf << nsdServerSection({"127.0.0.1@" + std::to_string(port)}, d) << "zone:\n"
         << "  name: " << kZone << "\n"
         << "  zonefile: \"" << kZoneFile << "\"\n";
    const std::string conf_path = dir.write("nsd.conf", conf.str());
    log_path_ = d + "/nsd.log";
    pid_ = fork();
    if (pid_ == 0) {
      // NSD must not outlive a crashed test run.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      execl(nsd, nsd, "-d", "-c", conf_path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~NsdProcess() { stop(); }
  NsdProcess(const NsdProcess&) = delete;
  NsdProcess& operator=(const NsdProcess&) = delete;

  // SIGTERM, then SIGKILL when NSD has not gone after five seconds.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // True while NSD has not exited (reaps it when it has).
  bool running() {
    if (pid_ <= 0) return false;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
    return pid_ > 0;
  }
  // What NSD logged, for failure messages.
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// One query of the comparison. `tcp` sends it over TCP; `edns` false makes it a plain 512-octet
// RFC 1035 query.
struct DiffQuery {
  std::string name;  // relative to the zone ("@" is the apex) or absolute with a trailing dot
  ldns_rr_type type;
  bool tcp = false;
  bool edns = true;
};

// Queries chosen for the RFC 1034 4.3.2 / RFC 4592 corners of tricky.example; mixed case on
// purpose (the answers are compared with names lowercased).
const std::vector<DiffQuery> kQueries = {
    // The apex: synthesized SOA and NS, and data of several types.
    {"@", LDNS_RR_TYPE_SOA},
    {"@", LDNS_RR_TYPE_NS},
    {"@", LDNS_RR_TYPE_A, true},
    {"@", LDNS_RR_TYPE_AAAA},
    {"@", LDNS_RR_TYPE_MX},
    {"@", LDNS_RR_TYPE_TXT},
    {"@", LDNS_RR_TYPE_CAA, true},
    {"@", LDNS_RR_TYPE_SRV},  // NODATA
    {"@", LDNS_RR_TYPE_PTR},  // NODATA
    {"TRICKY.Example.", LDNS_RR_TYPE_SOA, false, false},
    // Multi-valued RRsets and NODATA beside them.
    {"www", LDNS_RR_TYPE_A},
    {"WwW", LDNS_RR_TYPE_A, true},
    {"www", LDNS_RR_TYPE_AAAA, false, false},
    {"www", LDNS_RR_TYPE_MX},
    {"www", LDNS_RR_TYPE_TXT},
    {"www", LDNS_RR_TYPE_NS},   // NS below the apex: NODATA, not a referral
    {"www", LDNS_RR_TYPE_SOA},  // SOA below the apex: NODATA
    {"www", LDNS_RR_TYPE_HINFO},
    {"mail", LDNS_RR_TYPE_AAAA},
    {"ns1", LDNS_RR_TYPE_A},
    // The top-level wildcard: its own names, deeper names, NODATA for other types.
    {"foo", LDNS_RR_TYPE_A},
    {"FOO", LDNS_RR_TYPE_TXT, true},
    {"foo", LDNS_RR_TYPE_AAAA},
    {"foo.bar", LDNS_RR_TYPE_A},
    {"a.b.c.nothing", LDNS_RR_TYPE_TXT},
    {"foo", LDNS_RR_TYPE_CAA},
    {"*", LDNS_RR_TYPE_A},
    // *.dev, and blocked.dev, which blocks it for itself and below.
    {"x.dev", LDNS_RR_TYPE_A},
    {"x.DEV", LDNS_RR_TYPE_AAAA, true},
    {"y.x.dev", LDNS_RR_TYPE_A},
    {"x.dev", LDNS_RR_TYPE_TXT},
    {"*.dev", LDNS_RR_TYPE_AAAA},
    {"dev", LDNS_RR_TYPE_A},  // empty non-terminal
    {"blocked.dev", LDNS_RR_TYPE_A},
    {"blocked.dev", LDNS_RR_TYPE_TXT},
    {"x.blocked.dev", LDNS_RR_TYPE_A, true},  // NXDOMAIN: no wildcard at blocked.dev
    // *.a.b.deep and the empty non-terminals above it.
    {"deep", LDNS_RR_TYPE_A},
    {"b.deep", LDNS_RR_TYPE_A},
    {"a.b.deep", LDNS_RR_TYPE_A},
    {"q.a.b.deep", LDNS_RR_TYPE_A},
    {"r.q.A.B.Deep", LDNS_RR_TYPE_A, true},
    {"z.b.deep", LDNS_RR_TYPE_A},  // NXDOMAIN: closest encloser b.deep has no wildcard
    {"q.a.b.deep", LDNS_RR_TYPE_AAAA},
    // Empty non-terminals ent and sub.ent.
    {"ent", LDNS_RR_TYPE_A},
    {"sub.ent", LDNS_RR_TYPE_TXT},
    {"host.sub.ent", LDNS_RR_TYPE_A},
    {"nope.ent", LDNS_RR_TYPE_A},
    {"nope.sub.ent", LDNS_RR_TYPE_A, true},
    // CNAMEs: a chain of 3, dangling, out of zone, to a wildcard, wildcard CNAME, own TTL.
    {"c1", LDNS_RR_TYPE_A},
    {"C1", LDNS_RR_TYPE_AAAA, true},
    {"c1", LDNS_RR_TYPE_MX},  // the chain ends in NODATA
    {"c1", LDNS_RR_TYPE_CNAME},
    {"c2", LDNS_RR_TYPE_A, false, false},
    {"c3", LDNS_RR_TYPE_TXT},
    {"dangling", LDNS_RR_TYPE_A},
    {"dangling", LDNS_RR_TYPE_CNAME},
    {"external", LDNS_RR_TYPE_A},
    {"External", LDNS_RR_TYPE_AAAA, true},
    {"to-wild", LDNS_RR_TYPE_A},
    {"to-wild", LDNS_RR_TYPE_AAAA},
    {"to-wild", LDNS_RR_TYPE_TXT},
    {"img.cdn", LDNS_RR_TYPE_A},
    {"deep.img.CDN", LDNS_RR_TYPE_AAAA, true},
    {"img.cdn", LDNS_RR_TYPE_CNAME},
    {"cdn", LDNS_RR_TYPE_A},
    {"short", LDNS_RR_TYPE_A},
    {"to-ent", LDNS_RR_TYPE_A},      // ends at an empty non-terminal: NODATA
    {"to-blocked", LDNS_RR_TYPE_A},  // ends at the name blocking *.dev: NODATA
    {"via-cdn", LDNS_RR_TYPE_A},
    {"Via-Cdn", LDNS_RR_TYPE_AAAA, true},
    {"x.cdn", LDNS_RR_TYPE_TXT},
    {"loop1", LDNS_RR_TYPE_A},  // a loop: each CNAME once, then stop
    {"Loop2", LDNS_RR_TYPE_TXT, true},
    {"loop1", LDNS_RR_TYPE_CNAME},
    {"self", LDNS_RR_TYPE_A},
    {"x.c1", LDNS_RR_TYPE_A},     // below a CNAME owner: NXDOMAIN
    {"x.*.dev", LDNS_RR_TYPE_A},  // below the wildcard's own node: NXDOMAIN
    // SRV and its empty non-terminal _tcp.
    {"_sip._tcp", LDNS_RR_TYPE_SRV},
    {"_SIP._TCP", LDNS_RR_TYPE_SRV, true},
    {"_sip._tcp", LDNS_RR_TYPE_A},
    {"_tcp", LDNS_RR_TYPE_SRV},
    {"_xmpp._tcp", LDNS_RR_TYPE_SRV},
    {"sip", LDNS_RR_TYPE_A},
    // TXT with several strings and a long one; TTLs of their own; AAAA only.
    {"multi", LDNS_RR_TYPE_TXT},
    {"long", LDNS_RR_TYPE_TXT, false, false},
    {"long", LDNS_RR_TYPE_TXT, true},
    {"ttl60", LDNS_RR_TYPE_A},
    {"ttl60", LDNS_RR_TYPE_AAAA},
    {"v6only", LDNS_RR_TYPE_A},
    {"v6only", LDNS_RR_TYPE_AAAA},
    {"empty-txt", LDNS_RR_TYPE_TXT},
    {"dkim", LDNS_RR_TYPE_TXT},
    {"DKIM", LDNS_RR_TYPE_TXT, true},
    // 40 A records: TC with an empty answer in 512 octets, whole with EDNS or over TCP.
    {"big", LDNS_RR_TYPE_A, false, false},
    {"big", LDNS_RR_TYPE_A},
    {"big", LDNS_RR_TYPE_A, true, false},
    // Outside the zone: both refuse.
    {"example.com.", LDNS_RR_TYPE_A},
    {"example.", LDNS_RR_TYPE_A},
    {"notricky.example.", LDNS_RR_TYPE_A, true},
    {"tricky.example.net.", LDNS_RR_TYPE_A},
};

// The absolute query name of a DiffQuery name.
std::string absoluteName(const std::string& name) {
  if (name == "@") return std::string(kZone) + ".";
  if (!name.empty() && name.back() == '.') return name;
  return name + "." + kZone + ".";
}

// ldns_rr2str of the record in canonical form (RFC 4034 6.2: owner and rdata names lowercase).
std::string canonicalText(const ldns_rr* rr) {
  ldns_rr* copy = ldns_rr_clone(rr);
  ldns_rr2canonical(copy);
  char* text = ldns_rr2str(copy);
  std::string out = text != nullptr ? text : "";
  std::free(text);
  ldns_rr_free(copy);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The records of a section as a sorted list of canonical lines; only `only` when it is not 0.
std::vector<std::string> canonicalSection(const ldns_rr_list* section, ldns_rr_type only) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; section != nullptr && i < ldns_rr_list_rr_count(section); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(section, i);
    if (only == 0 || ldns_rr_get_type(rr) == only) lines.push_back(canonicalText(rr));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Indented lines for a mismatch report.
std::string joinLines(const std::vector<std::string>& lines) {
  if (lines.empty()) return "    (none)\n";
  std::string out;
  for (const auto& line : lines) out += "    " + line + "\n";
  return out;
}

// The whole message as dig-like text, for a mismatch report.
std::string dump(const ldns_pkt* packet) {
  if (packet == nullptr) return "(no response)\n";
  char* text = ldns_pkt2str(packet);
  std::string out = text != nullptr ? text : "(unprintable)\n";
  std::free(text);
  return out;
}

// "name TYPE over UDP", for a mismatch report.
std::string describe(const DiffQuery& q) {
  char* type = ldns_rr_type2str(q.type);
  std::string out = absoluteName(q.name) + " " + type + (q.tcp ? " over TCP" : " over UDP") +
                    (q.edns ? "" : " without EDNS");
  std::free(type);
  return out;
}

// Compares what the differential cares about; returns the differences, empty when they agree.
std::string compare(const ldns_pkt* nsd, const ldns_pkt* horizond) {
  if (nsd == nullptr || horizond == nullptr)
    return std::string(nsd == nullptr ? "NSD" : "horizond") + " did not answer\n";
  std::string diff;
  if (fullRcode(nsd) != fullRcode(horizond))
    diff += "  rcode: NSD " + std::to_string(fullRcode(nsd)) + ", horizond " +
            std::to_string(fullRcode(horizond)) + "\n";
  if (ldns_pkt_aa(nsd) != ldns_pkt_aa(horizond))
    diff += std::string("  AA: NSD ") + (ldns_pkt_aa(nsd) ? "set" : "clear") + ", horizond " +
            (ldns_pkt_aa(horizond) ? "set" : "clear") + "\n";
  if (ldns_pkt_tc(nsd) != ldns_pkt_tc(horizond))
    diff += std::string("  TC: NSD ") + (ldns_pkt_tc(nsd) ? "set" : "clear") + ", horizond " +
            (ldns_pkt_tc(horizond) ? "set" : "clear") + "\n";
  // Sorted lists, not sets: the same record twice in a section is a difference worth seeing.
  auto nsd_answer = canonicalSection(ldns_pkt_answer(nsd), static_cast<ldns_rr_type>(0));
  auto our_answer = canonicalSection(ldns_pkt_answer(horizond), static_cast<ldns_rr_type>(0));
  if (nsd_answer != our_answer)
    diff +=
        "  answer:\n   NSD:\n" + joinLines(nsd_answer) + "   horizond:\n" + joinLines(our_answer);
  auto nsd_soa = canonicalSection(ldns_pkt_authority(nsd), LDNS_RR_TYPE_SOA);
  auto our_soa = canonicalSection(ldns_pkt_authority(horizond), LDNS_RR_TYPE_SOA);
  if (nsd_soa != our_soa)
    diff += "  SOA in authority:\n   NSD:\n" + joinLines(nsd_soa) + "   horizond:\n" +
            joinLines(our_soa);
  return diff;
}

// Asks until the server answers the apex SOA or `deadline` passes (NSD loads asynchronously).
bool waitForAnswer(std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    Packet reply = query({.port = port}, kZone, LDNS_RR_TYPE_SOA);
    if (reply && fullRcode(reply.get()) == LDNS_RCODE_NOERROR && ldns_pkt_ancount(reply.get()) == 1)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// NSD and horizond side by side, started afresh for each test.
class NsdDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* nsd = findNsd();
    if (nsd == nullptr)
      GTEST_SKIP() << "NSD is not installed (/usr/sbin/nsd); install the nsd package to run the "
                      "differential test (.ci/run does)";
    nsd_port_ = findFreePort();
    nsd_ = std::make_unique<NsdProcess>(nsd, dir_, nsd_port_);
    horizond_port_ = findFreePort();
    while (horizond_port_ == nsd_port_) horizond_port_ = findFreePort();
    try {
      horizond_ = ServerProcess::start({"--zone", kYamlFile, "--listen", listenArg(horizond_port_)},
                                       horizond_port_);
    } catch (const std::exception& e) {
      FAIL() << "horizond did not start: " << e.what();
    }
    ASSERT_TRUE(
        waitForAnswer(nsd_port_, std::chrono::steady_clock::now() + std::chrono::seconds(15)))
        << "NSD did not answer on 127.0.0.1:" << nsd_port_ << " (running: " << nsd_->running()
        << ")\n"
        << nsd_->log();
  }
  void TearDown() override {
    if (nsd_) nsd_->stop();
    if (horizond_) {
      ExitStatus status = horizond_->stop();
      EXPECT_TRUE(status.success()) << "horizond ended with " << status.toString() << "\n"
                                    << horizond_->output();
    }
  }

  // Sends `q` to the server on `port` (NSD or horizond) exactly the same way.
  Packet ask(std::uint16_t port, const DiffQuery& q) {
    QueryOptions options;
    options.edns = q.edns;
    return query({.port = port}, absoluteName(q.name), q.type, q.tcp, options);
  }

  TempDir dir_;
  std::uint16_t nsd_port_ = 0, horizond_port_ = 0;
  std::unique_ptr<NsdProcess> nsd_;
  std::unique_ptr<ServerProcess> horizond_;
};

// Every query of kQueries: horizond must answer exactly as NSD does. Each mismatch is reported on
// its own with both full responses.
TEST_F(NsdDifferentialTest, AnswersMatchNsd) {
  ASSERT_GE(kQueries.size(), 40u);
  int mismatches = 0;
  for (const DiffQuery& q : kQueries) {
    Packet nsd = ask(nsd_port_, q);
    Packet ours = ask(horizond_port_, q);
    std::string diff = compare(nsd.get(), ours.get());
    if (diff.empty()) continue;
    ++mismatches;
    ADD_FAILURE() << "mismatch for " << describe(q) << ":\n"
                  << diff << "--- NSD:\n"
                  << dump(nsd.get()) << "--- horizond:\n"
                  << dump(ours.get());
  }
  EXPECT_EQ(mismatches, 0) << "of " << kQueries.size() << " queries";
}

// The comparison must not pass vacuously: NSD really answers the interesting cases the way the
// RFCs say (a wildcard, a blocked wildcard, the chain, a dangling CNAME).
TEST_F(NsdDifferentialTest, OracleAnswersAsTheRfcsSay) {
  Packet wildcard = ask(nsd_port_, {"foo.bar", LDNS_RR_TYPE_A});
  ASSERT_TRUE(wildcard);
  EXPECT_EQ(canonicalSection(ldns_pkt_answer(wildcard.get()), static_cast<ldns_rr_type>(0)),
            std::vector<std::string>{"foo.bar.tricky.example.\t300\tIN\tA\t192.0.2.100"});
  Packet blocked = ask(nsd_port_, {"x.blocked.dev", LDNS_RR_TYPE_A});
  ASSERT_TRUE(blocked);
  EXPECT_EQ(fullRcode(blocked.get()), LDNS_RCODE_NXDOMAIN);
  Packet chain = ask(nsd_port_, {"c1", LDNS_RR_TYPE_A});
  ASSERT_TRUE(chain);
  EXPECT_EQ(ldns_pkt_ancount(chain.get()), 6);  // three CNAMEs and the three A of www
  Packet dangling = ask(nsd_port_, {"dangling", LDNS_RR_TYPE_A});
  ASSERT_TRUE(dangling);
  EXPECT_EQ(fullRcode(dangling.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_EQ(ldns_pkt_ancount(dangling.get()), 1);
}

// ANY is a deliberate difference (NSD answers everything, horizond one RRset per RFC 8482), so it
// is checked on horizond alone: authoritative NOERROR with at least one record of the name.
TEST_F(NsdDifferentialTest, AnyGetsOneRRsetFromHorizond) {
  for (bool tcp : {false, true}) {
    for (const char* name : {"@", "www", "foo", "x.dev", "c1", "_sip._tcp", "multi"}) {
      DiffQuery q{name, LDNS_RR_TYPE_ANY, tcp};
      SCOPED_TRACE(describe(q));
      Packet reply = ask(horizond_port_, q);
      ASSERT_TRUE(reply);
      EXPECT_EQ(fullRcode(reply.get()), LDNS_RCODE_NOERROR) << dump(reply.get());
      EXPECT_TRUE(ldns_pkt_aa(reply.get())) << dump(reply.get());
      EXPECT_GE(ldns_pkt_ancount(reply.get()), 1) << dump(reply.get());
      // Every record answers the question name (one RRset, no chasing).
      const ldns_rr_list* answer = ldns_pkt_answer(reply.get());
      ldns_rr_type first = ldns_rr_get_type(ldns_rr_list_rr(answer, 0));
      for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
        char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(answer, i)));
        EXPECT_STRCASEEQ(owner, absoluteName(name).c_str());
        std::free(owner);
        EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(answer, i)), first);
      }
    }
  }
}

}  // namespace
}  // namespace horizon::test
