// The one table of horizond's settings (server/config/settings_table.cpp) and what is derived
// from it: --help, the example config, and deploy/horizond.yaml, which must be that example.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "horizon/config/command_line.hpp"
#include "horizon/config/settings.hpp"

namespace horizon::config {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SettingsTable, EveryRowIsComplete) {
  std::set<std::string_view> keys, flags;
  for (const Setting& s : settingsTable()) {
    EXPECT_TRUE(keys.insert(s.key).second) << "duplicate key " << s.key;
    EXPECT_TRUE(flags.insert(s.flag).second) << "duplicate flag " << s.flag;
    EXPECT_TRUE(s.flag.starts_with("--")) << s.key;
    EXPECT_FALSE(s.help.empty()) << s.key;
    EXPECT_FALSE(s.default_text.empty()) << s.key;
    EXPECT_FALSE(s.example.empty()) << s.key;
    EXPECT_FALSE(s.section.empty()) << s.key;
    EXPECT_EQ(s.kind == SettingKind::kSwitch, s.value_name.empty()) << s.key;
    if (s.kind == SettingKind::kNumber) {
      EXPECT_LE(s.min, s.max) << s.key;
    }
    if (s.kind == SettingKind::kChoice) {
      EXPECT_FALSE(s.choices.empty()) << s.key;
    }
    EXPECT_EQ(findSettingByKey(s.key), &s);
  }
  EXPECT_EQ(findSettingByKey("no-such-key"), nullptr);
}

// The documented default is the default ServerConfig holds.
TEST(SettingsTable, DefaultsAreWhatTheConfigStartsWith) {
  const ServerConfig defaults;
  for (const Setting& s : settingsTable()) {
    if (s.kind != SettingKind::kSwitch && s.kind != SettingKind::kNumber &&
        s.kind != SettingKind::kChoice)
      continue;
    ServerConfig applied = defaults;
    std::string error;
    ASSERT_TRUE(applySettingValue(s, s.default_text, applied, std::string(s.key), {}, &error))
        << error;
    // Applying the documented default changes nothing.
    std::visit([&](auto pointer) { EXPECT_EQ(applied.*pointer, defaults.*pointer) << s.key; },
               s.target);
  }
}

TEST(SettingsTable, HelpNamesEveryFlagAndKey) {
  // Lines wrap anywhere: compare with every run of whitespace as one space.
  std::string help;
  for (char c : usageText()) {
    const bool space = c == ' ' || c == '\n';
    if (!(space && !help.empty() && help.back() == ' ')) help.push_back(space ? ' ' : c);
  }
  for (const Setting& s : settingsTable()) {
    EXPECT_NE(help.find(std::string(s.flag)), std::string::npos) << s.flag;
    EXPECT_NE(help.find("config key: " + std::string(s.key)), std::string::npos) << s.key;
  }
}

TEST(SettingsTable, TheExampleConfigLoadsWithTheExampleValues) {
  const std::string text = exampleConfig();
  for (const Setting& s : settingsTable())
    EXPECT_NE(text.find(std::string(s.key) + ": "), std::string::npos) << s.key;
  const std::string path =
      ::testing::TempDir() + "horizond_example." + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << text;
  ServerConfig config;
  readConfigFile(path, config);
  EXPECT_EQ(config.listen.size(), 2u);
  EXPECT_EQ(config.control_socket, "/run/horizon/control.sock");
  ASSERT_EQ(config.forward_zones.size(), 1u);
  EXPECT_EQ(config.forward_zones[0].first, "cluster.local");
  EXPECT_TRUE(config.forwarders.empty());  // commented out: iterate by default
  EXPECT_TRUE(config.root_hints_file.empty());
  std::remove(path.c_str());
}

TEST(SettingsTable, DeployedExampleIsTheGeneratedOne) {
  const std::string deployed = readFile(std::string(HORIZON_SOURCE_DIR) + "/deploy/horizond.yaml");
  EXPECT_EQ(deployed, exampleConfig())
      << "deploy/horizond.yaml is generated: run build/server/horizond --example-config > "
         "deploy/horizond.yaml";
}

}  // namespace
}  // namespace horizon::config
