// What the command lines of horizon-sync and dnsctl share (sync/cli/command_line.cpp): the sync
// options defined once, --version, bounded integers, and exit 64 for a bad command line.
#include "cli/command_line.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "horizon/version.hpp"

namespace horizon::sync {
namespace {

struct Parsed {
  std::optional<int> status;
  std::string out, err;
};

Parsed parse(CLI::App& app, std::vector<std::string> words) {
  words.insert(words.begin(), "horizon-sync");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Parsed p;
  p.status = parseCommandLine(app, static_cast<int>(argv.size()), argv.data());
  p.out = ::testing::internal::GetCapturedStdout();
  p.err = ::testing::internal::GetCapturedStderr();
  return p;
}

class SyncCommandLine : public ::testing::Test {
 protected:
  SyncCommandLine() {
    setUpProgram(app_);
    addSyncOptions(app_, settings_, &token_file_given_, "Sync options");
  }
  CLI::App app_{"test", "horizon-sync"};
  SyncSettings settings_;
  bool token_file_given_ = false;
};

TEST_F(SyncCommandLine, SyncOptionsLandInTheSettings) {
  const Parsed p = parse(app_, {"--deadline=30", "--traefik-out", "/tmp/t.yml", "--adopt",
                                "--token-file", "/run/secrets/cf"});
  EXPECT_FALSE(p.status) << p.err;
  EXPECT_EQ(settings_.deadline_seconds, 30);
  EXPECT_EQ(settings_.traefik_out, "/tmp/t.yml");
  EXPECT_TRUE(settings_.plan.adopt);
  EXPECT_EQ(settings_.token_file, "/run/secrets/cf");
  EXPECT_TRUE(token_file_given_);
}

TEST_F(SyncCommandLine, ReplaceAndAdoptTakeRepeatedNamesAndABareAdoptMeansEvery) {
  const Parsed p = parse(app_, {"--replace", "*", "--adopt", "grafana", "--replace=old", "--adopt",
                                "auth.madhan.app", "--verbose"});
  EXPECT_FALSE(p.status) << p.err;
  EXPECT_EQ(settings_.plan.replace_names, (std::vector<std::string>{"*", "old"}));
  EXPECT_EQ(settings_.plan.adopt_names, (std::vector<std::string>{"grafana", "auth.madhan.app"}));
  EXPECT_FALSE(settings_.plan.adopt);
  EXPECT_TRUE(settings_.verbose);

  CLI::App app{"test", "horizon-sync"};
  SyncSettings settings;
  setUpProgram(app);
  addSyncOptions(app, settings, nullptr, "Sync options");
  const Parsed bare = parse(app, {"--adopt", "--replace", "*"});
  EXPECT_FALSE(bare.status) << bare.err;
  EXPECT_TRUE(settings.plan.adopt);
  EXPECT_TRUE(settings.plan.adopt_names.empty());
  EXPECT_EQ(settings.plan.replace_names, (std::vector<std::string>{"*"}));
}

TEST_F(SyncCommandLine, VersionIsTheProjectsOneString) {
  const Parsed p = parse(app_, {"--version"});
  EXPECT_EQ(p.status, 0);
  EXPECT_EQ(p.out, std::string(kVersionString) + "\n");
}

TEST_F(SyncCommandLine, BadFlagsAndValuesExit64NamingTheFlag) {
  for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--no-such-flag"}, "--no-such-flag"},
           {{"--deadline", "abc"}, "--deadline"},
           {{"--batch-size", "0"}, "--batch-size"},
           {{"--token", "secret"}, "--token"}}) {
    CLI::App app{"test", "horizon-sync"};
    SyncSettings settings;
    bool given = false;
    setUpProgram(app);
    addSyncOptions(app, settings, &given, "Sync options");
    const Parsed p = parse(app, args);
    EXPECT_EQ(p.status, 64) << flag;
    EXPECT_NE(p.err.find(flag), std::string::npos) << p.err;
    EXPECT_EQ(p.err.find("secret"), std::string::npos) << "a token is never echoed: " << p.err;
  }
}

TEST(SyncCommandLineMoved, TraefikFlagsPointToTheirZoneFileKey) {
  for (const auto& [args, key] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--forward-auth-address", "http://a/x"}, "public.traefik.forward-auth-address"},
           {{"--traefik-entrypoint=web"}, "public.traefik.entrypoint"},
           {{"--traefik-backend-port", "8080"}, "public.traefik.backend: {port: PORT}"},
           {{"--traefik-middleware"}, "public.traefik.auth-middleware"}}) {
    CLI::App app{"test", "horizon-sync"};
    SyncSettings settings;
    setUpProgram(app);
    addSyncOptions(app, settings, nullptr, "Sync options");
    const Parsed p = parse(app, args);
    EXPECT_EQ(p.status, 64) << args[0];
    EXPECT_NE(p.err.find(key), std::string::npos) << p.err;
  }
}

TEST(CheckIntegerIn, BoundsAndDigits) {
  const CLI::Validator check = checkIntegerIn(1, 200);
  EXPECT_EQ(check("1"), "");
  EXPECT_EQ(check("200"), "");
  EXPECT_NE(check("0"), "");
  EXPECT_NE(check("201"), "");
  EXPECT_NE(check("2x"), "");
  EXPECT_NE(check(""), "");
}

}  // namespace
}  // namespace horizon::sync
