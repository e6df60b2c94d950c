// The Traefik file horizon-sync renders (--traefik-out FILE --no-cloudflare) against Traefik's
// own JSON schemas of the file provider, v2 and v3 (tests/data/traefik; the rendered keys are
// the same in both), checked by Debian's python3 with python3-yaml and python3-jsonschema: for
// the shipped zone, for a zone with many kinds of services, and for a zone with none. A broken
// file must fail the same check, so a pass means something.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;

const std::string kChecker = HORIZON_SOURCE_DIR "/tests/system/support/check_traefik_schema.py";
const std::string kSchemaV2 = HORIZON_TEST_DATA "/traefik/traefik-v2-file-provider.json";
const std::string kSchemaV3 = HORIZON_TEST_DATA "/traefik/traefik-v3-file-provider.json";

// Services with a wildcard backend, an explicit record, several addresses with IPv6, and a
// dotted name (its route key is rewritten).
constexpr const char* kManyServices = R"(zone: example.org
views:
  lan: [192.168.1.0/24, "fd00::/64"]
  public: [0.0.0.0/0, "::/0"]
targets:
  gateway: 192.168.1.220
  vps: 203.0.113.10
records:
  "*": {lan: gateway}
  photos: {lan: 192.168.1.50}
  dual: {lan: [192.168.1.60, "fd00::6", 192.168.1.59]}
  b: {lan: 192.168.1.2}
  "*.b": {lan: 192.168.1.3}
public:
  via: vps
  services: [photos, grafana, dual, a.b]
)";

class TraefikSchemaTest : public ::testing::Test {
 protected:
  // Renders `zone_file` with horizon-sync and returns the file's path.
  std::string render(const std::string& zone_file) {
    const std::string out = dir_.path() + "/public-services.yml";
    CommandResult r = runCommand(
        {HORIZON_SYNC_PATH, "apply", "--zone", zone_file, "--no-cloudflare", "--traefik-out", out},
        {{"CLOUDFLARE_API_TOKEN", ""}});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    EXPECT_THAT(r.out, HasSubstr("Traefik " + out + ": written"));
    return out;
  }

  CommandResult check(const std::string& file) {
    return runCommand({HORIZON_PYTHON, kChecker, file, kSchemaV2, kSchemaV3}, {});
  }

  TempDir dir_;
};

TEST_F(TraefikSchemaTest, TheShippedZoneRendersAValidFile) {
  const std::string file = render(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml");
  CommandResult r = check(file);
  EXPECT_EQ(r.exit_code, 0) << r.all() << slurp(file);
}

TEST_F(TraefikSchemaTest, ManyKindsOfServicesRenderAValidFile) {
  const std::string file = render(dir_.write("example.org.yaml", kManyServices));
  ASSERT_THAT(slurp(file), HasSubstr("http://[fd00::6]:80"));
  ASSERT_THAT(slurp(file), HasSubstr("a-b:"));
  CommandResult r = check(file);
  EXPECT_EQ(r.exit_code, 0) << r.all() << slurp(file);
}

TEST_F(TraefikSchemaTest, NoServicesRenderAValidFile) {
  std::string zone = kManyServices;
  zone.replace(zone.find("[photos, grafana, dual, a.b]"), 28, "[]");
  const std::string file = render(dir_.write("example.org.yaml", zone));
  ASSERT_THAT(slurp(file), HasSubstr("routers: {}"));
  CommandResult r = check(file);
  EXPECT_EQ(r.exit_code, 0) << r.all() << slurp(file);
}

TEST_F(TraefikSchemaTest, TheCheckFailsABrokenFile) {
  std::string text = slurp(render(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml"));
  text.replace(text.find("      rule:"), 11, "      priority: high\n      rule:");
  CommandResult r = check(dir_.write("broken.yml", text));
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_THAT(r.out, HasSubstr("http/routers/grafana/priority"));
}

}  // namespace
}  // namespace horizon::test
