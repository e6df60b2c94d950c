// Fuzz target: any text as a zone YAML file. The loader must report, never crash or throw.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "horizon/zone/zone_loader.hpp"

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  std::ifstream in(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml", std::ios::binary);
  std::vector<std::uint8_t> seed((std::istreambuf_iterator<char>(in)), {});
  std::string types =
      "zone: t.example\nviews: {a1: [10.0.0.0/8], public: [0.0.0.0/0]}\nrecords:\n"
      "  x: {A: 192.0.2.1, MX: \"10 mail\", TXT: [\"a\", \"b\"], SRV: \"1 2 3 s\"}\n"
      "  y: {CNAME: x}\n  \"*.w\": {a1: {AAAA: \"2001:db8::1\"}, ttl: 60}\n";
  return {seed, std::vector<std::uint8_t>(types.begin(), types.end())};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto result = horizon::zone::loadZoneText(text, "fuzz.yaml", "/nonexistent");
  // Either a zone or at least one error: a failed load must say why.
  if (!result.ok() && result.report().empty()) std::abort();
  return 0;
}
