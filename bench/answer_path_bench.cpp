// Micro-benchmarks of horizond's answer path, stage by stage, over the seed zone: parsing a query,
// picking the view, and answerQuery end to end for each kind of answer (exact, wildcard, NXDOMAIN,
// NODATA, REFUSED), plus loading and compiling the zone. Items/s is queries (or loads) per second,
// so ns/query is 1e9 / items_per_second. Stages are measured separately so a regression shows
// where it is: lookup+write is answerQuery minus parse minus view selection.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "horizon/edns/edns_responder.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/query/answer_engine.hpp"
#include "horizon/query/compiled_zone.hpp"
#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"
#include "horizon/wire/name.hpp"
#include "horizon/wire/presentation.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using horizon::ip::ClientAddress;
using horizon::query::Snapshot;
using horizon::query::Transport;
namespace wire = horizon::wire;

const std::string kSeedZone = std::string(HORIZON_SOURCE_DIR) + "/zones/madhan.app.yaml";

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "answer_path_bench: %s\n", why.c_str());
  std::exit(1);
}

horizon::zone::Zone loadSeed() {
  auto result = horizon::zone::loadZoneFile(kSeedZone);
  if (!result.ok()) die("cannot load " + kSeedZone + ":\n" + result.report());
  return std::move(*result.zone);
}

// Loaded once: every benchmark answers from the same snapshot, as the server's workers do.
const Snapshot& seedSnapshot() {
  static const std::shared_ptr<const Snapshot> snapshot = [] {
    std::vector<horizon::zone::Zone> zones;
    zones.push_back(loadSeed());
    return horizon::query::compileSnapshot(zones);
  }();
  return *snapshot;
}

ClientAddress client(const char* text) {
  auto c = ClientAddress::fromString(text);
  if (!c) die(std::string("bad client address ") + text);
  return *c;
}

// The clients of each view: a LAN host, a NetBird peer, someone on the internet.
const ClientAddress& lanClient() {
  static const ClientAddress c = client("192.168.1.42");
  return c;
}
const ClientAddress& vpnClient() {
  static const ClientAddress c = client("100.109.7.3");
  return c;
}
const ClientAddress& publicClient() {
  static const ClientAddress c = client("203.0.113.9");
  return c;
}

// A query as `dig` sends it: RD set, one question, EDNS0 OPT with a 1232-byte payload and an
// 8-byte cookie option (dig's default), so the parser walks the additional section as in real
// traffic.
std::vector<std::uint8_t> makeQuery(const char* name, std::uint16_t qtype) {
  std::string error;
  auto qname = wire::nameFromText(name, "", &error);
  if (!qname) die(std::string("bad name ") + name + ": " + error);
  // id, flags RD+AD (as dig sets them), QDCOUNT 1, ARCOUNT 1.
  const std::uint8_t header[] = {0x4a, 0x17, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1};
  // One field per line reads better than clang-format's packed table.
  // clang-format off
  const std::uint8_t opt[] = {
      0,                                               // owner: the root
      0, wire::type::OPT,                              // type
      0x04, 0xd0,                                      // class: UDP payload size 1232
      0, 0, 0, 0,                                      // ttl: extended rcode, version, DO clear
      0, 12,                                           // rdlength
      0, 10, 0, 8,                                     // option COOKIE, 8 octets
      0x5c, 0x1f, 0x8e, 0x27, 0x9a, 0x03, 0x41, 0x6b,  // client cookie
  };
  // clang-format on
  std::vector<std::uint8_t> p(sizeof header + qname->size() + 4 + sizeof opt);
  std::uint8_t* w = p.data();
  std::memcpy(w, header, sizeof header);
  w += sizeof header;
  std::memcpy(w, qname->data(), qname->size());
  w += qname->size();
  wire::writeU16(w, qtype);
  wire::writeU16(w + 2, wire::kClassIN);
  std::memcpy(w + 4, opt, sizeof opt);
  return p;
}

struct Expect {
  std::uint8_t rcode;
  std::uint16_t ancount;
};

