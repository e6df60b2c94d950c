// The deployment files outside Kubernetes: the systemd units (deploy/*.service and Bifrost's
// zone-pull timer) pass `systemd-analyze verify` with the built binaries in their ExecStart, and
// Bifrost's compose file (deploy/bifrost/compose.yaml) parses with Debian's docker-compose and
// names a command that works: run with the container's paths mapped to a temporary folder, it
// brings the fake Cloudflare in sync and writes Traefik's routes where Traefik reads them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "horizon/version.hpp"
#include "sync_support.hpp"
#include "test_support.hpp"

namespace horizon::test {
namespace {

using ::testing::HasSubstr;

const std::string kDeploy = HORIZON_SOURCE_DIR "/deploy";
constexpr const char* kSystemdAnalyze = "/usr/bin/systemd-analyze";
constexpr const char* kDockerCompose = "/usr/bin/docker-compose";

bool executable(const char* path) {
  return ::access(path, X_OK) == 0;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Verifies `unit_files` (name -> content) together, from a folder of their own.
CommandResult verifyUnits(const TempDir& dir, const std::map<std::string, std::string>& units) {
  std::vector<std::string> argv = {kSystemdAnalyze, "verify"};
  for (const auto& [name, content] : units) argv.push_back(dir.write(name, content));
  return runCommand(argv, {{"SYSTEMD_LOG_COLOR", "0"}});
}

TEST(DeployFiles, SystemdUnitsVerify) {
  if (!executable(kSystemdAnalyze))
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd)";
  TempDir dir;
  // The units name the installed paths; verify checks that ExecStart is executable, so the
  // built binaries stand in for them.
  std::map<std::string, std::string> units = {
      {"horizond.service",
       replaceAll(slurp(kDeploy + "/horizond.service"), "/usr/local/sbin/horizond", HORIZOND_PATH)},
      {"horizon-sync.service", replaceAll(slurp(kDeploy + "/horizon-sync.service"),
                                          "/usr/local/bin/horizon-sync", HORIZON_SYNC_PATH)},
      {"horizon-zone-pull.service", slurp(kDeploy + "/bifrost/horizon-zone-pull.service")},
      {"horizon-zone-pull.timer", slurp(kDeploy + "/bifrost/horizon-zone-pull.timer")}};
  ASSERT_THAT(units["horizond.service"], HasSubstr(HORIZOND_PATH));
  ASSERT_THAT(units["horizon-sync.service"], HasSubstr(HORIZON_SYNC_PATH));
  CommandResult r = verifyUnits(dir, units);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  // Warnings (an unknown key, a bad value) do not change the exit status: any line is one.
  EXPECT_EQ(r.all(), "") << "systemd-analyze had something to say";

  // The check can fail: a misspelt key and a relative command are reported.
  TempDir broken_dir;
  std::string broken = units["horizond.service"];
  broken = replaceAll(broken, "RestartSec=", "RestartSecs=");
  CommandResult misspelt = verifyUnits(broken_dir, {{"horizond.service", broken}});
  EXPECT_THAT(misspelt.all(), HasSubstr("RestartSecs")) << misspelt.all();
  CommandResult relative = verifyUnits(
      broken_dir, {{"horizond.service",
                    replaceAll(units["horizond.service"], HORIZOND_PATH, "no-such-dir/horizond")}});
  EXPECT_NE(relative.exit_code, 0) << relative.all();
}

// The compose file as docker-compose reads it, variables and defaults resolved.
YAML::Node composeConfig(const std::string& file, CommandResult* result) {
  *result = runCommand({kDockerCompose, "-f", file, "config"}, {{"HORIZON_REPO", ""}});
  return result->exit_code == 0 ? YAML::Load(result->out) : YAML::Node();
}

// The value after `flag` in `command`, or "".
std::string valueOf(const std::vector<std::string>& command, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < command.size(); ++i)
    if (command[i] == flag) return command[i + 1];
  return {};
}

// The container path under which `volume` ("HOST:CONTAINER[:MODE]") is mounted, and its host side.
std::pair<std::string, std::string> splitVolume(const std::string& volume) {
  const auto first = volume.find(':');
  const auto second = volume.find(':', first + 1);
  return {volume.substr(0, first), volume.substr(first + 1, second - first - 1)};
}

class BifrostComposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!executable(kDockerCompose))
      GTEST_SKIP() << "docker-compose is not installed (Debian package docker-compose)";
    CommandResult r;
    config_ = composeConfig(kDeploy + "/bifrost/compose.yaml", &r);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    service_ = config_["services"]["horizon-sync"];
    ASSERT_TRUE(service_.IsMap()) << r.out;
    command_ = service_["command"].as<std::vector<std::string>>();
    for (const auto& v : service_["volumes"]) volumes_.push_back(splitVolume(v.as<std::string>()));
  }

  // The host side of the volume that holds `container_path`, or "".
  std::string hostFolderOf(const std::string& container_path) const {
    for (const auto& [host, target] : volumes_)
      if (container_path.rfind(target + "/", 0) == 0) return host;
    return {};
  }

  YAML::Node config_, service_;
  std::vector<std::string> command_;
  std::vector<std::pair<std::string, std::string>> volumes_;
};

