// horizond's flags and config file (server/config/): values land where they should, flags
// override the file, and every bad input is an error that names the flag or key.
#include "horizon/config/command_line.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace horizon::config {
namespace {

struct Args {
  std::vector<std::string> words;
  std::vector<char*> argv;
  explicit Args(std::vector<std::string> w) : words(std::move(w)) {
    words.insert(words.begin(), "horizond");
    for (auto& s : words) argv.push_back(s.data());
    argv.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(words.size()); }
};

std::optional<ServerConfig> parse(std::vector<std::string> words, std::string* error,
                                  bool* help = nullptr) {
  Args args(std::move(words));
  try {
    CommandLine command_line = parseCommandLine(args.argc(), args.argv.data());
    if (help) *help = command_line.action == CommandLine::Action::kHelp;
    if (command_line.action != CommandLine::Action::kServe) return std::nullopt;
    return command_line.config;
  } catch (const UsageError& e) {
    *error = e.what();
    return std::nullopt;
  }
}

// One file per test and process: ctest runs tests in parallel, and two tests sharing one path
// read each other's config (seen once in CI).
std::string writeConfig(const std::string& text) {
  std::string path = ::testing::TempDir() + "horizond_config_test." +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + "." +
                     std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(ListenAddress, Forms) {
  std::string error;
  auto v4 = parseListenAddress("127.0.0.1:5353", &error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 5353);
  auto v6 = parseListenAddress("[::1]:5353", &error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 5353);
  for (const char* bad : {"127.0.0.1:99999", "localhost:53", "[::1", "1.2.3.4:x", ""}) {
    error.clear();
    EXPECT_FALSE(parseListenAddress(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(CommandLine, FlagsFillTheConfig) {
  std::string error;
  auto config = parse({"--zone", "a.yaml", "--zone", "b.yaml", "--listen", "127.0.0.1:5353",
                       "--listen", "[::1]:5353", "--workers", "3", "--query-log"},
                      &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->zone_files, (std::vector<std::string>{"a.yaml", "b.yaml"}));
  ASSERT_EQ(config->listen.size(), 2u);
  EXPECT_EQ(config->listen[1].host, "::1");
  EXPECT_EQ(config->workers, 3u);
  EXPECT_TRUE(config->query_log);
}

TEST(CommandLine, FlagsOverrideTheConfigFile) {
  std::string path =
      writeConfig("zones: [z.yaml]\nlisten: [\"127.0.0.1:5300\"]\nworkers: 4\nlog-level: debug\n");
  std::string error;
  auto from_file = parse({"--config", path}, &error);
  ASSERT_TRUE(from_file) << error;
  EXPECT_EQ(from_file->workers, 4u);
  EXPECT_EQ(from_file->log_level, "debug");
  EXPECT_EQ(from_file->listen.at(0).port, 5300);
  auto overridden =
      parse({"--config", path, "--workers", "1", "--listen", "127.0.0.2:5301"}, &error);
  ASSERT_TRUE(overridden) << error;
  EXPECT_EQ(overridden->workers, 1u);
  ASSERT_EQ(overridden->listen.size(), 1u);  // a flag list replaces the file's list
  EXPECT_EQ(overridden->listen[0].host, "127.0.0.2");
}

TEST(CommandLine, ControlSocketAndPollIntervalFromFlagsAndFile) {
  std::string path = writeConfig(
      "zones: [z.yaml]\nlisten: [\"127.0.0.1:5300\"]\ncontrol: ctl.sock\n"
      "zone-poll-interval-ms: 500\n");
  std::string error;
  auto from_file = parse({"--config", path}, &error);
  ASSERT_TRUE(from_file) << error;
  // Relative to the config file's folder, like the zone files.
  EXPECT_EQ(from_file->control_socket,
            (std::filesystem::path(path).parent_path() / "ctl.sock").string());
  EXPECT_EQ(from_file->zone_poll_interval_ms, 500u);
  auto flags =
      parse({"--config", path, "--control", "/run/h.sock", "--zone-poll-interval-ms=0"}, &error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->control_socket, "/run/h.sock");
  EXPECT_EQ(flags->zone_poll_interval_ms, 0u);
  auto defaults = parse({"--zone", "z.yaml", "--listen", "5300"}, &error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_TRUE(defaults->control_socket.empty());
  EXPECT_EQ(defaults->zone_poll_interval_ms, 2000u);
  EXPECT_FALSE(
      parse({"--zone", "z.yaml", "--listen", "5300", "--zone-poll-interval-ms", "x"}, &error));
  EXPECT_NE(error.find("--zone-poll-interval-ms"), std::string::npos) << error;
  EXPECT_FALSE(parse({"--zone", "z.yaml", "--listen", "5300", "--control"}, &error));
  EXPECT_NE(error.find("--control"), std::string::npos) << error;
}

TEST(CommandLine, BadInputNamesTheCulprit) {
  struct Case {
    std::vector<std::string> args;
    std::string expected_in_error;
  };
  const std::vector<Case> cases = {
      {{"--zone", "z.yaml", "--listen", "127.0.0.1:53", "--bogus"}, "--bogus"},
      {{"--zone", "z.yaml", "--listen", "127.0.0.1:53", "--workers", "zero"}, "--workers"},
      {{"--zone", "z.yaml", "--listen", "nonsense"}, "--listen"},
      {{"--zone", "z.yaml", "--listen", "127.0.0.1:53", "--log-level", "loud"}, "loud"},
      {{"--zone"}, "--zone"},
      {{"--listen", "127.0.0.1:53"}, "zone"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(parse(c.args, &error)) << c.expected_in_error;
    EXPECT_NE(error.find(c.expected_in_error), std::string::npos)
        << "error '" << error << "' should mention " << c.expected_in_error;
  }
}

TEST(CommandLine, UnknownConfigKeyNamesItsLine) {
  std::string path = writeConfig("zones: [z.yaml]\nlisten: [\"127.0.0.1:53\"]\nworkrs: 2\n");
  std::string error;
  EXPECT_FALSE(parse({"--config", path}, &error));
  EXPECT_NE(error.find("workrs"), std::string::npos) << error;
  EXPECT_NE(error.find(":3"), std::string::npos) << error;
}

TEST(CommandLine, HelpIsReported) {
  std::string error;
  bool help = false;
  parse({"--help"}, &error, &help);
  EXPECT_TRUE(help);
  EXPECT_NE(usageText().find("--listen"), std::string::npos);
}

}  // namespace
}  // namespace horizon::config

namespace horizon::config {
namespace {

TEST(CommandLine, VersionAndExampleConfigAreActions) {
  Args version({"--version"});
  EXPECT_EQ(parseCommandLine(version.argc(), version.argv.data()).action,
            CommandLine::Action::kVersion);
  Args example({"--example-config"});
  EXPECT_EQ(parseCommandLine(example.argc(), example.argv.data()).action,
            CommandLine::Action::kExampleConfig);
}

TEST(CommandLine, SwitchesSetTheirValueAndRefuseOne) {
  std::string error;
  auto config = parse({"--zone", "z.yaml", "--listen", "5300", "--no-serve-stale",
                       "--no-qname-minimisation", "--no-cpu-affinity"},
                      &error);
  ASSERT_TRUE(config) << error;
  EXPECT_FALSE(config->serve_stale);
  EXPECT_FALSE(config->qname_minimisation);
  EXPECT_FALSE(config->cpu_affinity);
  auto defaults = parse({"--zone", "z.yaml", "--listen", "5300"}, &error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_TRUE(defaults->serve_stale);
  EXPECT_TRUE(defaults->cpu_affinity);
  EXPECT_FALSE(parse({"--zone", "z.yaml", "--listen", "5300", "--query-log=maybe"}, &error));
  EXPECT_NE(error.find("query-log"), std::string::npos) << error;
}

TEST(CommandLine, ListsFromFlagsReplaceTheFilesAndKeepTheirOrder) {
  const std::string path = writeConfig(
      "zones: [a.yaml, b.yaml]\nlisten: [\"5300\"]\nforward: [\"127.0.0.9\"]\n"
      "forward-zones: {cluster.local: [\"127.0.0.10\", \"127.0.0.11:5353\"]}\n"
      "rebinding-allow: [cluster.local]\n");
  std::string error;
  auto from_file = parse({"--config", path}, &error);
  ASSERT_TRUE(from_file) << error;
  ASSERT_EQ(from_file->zone_files.size(), 2u);
  EXPECT_EQ(from_file->zone_files[1],
            (std::filesystem::path(path).parent_path() / "b.yaml").string());
  ASSERT_EQ(from_file->forward_zones.size(), 1u);
  EXPECT_EQ(from_file->forward_zones[0].first, "cluster.local");
  EXPECT_EQ(from_file->forward_zones[0].second,
            (std::vector<std::string>{"127.0.0.10", "127.0.0.11:5353"}));
  auto flags = parse({"--config", path, "--zone", "c.yaml", "--forward", "127.0.0.7",
                      "--forward=127.0.0.8:5300", "--forward-zone", "ts.net=127.0.0.12"},
                     &error);
  ASSERT_TRUE(flags) << error;
  EXPECT_EQ(flags->zone_files, (std::vector<std::string>{"c.yaml"}));
  EXPECT_EQ(flags->forwarders, (std::vector<std::string>{"127.0.0.7", "127.0.0.8:5300"}));
  ASSERT_EQ(flags->forward_zones.size(), 1u);
  EXPECT_EQ(flags->forward_zones[0].first, "ts.net");
  EXPECT_EQ(flags->rebinding_allow, (std::vector<std::string>{"cluster.local"}));  // from the file
}

TEST(CommandLine, SwitchesInTheFileTakeYamlsSpellings) {
  for (const char* word : {"True", "YES", "on", "y"}) {
    const std::string path =
        writeConfig(std::string("zones: [z.yaml]\nlisten: [\"5300\"]\n") + "query-log: " + word +
                    "\nserve-stale: " + (word[0] == 'y' ? "n" : "Off") + "\n");
    std::string error;
    auto config = parse({"--config", path}, &error);
    ASSERT_TRUE(config) << word << ": " << error;
    EXPECT_TRUE(config->query_log) << word;
    EXPECT_FALSE(config->serve_stale) << word;
  }
}

TEST(CommandLine, BadConfigValuesNameKeyAndLine) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"zones: [z.yaml]\nlisten: [\"5300\"]\nworkers: lots\n", ":3: 'workers'"},
      {"zones: z.yaml\nlisten: [\"5300\"]\n", ":1: 'zones' must be a list"},
      {"zones: [z.yaml]\nlisten: [\"5300\"]\nquery-log: sometimes\n", "'query-log'"},
      {"zones: [z.yaml]\nlisten: [\"nowhere\"]\n", "'listen'"},
      {"zones: [z.yaml]\nlisten: [\"5300\"]\nlisten: [\"5301\"]\n", "given twice"},
      {"zones: [z.yaml]\nlisten: [\"5300\"]\nforward-zones: [a]\n", "'forward-zones'"},
  };
  for (const auto& c : cases) {
    const std::string path = writeConfig(c.yaml);
    std::string error;
    EXPECT_FALSE(parse({"--config", path}, &error)) << c.yaml;
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace horizon::config
