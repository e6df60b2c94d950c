// View selection against the number of views: CompiledZone::selectView (per-length prefix tables)
// at 3, 1,000 and 20,000 views, for IPv4 and IPv6 clients, next to the linear scan of the prefixes
// it replaced. Each view but the last has one /24 (IPv4) and one /64 (IPv6); the last is public
// (0.0.0.0/0 and ::/0), so a public client tries every length in use. Items/s is lookups per
// second; ns/lookup is 1e9 / items_per_second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "horizon/ip/address.hpp"
#include "horizon/ip/prefix.hpp"
#include "horizon/query/compiled_zone.hpp"

namespace {

using horizon::ip::ClientAddress;
using horizon::ip::Prefix;
using horizon::query::CompiledView;
using horizon::query::CompiledZone;
using horizon::query::PrefixTable;

ClientAddress address(const std::string& text) {
  auto a = ClientAddress::fromString(text);
  if (!a) {
    std::fprintf(stderr, "view_selection_bench: bad address %s\n", text.c_str());
    std::exit(1);
  }
  return *a;
}

Prefix prefix(const std::string& text) {
  auto p = horizon::ip::parsePrefix(text);
  if (!p) {
    std::fprintf(stderr, "view_selection_bench: bad prefix %s\n", text.c_str());
    std::exit(1);
  }
  return *p;
}

// View i < count - 1 holds 10.(i / 256).(i % 256).0/24 and 2001:db8:(i):: /64; the last view is
// public. Built as compileSnapshot builds it: most specific first, then the table.
CompiledZone zoneWithViews(int count) {
  CompiledZone zone;
  zone.views.resize(static_cast<std::size_t>(count));
  for (int i = 0; i + 1 < count; ++i) {
    const auto view = static_cast<std::uint32_t>(i);
    zone.prefixes.push_back(
        {prefix("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24"), view});
    char v6[64];
    std::snprintf(v6, sizeof v6, "2001:db8:%x::/64", static_cast<unsigned>(i));
    zone.prefixes.push_back({prefix(v6), view});
  }
  const auto last = static_cast<std::uint32_t>(count - 1);
  zone.prefixes.push_back({prefix("0.0.0.0/0"), last});
  zone.prefixes.push_back({prefix("::/0"), last});
  std::vector<std::pair<Prefix, std::uint32_t>> entries;
  for (const auto& e : zone.prefixes) entries.emplace_back(e.prefix, e.view);
  zone.view_of = PrefixTable(entries);
  return zone;
}

// Clients of 64 views spread over the zone, and 64 public clients at pseudo-random addresses
// (a fixed sequence): a lookup's cost depends on where its keys land in the table, so the
// figures are an average over many addresses, not the luck of one.
constexpr int kClients = 64;

int viewOfClient(int count, int k) {
  return static_cast<int>(static_cast<long>(count - 1) * (2 * k + 1) / (2 * kClients));
}

ClientAddress lanClient(int count, bool v6, int k) {
  const int i = viewOfClient(count, k);
  if (!v6) return address("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".9");
  char text[64];
  std::snprintf(text, sizeof text, "2001:db8:%x::9", static_cast<unsigned>(i));
  return address(text);
}

ClientAddress publicClient(bool v6, int k) {
  std::uint64_t x = 0x2545F4914F6CDD1Dull * static_cast<std::uint64_t>(k + 1);
  x ^= x >> 31;
  const auto word = [&](int shift) { return static_cast<unsigned>((x >> shift) & 0xFFFF); };
  char text[64];
  if (v6)
    std::snprintf(text, sizeof text, "2a01:%x:%x:%x::1", word(0), word(16), word(32));
  else  // 203.x.y.z: outside 10.0.0.0/8, so public
    std::snprintf(text, sizeof text, "203.%u.%u.%u", word(0) & 0xFF, word(16) & 0xFF,
                  word(32) & 0xFF);
  return address(text);
}

// The linear scan selectView did before the tables, for comparison.
const CompiledView* scan(const CompiledZone& zone, const ClientAddress& client) {
  for (const auto& entry : zone.prefixes)
    if (horizon::ip::prefixContains(entry.prefix, client)) return &zone.views[entry.view];
  return nullptr;
}

// Public clients that share their first octet with the views' prefixes (10.200.0.0/16 and up,
// 2001:db9::/32), so that no length is skipped before its probe: the worst case for a miss.
ClientAddress nearMissClient(bool v6, int k) {
  char text[64];
  if (v6)
    std::snprintf(text, sizeof text, "2001:db9:%x::1", static_cast<unsigned>(k * 977));
  else
    std::snprintf(text, sizeof text, "10.%d.%d.1", 200 + k % 50, k);
  return address(text);
}

enum class Client { kView, kPublic, kNearMiss };

template <bool kScan>
void select(benchmark::State& state, bool v6, Client kind) {
  const int count = static_cast<int>(state.range(0));
  const CompiledZone zone = zoneWithViews(count);
  std::vector<ClientAddress> clients;
  for (int k = 0; k < kClients; ++k) {
    clients.push_back(kind == Client::kView     ? lanClient(count, v6, k)
                      : kind == Client::kPublic ? publicClient(v6, k)
                                                : nearMissClient(v6, k));
    const CompiledView* expected =
        &zone.views[kind == Client::kView ? viewOfClient(count, k) : count - 1];
    if (zone.selectView(clients.back()) != expected || scan(zone, clients.back()) != expected) {
      state.SkipWithError("the wrong view was selected");
      return;
    }
  }
  std::size_t k = 0;
  for (auto _ : state) {
    const CompiledView* view = kScan ? scan(zone, clients[k]) : zone.selectView(clients[k]);
    benchmark::DoNotOptimize(view);
    k = (k + 1) % kClients;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SelectView_V4(benchmark::State& s) {
  select<false>(s, false, Client::kView);
}
void BM_SelectView_V4Public(benchmark::State& s) {
  select<false>(s, false, Client::kPublic);
}
void BM_SelectView_V4NearMiss(benchmark::State& s) {
  select<false>(s, false, Client::kNearMiss);
}
void BM_SelectView_V6(benchmark::State& s) {
  select<false>(s, true, Client::kView);
}
void BM_SelectView_V6Public(benchmark::State& s) {
  select<false>(s, true, Client::kPublic);
}
void BM_SelectView_V6NearMiss(benchmark::State& s) {
  select<false>(s, true, Client::kNearMiss);
}
void BM_LinearScan_V4(benchmark::State& s) {
  select<true>(s, false, Client::kView);
}
void BM_LinearScan_V6Public(benchmark::State& s) {
  select<true>(s, true, Client::kPublic);
}

BENCHMARK(BM_SelectView_V4)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_SelectView_V4Public)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_SelectView_V4NearMiss)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_SelectView_V6)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_SelectView_V6Public)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_SelectView_V6NearMiss)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_LinearScan_V4)->Arg(3)->Arg(1000)->Arg(20000);
BENCHMARK(BM_LinearScan_V6Public)->Arg(3)->Arg(1000)->Arg(20000);

}  // namespace