// Answers once and checks the outcome, so each benchmark provably measures the path it names.
void checkAnswer(benchmark::State& state, const ClientAddress& from,
                 const std::vector<std::uint8_t>& query, Expect expect) {
  static std::array<std::uint8_t, horizon::query::kMaxResponseSize> out;
  std::size_t n = horizon::query::answerQuery(seedSnapshot(), from, query, out, Transport::kUdp);
  std::uint8_t rcode = n >= wire::kHeaderSize ? out[3] & 0x0F : 0xFF;
  std::uint16_t ancount = n >= wire::kHeaderSize ? wire::readU16(&out[6]) : 0xFFFF;
  if (rcode != expect.rcode || ancount != expect.ancount) {
    state.SkipWithError(("unexpected answer: rcode " + std::to_string(rcode) + ", ancount " +
                         std::to_string(ancount))
                            .c_str());
  }
}

// --- Stage 1: parsing --------------------------------------------------------------------------

void BM_ParseQuery(benchmark::State& state) {
  const auto query = makeQuery("grafana.madhan.app.", wire::type::A);
  wire::ParsedQuery parsed;
  for (auto _ : state) {
    auto status = wire::parseQuery(query, parsed);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(parsed.qtype);
  }
  if (wire::parseQuery(query, parsed) != wire::ParseStatus::kOk || !parsed.has_edns)
    state.SkipWithError("the query did not parse as a query with EDNS");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseQuery);

// --- Stage 2: view selection -------------------------------------------------------------------

