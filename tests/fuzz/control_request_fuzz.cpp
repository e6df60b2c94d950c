// Fuzz target: any bytes as one control-socket request line. The handler must answer every input
// with one JSON object carrying "ok", never crash or throw, and never emit a newline (the
// protocol is one response per line).
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "horizon/ctl/control_server.hpp"
#include "horizon/ctl/zone_reloader.hpp"

namespace {
horizon::ctl::ZoneReloader& reloader() {
  static horizon::ctl::ZoneReloader* instance = [] {
    spdlog::set_level(spdlog::level::off);  // reloads log every diagnostic; not wanted here
    auto* r = new horizon::ctl::ZoneReloader({HORIZON_SOURCE_DIR "/tests/data/seed_views.yaml"});
    r->reload(horizon::ctl::ReloadTrigger::kStartup);
    return r;
  }();
  return *instance;
}
}  // namespace

std::vector<std::vector<std::uint8_t>> fuzzSeeds() {
  std::vector<std::vector<std::uint8_t>> seeds;
  for (std::string s : {R"({"command":"status"})", R"({"command":"reload"})",
                        R"({"command":"stats","extra":[1,2,{"a":null}]})", R"(["status"])",
                        R"({"command":7})", "\"\\ud800\"", "{"})
    seeds.emplace_back(s.begin(), s.end());
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  const std::string response = horizon::ctl::handleControlRequest(line, reloader(), "fuzz");
  if (response.find('\n') != std::string::npos) std::abort();
  auto parsed = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("ok") || !parsed["ok"].is_boolean()) std::abort();
  return 0;
}
