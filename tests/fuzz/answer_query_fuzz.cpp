// Fuzz target: any bytes, from any client, through the whole answer path (parse, view, lookup,
// write). The response must fit its buffer and start with the query's id.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "horizon/query/answer_engine.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace {

const horizon::query::Snapshot& seedSnapshot() {
  static std::shared_ptr<const horizon::query::Snapshot> snapshot = [] {
    auto loaded = horizon::zone::loadZoneFile(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
    if (!loaded.ok()) std::abort();
    return horizon::query::compileSnapshot({*loaded.zone});
  }();
  return *snapshot;
}

std::vector<std::uint8_t> query(std::initializer_list<const char*> labels, std::uint16_t type,
                                bool edns) {
  std::vector<std::uint8_t> q = {
      0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(edns ? 1 : 0)};
  for (const char* l : labels) {
    q.push_back(static_cast<std::uint8_t>(std::char_traits<char>::length(l)));
    for (const char* c = l; *c; ++c) q.push_back(static_cast<std::uint8_t>(*c));
  }
  q.insert(q.end(),
           {0, static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
  if (edns) q.insert(q.end(), {0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 4, 0, 10, 0, 0});
  return q;
}

}  // namespace

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  return {query({"grafana", "madhan", "app"}, 1, true),
          query({"x", "proxy", "madhan", "app"}, 1, false),
          query({"sonarr", "madhan", "app"}, 28, true), query({"madhan", "app"}, 255, true),
          query({"example", "com"}, 1, false)};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::vector<std::uint8_t> out(horizon::query::kMaxResponseSize);
  // The first byte picks the client: LAN, VPN, public or no view at all.
  static const char* kClients[] = {"127.0.0.1", "100.109.1.2", "203.0.113.9", "::1",
                                   "::ffff:192.168.1.5"};
  auto client = *horizon::ip::ClientAddress::fromString(kClients[size ? data[0] % 5 : 0]);
  for (auto transport : {horizon::query::Transport::kUdp, horizon::query::Transport::kTcp}) {
    std::size_t n =
        horizon::query::answerQuery(seedSnapshot(), client, {data, size}, out, transport);
    if (n > out.size() || (n > 0 && (n < 12 || out[0] != data[0] || out[1] != data[1])))
      std::abort();
  }
  return 0;
}