void selectViewFor(benchmark::State& state, const ClientAddress& from, const char* expected) {
  const auto& zone = seedSnapshot().zones.at(0);
  const auto* picked = zone.selectView(from);
  if (!picked || picked->name != expected)
    state.SkipWithError((std::string("expected view ") + expected).c_str());
  for (auto _ : state) {
    const auto* view = zone.selectView(from);
    benchmark::DoNotOptimize(view);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_SelectView_Lan(benchmark::State& state) {
  selectViewFor(state, lanClient(), "lan");
}
void BM_SelectView_Vpn(benchmark::State& state) {
  selectViewFor(state, vpnClient(), "vpn");
}
void BM_SelectView_Public(benchmark::State& state) {
  selectViewFor(state, publicClient(), "public");
}
BENCHMARK(BM_SelectView_Lan);
BENCHMARK(BM_SelectView_Vpn);
BENCHMARK(BM_SelectView_Public);

// --- Stage 3: one query, parse to response, per kind of answer ---------------------------------

void answerOne(benchmark::State& state, const ClientAddress& from, const char* name,
               std::uint16_t qtype, Expect expect) {
  const auto query = makeQuery(name, qtype);
  const Snapshot& snapshot = seedSnapshot();
  checkAnswer(state, from, query, expect);
  // A worker's reused response buffer; not zero-filled, as in the server.
  static std::array<std::uint8_t, horizon::query::kMaxResponseSize> out;
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::size_t n = horizon::query::answerQuery(snapshot, from, query, out, Transport::kUdp);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
    bytes += n;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// auth: an owner name of its own, the same A record in every view.
void BM_Answer_Exact(benchmark::State& state) {
  answerOne(state, lanClient(), "auth.madhan.app.", wire::type::A, {wire::rcode::NOERROR, 1});
}
// sonarr: no node of its own; the LAN view's *.madhan.app wildcard answers it.
void BM_Answer_Wildcard(benchmark::State& state) {
  answerOne(state, lanClient(), "sonarr.madhan.app.", wire::type::A, {wire::rcode::NOERROR, 1});
}
// sonarr from the internet: the public view has no wildcard, so the name does not exist.
void BM_Answer_NxdomainPublic(benchmark::State& state) {
  answerOne(state, publicClient(), "sonarr.madhan.app.", wire::type::A, {wire::rcode::NXDOMAIN, 0});
}
// grafana AAAA: the name exists (wildcard on the LAN), the type does not.
void BM_Answer_Nodata(benchmark::State& state) {
  answerOne(state, lanClient(), "grafana.madhan.app.", wire::type::AAAA, {wire::rcode::NOERROR, 0});
}
// Outside every zone, from the internet: never an open resolver.
void BM_Answer_Refused(benchmark::State& state) {
  answerOne(state, publicClient(), "www.example.com.", wire::type::A, {wire::rcode::REFUSED, 0});
}
BENCHMARK(BM_Answer_Exact);
BENCHMARK(BM_Answer_Wildcard);
BENCHMARK(BM_Answer_NxdomainPublic);
BENCHMARK(BM_Answer_Nodata);
BENCHMARK(BM_Answer_Refused);

// --- The full path as a worker runs it ---------------------------------------------------------

// What a UDP worker does per datagram after recvmmsg: convert the peer's sockaddr, answer. The
// queries rotate through a mix of names, types and views so that branch predictors and caches
// see something closer to real traffic than one repeated query.
void fullPath(benchmark::State& state, const horizon::query::ProtocolOptions* protocol) {
  struct Case {
    const char* name;
    std::uint16_t qtype;
    const char* from;
  };
  const Case cases[] = {
      {"grafana.madhan.app.", wire::type::A, "192.168.1.42"},
      {"sonarr.madhan.app.", wire::type::A, "192.168.1.42"},
      {"auth.madhan.app.", wire::type::A, "100.109.7.3"},
      {"x.proxy.madhan.app.", wire::type::A, "192.168.1.42"},
      {"grafana.madhan.app.", wire::type::AAAA, "192.168.1.42"},
      {"grafana.madhan.app.", wire::type::A, "203.0.113.9"},
      {"a.b.c.madhan.app.", wire::type::A, "100.109.7.3"},
      {"sonarr.madhan.app.", wire::type::A, "2001:db8::5"},
  };
  std::vector<std::vector<std::uint8_t>> queries;
  std::vector<sockaddr_storage> peers;
  for (const Case& c : cases) {
    queries.push_back(makeQuery(c.name, c.qtype));
    ClientAddress a = client(c.from);
    sockaddr_storage ss{};
    if (a.is_v6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
      in6->sin6_family = AF_INET6;
      std::memcpy(&in6->sin6_addr, a.bytes.data(), 16);
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&ss);
      in->sin_family = AF_INET;
      std::memcpy(&in->sin_addr, a.bytes.data(), 4);
    }
    peers.push_back(ss);
  }
  const Snapshot& snapshot = seedSnapshot();
  static std::array<std::uint8_t, horizon::query::kMaxResponseSize> out;
  std::size_t i = 0;
  for (auto _ : state) {
    ClientAddress from = ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&peers[i]));
    std::size_t n = 0;
    if (protocol) {
      horizon::query::RecursionRequest recursion;  // per query, as the worker has them
      horizon::query::AnswerSummary summary;
      n = horizon::query::answerQuery(snapshot, from, queries[i], out, Transport::kUdp, &recursion,
                                      &summary, protocol);
    } else {
      n = horizon::query::answerQuery(snapshot, from, queries[i], out, Transport::kUdp);
    }
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
    i = i + 1 == queries.size() ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
// Bare: no summary, no EDNS options (the same call as before NSID and cookies existed, so the
// figure compares across versions).
void BM_AnswerFullPath(benchmark::State& state) {
  fullPath(state, nullptr);
}
// As a UDP worker calls it with the default settings: with a summary and server cookies on, so
// each query's client cookie gets a SipHash server cookie in the answer (RFC 9018); no NSID.
void BM_AnswerFullPath_Cookies(benchmark::State& state) {
  static const horizon::edns::EdnsResponder responder{horizon::edns::EdnsSettings{}};
  static const horizon::query::ProtocolOptions protocol{&responder, nullptr};
  fullPath(state, &protocol);
}
BENCHMARK(BM_AnswerFullPath);
BENCHMARK(BM_AnswerFullPath_Cookies);

// --- Control plane: what a reload costs --------------------------------------------------------

void BM_LoadAndCompileSeedZone(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<horizon::zone::Zone> zones;
    zones.push_back(loadSeed());
    auto snapshot = horizon::query::compileSnapshot(zones);
    benchmark::DoNotOptimize(snapshot.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LoadAndCompileSeedZone)->Unit(benchmark::kMicrosecond);

// Compilation alone, to split a slow reload between YAML parsing and answer rendering.
void BM_CompileSeedZone(benchmark::State& state) {
  std::vector<horizon::zone::Zone> zones;
  zones.push_back(loadSeed());
  for (auto _ : state) {
    auto snapshot = horizon::query::compileSnapshot(zones);
    benchmark::DoNotOptimize(snapshot.get());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompileSeedZone)->Unit(benchmark::kMicrosecond);

}  // namespace
