// Load time, compile time and memory of one zone file, as horizond holds it: loads the zone,
// compiles the snapshot (REPEATS times, for a median), drops the loaded zone, hands freed memory
// back (malloc_trim) and prints the process RSS next to the snapshot's own accounting.
//
// Usage: snapshot_scale ZONE.yaml [REPEATS]
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "horizon/query/compiled_zone.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// VmRSS from /proc/self/status, in KiB; -1 when unreadable.
long residentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: snapshot_scale ZONE.yaml [REPEATS]\n");
    return 2;
  }
  const int repeats = argc == 3 ? std::max(1, std::stoi(argv[2])) : 1;
  std::printf("rss at start: %ld KiB\n", residentKiB());

  auto start = Clock::now();
  auto loaded = horizon::zone::loadZoneFile(argv[1]);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return 1;
  }
  std::printf("loadZoneFile: %.3f s\n", secondsSince(start));
  std::vector<horizon::zone::Zone> zones;
  zones.push_back(std::move(*loaded.zone));

  std::shared_ptr<const horizon::query::Snapshot> snapshot;
  std::vector<double> seconds;
  for (int i = 0; i < repeats; ++i) {
    snapshot.reset();  // as a reload does, the previous snapshot is gone before the next one
    start = Clock::now();
    snapshot = horizon::query::compileSnapshot(zones);
    seconds.push_back(secondsSince(start));
    std::printf("compileSnapshot: %.3f s\n", seconds.back());
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("compileSnapshot median of %d: %.3f s\n", repeats, seconds[seconds.size() / 2]);

  zones.clear();
  zones.shrink_to_fit();
  malloc_trim(0);
  std::size_t nodes = 0, answers = 0, records = 0;
  for (const auto& z : snapshot->zones) {
    for (const auto& v : z.views) {
      nodes += v.nodes.size();
      answers += v.answers.size();
      records += v.record_count;
      std::printf("view %s: %zu records, %zu names, %zu answers, %.1f MiB\n", v.name.c_str(),
                  v.record_count, v.nodes.size(), v.answers.size(), v.memoryBytes() / 1048576.0);
    }
  }
  const std::size_t bytes = snapshot->memoryBytes();
  std::printf("snapshot: %zu records, %zu names, %zu answers, %.1f MiB (%.1f bytes/record)\n",
              records, nodes, answers, bytes / 1048576.0,
              records ? static_cast<double>(bytes) / records : 0.0);
  const long rss = residentKiB();
  std::printf("rss with the snapshot only (zone dropped, malloc_trim): %ld KiB (%.1f MiB)\n", rss,
              rss / 1024.0);
  return 0;
}