TEST_F(BifrostComposeTest, NamesTheWatchCommandAndItsVolumes) {
  // The tag deploy/image/build.sh gives the image: the project's version.
  EXPECT_EQ(service_["image"].as<std::string>(), std::string("horizon:") + kVersionNumber);
  EXPECT_EQ(service_["entrypoint"][0].as<std::string>(), "/usr/bin/horizon-sync");
  ASSERT_FALSE(command_.empty());
  EXPECT_EQ(command_[0], "watch");
  EXPECT_NE(service_["user"].as<std::string>().rfind("0:", 0), 0u) << "not root";
  EXPECT_TRUE(service_["read_only"].as<bool>());
  // The token is a file secret, mounted where --token-file reads it; never in the environment.
  EXPECT_EQ(valueOf(command_, "--token-file"), "/run/secrets/cloudflare-token");
  EXPECT_EQ(service_["secrets"][0]["source"].as<std::string>(), "cloudflare-token");
  EXPECT_TRUE(config_["secrets"]["cloudflare-token"]["file"].IsScalar());
  EXPECT_FALSE(service_["environment"]);
  // The zone comes from the pulled repository's zones folder, read-only; the routes go to the
  // folder Traefik's file provider watches.
  EXPECT_THAT(hostFolderOf(valueOf(command_, "--zone")), ::testing::EndsWith("/horizon/zones"));
  EXPECT_THAT(hostFolderOf(valueOf(command_, "--traefik-out")),
              ::testing::EndsWith("/traefik/dynamic"));
  bool zones_read_only = false;
  for (const auto& v : service_["volumes"])
    zones_read_only |= v.as<std::string>().find("/etc/horizon/zones:ro") != std::string::npos;
  EXPECT_TRUE(zones_read_only);
}

TEST_F(BifrostComposeTest, TheCommandRunsWithItsPathsMapped) {
  TempDir dir;
  FakeCloudflare fake;
  fake.setState({{"zones", {{{"id", "5e1f0c2b3a4d5e6f708192a3b4c5d6e7"}, {"name", "madhan.app"}}}},
                 {"records", {{"5e1f0c2b3a4d5e6f708192a3b4c5d6e7", Json::array()}}}});
  // Each container path becomes the same path below the temporary folder.
  const std::string root = dir.path();
  std::filesystem::create_directories(root + "/etc/horizon/zones");
  std::filesystem::create_directories(root + "/traefik/dynamic");
  std::filesystem::create_directories(root + "/run/secrets");
  writeText(root + "/etc/horizon/zones/madhan.app.yaml",
            slurp(HORIZON_SOURCE_DIR "/zones/madhan.app.yaml"));
  writeText(root + "/run/secrets/cloudflare-token", std::string(FakeCloudflare::kToken) + "\n");
  std::vector<std::string> argv = {HORIZON_SYNC_PATH};
  for (std::size_t i = 0; i < command_.size(); ++i) {
    const std::string& word = command_[i];
    if (word.rfind("/", 0) == 0)
      argv.push_back(root + word);
    else if (i > 0 && command_[i - 1] == "--metrics")
      argv.push_back("127.0.0.1:" + std::to_string(findFreePort()));
    else
      argv.push_back(word);
  }
  const std::string routes = root + valueOf(command_, "--traefik-out");
  const std::string log = root + "/watch.log";
  // The fake's address through the environment, as CLOUDFLARE_API_URL is read.
  ChildProcess watch(argv, log, {{"CLOUDFLARE_API_URL", fake.apiUrl()}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (fake.records("5e1f0c2b3a4d5e6f708192a3b4c5d6e7").size() < 5 ||
          !std::filesystem::exists(routes)))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(watch.stop(), 0) << slurp(log);
  EXPECT_EQ(fake.records("5e1f0c2b3a4d5e6f708192a3b4c5d6e7").size(), 5u) << slurp(log);
  EXPECT_THAT(slurp(routes), HasSubstr("Host(`grafana.madhan.app`)")) << slurp(log);
}

}  // namespace
}  // namespace horizon::test
